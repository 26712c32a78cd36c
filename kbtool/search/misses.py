"""Searches that did not help, logged so mentors see what staff looked for and could not find.

Two kinds, kept apart: searches that found nothing (`NOTHING`), and searches whose hits were all
weak (`NOT_CLOSE`: "No close match"), logged with their best weak hit, which is where a mentor
most often adds the customer's words as a `customer_says` line.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kbtool.search.store import cache_dir

MISSES_FILE = "misses.log"
NOTHING = "nothing"
NOT_CLOSE = "not-close"
# Seconds since 1970 up to the year 9999: a hand-edited time beyond it reads as unknown.
LATEST = 253_402_300_799


@dataclass(frozen=True)
class TopHit:
    """The best weak hit of a "no close match" search: the entry (and item) and where to edit it."""

    id: str
    item: str | None
    title: str
    path: str
    line: int


def log_miss(root: Path, query: str, kind: str = NOTHING, top: TopHit | None = None) -> None:
    """Append a search that did not help to the cache folder's log (one JSON line, appended atomically)."""
    cache = cache_dir(Path(root))
    cache.mkdir(parents=True, exist_ok=True)
    record: dict[str, Any] = {"q": " ".join(query.split())[:500], "t": int(time.time())}
    if kind != NOTHING:
        record["k"] = kind
    if top is not None:
        record["top"] = {"id": top.id, "item": top.item, "title": top.title, "path": top.path, "line": top.line}
    line = json.dumps(record, ensure_ascii=False) + "\n"
    # One write on an O_APPEND file: concurrent searches never interleave their lines.
    fd = os.open(cache / MISSES_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        # "replace": a query with an undecodable byte of the command line (a lone surrogate) is
        # logged with "?" there rather than lost to an encoding error after its search ran.
        os.write(fd, line.encode("utf-8", "replace"))
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Miss:
    query: str
    count: int
    last_seen: int
    kind: str = NOTHING
    top: TopHit | None = None


def _top(value: Any) -> TopHit | None:
    if not isinstance(value, dict):
        return None
    try:
        line = int(value.get("line", 0))
        item = value.get("item")
        return TopHit(str(value["id"]), str(item) if item is not None else None, str(value.get("title", "")),
                      str(value.get("path", "")), line if line > 0 else 0)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None


def _when(value: Any) -> int:
    # A hand-edited line may hold Infinity, NaN, a float or a time past the year 9999.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return 0
    return int(value) if 0 <= value <= LATEST else 0


def read_misses(root: Path, kind: str | None = None) -> list[Miss]:
    """Logged misses by frequency (case and spacing folded), most frequent first; `kind` picks one kind."""
    counts: Counter[tuple[str, str]] = Counter()
    last: dict[tuple[str, str], int] = {}
    shown: dict[tuple[str, str], str] = {}
    tops: dict[tuple[str, str], TopHit] = {}
    try:
        with open(cache_dir(Path(root)) / MISSES_FILE, encoding="utf-8", errors="replace") as handle:
            for raw in handle:
                try:
                    record = json.loads(raw)
                    query, seen = str(record["q"]), _when(record.get("t", 0))
                    found = record.get("k", NOTHING)
                except (ValueError, KeyError, TypeError, AttributeError):
                    continue  # a torn or hand-edited line is skipped, not fatal
                found = found if found in (NOTHING, NOT_CLOSE) else NOTHING
                if kind is not None and found != kind:
                    continue
                key = (found, " ".join(query.lower().split()))
                if not key[1]:
                    continue
                counts[key] += 1
                shown.setdefault(key, query)
                last[key] = max(last.get(key, 0), seen)
                top = _top(record.get("top"))
                if top is not None:
                    tops[key] = top  # the latest: the content may have moved since
    except FileNotFoundError:
        return []
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0]))
    return [Miss(shown[k], n, last[k], k[0], tops.get(k)) for k, n in ordered]
