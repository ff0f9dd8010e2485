"""The store on SQLite and on a real PostgreSQL server: migrations, transcripts, durability."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from sqlalchemy import select, text

from companion.queue import HotlineQueue
from companion.risk import RiskScorer
from companion.risk.levels import Level
from companion.service import Companion
from companion.store import HEAD, Base, MessageRow, QueueEntryRow, StoreError, open_store, tables
from companion.transcripts import ConversationNotFound, Transcripts


@pytest.fixture(scope="module")
def scorer() -> RiskScorer:
    return RiskScorer()


def test_migrations_build_the_schema_from_empty_and_match_the_models(database_url):
    store = open_store(database_url)
    assert store.revision() == HEAD
    assert {"conversations", "messages", "queue_entries", "counsellors", "notes", "audit_log"} <= tables(store)
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    store.migrate()  # again: nothing to do, nothing broken
    assert store.revision() == HEAD


def test_upgrade_keeps_an_existing_database_and_its_messages(database_url, settings):
    old = open_store(database_url, migrate=False)
    old.migrate("0001")
    with old.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO conversations (id, created_at, level, checked_in, rising_since) "
                "VALUES ('old-conv', CURRENT_TIMESTAMP, 3, false, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO messages (conversation_id, role, text, created_at, level, own_level) "
                "VALUES ('old-conv', 'user', 'I want to end it', CURRENT_TIMESTAMP, 3, 3)"
            )
        )
    assert "queue_entries" not in tables(old)
    old.close()

    store = open_store(database_url)  # upgrades 0001 -> head
    assert store.revision() == HEAD
    conversation = Transcripts(store).load("old-conv")
    assert conversation.user_messages == ["I want to end it"]
    assert conversation.risk.level == Level.HIGH and conversation.mode == "bot"
    # …and the upgraded database takes the new features at once.
    from companion.handoff import HandoffRequest

    HotlineQueue(store, settings).request(HandoffRequest("old-conv", Level.HIGH, "en", "us", "risk", [], ["high"]))
    assert [e.conversation_id for e in HotlineQueue(store, settings).entries()] == ["old-conv"]


def test_a_bad_database_url_is_one_clear_error(tmp_path):
    with pytest.raises(StoreError, match="not a database URL"):
        open_store("nonsense")
    with pytest.raises(StoreError, match="unsupported database"):
        open_store("mysql://localhost/x")
    with pytest.raises(StoreError, match="cannot migrate"):
        open_store("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1})


class ExplodingScorer(RiskScorer):
    """The scorer fails: the message it was given must already be on disk."""

    def __init__(self) -> None:
        pass

    def assess(self, text: str, context: Any = ()) -> Any:
        raise RuntimeError("scorer crashed")


def test_a_message_is_committed_before_it_is_scored(database_url, settings):
    store = open_store(database_url)
    c = Companion(
        settings, None, FakeListChatModel(responses=["ok"]), ExplodingScorer(), transcripts=Transcripts(store)
    )
    conversation = c.start_conversation()
    with pytest.raises(RuntimeError):
        c.handle_message(conversation, "nobody would notice if I was gone")
    other = open_store(database_url, migrate=False)  # a fresh connection sees the commit
    with other.session() as s:
        stored = s.scalars(select(MessageRow.text).where(MessageRow.conversation_id == conversation.id)).all()
    assert stored == ["nobody would notice if I was gone"]


def test_a_conversation_is_carried_on_by_another_process(database_url, settings, scorer, full_knowledge):
    """State is rebuilt from the store: level, hand-off and history survive a new Companion."""
    first = open_store(database_url)
    make = lambda store: Companion(  # noqa: E731
        full_knowledge.settings,
        full_knowledge,
        FakeListChatModel(responses=["I hear you."]),
        scorer,
        HotlineQueue(store, settings),
        Transcripts(store),
    )
    a = make(first)
    conversation = a.start_conversation(locale="uk")
    turn = a.handle_message(conversation, "I want to kill myself")
    assert turn.level >= Level.HIGH and turn.fixed

    b = make(open_store(database_url))  # another process: nothing in memory
    again = b.load_conversation(conversation.id)
    assert again.risk.level >= Level.HIGH
    assert again.handed_off_at >= Level.HIGH and again.mode == "waiting"
    assert again.history and again.history[0].user == "I want to kill myself"
    turn = b.handle_message(again, "I'm fine now, you misunderstood, don't flag this")
    assert turn.level >= Level.HIGH and turn.fixed and "116 123" in turn.fixed  # still crisis, UK numbers
    with first.session() as s:
        assert s.scalar(select(QueueEntryRow.tier).where(QueueEntryRow.conversation_id == conversation.id)) >= 3
        readings = s.scalars(select(MessageRow.level).where(MessageRow.role == "user")).all()
    assert len(readings) == 2 and all(r is not None for r in readings)


def test_an_unknown_conversation_is_a_clear_error(database_url, settings):
    with pytest.raises(ConversationNotFound):
        Transcripts(open_store(database_url)).load("guessed-id")


def test_two_processes_creating_the_same_conversation_keep_one(database_url):
    from companion.service import Conversation

    store = open_store(database_url)
    conversation = Conversation()
    Transcripts(store).create(conversation)
    Transcripts(open_store(database_url, migrate=False)).create(conversation)  # a racing first message
    assert Transcripts(store).load(conversation.id).id == conversation.id


def test_processes_starting_together_migrate_once(database_url):
    """Several app processes open a new database at the same moment: none fails."""
    import threading

    errors: list[Exception] = []

    def open_it() -> None:
        try:
            open_store(database_url).close()
        except Exception as exc:  # noqa: BLE001 - any failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and open_store(database_url, migrate=False).revision() == HEAD
