"""The one problem record every stage produces, and the exit codes derived from it."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Level(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


# Exit codes: 0 clean, 1 problems, 2 usage (click's own convention for UsageError).
EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the knowledge base, pointing at the exact spot to fix.

    Ordered by path, then line and column, so reports read top to bottom per file.
    """

    path: str
    line: int
    column: int
    level: Level
    rule: str
    message: str
    hint: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "level": self.level.value,
            "rule": self.rule,
            "message": self.message,
            "hint": self.hint,
        }


def has_errors(problems: list[Problem], strict: bool = False) -> bool:
    """True when the problems should fail a run (warnings count under --strict)."""
    return any(p.level is Level.ERROR or strict for p in problems)


class KbError(Exception):
    """A failure outside the content itself (unreadable root, bad option value).

    Raised by library code; the CLI edge turns it into a clean message and exit 1.
    """


@dataclass(frozen=True)
class RuleDoc:
    """One rule: its id, default level, what it means, and YAML that breaks and keeps it."""

    id: str
    level: Level
    summary: str
    bad: str = ""
    good: str = ""
