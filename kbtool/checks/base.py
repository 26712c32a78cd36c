"""What every check shares: its rule documentation and a way to point a problem at an entry's value."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from kbtool.model import Entry
from kbtool.problems import Level, Problem


@dataclass(frozen=True)
class RuleDoc:
    """One rule: its id, default level, what it means, and YAML that breaks and keeps it."""

    id: str
    level: Level
    summary: str
    bad: str = ""
    good: str = ""


def at(entry: Entry, ptr: tuple[Any, ...], rule: RuleDoc, message: str, hint: str = "") -> Problem:
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
