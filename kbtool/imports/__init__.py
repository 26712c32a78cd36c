"""Bringing a team's existing replies in: one reader per help desk, one way to write them as entries.

`SOURCES` is the registry `kbtool import` takes its SOURCE names from; common.py plans and writes.
"""

from __future__ import annotations

from kbtool.imports import csvfile, freshdesk, github, zendesk
from kbtool.imports.common import Source

SOURCES: dict[str, Source] = {s.name: s for s in (zendesk.SOURCE, freshdesk.SOURCE, github.SOURCE, csvfile.SOURCE)}

__all__ = ["SOURCES", "Source"]
