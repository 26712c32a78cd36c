"""Output formats for problem lists, by name: text (compiler style), json and github annotations.

File names, keys and values reach problem records as written; text and github output show any
control character in them as a visible escape (json escapes them itself, and stays exact).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import IO

from kbtool.problems import Level, Problem
from kbtool.terminal import safe_for_terminal

_COLOURS = {Level.ERROR: "\x1b[31m", Level.WARNING: "\x1b[33m"}
_DIM = "\x1b[2m"
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


def use_colour(stream: IO[str]) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def summary_line(problems: list[Problem], files: int) -> str:
    errors = sum(1 for p in problems if p.level is Level.ERROR)
    warnings = len(problems) - errors
    if not problems:
        return f"{files} files checked: no problems"
    return f"{files} files checked: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def _printable(p: Problem) -> Problem:
    """The record with every text field safe to print on one line (no escapes, no forged lines)."""
    return Problem(safe_for_terminal(p.path, True), p.line, p.column, p.level, safe_for_terminal(p.rule, True),
                   safe_for_terminal(p.message, True), safe_for_terminal(p.hint, True))


def format_text(problems: list[Problem], colour: bool = False) -> str:
    lines = []
    for p in map(_printable, problems):
        level = p.level.value
        if colour:
            where = f"{_BOLD}{p.path}:{p.line}:{p.column}:{_RESET}"
            level = f"{_COLOURS[p.level]}{level}{_RESET}"
            lines.append(f"{where} {level} [{p.rule}] {p.message}")
            if p.hint:
                lines.append(f"  {_DIM}hint: {p.hint}{_RESET}")
        else:
            lines.append(f"{p.path}:{p.line}:{p.column}: {level} [{p.rule}] {p.message}")
            if p.hint:
                lines.append(f"  hint: {p.hint}")
    return "\n".join(lines) + ("\n" if lines else "")


def format_json(problems: list[Problem], colour: bool = False) -> str:
    return json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False) + "\n"


def _escape_data(value: str) -> str:
    # Workflow commands end at a newline and treat % specially (GitHub's toolkit escaping).
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_github(problems: list[Problem], colour: bool = False) -> str:
    lines = []
    for p in map(_printable, problems):
        command = "error" if p.level is Level.ERROR else "warning"
        message = p.message + (f" (hint: {p.hint})" if p.hint else "")
        lines.append(
            f"::{command} file={_escape_property(p.path)},line={p.line},col={p.column},"
            f"title={_escape_property(p.rule)}::{_escape_data(message)}"
        )
    return "\n".join(lines) + ("\n" if lines else "")


REPORTERS: dict[str, Callable[[list[Problem], bool], str]] = {
    "text": format_text,
    "json": format_json,
    "github": format_github,
}
