"""The one risk scale (shared/docs/RISK_SCALE.md), ordered so that max() means 'worse'."""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    NONE = 0
    LOW = 1
    MODERATE = 2
    HIGH = 3
    IMMINENT = 4

    @classmethod
    def parse(cls, name: str) -> Level:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown risk level {name!r}; expected one of {NAMES}") from None

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def needs_human(self) -> bool:
        """high and imminent go to the human queue before any reply is generated."""
        return self >= Level.HIGH


NAMES: tuple[str, ...] = tuple(level.label for level in Level)
