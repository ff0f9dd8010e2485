"""Conversations kept in the store, so any app process can carry on any conversation.

Every user message is committed before it is scored or answered; its risk reading follows in
a second commit. A conversation's state (level, hand-off, check-in, mode) is rebuilt from the
rows, so it survives restarts. Never deletes or rewrites a message's text, and never lowers
a stored level: `save()` keeps the higher of the stored and the new level, and only a
counsellor's decision (in companion.queue) writes a lower one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from companion.errors import CompanionError
from companion.risk import Assessment, ConversationRisk, Level
from companion.store import ConversationRow, CounsellorRow, MessageRow, Store

USER, COMPANION, COUNSELLOR, NOTICE = "user", "companion", "counsellor", "notice"


class ConversationNotFound(CompanionError):
    """No conversation has that id (or it is not yours to see)."""


@dataclass(frozen=True)
class StoredMessage:
    """A message as counsellors and the web app see it."""

    id: int
    role: str
    text: str
    at: datetime
    level: Level | None = None
    evidence: tuple[dict, ...] = ()
    probabilities: dict | None = None
    counsellor: str | None = None
    confirmed_level: Level | None = None


def _level(value: int | None) -> Level | None:
    return None if value is None else Level(value)


def stored_message(row: MessageRow, counsellor: str | None = None) -> StoredMessage:
    return StoredMessage(
        id=row.id,
        role=row.role,
        text=row.text,
        at=row.created_at,
        level=_level(row.level),
        evidence=tuple(row.evidence or ()),
        probabilities=row.probabilities,
        counsellor=counsellor,
        confirmed_level=_level(row.confirmed_level),
    )


def evidence_rows(assessment: Assessment) -> list[dict]:
    return [{"kind": e.kind, "text": e.text, "level": e.level.label, "detail": e.detail} for e in assessment.evidence]


class Transcripts:
    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, conversation) -> None:
        """Store a new conversation; if another process stored it a moment ago, keep that one."""
        try:
            self._create(conversation)
        except IntegrityError:
            pass  # the same id, created by a concurrent first message on another process

    def _create(self, conversation) -> None:
        with self.store.session() as s:
            s.add(
                ConversationRow(
                    id=conversation.id,
                    language=conversation.language,
                    locale=conversation.locale,
                    level=int(conversation.risk.level),
                    checked_in=False,
                    mode="bot",
                    rising_since=0,
                )
            )

    def load(self, conversation_id: str):
        """The conversation with its history and risk state, as the service needs it."""
        from companion.handoff import RiskMessage
        from companion.service import Conversation, Exchange

        with self.store.session() as s:
            row = s.get(ConversationRow, conversation_id)
            if row is None:
                raise ConversationNotFound("no such conversation", "start a new conversation")
            messages = list(
                s.scalars(
                    select(MessageRow).where(MessageRow.conversation_id == conversation_id).order_by(MessageRow.id)
                )
            )
        conversation = Conversation(
            id=row.id, language=row.language, locale=row.locale, checked_in=row.checked_in, mode=row.mode
        )
        conversation.handed_off_at = _level(row.handed_off_at)
        users = [m for m in messages if m.role == USER]
        conversation.user_messages = [m.text for m in users]
        conversation.risk = ConversationRisk(
            level=Level(row.level),
            messages=[Level(m.own_level) for m in users[row.rising_since :] if m.own_level is not None],
        )
        conversation.risk_messages = [
            RiskMessage(m.text, Level(m.level).label, [e["text"] for e in m.evidence or ()])
            for m in users
            if m.level is not None and m.level >= Level.MODERATE
        ]
        pending: str | None = None
        for m in messages:
            if m.role == USER:
                pending = m.text
            elif m.role in (COMPANION, COUNSELLOR) and pending is not None:
                conversation.history.append(Exchange(pending, m.text))
                pending = None
        conversation.last_message_id = messages[-1].id if messages else 0
        return conversation

    def refresh(self, conversation) -> None:
        """Bring an in-memory conversation up to date with the store (another process, a counsellor).

        A conversation the store has never seen is created, so no message is ever dropped.
        """
        try:
            fresh = self.load(conversation.id)
        except ConversationNotFound:
            self.create(conversation)
            return
        for name in ("handed_off_at", "user_messages", "risk", "risk_messages", "history", "mode", "checked_in"):
            # language and locale stay as the caller has them: the youth's latest choice wins
            setattr(conversation, name, getattr(fresh, name))
        conversation.last_message_id = fresh.last_message_id

    def add_user_message(self, conversation, text: str, language: str) -> int:
        """Commit the message as received, before anything else happens to it."""
        with self.store.session() as s:
            row = MessageRow(conversation_id=conversation.id, role=USER, text=text, language=language)
            s.add(row)
            s.flush()
            return row.id

    def add_reading(self, conversation, message_id: int, assessment: Assessment) -> None:
        """Store a message's risk reading and the conversation's state after it, in one commit."""
        with self.store.session() as s:
            message = s.get(MessageRow, message_id)
            message.level = int(assessment.level)
            message.own_level = int(assessment.own_level)
            message.conversation_level = int(conversation.risk.level)
            message.probabilities = dict(assessment.probabilities)
            message.evidence = evidence_rows(assessment)
            self._save(s, conversation)

    def add_reply(self, conversation, text: str, role: str = COMPANION, guard: dict | None = None) -> int:
        with self.store.session() as s:
            row = MessageRow(conversation_id=conversation.id, role=role, text=text, guard=guard)
            s.add(row)
            self._save(s, conversation)
            s.flush()
            return row.id

    def save(self, conversation) -> None:
        with self.store.session() as s:
            self._save(s, conversation)

    def _save(self, s, conversation) -> None:
        row = s.get(ConversationRow, conversation.id, with_for_update=True)
        # Another process may have raised it meanwhile: keep the higher level.
        row.level = max(row.level, int(conversation.risk.level))
        if conversation.handed_off_at is not None:
            row.handed_off_at = max(row.handed_off_at or 0, int(conversation.handed_off_at))
        row.checked_in = row.checked_in or conversation.checked_in
        row.language, row.locale = conversation.language, conversation.locale  # the youth may switch
        conversation.risk.level = Level(row.level)
        conversation.mode = row.mode

    def messages(self, conversation_id: str, after: int = 0) -> list[StoredMessage]:
        """Messages after message id `after`, oldest first (the youth's page polls this)."""
        with self.store.session() as s:
            rows = s.execute(
                select(MessageRow, CounsellorRow.username)
                .outerjoin(CounsellorRow, CounsellorRow.id == MessageRow.counsellor_id)
                .where(MessageRow.conversation_id == conversation_id, MessageRow.id > after)
                .order_by(MessageRow.id)
            ).all()
            return [stored_message(m, name) for m, name in rows]

    def mode(self, conversation_id: str) -> str:
        with self.store.session() as s:
            row = s.get(ConversationRow, conversation_id)
            if row is None:
                raise ConversationNotFound("no such conversation", "start a new conversation")
            return row.mode


def export(store: Store, prompts_dir, redacted: bool = True) -> list[dict]:
    """Every conversation with its messages, for research or audit; redacted unless asked not to."""
    from companion.privacy import redact

    def clean(text: str) -> str:
        return redact(text, prompts_dir) if redacted else text

    with store.session() as s:
        conversations = list(s.scalars(select(ConversationRow).order_by(ConversationRow.created_at)))
        rows = s.execute(
            select(MessageRow, CounsellorRow.username)
            .outerjoin(CounsellorRow, CounsellorRow.id == MessageRow.counsellor_id)
            .order_by(MessageRow.id)
        ).all()
    by_conversation: dict[str, list[dict]] = {}
    for m, counsellor in rows:
        by_conversation.setdefault(m.conversation_id, []).append(
            {
                "role": m.role,
                "counsellor": counsellor,
                "text": clean(m.text),
                "at": m.created_at.isoformat(),
                "level": None if m.level is None else Level(m.level).label,
                "confirmed_level": None if m.confirmed_level is None else Level(m.confirmed_level).label,
                "evidence": [e | {"text": clean(e["text"])} for e in m.evidence or ()],
            }
        )
    return [
        {
            "id": c.id,
            "created_at": c.created_at.isoformat(),
            "locale": c.locale,
            "level": Level(c.level).label,
            "redacted": redacted,
            "messages": by_conversation.get(c.id, []),
        }
        for c in conversations
    ]
