"""JSON from files people hand kbtool (help-desk exports, conversation logs, the miss log).

Python refuses to turn a number of more than 4,300 digits into an int (a guard against slow
conversion), and `json.loads` lets that ValueError out of the middle of a read. Here such a
number is kept as its digits: an id nobody could type is still an id, and the rest of the file
reads as it should.
"""

from __future__ import annotations

import json
from typing import Any


def _number(digits: str) -> int | str:
    try:
        return int(digits)
    except ValueError:  # longer than sys.get_int_max_str_digits() allows
        return digits


# For readers that walk a large document value by value (raw_decode).
DECODER = json.JSONDecoder(parse_int=_number)


def loads(text: str | bytes) -> Any:
    """`json.loads`, with over-long integers kept as text; raises json.JSONDecodeError as it does."""
    return json.loads(text, parse_int=_number)
