"""The youth's safety plan: four short lists they write themselves, downloadable as text.

Nothing here is sent to a counsellor or stored on the server; the plan lives in the youth's
browser (if they save it) and in the file they download.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from companion.prompts import load_hotlines
from companion.web.texts import WebTexts

# (field name, label key in web.toml), in the order of the Stanley-Brown safety plan.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("warning_signs", "plan_warning_signs"),
    ("coping", "plan_coping"),
    ("people", "plan_people"),
    ("professionals", "plan_professionals"),
)
MAX_FIELD_CHARS = 2000


def clean_plan(values: dict | None) -> dict[str, str]:
    """Keep only the four known fields, as text, each at most MAX_FIELD_CHARS long."""
    values = values if isinstance(values, dict) else {}
    out = {}
    for name, _ in SECTIONS:
        text = values.get(name)
        text = text if isinstance(text, str) else ""
        text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
        out[name] = text.strip()[:MAX_FIELD_CHARS]
    return out


def render_plan(values: dict | None, texts: WebTexts, locale: str, prompts_dir: Path, today: date | None = None) -> str:
    """The plan as a plain-text file, ending with the locale's hotline and emergency numbers."""
    plan = clean_plan(values)
    lang = texts.language
    lines = [f"{texts['plan_file_title']} ({(today or date.today()).isoformat()})", ""]
    for name, label in SECTIONS:
        lines.append(texts[label])
        body = plan[name] or texts["plan_empty_section"]
        lines += [f"  {line}" for line in body.splitlines() if line.strip()] or [f"  {body}"]
        lines.append("")
    numbers = load_hotlines(prompts_dir)[locale]
    lines.append(f"{texts['plan_file_hotlines']}:")
    lines += [f"  {h['number']} - {h[lang]}" for h in numbers["hotlines"]]
    lines.append(f"{texts['plan_file_emergency']}: " + ", ".join(e["number"] for e in numbers["emergency"]))
    return "\n".join(lines) + "\n"
