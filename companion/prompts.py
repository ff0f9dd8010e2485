"""Prompt texts, kept as files under prompts/<language>/ so counsellors can edit them.

The system prompt is fixed per language so that llama.cpp's prompt cache can reuse it;
everything that changes per message goes into the user turn.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from companion.errors import SettingsError
from companion.language import LANGUAGES, Language

_REQUIRED = {
    "system.md": set(),
    "answer.md": {"passages", "question"},
    "no_context.md": {"question"},
    "passage.md": {"n", "title", "text"},
}


@dataclass(frozen=True)
class Example:
    """A worked exchange shown to the model first; part of the cached prompt prefix."""

    question: str
    passages: tuple[tuple[str, str], ...]  # (title, text)
    reply: str


@dataclass(frozen=True)
class PromptSet:
    language: Language
    system: str
    answer: str
    no_context: str
    passage: str
    labels: dict[str, str]
    example: Example

    def numbered(self, passages: list[tuple[str, str]]) -> str:
        return "\n".join(
            self.passage.format(n=i, title=title, text=text)
            for i, (title, text) in enumerate(passages, start=1)
        )

    def turn(self, question: str, passages: list[tuple[str, str]]) -> str:
        """The user turn sent to the model: the question with its passages, if any."""
        if passages:
            return self.answer.format(passages=self.numbered(passages), question=question)
        return self.no_context.format(question=question)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read prompt {path}: {exc}", "restore it from git") from None


def _check_placeholders(path: Path, text: str, needed: set[str]) -> None:
    import string

    found = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    if found != needed:
        raise SettingsError(
            f"prompt {path} has placeholders {sorted(found)}, expected {sorted(needed)}",
            "keep exactly the {…} fields the template had",
        )


@lru_cache(maxsize=8)
def load_prompts(prompts_dir: Path, language: Language) -> PromptSet:
    if language not in LANGUAGES:
        raise SettingsError(f"unsupported language {language!r}", f"use one of {LANGUAGES}")
    folder = prompts_dir / language
    texts: dict[str, str] = {}
    for name, needed in _REQUIRED.items():
        text = _read(folder / name)
        _check_placeholders(folder / name, text, needed)
        texts[name.removesuffix(".md")] = text
    labels = _toml(folder / "labels.toml")
    raw = _toml(folder / "example.toml")
    try:
        example = Example(
            question=raw["question"],
            passages=tuple((p["title"], p["text"]) for p in raw["passages"]),
            reply=raw["reply"],
        )
    except (KeyError, TypeError) as exc:
        raise SettingsError(
            f"{folder / 'example.toml'} lacks {exc}", "give question, reply and [[passages]]"
        ) from None
    return PromptSet(language=language, labels=labels, example=example, **texts)


def _toml(path: Path) -> dict:
    try:
        return tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: {exc}", "fix the TOML syntax") from None
