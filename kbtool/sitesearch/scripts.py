"""How the site's search data is written: compact binary as base64, inside script files.

Pages opened from file:// cannot fetch(), so every data file is a script that stores its value
in `self.__kbsearch`; the word index (kbtool.sitesearch.index) and the meaning files
(kbtool.sitesearch.meaning) both write theirs this way.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any

FOLDER = "kbsearch"


def varint(out: bytearray, value: int) -> None:
    """Append `value` as a little-endian base-128 varint."""
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def varints(values: Iterable[int]) -> bytes:
    out = bytearray()
    for value in values:
        varint(out, value)
    return bytes(out)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def script(key: str, data: Any) -> str:
    """A script storing `data` under `key` for the browser."""
    # A JSON text inside a JS string literal: V8 parses JSON.parse("...") much faster than the same
    # data as an object literal, and json.dumps escapes every quote and backslash of the content.
    literal = json.dumps(json.dumps(data, ensure_ascii=False, separators=(",", ":")), ensure_ascii=False)
    literal = literal.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"(self.__kbsearch=self.__kbsearch||{{}})[{json.dumps(key)}]=JSON.parse({literal});\n"
