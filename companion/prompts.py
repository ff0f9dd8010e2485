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
# Fixed replies (no model): each gets the locale's hotlines and emergency numbers.
FIXED = ("crisis_high", "crisis_imminent", "crisis_waiting", "check_in", "guard_fallback", "model_unavailable")
# Notices about the human queue (a person is coming, has joined, has left); numbers optional.
NOTICES = ("person_coming", "counsellor_joined", "counsellor_left")
# Instructions for the model that are not replies to the youth.
INSTRUCTIONS = ("handoff_summary",)
_FIXED_FIELDS = {"hotlines", "emergency"}
LOCALES = ("cn", "hk", "tw", "us", "uk")
DEFAULT_LOCALE: dict[str, str] = {"en": "us", "zh": "cn"}
_OR = {"en": " or ", "zh": "或"}


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
    fixed: dict[str, str]
    hotlines: dict[str, dict]

    def hotline_lines(self, locale: str) -> str:
        entries = self.hotlines[locale]["hotlines"]
        sep = "：" if self.language == "zh" else ": "
        return "\n".join(f"- {e['number']}{sep}{e[self.language]}" for e in entries)

    def emergency(self, locale: str) -> str:
        entries = self.hotlines[locale]["emergency"]
        if self.language == "zh":
            return _OR["zh"].join(f"{e['number']}（{e['zh']}）" for e in entries)
        return _OR["en"].join(f"{e['number']} ({e['en']})" for e in entries)

    def fixed_reply(self, name: str, locale: str | None = None) -> str:
        """A fixed reply (crisis, check-in, fallback) with this locale's numbers filled in."""
        locale = locale or DEFAULT_LOCALE[self.language]
        return self.fixed[name].format(hotlines=self.hotline_lines(locale), emergency=self.emergency(locale))

    def numbered(self, passages: list[tuple[str, str]]) -> str:
        return "\n".join(
            self.passage.format(n=i, title=title, text=text) for i, (title, text) in enumerate(passages, start=1)
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


def _check_placeholders(path: Path, text: str, needed: set[str], allowed: set[str] | None = None) -> None:
    import string

    found = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    if not needed <= found or not found <= (allowed or needed):
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
        raise SettingsError(f"{folder / 'example.toml'} lacks {exc}", "give question, reply and [[passages]]") from None
    fixed = {}
    for name in FIXED:
        text = _read(folder / f"{name}.md")
        _check_placeholders(folder / f"{name}.md", text, {"hotlines"}, _FIXED_FIELDS)
        fixed[name] = text
    for name in NOTICES + INSTRUCTIONS:
        text = _read(folder / f"{name}.md")
        _check_placeholders(folder / f"{name}.md", text, set(), _FIXED_FIELDS)
        fixed[name] = text
    return PromptSet(
        language=language,
        labels=labels,
        example=example,
        fixed=fixed,
        hotlines=load_hotlines(prompts_dir),
        **texts,
    )


@lru_cache(maxsize=4)
def load_hotlines(prompts_dir: Path) -> dict[str, dict]:
    """Locale -> {name, emergency, hotlines}; every locale must give both languages."""
    path = prompts_dir / "hotlines.toml"
    data = _toml(path)
    for locale in LOCALES:
        entry = data.get(locale)
        try:
            for item in entry["emergency"] + entry["hotlines"]:
                assert item["number"] and item["en"] and item["zh"]
            assert entry["emergency"] and entry["hotlines"]
        except (TypeError, KeyError, AssertionError):
            raise SettingsError(
                f"{path}: locale {locale!r} needs emergency and hotlines, each with number, en, zh",
                "restore the file from git and edit it carefully",
            ) from None
    return data


def _toml(path: Path) -> dict:
    try:
        return tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: {exc}", "fix the TOML syntax") from None
