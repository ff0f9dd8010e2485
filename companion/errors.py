"""Errors a user can act on: each says what went wrong and what to do about it.

The CLI and the web app print these as one clear line, never as a traceback.
"""

from __future__ import annotations


class CompanionError(Exception):
    """Base class: `message` says what happened, `fix` says what to do."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} (fix: {self.fix})" if self.fix else self.message


class SettingsError(CompanionError):
    """A setting or the settings file is invalid."""


class ModelMissingError(CompanionError):
    """The chat model's packages or file are not installed."""


class ModelCorruptError(CompanionError):
    """The chat model file does not match its expected size or checksum."""


class LLMError(CompanionError):
    """The chat model could not be started or reached."""


class DocumentError(CompanionError):
    """A knowledge document is malformed; `path` names the file."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}", "correct the document and run `companion ingest`")
        self.path = path
        self.reason = reason


class KnowledgeError(CompanionError):
    """The knowledge index is missing, unreachable or inconsistent."""
