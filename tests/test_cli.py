"""The `companion` command through click's runner: clear one-line errors, never tracebacks."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from companion.cli import cli


def env(settings):
    return {
        "COMPANION_DATA_DIR": str(settings.data_dir),
        "COMPANION_KNOWLEDGE_DIR": str(settings.knowledge_dir),
    }


def test_ingest_reports_counts_then_nothing_to_do(settings):
    runner = CliRunner()
    first = runner.invoke(cli, ["ingest", "--quiet"], env=env(settings))
    assert first.exit_code == 0, first.output
    assert "3 added" in first.output
    second = runner.invoke(cli, ["ingest", "--quiet"], env=env(settings))
    assert "0 added, 0 updated, 3 unchanged" in second.output and "0 chunks embedded" in second.output


def test_malformed_document_gives_one_clear_line_and_exit_1(settings):
    (settings.knowledge_dir / "en" / "bad.md").write_bytes(b"\x00\x01\x02")
    result = CliRunner().invoke(cli, ["ingest", "--quiet"], env=env(settings))
    assert result.exit_code == 1
    assert "bad.md" in result.output and "binary" in result.output
    assert "Traceback" not in result.output


def test_bad_setting_is_reported_without_traceback(settings):
    result = CliRunner().invoke(cli, ["models", "list"], env=env(settings) | {"COMPANION_TOP_K": "lots"})
    assert result.exit_code == 1 and "top_k" in result.output and "Traceback" not in result.output


def test_missing_own_model_file_names_the_fix(settings, tmp_path):
    result = CliRunner().invoke(
        cli, ["ask", "hello"], env=env(settings) | {"COMPANION_MODEL_PATH": str(tmp_path / "none.gguf")}
    )
    assert result.exit_code == 1 and "does not exist" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_terminal_chat_streams_replies_in_each_language_with_sources(full_knowledge, real_settings):
    from companion.llm import local_model_path

    env = {
        "COMPANION_DATA_DIR": str(full_knowledge.settings.data_dir),  # already indexed
        "COMPANION_MODEL_PATH": str(local_model_path(real_settings)),
        "COMPANION_MAX_TOKENS": "80",
    }
    talk = "I feel so stressed about exams\n我和爸妈天天吵架，好烦\n   \nI want to kill myself\n/quit\n"
    result = CliRunner().invoke(cli, ["chat"], input=talk, env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Companion>" in out and "陪伴>" in out  # a reply header in each language
    assert "Sources:" in out or "Related reading:" in out
    assert "参考资料:" in out or "相关阅读:" in out
    assert "type a message" in out  # the blank message was refused kindly, the chat went on
    # the last message gets the fixed crisis reply and the note that a person is coming
    assert "988" in out and "a counsellor has been asked to join this chat" in out
    assert "(A counsellor has been asked to join this conversation.)" in out


def test_corrupt_model_file_is_refused_with_the_fix(settings):
    from companion.models import CATALOGUE, model_file

    spec = CATALOGUE["qwen2.5-coder-0.5b"]
    path = model_file(spec, settings.models_dir)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"GGUF" + b"\0" * 1000)  # a truncated download, say
    result = CliRunner().invoke(cli, ["models", "install", "--name", spec.name], env=env(settings))
    assert result.exit_code == 1
    assert "expected 491,400,064" in result.output and "companion models install" in result.output
    assert "Traceback" not in result.output
