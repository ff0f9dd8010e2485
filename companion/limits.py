"""Rate limits per youth session and per address, counted in the store so all app processes share them.

A sliding one-minute window: this minute's hits plus the previous minute's, weighted by how much
of it still lies inside the last 60 seconds. Keys are keyed hashes ("s:" a session, "a:" an
address), so no raw IP or conversation id is ever stored here. This module only counts: the web
layer decides what a limited message gets, and it never silences a message from a young person
who may be in danger (such a message is still stored, scored and queued).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import case, delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from companion.store import RateLimitRow, Store

log = logging.getLogger(__name__)  # never logs an address or a key
WINDOW_S = 60
FLOOD_FACTOR = 3  # this many times over the limit, a message gets only the fast pattern check
CLEANUP_CHANCE = 0.01  # share of hits that also delete rows older than the window


@dataclass(frozen=True)
class Verdict:
    """Whether a hit is over a limit, and how long until the next one would not be."""

    limited: bool = False
    flood: bool = False  # far over the limit: refused unless the pattern layer sees danger
    retry_after_s: int = 0


ALLOWED = Verdict()


class RateLimits:
    """Counts hits per session and per address; a limit of 0 or less turns that limit off."""

    def __init__(
        self,
        store: Store,
        secret: bytes,
        per_session: int,
        per_address: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self._key = hashlib.sha256(b"companion-rate-limits\x00" + secret).digest()
        self.per_session = per_session
        self.per_address = per_address
        self.clock = clock

    def key(self, kind: str, value: str) -> str:
        """The stored key: a keyed hash (salted with the site's secret) of the session or address."""
        digest = hmac.new(self._key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()
        return f"{kind}:{digest[:48]}"

    def hit(self, session: str | None = None, address: str | None = None, cost: int = 1) -> Verdict:
        """Count one message (`cost` hits: a long one costs the classifier more) from this session
        and address; the worse of the two verdicts."""
        verdicts = []
        if session and self.per_session > 0:
            verdicts.append(self._hit(self.key("s", session), self.per_session, cost))
        if address and self.per_address > 0:
            verdicts.append(self._hit(self.key("a", address), self.per_address, cost))
        if not verdicts:
            return ALLOWED
        return Verdict(
            limited=any(v.limited for v in verdicts),
            flood=any(v.flood for v in verdicts),
            retry_after_s=max(v.retry_after_s for v in verdicts),
        )

    def _hit(self, key: str, limit: int, cost: int) -> Verdict:
        now = self.clock()
        minute = int(now // WINDOW_S)
        try:
            count, previous = self._count(key, minute, max(1, cost))
        except Exception:  # a limiter that cannot count must not stop a message: fail open
            log.warning("rate limit not counted: the store failed", exc_info=True)
            return ALLOWED
        estimated = _estimate(count, previous, now)
        if estimated <= limit:
            return ALLOWED
        retry = next(
            (t for t in range(1, 2 * WINDOW_S + 1) if _later(count, previous, now, t, minute) + 1 <= limit),
            2 * WINDOW_S,
        )
        return Verdict(limited=True, flood=estimated > FLOOD_FACTOR * limit, retry_after_s=retry)

    def _count(self, key: str, minute: int, cost: int) -> tuple[int, int]:
        table = RateLimitRow.__table__
        c = table.c
        insert = postgresql_insert if self.store.dialect == "postgresql" else sqlite_insert
        statement = insert(table).values(key=key, minute=minute, count=cost, previous=0)
        # Both databases evaluate every SET expression on the row as it was before the update.
        statement = statement.on_conflict_do_update(
            index_elements=[c.key],
            set_={
                "previous": case((c.minute == minute, c.previous), (c.minute == minute - 1, c.count), else_=0),
                "count": case((c.minute == minute, c.count + cost), else_=cost),
                "minute": minute,
            },
        ).returning(c.count, c.previous)
        with self.store.session() as s:
            count, previous = s.execute(statement).one()
            if random.random() < CLEANUP_CHANCE:
                s.execute(delete(RateLimitRow).where(RateLimitRow.minute < minute - 1))
        return count, previous


def _estimate(count: int, previous: int, now: float) -> float:
    inside = 1 - (now % WINDOW_S) / WINDOW_S  # share of the previous minute still in the window
    return count + previous * inside


def _later(count: int, previous: int, now: float, wait: int, minute: int) -> float:
    """The estimate `wait` seconds from now if nothing more is sent."""
    later = now + wait
    shift = int(later // WINDOW_S) - minute
    if shift == 0:
        return _estimate(count, previous, later)
    return _estimate(0, count if shift == 1 else 0, later)
