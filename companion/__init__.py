"""Companion: an offline-capable AI support companion for young people, with crisis triage."""

from companion.errors import CompanionError
from companion.settings import Settings, load_settings

__all__ = ["CompanionError", "Settings", "load_settings"]
__version__ = "0.1.0"
