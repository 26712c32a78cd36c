"""Messages as CSV: a header row naming `conversation`, `author`, `text` and optionally `agent`,
`channel` and `at`; one message per row. Comma, semicolon and tab separated files are read (the
header decides), a cell may span lines, and rows are read as they come, so a file of any size streams."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO

from kbtool.audit.fields import ROW_HINT, message_from
from kbtool.audit.records import BadInput, Message, ReadOptions

REQUIRED = ("conversation", "author", "text")
OPTIONAL = ("agent", "channel", "at")
HEADER_HINT = "the first row names the columns: conversation,author,text and optionally agent,channel,at"
# Spreadsheets cap a cell at 32,767 characters; a far longer field means a quote was never closed.
MAX_FIELD = 1_000_000


class _Undecodable(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _lines(stream: IO[bytes]) -> Iterator[str]:
    """The file's lines as text, line ends kept (the csv module needs them inside quoted cells)."""
    for number, raw in enumerate(stream, 1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise _Undecodable(number) from None


def read(stream: IO[bytes], path: str, options: ReadOptions) -> Iterator[Message | BadInput]:
    lines = _lines(stream)
    try:
        header_line = next(lines, "")
    except _Undecodable as exc:
        yield BadInput(path, exc.line, "the file is not UTF-8 text", "save it as CSV UTF-8")
        return
    if not header_line.strip():
        yield BadInput(path, 1, "the file is empty or its first row is blank", HEADER_HINT)
        return
    delimiter = max(",;\t", key=lambda d: sum(c.strip().strip('"').lower() in (*REQUIRED, *OPTIONAL)
                                                for c in header_line.split(d)))
    csv.field_size_limit(MAX_FIELD)

    def all_lines() -> Iterator[str]:
        yield header_line
        yield from lines

    rows = csv.reader(all_lines(), delimiter=delimiter, strict=True)
    header = [c.strip().lower() for c in next(rows)]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        yield BadInput(path, 1, f"the header has no {' or '.join(repr(c) for c in missing)} column "
                                f"(it has: {', '.join(c for c in header if c) or 'nothing'})", HEADER_HINT)
        return
    while True:
        start = rows.line_num + 1
        try:
            row = next(rows)
        except StopIteration:
            return
        except _Undecodable as exc:
            yield BadInput(path, exc.line, "the line is not UTF-8 text", "save the file as CSV UTF-8")
            return
        except csv.Error as exc:
            yield BadInput(path, start, f"this row cannot be read: {exc}",
                           "a quote (\") opened in a cell must be closed in the same cell")
            return
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield BadInput(path, start, f"the row has {len(row)} cells and the header {len(header)}", ROW_HINT)
            continue
        yield message_from(dict(zip(header, row, strict=True)), path, start)
