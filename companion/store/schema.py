"""The tables: conversations and their messages, the human queue, counsellors, notes, audit.

Risk levels are stored as the integers of `companion.risk.Level` (0 none … 4 imminent), so
"worse" sorts higher everywhere, the queue's priority included. Times are UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use datetime.now(UTC)")
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class ConversationRow(Base):
    """One young person's conversation, with the state the triage path keeps between messages."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    language: Mapped[str | None] = mapped_column(String(8))  # forced reply language, else None
    locale: Mapped[str | None] = mapped_column(String(8))
    level: Mapped[int] = mapped_column(Integer, default=0)  # highest reached, lowered only by a counsellor
    handed_off_at: Mapped[int | None] = mapped_column(Integer)  # level at which it was last queued
    checked_in: Mapped[bool] = mapped_column(Boolean, default=False)
    # bot: the companion answers; waiting: queued for a person; counsellor: a person has joined
    mode: Mapped[str] = mapped_column(String(16), default="bot")
    counsellor_id: Mapped[int | None] = mapped_column(Integer)  # the counsellor who has joined
    rising_since: Mapped[int] = mapped_column(Integer, default=0)  # messages before it don't count to the rising rule


class MessageRow(Base):
    """A message in a conversation; user messages carry their risk reading."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    role: Mapped[str] = mapped_column(String(16))  # user | companion | counsellor | notice
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    language: Mapped[str | None] = mapped_column(String(8))
    level: Mapped[int | None] = mapped_column(Integer)  # the message read in its context
    own_level: Mapped[int | None] = mapped_column(Integer)  # the message read alone
    conversation_level: Mapped[int | None] = mapped_column(Integer)  # the conversation's level after it
    probabilities: Mapped[dict | None] = mapped_column(JSON)
    evidence: Mapped[list | None] = mapped_column(JSON)
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("counsellors.id"))
    confirmed_level: Mapped[int | None] = mapped_column(Integer)  # a counsellor's reading, for training
    guard: Mapped[dict | None] = mapped_column(JSON)  # output-guard event on a generated reply


class CounsellorRow(Base):
    __tablename__ = "counsellors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="counsellor")  # counsellor | supervisor
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class QueueEntryRow(Base):
    """A conversation waiting for, or with, a person. At most one open entry per conversation."""

    __tablename__ = "queue_entries"
    __table_args__ = (
        Index(
            "uq_queue_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("status != 'resolved'"),
            postgresql_where=text("status != 'resolved'"),
        ),
        Index("ix_queue_priority", "status", "tier", "enqueued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    tier: Mapped[int] = mapped_column(Integer)  # risk level: imminent before high before moderate
    reason: Mapped[str] = mapped_column(String(16))  # risk | requested
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting | claimed | resolved
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the tier last rose while open
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("counsellors.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(32))
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first seen past its service level
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    wait_s: Mapped[float | None] = mapped_column(Float)  # enqueue to first claim


class NoteRow(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("counsellors.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class AuditRow(Base):
    """Who did or saw what, and when: every transcript view and every queue action."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    actor: Mapped[str] = mapped_column(String(64))  # a counsellor's username, or "system"
    action: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class RateLimitRow(Base):
    """Messages counted per youth session or per address in the current and previous minute.

    `key` is a keyed hash ("s:…" a session, "a:…" an address): never a raw IP or conversation id.
    """

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    minute: Mapped[int] = mapped_column(Integer, index=True)  # minutes since the epoch
    count: Mapped[int] = mapped_column(Integer, default=0)  # hits in `minute`
    previous: Mapped[int] = mapped_column(Integer, default=0)  # hits in the minute before it
