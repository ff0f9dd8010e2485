"""The human queue on SQLite and on a real PostgreSQL server: order, claims, workflow, audit."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from sqlalchemy import select

from companion.counsellors import Accounts
from companion.handoff import HandoffRequest, RiskMessage
from companion.queue import AlreadyClaimed, HotlineQueue, QueueError, export_feedback
from companion.risk.levels import Level
from companion.service import Companion
from companion.settings import Settings
from companion.store import AuditRow, ConversationRow, open_store
from companion.transcripts import Transcripts


@pytest.fixture
def queue(database_url, settings) -> HotlineQueue:
    return HotlineQueue(open_store(database_url), settings)


def counsellor(queue: HotlineQueue, name: str, role: str = "counsellor"):
    return Accounts(queue.store).create(name, "a long enough password", role=role)


def ask(queue: HotlineQueue, conversation_id: str, level: Level, reason: str = "risk", text: str = "") -> None:
    messages = [RiskMessage(text, level.label, [text])] if text else []
    queue.request(HandoffRequest(conversation_id, level, "en", "us", reason, messages, [level.label]))


def test_enqueue_is_idempotent_and_a_rise_reorders(queue):
    ask(queue, "a", Level.HIGH)
    ask(queue, "b", Level.HIGH)
    ask(queue, "a", Level.HIGH)  # the same conversation again: still one entry
    assert [e.conversation_id for e in queue.entries()] == ["a", "b"]
    ask(queue, "b", Level.IMMINENT)  # b's risk rose while it waited: it goes first
    assert [(e.conversation_id, e.tier) for e in queue.entries()] == [("b", Level.IMMINENT), ("a", Level.HIGH)]
    ask(queue, "b", Level.HIGH)  # a lower reading never lowers the tier
    assert queue.entries()[0].tier == Level.IMMINENT
    assert [a.action for a in queue.audit("b")].count("queue.raise") == 1


def test_priority_is_tier_then_waiting_time(queue):
    ask(queue, "requested", Level.LOW, reason="requested")
    time.sleep(0.01)
    ask(queue, "high-old", Level.HIGH)
    time.sleep(0.01)
    ask(queue, "high-new", Level.HIGH)
    time.sleep(0.01)
    ask(queue, "imminent", Level.IMMINENT)
    entries = queue.entries()
    assert [e.conversation_id for e in entries] == ["imminent", "high-old", "high-new", "requested"]
    assert entries[-1].tier == Level.MODERATE and entries[-1].reason == "requested"  # a request counts as moderate


def test_a_claim_is_won_once_and_the_workflow_is_audited(queue):
    mei, sam = counsellor(queue, "mei"), counsellor(queue, "sam")
    ask(queue, "c1", Level.HIGH, text="I want to kill myself")
    entry = queue.entries()[0]
    claimed = queue.claim(entry.id, mei)
    assert claimed.status == "claimed" and claimed.claimed_by == "mei"
    with pytest.raises(AlreadyClaimed):
        queue.claim(entry.id, sam)
    with pytest.raises(QueueError, match="another counsellor"):
        queue.resolve(entry.id, sam, "referred")
    with pytest.raises(QueueError, match="not claimed"):
        queue.say("c1", sam, "hello")
    queue.say("c1", mei, "Hi, I'm Mei, a counsellor. I'm here now.")
    queue.add_note("c1", mei, "Has a safe friend nearby.")
    queue.transcript("c1", mei)
    queue.transfer(entry.id, mei, "sam")
    assert queue.entry(entry.id).claimed_by == "sam"
    with pytest.raises(QueueError, match="unknown outcome"):
        queue.resolve(entry.id, sam, "fine")
    queue.resolve(entry.id, sam, "safe-plan-made", notes="Plan agreed with mum.", level=Level.MODERATE, reason="plan")
    assert queue.entries() == [] and queue.entry(entry.id).outcome == "safe-plan-made"
    notes = [n[2] for n in queue.notes("c1", sam)]
    assert notes == ["Has a safe friend nearby.", "Plan agreed with mum."]
    actions = [(a.actor, a.action) for a in reversed(queue.audit("c1"))]
    for expected in [
        ("system", "queue.enqueue"),
        ("mei", "queue.claim"),
        ("mei", "message.send"),
        ("mei", "note.add"),
        ("mei", "transcript.view"),
        ("mei", "queue.transfer"),
        ("sam", "queue.resolve"),
        ("sam", "level.set"),
        ("sam", "notes.view"),
    ]:
        assert expected in actions


def test_release_puts_the_entry_back_in_its_place(queue):
    mei = counsellor(queue, "mei")
    ask(queue, "first", Level.HIGH)
    time.sleep(0.01)
    ask(queue, "second", Level.HIGH)
    first = queue.entries()[0]
    queue.claim(first.id, mei)
    queue.release(first.id, mei, reason="called away")
    assert [e.conversation_id for e in queue.entries()] == ["first", "second"]
    assert queue.entries()[0].status == "waiting"


def test_twenty_counsellors_claiming_five_entries_at_once_get_exactly_five(queue):
    people = [counsellor(queue, f"c{i}") for i in range(20)]
    for i in range(5):
        ask(queue, f"conv{i}", Level.HIGH)
    start, results, errors = threading.Barrier(20), [], []

    def worker(person):
        start.wait()
        try:
            entry = queue.claim_next(person)
            if entry is not None:
                results.append((entry.id, person.username))
        except Exception as exc:  # noqa: BLE001 - any failure is a test failure below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(results) == 5
    assert len({entry for entry, _ in results}) == 5  # no entry claimed twice
    assert {e.claimed_by for e in queue.entries()} == {who for _, who in results}


def test_twenty_counsellors_claiming_the_same_entry_one_wins(queue):
    people = [counsellor(queue, f"c{i}") for i in range(20)]
    ask(queue, "only", Level.IMMINENT)
    entry_id = queue.entries()[0].id
    start, outcomes = threading.Barrier(20), Counter()

    def worker(person):
        start.wait()
        try:
            queue.claim(entry_id, person)
            outcomes["won"] += 1
        except AlreadyClaimed:
            outcomes["lost"] += 1

    threads = [threading.Thread(target=worker, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes == Counter(won=1, lost=19)
    assert sum(a.action == "queue.claim" for a in queue.audit("only")) == 1


def test_entries_past_their_service_level_are_flagged_and_counted(database_url, settings, tmp_path):
    fast = Settings(**(settings.model_dump() | {"sla_high_s": 0.05, "sla_moderate_s": 3600}))
    queue = HotlineQueue(open_store(database_url), fast)
    ask(queue, "late", Level.HIGH)
    ask(queue, "fine", Level.LOW, reason="requested")
    time.sleep(0.1)
    breached = queue.check_service_levels()
    assert [e.conversation_id for e in breached] == ["late"]
    stats = queue.stats()
    assert stats.breached_now == 1 and stats.breaches_today == 1
    assert stats.waiting_by_tier == {"imminent": 0, "high": 1, "moderate": 1}
    assert stats.longest_wait_s >= 0.1
    queue.check_service_levels()  # flagged once, not on every look
    assert sum(a.action == "queue.breach" for a in queue.audit("late")) == 1


def test_summary_is_ready_at_enqueue_without_a_model(queue):
    ask(queue, "s", Level.HIGH, text="my parents hit me and I want to kill myself")
    summary = queue.entries()[0].summary
    assert summary["tier"] == "high" and summary["language"] == "en" and summary["locale"] == "us"
    assert summary["risk_messages"][0]["evidence"] == ["my parents hit me and I want to kill myself"]
    assert {"suicide", "abuse", "family"} <= set(summary["topics"])
    assert summary["timeline"] == ["high"]


def test_live_takeover_silences_the_bot_and_reaches_the_youth(queue, full_knowledge):
    from companion.risk import RiskScorer

    llm = FakeListChatModel(responses=["A generated answer."] * 5)
    transcripts = Transcripts(queue.store)
    c = Companion(full_knowledge.settings, full_knowledge, llm, RiskScorer(), queue, transcripts)
    mei = counsellor(queue, "mei")
    conversation = c.start_conversation()
    c.request_person(conversation, language="en")  # the "talk to a person" button, at level none
    entry = queue.entries()[0]
    assert entry.tier == Level.MODERATE and transcripts.mode(conversation.id) == "waiting"

    queue.claim(entry.id, mei)
    seen = transcripts.messages(conversation.id)
    assert seen[-1].role == "notice" and "counsellor has joined" in seen[-1].text
    turn = c.handle_message(conversation, "hi, is someone there?")
    assert turn.with_counsellor and turn.answer is None and turn.fixed is None  # the bot stays silent
    queue.say(conversation.id, mei, "Yes, I'm Mei. I'm here.")
    latest = transcripts.messages(conversation.id, after=turn.message_id)
    assert [(m.role, m.text, m.counsellor) for m in latest] == [("counsellor", "Yes, I'm Mei. I'm here.", "mei")]

    with pytest.raises(QueueError, match="still open"):
        queue.hand_back(conversation.id, mei)
    queue.resolve(entry.id, mei, "not-at-risk", notes="Wanted to talk about exams.")
    queue.hand_back(conversation.id, mei)
    assert transcripts.messages(conversation.id)[-1].role == "notice"
    turn = c.handle_message(conversation, "thanks, how do I sleep better before exams?")
    assert turn.answer is not None  # the companion answers again
    list(turn.answer.tokens())
    c.record(turn)
    assert transcripts.messages(conversation.id)[-1].text == "A generated answer."


def test_hand_back_is_refused_while_the_level_needs_a_person(queue):
    mei = counsellor(queue, "mei")
    ask(queue, "h", Level.HIGH)
    entry = queue.entries()[0]
    queue.claim(entry.id, mei)
    queue.resolve(entry.id, mei, "referred")
    with pytest.raises(QueueError, match="still at high"):
        queue.hand_back("h", mei)
    with pytest.raises(QueueError, match="needs a reason"):
        queue.set_level("h", mei, Level.LOW, reason=" ")
    queue.set_level("h", mei, Level.LOW, reason="spoke for 40 minutes; safe with family tonight")
    queue.hand_back("h", mei)
    with queue.store.session() as s:
        row = s.get(ConversationRow, "h")
        assert (row.mode, row.level, row.handed_off_at) == ("bot", Level.LOW, None)


def test_confirmed_levels_export_as_training_feedback(queue, full_knowledge, tmp_path):
    import json

    from companion.risk import RiskScorer
    from companion.risk.training import read_examples

    transcripts = Transcripts(queue.store)
    c = Companion(
        full_knowledge.settings,
        full_knowledge,
        FakeListChatModel(responses=["ok"] * 3),
        RiskScorer(),
        queue,
        transcripts,
    )
    mei = counsellor(queue, "mei")
    conversation = c.start_conversation()
    c.handle_message(conversation, "school was rough today")
    turn = c.handle_message(conversation, "i have the pills next to me")
    queue.confirm_level(turn.message_id, mei, Level.IMMINENT)
    rows = export_feedback(queue.store)
    assert rows == [
        {
            "id": f"feedback-{turn.message_id}",
            "text": "i have the pills next to me",
            "lang": "en",
            "risk": "imminent",
            "labels": ["counsellor-confirmed"],
            "source": "counsellor-feedback",
            "context": ["school was rough today"],
        }
    ]
    path = tmp_path / "feedback.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    (example,) = read_examples(path)  # the trainer reads it as it is
    assert example.risk == Level.IMMINENT and example.context == ("school was rough today",)
    with queue.store.session() as s:
        assert s.scalar(select(AuditRow.action).where(AuditRow.action == "message.confirm")) == "message.confirm"
