"""A JSON document read one array item at a time, with the line each item starts on.

`json.loads` of a whole help-desk export builds every ticket at once, several times the file's
size in objects; decoding its big arrays item by item keeps one ticket in memory besides the text,
and gives each ticket a line to report problems at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

from kbtool import jsontext

_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = jsontext.DECODER


class JsonError(Exception):
    """The text is not valid JSON (or not the expected structure) at a line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


class JsonDocument:
    """A JSON text whose top-level arrays named in `streamed` (or the whole document, when it is an
    array) are read lazily; every other top-level value is decoded at once, and small."""

    def __init__(self, text: str, streamed: tuple[str, ...]) -> None:
        self.text = text
        self.members: dict[str, Any] = {}
        self.arrays: dict[str | None, int] = {}  # key (None: the document) -> offset of its '['
        self.kind = ""  # "object" or "array"
        self._scan(streamed)

    def line_at(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def _fail(self, offset: int, message: str) -> JsonError:
        return JsonError(self.line_at(offset), message)

    def _decode(self, at: int) -> tuple[Any, int]:
        try:
            return _DECODER.raw_decode(self.text, at)
        except json.JSONDecodeError as exc:
            raise JsonError(exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})") from None
        except RecursionError:
            raise self._fail(at, "the JSON nests too deeply to be a help desk's export") from None

    def _space(self, at: int) -> int:
        return _SPACE.match(self.text, at).end()  # type: ignore[union-attr]

    def _scan(self, streamed: tuple[str, ...]) -> None:
        at = self._space(0)
        if at >= len(self.text):
            raise JsonError(1, "the file is empty")
        if self.text[at] == "[":
            self.kind = "array"
            self.arrays[None] = at
            return
        if self.text[at] != "{":
            value, _ = self._decode(at)  # a bare string or number: say what it is
            raise self._fail(at, f"expected an object or a list, found {type(value).__name__}")
        self.kind = "object"
        at = self._space(at + 1)
        if self.text.startswith("}", at):
            return
        while True:
            if not self.text.startswith('"', at):
                raise self._fail(at, "not valid JSON: expected a key in double quotes")
            key, at = self._decode(at)
            at = self._space(at)
            if not self.text.startswith(":", at):
                raise self._fail(at, "not valid JSON: expected ':' after a key")
            at = self._space(at + 1)
            if key in streamed and self.text.startswith("[", at):
                # Skipped item by item: members after the array (Zendesk sideloads `users` last)
                # are needed before the first ticket is read.
                self.arrays[key] = at
                for _ in self._items(at):
                    pass
                at = self._end
            else:
                self.members[key], at = self._decode(at)
            at = self._space(at)
            if self.text.startswith(",", at):
                at = self._space(at + 1)
                continue
            if self.text.startswith("}", at):
                return
            raise self._fail(at, "not valid JSON: expected ',' or '}' between members")

    def _items(self, at: int) -> Iterator[tuple[int, Any]]:
        """(offset, value) of each item of the array whose '[' is at `at`; sets _end past its ']'."""
        at = self._space(at + 1)
        if self.text.startswith("]", at):
            self._end = at + 1
            return
        while True:
            start = at
            value, at = self._decode(at)
            yield start, value
            at = self._space(at)
            if self.text.startswith(",", at):
                at = self._space(at + 1)
                continue
            if self.text.startswith("]", at):
                self._end = at + 1
                return
            raise self._fail(at, "not valid JSON: expected ',' or ']' between items")

    def items(self, key: str | None) -> Iterator[tuple[int, Any]]:
        """(line, value) of each item of a streamed array, decoded as it is reached."""
        if key not in self.arrays:
            return
        line, counted = 1, 0
        for offset, value in self._items(self.arrays[key]):
            line += self.text.count("\n", counted, offset)
            counted = offset
            yield line, value

    _end = 0


def decode_text(data: bytes) -> str:
    """UTF-8 text (a byte-order mark dropped), or JsonError at the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JsonError(data.count(b"\n", 0, exc.start) + 1, "the file is not UTF-8 text") from None


def records(stream: IO[bytes], streamed: tuple[str, ...], is_record: Callable[[Any], bool]
            ) -> Iterator[tuple[str | None, int, Any, dict[str, Any]]]:
    """(array key, line, record, the document's other top-level members) for every record of a
    JSON document's streamed arrays, or of a JSON Lines file of records (one per line; recognised
    by its first line being a whole record). A document with none of the streamed arrays is one
    record. Raises JsonError where the text goes wrong."""
    first = stream.readline()
    try:
        head = jsontext.loads(decode_text(first)) if first.strip() else None
    except json.JSONDecodeError:
        head = None
    if isinstance(head, dict) and is_record(head):
        yield None, 1, head, {}
        for number, raw in enumerate(stream, 2):
            if not raw.strip():
                continue
            try:
                value = jsontext.loads(decode_text(raw))
            except json.JSONDecodeError as exc:
                raise JsonError(number, f"not valid JSON: {exc.msg} (column {exc.colno})") from None
            except JsonError:
                raise JsonError(number, "the line is not UTF-8 text") from None
            yield None, number, value, {}
        return
    document = JsonDocument(decode_text(first + stream.read()), streamed)
    if document.kind == "object" and not document.arrays:
        yield None, 1, document.members, {}  # one record saved alone, or a shape the reader names
        return
    for key in document.arrays:
        for line, value in document.items(key):
            yield key, line, value, document.members
