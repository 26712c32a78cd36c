"""Messages as JSON Lines: one object per line with `conversation`, `author` (agent or customer),
`agent`, `channel`, `at` (ISO 8601) and `text`. Read line by line, so a file of any size streams."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

from kbtool import jsontext
from kbtool.audit.fields import ROW_HINT, message_from
from kbtool.audit.records import BadInput, Message, ReadOptions


def read(stream: IO[bytes], path: str, options: ReadOptions) -> Iterator[Message | BadInput]:
    for number, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        try:
            row = jsontext.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError:
            yield BadInput(path, number, "the line is not UTF-8 text", "export or save the file as UTF-8")
            continue
        except json.JSONDecodeError as exc:
            yield BadInput(path, number, f"not valid JSON: {exc.msg} (column {exc.colno})",
                           "each line holds one whole JSON object")
            continue
        if not isinstance(row, dict):
            yield BadInput(path, number, f"the line holds a JSON {type(row).__name__}, not an object", ROW_HINT)
            continue
        yield message_from(row, path, number)
