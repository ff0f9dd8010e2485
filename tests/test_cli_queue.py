"""`companion db`, `counsellors`, `queue` and `risk export-feedback` through click's runner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from companion.cli import cli
from companion.counsellors import Accounts
from companion.handoff import HandoffRequest, RiskMessage
from companion.queue import HotlineQueue
from companion.risk.levels import Level
from companion.store import HEAD, open_store


def env(settings, url: str) -> dict[str, str]:
    return {"COMPANION_DATA_DIR": str(settings.data_dir), "COMPANION_DATABASE_URL": url}


def test_accounts_queue_and_feedback_from_the_command_line(settings, database_url, tmp_path):
    run = CliRunner().invoke
    e = env(settings, database_url)
    upgraded = run(cli, ["db", "upgrade"], env=e)
    assert upgraded.exit_code == 0 and f"revision {HEAD}" in upgraded.output

    added = run(
        cli, ["counsellors", "add", "mei", "--role", "supervisor"], env=e | {"COMPANION_NEW_PASSWORD": "x" * 12}
    )
    assert added.exit_code == 0 and "created supervisor mei" in added.output
    short = run(cli, ["counsellors", "add", "sam"], env=e | {"COMPANION_NEW_PASSWORD": "short"})
    assert short.exit_code == 1 and "shorter" in short.output and "Traceback" not in short.output
    assert run(cli, ["queue", "list"], env=e).output.strip() == "the queue is empty"

    store = open_store(database_url)
    queue = HotlineQueue(store, settings)
    message = RiskMessage("I took all my pills", "imminent", ["took all my pills"])
    queue.request(HandoffRequest("conv-1", Level.IMMINENT, "en", "uk", "risk", [message], ["imminent"]))
    listed = run(cli, ["queue", "list"], env=e)
    assert "imminent" in listed.output and "waiting" in listed.output and "en/uk" in listed.output

    entry_id = queue.entries()[0].id
    shown = run(cli, ["queue", "show", str(entry_id), "--as", "mei"], env=e)
    assert shown.exit_code == 0 and "evidence: took all my pills" in shown.output
    assert ("mei", "transcript.view") in [(a.actor, a.action) for a in queue.audit("conv-1")]
    stranger = run(cli, ["queue", "show", str(entry_id), "--as", "nobody"], env=e)
    assert stranger.exit_code == 1 and "no active counsellor" in stranger.output

    assert run(cli, ["counsellors", "disable", "mei"], env=e).exit_code == 0
    assert "disabled" in run(cli, ["counsellors", "list"], env=e).output

    from companion.store import MessageRow

    with store.session() as s:
        s.add(MessageRow(conversation_id="conv-1", role="user", text="I took all my pills", language="en", level=4))
    with store.session() as s:
        message_id = s.query(MessageRow.id).scalar()
    supervisor = Accounts(store).create("lee", "y" * 12, role="supervisor")
    queue.confirm_level(message_id, supervisor, Level.IMMINENT)
    out = tmp_path / "feedback.jsonl"
    exported = run(cli, ["risk", "export-feedback", "--out", str(out)], env=e)
    assert exported.exit_code == 0 and "1 confirmed" in exported.output
    row = json.loads(out.read_text(encoding="utf-8"))
    assert (row["text"], row["risk"], row["lang"]) == ("I took all my pills", "imminent", "en")
