"""Personal data in transcripts: redaction for export, and logs that never carry message text.

`redact()` replaces phone numbers, e-mail addresses, ID numbers and self-stated names with
placeholders; the public hotline and emergency numbers in prompts/hotlines.toml are kept, so
a redacted transcript still shows which help was offered. It never changes stored rows.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from companion.prompts import load_hotlines

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Mainland resident ID: 17 digits and a digit or X; before phones so it is not split up.
_CN_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_HK_ID = re.compile(r"\b[A-Z]{1,2}\d{6}\(?[\dA]\)?", re.IGNORECASE)
_US_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_UK_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.IGNORECASE)
# Any run of 7+ digits with the separators people type (+86 138-1234-5678, (555) 123 4567).
_PHONE = re.compile(r"(?<![A-Za-z0-9])\+?\(?\d[\d\s().-]{5,}\d(?![A-Za-z0-9])")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")
_NAME = re.compile(
    r"(?P<lead>\b(?i:my name is|my name's|call me|i am called|i'm called|this is)\s+)"
    r"(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)|"
    r"(?P<zlead>我叫|我的名字是|我的名字叫|本人叫)(?P<zname>[\u4e00-\u9fff]{1,3})",
)


def _public_numbers(prompts_dir: Path) -> set[str]:
    numbers = set()
    for entry in load_hotlines(prompts_dir).values():
        for item in entry.get("emergency", []) + entry.get("hotlines", []):
            numbers.add(re.sub(r"\D", "", item["number"]))
    return numbers


def redact(text: str, prompts_dir: Path) -> str:
    """The text with personal data replaced by [EMAIL], [ID], [PHONE] and [NAME]."""
    keep = _public_numbers(prompts_dir)
    text = _EMAIL.sub("[EMAIL]", text)
    for pattern in (_CN_ID, _HK_ID, _US_SSN, _UK_NINO):
        text = pattern.sub("[ID]", text)

    def phone(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if digits in keep or len(digits) < 7 or len(digits) > 15 or _DATE.fullmatch(match.group(0).strip()):
            return match.group(0)
        return "[PHONE]"

    text = _PHONE.sub(phone, text)

    def name(match: re.Match) -> str:
        lead = match.group("lead") or match.group("zlead")
        return f"{lead}[NAME]"

    return _NAME.sub(name, text)


class NoMessageText(logging.Filter):
    """A safety net on every log handler: a record that would carry a message's text is cut.

    The code never logs message text; this filter also catches a library that echoes SQL
    parameters or request bodies (e.g. SQLAlchemy's echo), by dropping their arguments.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(("sqlalchemy.engine", "httpx", "httpcore", "openai", "urllib3")):
            record.msg, record.args = f"{record.name}: details withheld", ()
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Log what happened, never what was said."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(NoMessageText())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for chatty in ("httpx", "httpx2", "httpcore", "alembic"):  # one line per request or migration step
        logging.getLogger(chatty).setLevel(max(level, logging.WARNING))
