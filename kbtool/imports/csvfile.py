"""A spreadsheet of replies saved as CSV: a header row naming the columns `title` and `text`, and
optionally `situation`, `channel`, `keywords` and `customer_says` (several values in one cell
separated by `;`).

Comma, semicolon (what spreadsheets in many European locales save) and tab separated files are
all read; the header row decides which. Rows are grouped into phrase sets by situation.
"""

from __future__ import annotations

import csv
import io

from kbtool.format.types import did_you_mean
from kbtool.format.vocab import CHANNELS
from kbtool.imports.common import InputProblem, InputProblems, Read, Reply, Source, decode

REQUIRED = ("title", "text")
OPTIONAL = ("situation", "channel", "keywords", "customer_says")
HEADER_HINT = "the first row names the columns: title,text and optionally situation,channel,keywords,customer_says"
# Spreadsheets cap a cell at 32,767 characters; a longer field means a quote was never closed.
MAX_FIELD = 1_000_000


def read(data: bytes, path: str) -> Read:
    text = decode(data, path)
    if not text.strip():
        raise InputProblem(path, 1, "the file is empty", HEADER_HINT)
    header_line = text.splitlines()[0]
    delimiter = max(",;\t", key=lambda d: sum(c.strip().lower() in (*REQUIRED, *OPTIONAL)
                                                for c in header_line.split(d)))
    csv.field_size_limit(MAX_FIELD)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [c.strip().lower() for c in next(rows)]
    except csv.Error as exc:
        raise InputProblem(path, 1, f"the header row cannot be read: {exc}", HEADER_HINT) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputProblem(path, 1, f"the header has no {' or '.join(repr(c) for c in missing)} column "
                                    f"(it has: {', '.join(c for c in header if c) or 'nothing'})", HEADER_HINT)
    found = Read([])
    for column in header:
        if column and column not in (*REQUIRED, *OPTIONAL):
            found.notes.append((1, f"column '{column}' is not one kbtool imports; ignored"))
    problems: list[InputProblem] = []
    line = 1
    while True:
        start = rows.line_num + 1
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(InputProblem(path, start, f"this row cannot be read: {exc}",
                                         "a quote (\") opened in a cell must be closed in the same cell"))
            break
        line = start
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            problems.append(InputProblem(path, line, f"the row has {len(row)} cells; the header names {len(header)}",
                                         "put quotes around a cell that contains the separator"))
            continue
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        try:
            found.replies.append(_reply(cells, line, path))
        except InputProblem as problem:
            problems.append(problem)
    if problems:
        raise InputProblems(problems)
    return found


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _reply(cells: dict[str, str], line: int, path: str) -> Reply:
    title, text = cells.get("title", ""), cells.get("text", "")
    if not title:
        raise InputProblem(path, line, "the row has no title", "every row needs a title and a text")
    if not text:
        raise InputProblem(path, line, f"'{title}' has no text", "every row needs a title and a text")
    # Whether the situation exists depends on kb.yaml; planning checks it.
    situation = cells.get("situation", "") or None
    channels = _split(cells.get("channel", ""))
    for channel in channels:
        if channel not in CHANNELS:
            hint = did_you_mean(channel, list(CHANNELS)) or f"use one of: {', '.join(CHANNELS)}"
            raise InputProblem(path, line, f"unknown channel '{channel}'", hint)
    return Reply(title, text, line, situation or "", keywords=_split(cells.get("keywords", "")),
                 situation=situation, channels=channels, customer_says=_split(cells.get("customer_says", "")))


SOURCE = Source("csv", "CSV", "situation", ("email",), read)
