"""What every check shares: its rule documentation and a way to point a problem at an entry's value."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from kbtool.model import Entry
from kbtool.problems import Problem, RuleDoc

# The rules kb.yaml turned off for the checks running now: their problems are dropped by the
# engine, so `at` does not look up where they are (a position can mean parsing the file again).
_OFF: ContextVar[frozenset[str]] = ContextVar("rules_off", default=frozenset())


@contextmanager
def rules_off(rules: frozenset[str]) -> Iterator[None]:
    """Run checks knowing which rules are off (kbtool.checks.run_checks)."""
    token = _OFF.set(rules)
    try:
        yield
    finally:
        _OFF.reset(token)


def at(entry: Entry, ptr: tuple[Any, ...], rule: RuleDoc, message: str, hint: str = "") -> Problem:
    if rule.id in _OFF.get():
        return Problem(entry.path, 0, 0, rule.level, rule.id, message, hint)  # dropped unread
    line, column = entry.pos(*ptr)
    return Problem(entry.path, line, column, rule.level, rule.id, message, hint)


def today() -> dt.date:
    """The date checks compare against; KBTOOL_TODAY pins it so reports are reproducible."""
    pinned = os.environ.get("KBTOOL_TODAY")
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            pass
    return dt.date.today()
