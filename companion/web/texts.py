"""The web app's wording, read from prompts/<lang>/web*.{toml,md} so counsellors can edit it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from companion.errors import SettingsError
from companion.language import LANGUAGES, Language
from companion.prompts import DEFAULT_LOCALE, LOCALES, load_hotlines

LANGUAGE_NAMES: dict[str, str] = {"en": "English", "zh": "中文"}


@dataclass(frozen=True)
class WebTexts:
    language: Language
    labels: dict[str, str]
    notice: str  # consent and privacy notice, {hotlines} and {emergency} filled per locale
    grounding: str

    def __getitem__(self, key: str) -> str:
        return self.labels[key]

    def notice_for(self, locale: str, prompts_dir: Path) -> str:
        hotlines = load_hotlines(prompts_dir)[locale]
        sep = "、" if self.language == "zh" else ", "
        numbers = sep.join(f"**{h['number']}** ({h[self.language]})" for h in hotlines["hotlines"])
        emergency = sep.join(f"**{e['number']}**" for e in hotlines["emergency"])
        return self.notice.format(hotlines=numbers, emergency=emergency)


_REQUIRED_LABELS = ("title", "message", "send", "person", "person_message", "quick_exit", "quick_exit_url")


@lru_cache(maxsize=8)
def load_web_texts(prompts_dir: Path, language: Language) -> WebTexts:
    if language not in LANGUAGES:
        raise SettingsError(f"unsupported language {language!r}", f"use one of {LANGUAGES}")
    folder = prompts_dir / language
    try:
        labels = tomllib.loads((folder / "web.toml").read_text(encoding="utf-8"))
        notice = (folder / "web_notice.md").read_text(encoding="utf-8").strip()
        grounding = (folder / "web_grounding.md").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"cannot read the web texts in {folder}: {exc}", "restore them from git") from None
    missing = [k for k in _REQUIRED_LABELS if not labels.get(k)]
    if missing:
        raise SettingsError(f"{folder / 'web.toml'} lacks {', '.join(missing)}", "restore it from git")
    return WebTexts(language, labels, notice, grounding)


def locale_choices(prompts_dir: Path, language: Language) -> list[tuple[str, str]]:
    """(shown name, locale code) for the hotline-region picker."""
    hotlines = load_hotlines(prompts_dir)
    return [(hotlines[code]["name"][language], code) for code in LOCALES]


def guess_language(accept_language: str | None) -> Language:
    """The first supported language the browser asks for; English otherwise."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en"


def guess_locale(accept_language: str | None, language: Language) -> str:
    """Hotline region from the browser's language tags (zh-HK -> hk, en-GB -> uk, ...)."""
    regions = {"hk": "hk", "mo": "hk", "tw": "tw", "hant": "tw", "cn": "cn", "hans": "cn", "sg": "cn"}
    regions |= {"gb": "uk", "uk": "uk", "ie": "uk", "us": "us"}
    for part in (accept_language or "").split(","):
        subtags = part.split(";")[0].strip().lower().split("-")
        for sub in subtags[1:]:
            if sub in regions:
                return regions[sub]
        if subtags and subtags[0] in ("zh", "en"):
            break
    return DEFAULT_LOCALE[language]
