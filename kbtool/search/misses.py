"""Searches that found nothing, logged so mentors see what staff looked for and could not find."""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kbtool.search.store import cache_dir

MISSES_FILE = "misses.log"


def log_miss(root: Path, query: str) -> None:
    """Append a query that found nothing to the cache folder's log (one JSON line, appended atomically)."""
    cache = cache_dir(Path(root))
    cache.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"q": " ".join(query.split())[:500], "t": int(time.time())}, ensure_ascii=False) + "\n"
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


def read_misses(root: Path) -> list[Miss]:
    """Logged misses by frequency (case and spacing folded), most frequent first."""
    counts: Counter[str] = Counter()
    last: dict[str, int] = {}
    shown: dict[str, str] = {}
    try:
        with open(cache_dir(Path(root)) / MISSES_FILE, encoding="utf-8", errors="replace") as handle:
            for raw in handle:
                try:
                    record = json.loads(raw)
                    query, when = str(record["q"]), record.get("t", 0)
                    # A hand-edited line may hold Infinity or NaN (json accepts both) or a float.
                    seen = int(when) if isinstance(when, (int, float)) and math.isfinite(when) else 0
                except (ValueError, KeyError, TypeError, AttributeError):
                    continue  # a torn or hand-edited line is skipped, not fatal
                key = " ".join(query.lower().split())
                if not key:
                    continue
                counts[key] += 1
                shown.setdefault(key, query)
                last[key] = max(last.get(key, 0), seen)
    except FileNotFoundError:
        return []
    return [Miss(shown[k], n, last[k]) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
