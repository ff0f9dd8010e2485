"""The human hotline queue and the counsellor's workflow, on the store.

A conversation that needs a person is queued at once (`request`, the `Handoff` interface the
triage path calls before any model call): one open entry per conversation, ordered by tier
(imminent, high, then moderate and requested) and then by waiting time; a rise in risk while
it waits raises its tier. A claim is atomic: under concurrent claims exactly one counsellor
wins (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: every transaction is `BEGIN IMMEDIATE`).
Every view of a transcript and every action is written to the audit log with who and when.
Nothing is deleted; only a counsellor, with a reason, lowers a conversation's level.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from companion.counsellors import Counsellor
from companion.errors import CompanionError
from companion.handoff import HandoffRequest
from companion.prompts import load_prompts
from companion.risk.levels import Level
from companion.settings import Settings
from companion.store import (
    AuditRow,
    ConversationRow,
    CounsellorRow,
    MessageRow,
    NoteRow,
    QueueEntryRow,
    Store,
    now,
)
from companion.transcripts import COUNSELLOR, NOTICE, USER, ConversationNotFound, StoredMessage, stored_message

OUTCOMES = ("safe-plan-made", "referred", "emergency-services-called", "not-at-risk", "disconnected")
WAITING, CLAIMED, RESOLVED = "waiting", "claimed", "resolved"
MAX_TEXT = 4000


class QueueError(CompanionError):
    """A queue action cannot be done as asked (already claimed, not yours, unknown outcome…)."""


class AlreadyClaimed(QueueError):
    def __init__(self) -> None:
        super().__init__("another counsellor has already claimed this conversation", "pick another from the queue")


@dataclass(frozen=True)
class Entry:
    """A queue entry as the console shows it."""

    id: int
    conversation_id: str
    tier: Level
    reason: str
    status: str
    enqueued_at: datetime
    waited_s: float
    service_level_s: float
    breached: bool
    claimed_by: str | None
    summary: dict = field(default_factory=dict)
    outcome: str | None = None


@dataclass(frozen=True)
class Stats:
    """The supervisor's view."""

    waiting_by_tier: dict[str, int]
    claimed: int
    longest_wait_s: float
    breached_now: int
    breaches_today: int
    outcomes_today: dict[str, int]
    median_wait_today_s: float | None


@lru_cache(maxsize=4)
def _topics(prompts_dir: Path) -> dict[str, dict[str, list[str]]]:
    path = prompts_dir / "topics.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}  # topics are a convenience: a broken file must never block a hand-off


def topics(texts: list[str], prompts_dir: Path) -> list[str]:
    joined = " ".join(texts).lower()
    return [
        name
        for name, words in _topics(prompts_dir).items()
        if any(w.lower() in joined for w in words.get("en", []) + words.get("zh", []))
    ]


class HotlineQueue:
    """Implements `companion.handoff.Handoff`; the web console and the CLI call the rest."""

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self.store = store
        self.settings = settings or Settings()
        self.service_levels = {
            Level.IMMINENT: self.settings.sla_imminent_s,
            Level.HIGH: self.settings.sla_high_s,
            Level.MODERATE: self.settings.sla_moderate_s,
        }

    # --- the triage path ------------------------------------------------------------------
    def request(self, request: HandoffRequest) -> None:
        """Queue the conversation (idempotent; raises the tier if it rose). Never calls a model."""
        tier = max(request.level, Level.MODERATE)  # a request for a person at any level counts as moderate
        summary = self.summary(request)
        for attempt in range(3):
            try:
                with self.store.session() as s:
                    self._request(s, request, tier, summary)
                return
            except IntegrityError:
                # Another process inserted this conversation's entry at the same moment: raise that one.
                if attempt == 2:
                    raise

    def _request(self, s, request: HandoffRequest, tier: Level, summary: dict) -> None:
        conversation = s.get(ConversationRow, request.conversation_id, with_for_update=True)
        if conversation is None:  # the triage path ran without transcripts: keep the hand-off anyway
            conversation = ConversationRow(
                id=request.conversation_id,
                language=request.language,
                locale=request.locale,
                level=int(request.level),
                checked_in=False,
                mode="bot",
                rising_since=0,
            )
            s.add(conversation)
        conversation.level = max(conversation.level, int(request.level))
        conversation.handed_off_at = max(conversation.handed_off_at or 0, int(request.level))
        if conversation.mode == "bot":
            conversation.mode = "waiting"
        entry = s.scalar(
            select(QueueEntryRow)
            .where(QueueEntryRow.conversation_id == request.conversation_id, QueueEntryRow.status != RESOLVED)
            .with_for_update()
        )
        if entry is None:
            s.add(
                QueueEntryRow(
                    conversation_id=request.conversation_id,
                    tier=int(tier),
                    reason=request.reason,
                    status=WAITING,
                    summary=summary,
                )
            )
            s.add(
                AuditRow(
                    actor="system",
                    action="queue.enqueue",
                    conversation_id=request.conversation_id,
                    detail={"tier": tier.label, "reason": request.reason},
                )
            )
            s.flush()  # the partial unique index refuses a second open entry here
        elif tier > entry.tier or request.reason == "risk":
            if tier > entry.tier:
                s.add(
                    AuditRow(
                        actor="system",
                        action="queue.raise",
                        conversation_id=request.conversation_id,
                        detail={"from": Level(entry.tier).label, "to": tier.label},
                    )
                )
                entry.tier, entry.raised_at = int(tier), now()
            entry.reason = "risk" if request.reason == "risk" else entry.reason
            kept = {k: v for k, v in (entry.summary or {}).items() if k == "model_summary"}
            entry.summary = summary | kept  # the model's note, written later, is not thrown away

    def summary(self, request: HandoffRequest) -> dict:
        """The hand-off summary, made from the triage record alone: no model, no waiting."""
        return {
            "tier": max(request.level, Level.MODERATE).label,
            "level": request.level.label,
            "reason": request.reason,
            "language": request.language,
            "locale": request.locale,
            "risk_messages": [
                {"text": m.text, "level": m.level, "evidence": list(m.evidence)} for m in request.risk_messages[-8:]
            ],
            "timeline": list(request.timeline),
            "topics": topics([m.text for m in request.risk_messages], self.settings.prompts_dir),
            "at": request.at,
        }

    def add_model_summary(self, conversation_id: str, text: str, model: str) -> bool:
        """Add the chat model's note to the open entry's summary, once written; the entry was
        committed long before. Returns False when no entry is open (resolved meanwhile)."""
        with self.store.session() as s:
            row = s.scalar(
                select(QueueEntryRow)
                .where(QueueEntryRow.conversation_id == conversation_id, QueueEntryRow.status != RESOLVED)
                .with_for_update()
            )
            if row is None:
                return False
            note = {"text": text, "model": model, "at": now().isoformat()}
            row.summary = dict(row.summary or {}) | {"model_summary": note}  # a new dict: the JSON column sees it
            s.add(AuditRow(actor="system", action="queue.model_summary", conversation_id=conversation_id, detail={}))
        return True

    # --- reading the queue ----------------------------------------------------------------
    def entries(self, include_claimed: bool = True) -> list[Entry]:
        """Open entries, most urgent first: tier, then the longest wait. Flags new breaches."""
        statuses = (WAITING, CLAIMED) if include_claimed else (WAITING,)
        with self.store.session() as s:
            rows = s.execute(
                select(QueueEntryRow, CounsellorRow.username)
                .outerjoin(CounsellorRow, CounsellorRow.id == QueueEntryRow.claimed_by)
                .where(QueueEntryRow.status.in_(statuses))
                .order_by(QueueEntryRow.tier.desc(), QueueEntryRow.enqueued_at, QueueEntryRow.id)
            ).all()
            self._flag_breaches(s, [r for r, _ in rows])
            return [self._entry(r, name) for r, name in rows]

    def entry(self, entry_id: int) -> Entry:
        with self.store.session() as s:
            row = s.get(QueueEntryRow, entry_id)
            if row is None:
                raise QueueError(f"no queue entry {entry_id}", "see `companion queue list`")
            name = s.scalar(select(CounsellorRow.username).where(CounsellorRow.id == row.claimed_by))
            return self._entry(row, name)

    def open_entry(self, conversation_id: str) -> Entry | None:
        with self.store.session() as s:
            row = s.scalar(
                select(QueueEntryRow).where(
                    QueueEntryRow.conversation_id == conversation_id, QueueEntryRow.status != RESOLVED
                )
            )
            if row is None:
                return None
            name = s.scalar(select(CounsellorRow.username).where(CounsellorRow.id == row.claimed_by))
            return self._entry(row, name)

    def _entry(self, row: QueueEntryRow, claimed_by: str | None) -> Entry:
        sla = self.service_levels.get(Level(row.tier), self.settings.sla_moderate_s)
        end = row.claimed_at if row.claimed_at else now()
        waited = (end - row.enqueued_at).total_seconds()
        return Entry(
            id=row.id,
            conversation_id=row.conversation_id,
            tier=Level(row.tier),
            reason=row.reason,
            status=row.status,
            enqueued_at=row.enqueued_at,
            waited_s=waited,
            service_level_s=sla,
            breached=row.breached_at is not None or (row.status == WAITING and waited > sla),
            claimed_by=claimed_by,
            summary=dict(row.summary or {}),
            outcome=row.outcome,
        )

    def _flag_breaches(self, s, rows: list[QueueEntryRow]) -> None:
        t = now()
        for row in rows:
            sla = self.service_levels.get(Level(row.tier), self.settings.sla_moderate_s)
            if row.status == WAITING and row.breached_at is None and (t - row.enqueued_at).total_seconds() > sla:
                row.breached_at = t
                s.add(
                    AuditRow(
                        actor="system",
                        action="queue.breach",
                        conversation_id=row.conversation_id,
                        detail={"tier": Level(row.tier).label, "service_level_s": sla},
                    )
                )

    def check_service_levels(self) -> list[Entry]:
        """Flag and return the waiting entries past their service level."""
        return [e for e in self.entries(include_claimed=False) if e.breached]

    def stats(self) -> Stats:
        entries = self.entries()
        day = now().replace(hour=0, minute=0, second=0, microsecond=0)
        with self.store.session() as s:
            outcomes = dict(
                s.execute(
                    select(QueueEntryRow.outcome, func.count())
                    .where(QueueEntryRow.status == RESOLVED, QueueEntryRow.resolved_at >= day)
                    .group_by(QueueEntryRow.outcome)
                ).all()
            )
            breaches = s.scalar(select(func.count()).where(QueueEntryRow.breached_at >= day)) or 0
            waits = sorted(
                w
                for w in s.scalars(select(QueueEntryRow.wait_s).where(QueueEntryRow.claimed_at >= day))
                if w is not None
            )
        waiting = [e for e in entries if e.status == WAITING]
        return Stats(
            waiting_by_tier={
                lv.label: sum(e.tier == lv for e in waiting) for lv in (Level.IMMINENT, Level.HIGH, Level.MODERATE)
            },
            claimed=sum(e.status == CLAIMED for e in entries),
            longest_wait_s=max((e.waited_s for e in waiting), default=0.0),
            breached_now=sum(e.breached for e in waiting),
            breaches_today=breaches,
            outcomes_today={o: outcomes.get(o, 0) for o in OUTCOMES},
            median_wait_today_s=waits[len(waits) // 2] if waits else None,
        )

    # --- the counsellor's actions ---------------------------------------------------------
    def claim(self, entry_id: int, counsellor: Counsellor) -> Entry:
        """Claim one entry; exactly one of several concurrent claimers wins."""
        with self.store.session() as s:
            row = s.scalar(
                select(QueueEntryRow)
                .where(QueueEntryRow.id == entry_id, QueueEntryRow.status == WAITING)
                .with_for_update(skip_locked=True)
            )
            if row is None:
                if s.get(QueueEntryRow, entry_id) is None:
                    raise QueueError(f"no queue entry {entry_id}", "see the queue")
                raise AlreadyClaimed()
            self._claim(s, row, counsellor)
        return self.entry(entry_id)

    def claim_next(self, counsellor: Counsellor) -> Entry | None:
        """Claim the most urgent waiting entry, or return None when none is left."""
        with self.store.session() as s:
            row = s.scalar(
                select(QueueEntryRow)
                .where(QueueEntryRow.status == WAITING)
                .order_by(QueueEntryRow.tier.desc(), QueueEntryRow.enqueued_at, QueueEntryRow.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if row is None:
                return None
            self._claim(s, row, counsellor)
            entry_id = row.id
        return self.entry(entry_id)

    def _claim(self, s, row: QueueEntryRow, counsellor: Counsellor) -> None:
        self._active(s, counsellor)
        t = now()
        row.status, row.claimed_by, row.claimed_at = CLAIMED, counsellor.id, t
        if row.wait_s is None:
            row.wait_s = (t - row.enqueued_at).total_seconds()
        conversation = s.get(ConversationRow, row.conversation_id, with_for_update=True)
        conversation.mode, conversation.counsellor_id = "counsellor", counsellor.id
        self._notice(s, conversation, "counsellor_joined")
        self._audit(s, counsellor, "queue.claim", row.conversation_id, entry=row.id, waited_s=round(row.wait_s, 1))

    def release(self, entry_id: int, counsellor: Counsellor, reason: str = "") -> None:
        """Put a claimed entry back in the queue, keeping its place (its original wait)."""
        with self.store.session() as s:
            row = self._claimed(s, entry_id, counsellor)
            row.status, row.claimed_by, row.claimed_at = WAITING, None, None
            conversation = s.get(ConversationRow, row.conversation_id, with_for_update=True)
            conversation.mode, conversation.counsellor_id = "waiting", None
            self._notice(s, conversation, "person_coming")
            self._audit(s, counsellor, "queue.release", row.conversation_id, entry=row.id, reason=reason[:500])

    def transfer(self, entry_id: int, counsellor: Counsellor, to_username: str) -> Entry:
        with self.store.session() as s:
            row = self._claimed(s, entry_id, counsellor)
            target = s.scalar(select(CounsellorRow).where(CounsellorRow.username == to_username))
            if target is None or not target.active:
                raise QueueError(f"no active counsellor {to_username!r}", "choose an active colleague")
            row.claimed_by = target.id
            s.get(ConversationRow, row.conversation_id).counsellor_id = target.id
            self._audit(s, counsellor, "queue.transfer", row.conversation_id, entry=row.id, to=to_username)
        return self.entry(entry_id)

    def resolve(
        self,
        entry_id: int,
        counsellor: Counsellor,
        outcome: str,
        notes: str = "",
        level: Level | None = None,
        reason: str = "",
    ) -> None:
        """Close the entry with an outcome from OUTCOMES; optionally lower the level, with a reason."""
        if outcome not in OUTCOMES:
            raise QueueError(f"unknown outcome {outcome!r}", f"use one of {', '.join(OUTCOMES)}")
        with self.store.session() as s:
            row = self._claimed(s, entry_id, counsellor)
            row.status, row.outcome, row.resolved_at = RESOLVED, outcome, now()
            if notes.strip():
                s.add(NoteRow(conversation_id=row.conversation_id, counsellor_id=counsellor.id, text=_text(notes)))
            self._audit(s, counsellor, "queue.resolve", row.conversation_id, entry=row.id, outcome=outcome)
            if level is not None:
                self._lower(s, row.conversation_id, counsellor, level, reason or notes)

    def set_level(self, conversation_id: str, counsellor: Counsellor, level: Level, reason: str) -> None:
        """A counsellor's review of the conversation's level (the only way it goes down)."""
        with self.store.session() as s:
            self._lower(s, conversation_id, counsellor, level, reason)

    def _lower(self, s, conversation_id: str, counsellor: Counsellor, level: Level, reason: str) -> None:
        if not reason.strip():
            raise QueueError("changing a conversation's level needs a reason", "write why in a sentence")
        conversation = self._conversation(s, conversation_id)
        before = Level(conversation.level)
        if level == before:
            return
        conversation.level = int(level)
        # A new run of moderates starts after the review; a lower level may be queued again.
        conversation.rising_since = s.scalar(
            select(func.count()).where(MessageRow.conversation_id == conversation_id, MessageRow.role == USER)
        )
        if conversation.handed_off_at is not None and level < Level(conversation.handed_off_at):
            conversation.handed_off_at = int(level) if level >= Level.HIGH else None
        self._audit(
            s,
            counsellor,
            "level.set",
            conversation_id,
            from_level=before.label,
            to_level=level.label,
            reason=reason[:500],
        )

    def hand_back(self, conversation_id: str, counsellor: Counsellor) -> None:
        """Give the conversation back to the companion once it is resolved and below `high`."""
        with self.store.session() as s:
            conversation = self._conversation(s, conversation_id)
            open_entry = s.scalar(
                select(QueueEntryRow).where(
                    QueueEntryRow.conversation_id == conversation_id, QueueEntryRow.status != RESOLVED
                )
            )
            if open_entry is not None:
                raise QueueError("the conversation's queue entry is still open", "resolve it with an outcome first")
            if Level(conversation.level).needs_human:
                raise QueueError(
                    f"the conversation is still at {Level(conversation.level).label}",
                    "lower its level with a reason when resolving, or stay with the young person",
                )
            conversation.mode, conversation.counsellor_id = "bot", None
            self._notice(s, conversation, "counsellor_left")
            self._audit(s, counsellor, "conversation.hand_back", conversation_id)

    def say(self, conversation_id: str, counsellor: Counsellor, text: str) -> StoredMessage:
        """A counsellor's message to the young person; only the one who claimed it (or a supervisor)."""
        text = _text(text)
        with self.store.session() as s:
            conversation = self._conversation(s, conversation_id)
            if conversation.mode != "counsellor" or (
                conversation.counsellor_id != counsellor.id and not counsellor.supervisor
            ):
                raise QueueError("you have not claimed this conversation", "claim it from the queue first")
            row = MessageRow(conversation_id=conversation_id, role=COUNSELLOR, text=text, counsellor_id=counsellor.id)
            s.add(row)
            s.flush()
            self._audit(s, counsellor, "message.send", conversation_id, message=row.id)
            return stored_message(row, counsellor.username)

    def add_note(self, conversation_id: str, counsellor: Counsellor, text: str) -> None:
        with self.store.session() as s:
            self._conversation(s, conversation_id)
            s.add(NoteRow(conversation_id=conversation_id, counsellor_id=counsellor.id, text=_text(text)))
            self._audit(s, counsellor, "note.add", conversation_id)

    def notes(self, conversation_id: str, counsellor: Counsellor) -> list[tuple[str, datetime, str]]:
        with self.store.session() as s:
            rows = s.execute(
                select(CounsellorRow.username, NoteRow.created_at, NoteRow.text)
                .join(CounsellorRow, CounsellorRow.id == NoteRow.counsellor_id)
                .where(NoteRow.conversation_id == conversation_id)
                .order_by(NoteRow.id)
            ).all()
            self._audit(s, counsellor, "notes.view", conversation_id)
            return [tuple(r) for r in rows]

    def transcript(self, conversation_id: str, counsellor: Counsellor) -> list[StoredMessage]:
        """The whole conversation with each message's level and evidence; the view is audited."""
        with self.store.session() as s:
            self._active(s, counsellor)
            self._conversation(s, conversation_id)
            rows = s.execute(
                select(MessageRow, CounsellorRow.username)
                .outerjoin(CounsellorRow, CounsellorRow.id == MessageRow.counsellor_id)
                .where(MessageRow.conversation_id == conversation_id)
                .order_by(MessageRow.id)
            ).all()
            self._audit(s, counsellor, "transcript.view", conversation_id)
            return [stored_message(m, name) for m, name in rows]

    def confirm_level(self, message_id: int, counsellor: Counsellor, level: Level) -> None:
        """A counsellor's reading of one user message: becomes training feedback."""
        with self.store.session() as s:
            row = s.get(MessageRow, message_id)
            if row is None or row.role != USER:
                raise QueueError(f"no user message {message_id}", "pick a message from the transcript")
            row.confirmed_level = int(level)
            self._audit(s, counsellor, "message.confirm", row.conversation_id, message=message_id, level=level.label)

    def audit(self, conversation_id: str | None = None, limit: int = 200) -> list[AuditRow]:
        with self.store.session() as s:
            query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
            if conversation_id is not None:
                query = query.where(AuditRow.conversation_id == conversation_id)
            return list(s.scalars(query))

    # --- helpers on a session -------------------------------------------------------------
    def _active(self, s, counsellor: Counsellor) -> None:
        row = s.get(CounsellorRow, counsellor.id)
        if row is None or not row.active:
            raise QueueError(f"counsellor {counsellor.username!r} is not active", "log in with an active account")

    def _claimed(self, s, entry_id: int, counsellor: Counsellor) -> QueueEntryRow:
        row = s.scalar(select(QueueEntryRow).where(QueueEntryRow.id == entry_id).with_for_update())
        if row is None:
            raise QueueError(f"no queue entry {entry_id}", "see the queue")
        if row.status != CLAIMED:
            raise QueueError(f"queue entry {entry_id} is {row.status}, not claimed", "claim it first")
        if row.claimed_by != counsellor.id and not counsellor.supervisor:
            raise QueueError("another counsellor has this conversation", "ask them or a supervisor")
        self._active(s, counsellor)
        return row

    def _conversation(self, s, conversation_id: str) -> ConversationRow:
        row = s.get(ConversationRow, conversation_id, with_for_update=True)
        if row is None:
            raise ConversationNotFound("no such conversation", "pick one from the queue")
        return row

    def _notice(self, s, conversation: ConversationRow, name: str) -> None:
        language = conversation.language or _last_language(s, conversation.id) or "en"
        text = load_prompts(self.settings.prompts_dir, language).fixed_reply(name, conversation.locale)
        s.add(MessageRow(conversation_id=conversation.id, role=NOTICE, text=text, language=language))

    @staticmethod
    def _audit(s, counsellor: Counsellor, action: str, conversation_id: str | None, **detail: object) -> None:
        s.add(AuditRow(actor=counsellor.username, action=action, conversation_id=conversation_id, detail=detail))


def _last_language(s, conversation_id: str) -> str | None:
    return s.scalar(
        select(MessageRow.language)
        .where(MessageRow.conversation_id == conversation_id, MessageRow.role == USER, MessageRow.language.is_not(None))
        .order_by(MessageRow.id.desc())
        .limit(1)
    )


def _text(text: str) -> str:
    text = text.replace("\x00", "").strip()
    if not text:
        raise QueueError("the message is empty", "write something first")
    if len(text) > MAX_TEXT:
        raise QueueError(f"the text is {len(text):,} characters; the limit is {MAX_TEXT:,}", "shorten it")
    return text


def export_feedback(store: Store) -> list[dict]:
    """Counsellor-confirmed levels of user messages, in the training data format."""
    with store.session() as s:
        rows = list(
            s.scalars(
                select(MessageRow)
                .where(MessageRow.role == USER, MessageRow.confirmed_level.is_not(None))
                .order_by(MessageRow.id)
            )
        )
        out = []
        for row in rows:
            context = list(
                s.scalars(
                    select(MessageRow.text)
                    .where(
                        MessageRow.conversation_id == row.conversation_id,
                        MessageRow.role == USER,
                        MessageRow.id < row.id,
                    )
                    .order_by(MessageRow.id.desc())
                    .limit(2)
                )
            )[::-1]
            out.append(
                {
                    "id": f"feedback-{row.id}",
                    "text": row.text,
                    "lang": row.language or "en",
                    "risk": Level(row.confirmed_level).label,
                    "labels": ["counsellor-confirmed"],
                    "source": "counsellor-feedback",
                    "context": context,
                }
            )
        return out
