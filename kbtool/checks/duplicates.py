"""Duplicate sentences: the same `say` twice means two places to keep in step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kbtool.checks.base import RuleDoc, at
from kbtool.matching import words
from kbtool.model import Entry, KnowledgeBase
from kbtool.problems import Level, Problem

DUPLICATE_TEXT = RuleDoc(
    "duplicate-text", Level.WARNING,
    "Two script steps or phrases say exactly the same words; keep one and link to it with `related`.",
    bad="# phrases/greetings.yaml\nsay: Thanks for calling.\n# scripts/inbound.yaml\nsay: Thanks for calling!",
    good="# scripts/inbound.yaml\nsay: Thanks for calling, you're through to Sam.",
)
RULES = (DUPLICATE_TEXT,)


def check(kb: KnowledgeBase) -> Iterator[Problem]:
    # Where each text was first seen; its line is looked up only when a duplicate is reported.
    seen: dict[tuple[str, ...], tuple[Entry, tuple[Any, ...]]] = {}
    for entry in kb.entries:
        for ref in entry.texts():
            if ref.role != "say":
                continue
            key = words(ref.text)
            if len(key) < 3:
                continue
            if key in seen:
                first, ptr = seen[key]
                yield at(entry, ref.ptr, DUPLICATE_TEXT,
                         f"the same words are already used at {first.path}:{first.pos(*ptr)[0]}",
                         "reword one of them, or keep one and link the entries with related")
            else:
                seen[key] = (entry, ref.ptr)
