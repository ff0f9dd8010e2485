"""Personal data: redaction for export (both languages) and logs that never carry message text."""

from __future__ import annotations

import json
import logging

import pytest
from click.testing import CliRunner
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from companion.cli import cli
from companion.counsellors import Accounts
from companion.privacy import NoMessageText, redact
from companion.queue import HotlineQueue
from companion.risk import RiskScorer
from companion.service import Companion
from companion.settings import PROJECT_ROOT
from companion.store import open_store
from companion.transcripts import Transcripts

PROMPTS = PROJECT_ROOT / "prompts"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("text me on +86 138-1234-5678", "text me on [PHONE]"),
        ("我叫李华，电话13812345678", "我叫[NAME]，电话[PHONE]"),
        ("my email is li.hua+x@school.edu.cn ok", "my email is [EMAIL] ok"),
        ("身份证 11010520000101123X", "身份证 [ID]"),
        ("My name is Sam Jones and I'm 15", "My name is [NAME] and I'm 15"),
        ("HKID A123456(7)", "HKID [ID]"),
        ("call (555) 123-4567 tonight", "call [PHONE] tonight"),
    ],
)
def test_personal_data_is_redacted(text, expected):
    assert redact(text, PROMPTS) == expected


def test_hotlines_dates_and_ordinary_numbers_are_kept():
    kept = "call 988 or 116 123 or 12356 or 2389 2222; since 2024-05-01 I've slept 5 hours"
    assert redact(kept, PROMPTS) == kept


def test_export_is_redacted_by_default_and_audited(settings, tmp_path, full_knowledge):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    store = open_store(url)
    queue, transcripts = HotlineQueue(store, settings), Transcripts(store)
    c = Companion(
        full_knowledge.settings, full_knowledge, FakeListChatModel(responses=["ok"]), RiskScorer(), queue, transcripts
    )
    conversation = c.start_conversation()
    c.handle_message(conversation, "I'm Mia, my number is 07700 900123 and I want to kill myself")
    Accounts(store).create("lee", "a long enough password", role="supervisor")
    Accounts(store).create("sam", "a long enough password")
    env = {"COMPANION_DATA_DIR": str(settings.data_dir), "COMPANION_DATABASE_URL": url}
    out = tmp_path / "export.jsonl"
    refused = CliRunner().invoke(cli, ["transcripts", "export", "--out", str(out), "--as", "sam"], env=env)
    assert refused.exit_code == 1 and "supervisor" in refused.output
    done = CliRunner().invoke(cli, ["transcripts", "export", "--out", str(out), "--as", "lee"], env=env)
    assert done.exit_code == 0, done.output
    (row,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    user = row["messages"][0]
    assert "07700" not in out.read_text(encoding="utf-8")
    assert "[PHONE]" in user["text"] and user["level"] in ("high", "imminent") and row["redacted"]
    assert "988" in row["messages"][1]["text"]  # the crisis reply's hotline numbers are kept
    assert ("lee", "transcripts.export") in [(a.actor, a.action) for a in queue.audit()]


def test_message_text_never_reaches_the_logs(settings, tmp_path, full_knowledge, caplog):
    secret = "my secret is zebra-quartz-violin and I want to die"
    store = open_store(f"sqlite:///{tmp_path / 'c.db'}", echo=True)  # SQL echo on: the worst case
    queue, transcripts = HotlineQueue(store, settings), Transcripts(store)
    c = Companion(
        full_knowledge.settings, full_knowledge, FakeListChatModel(responses=["ok"]), RiskScorer(), queue, transcripts
    )
    caplog.handler.addFilter(NoMessageText())
    with caplog.at_level(logging.DEBUG):
        turn = c.handle_message(c.start_conversation(), secret)
        if turn.answer:
            list(turn.answer.tokens())
    assert caplog.records  # something was logged…
    assert all("zebra-quartz" not in r.getMessage() for r in caplog.records)  # …but never the text
