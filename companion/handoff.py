"""Handing a conversation to a person: the one interface the human queue implements.

The triage path calls `request()` before any reply is generated, so it must be quick and
must not depend on the language model. `companion.queue.HotlineQueue` is the real one (on
SQLite or PostgreSQL); `JsonlHandoff` appends each request durably to a file, for tools that
run without a database, and `MemoryHandoff` keeps them in memory for tests.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from companion.risk.levels import Level


@dataclass(frozen=True)
class RiskMessage:
    """A user message that carried risk, with what drove its level."""

    text: str
    level: str
    evidence: list[str]


@dataclass(frozen=True)
class HandoffRequest:
    conversation_id: str
    level: Level
    language: str
    locale: str
    reason: str  # "risk" or "requested"
    risk_messages: list[RiskMessage]
    timeline: list[str]  # each user message's level, oldest first
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())


class Handoff(Protocol):
    def request(self, request: HandoffRequest) -> None:
        """Queue the conversation for a person; idempotent per conversation, may re-prioritise."""


class MemoryHandoff:
    """Keeps requests in memory (tests, evaluation on a throw-away run)."""

    def __init__(self) -> None:
        self.requests: list[HandoffRequest] = []

    def request(self, request: HandoffRequest) -> None:
        self.requests.append(request)


class JsonlHandoff:
    """Appends requests to a JSON Lines file, flushed to disk before returning."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def request(self, request: HandoffRequest) -> None:
        row = asdict(request) | {"level": request.level.label}
        line = json.dumps(row, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
