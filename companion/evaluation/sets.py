"""Reading test-set files (JSON Lines): every problem is one line naming the file and line.

Readers here only read; they never change a test set, the index or a model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from companion.errors import CompanionError
from companion.risk.levels import Level


class EvalSetError(CompanionError):
    """A test-set file is missing or malformed; the message names the file and line."""


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EvalSetError(f"cannot read {path}: {exc.strerror or exc}", "give a UTF-8 JSON Lines file") from None
    if b"\x00" in data[:8192]:
        raise EvalSetError(f"{path}: a binary file, not JSON Lines", "give a UTF-8 JSON Lines file") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise EvalSetError(f"{path}:{line}: not UTF-8 text", "save the file as UTF-8 JSON Lines") from None


def _objects(path: Path) -> list[tuple[int, dict]]:
    """(line number, object) for each non-blank line, naming the line of anything else."""
    rows: list[tuple[int, dict]] = []
    for number, line in enumerate(_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalSetError(f"{path}:{number}: not JSON ({exc.msg})", "one JSON object per line") from None
        if not isinstance(row, dict):
            raise EvalSetError(f"{path}:{number}: expected a JSON object", "one JSON object per line")
        rows.append((number, row))
    return rows


def read_lines(path: Path) -> list[tuple[int, dict]]:
    """(line number, object) for each non-blank line; an empty file is an error."""
    rows = _objects(path)
    if not rows:
        raise EvalSetError(f"{path}: the file is empty", "one JSON object per line")
    return rows


def read_jsonl(path: Path) -> list[dict]:
    """Every object in a JSON Lines file (blank lines skipped; an empty file gives [])."""
    return [row for _, row in _objects(path)]


class Row:
    """One parsed line, with typed getters that fail with the file and line in the message."""

    def __init__(self, path: Path, line: int, data: dict, expected: str) -> None:
        self.path, self.line, self.data, self.expected = path, line, data, expected

    def error(self, what: str) -> EvalSetError:
        ident = self.data.get("id")
        where = f"{self.path}:{self.line}" + (f" ({ident})" if isinstance(ident, str | int) else "")
        return EvalSetError(f"{where}: {what}", self.expected)

    def get(self, key: str, kind: type | tuple[type, ...] = str, default: Any = ..., check: Callable | None = None):
        if key not in self.data or (self.data[key] is None and default is not ...):
            if default is ...:
                raise self.error(f'missing "{key}"')
            return default
        value = self.data[key]
        if isinstance(value, bool) and kind is int or not isinstance(value, kind):
            raise self.error(f'"{key}" must be {_kind_name(kind)}, got {json.dumps(value, ensure_ascii=False)[:40]}')
        if isinstance(value, str) and not value.strip():
            raise self.error(f'"{key}" is empty')
        if check is not None:
            problem = check(value)
            if problem:
                raise self.error(f'"{key}": {problem}')
        return value

    def lang(self, key: str = "lang") -> str:
        return self.get(key, check=lambda v: None if v in ("en", "zh") else f'{v!r} is not "en" or "zh"')

    def level(self, key: str) -> Level:
        value = self.get(key)
        try:
            return Level.parse(value)
        except ValueError as exc:
            raise self.error(str(exc)) from None


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {
        str: "text",
        int: "a whole number",
        float: "a number",
        bool: "true or false",
        list: "a list",
        dict: "an object",
    }
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def rows(path: Path, expected: str) -> Iterable[Row]:
    """Each line of a test set as a Row; `expected` is the fix shown with any error."""
    for line, data in read_lines(path):
        yield Row(path, line, data, expected)


def unique_ids(items: Iterable[Any], path: Path) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise EvalSetError(f"{path}: id {item.id!r} appears twice", "give every line its own id")
        seen.add(item.id)
