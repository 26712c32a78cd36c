"""The phrasebook as a linter: what a phrase set teaches staff to avoid must not appear in the
scripts, letters, phrases and standards' examples themselves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kbtool.checks.base import at
from kbtool.checks.style import CUSTOMER_FACING
from kbtool.matching import PhraseMatcher
from kbtool.model import Entry, KnowledgeBase
from kbtool.problems import Level, Problem, RuleDoc

AVOIDED_PHRASE = RuleDoc(
    "avoided-phrase", Level.WARNING,
    "Customer-facing text contains a phrasing that a phrase set lists under `avoid`.",
    bad="# phrases/closing.yaml\navoid: [Is that everything?]\n# scripts/close.yaml\nsay: Is that everything?",
    good="say: Is there anything else I can help with today?",
)
RULES = (AVOIDED_PHRASE,)


def check(kb: KnowledgeBase) -> Iterator[Problem]:
    # The avoided text, its entry and where; lines are looked up only for what is reported.
    matcher: PhraseMatcher[tuple[str, Entry, tuple[Any, ...]]] = PhraseMatcher()
    for entry in kb.entries:
        for ref in entry.texts():
            if ref.role == "avoid":
                matcher.add(ref.text, (ref.text, entry, ref.ptr[:-1]))
    if not matcher:
        return
    for entry in kb.entries:
        for ref in entry.texts():
            if ref.role not in CUSTOMER_FACING:
                continue
            for text, source, ptr in matcher.find(ref.text):
                where = f"{source.path}:{source.pos(*ptr)[0]}"
                yield at(entry, ref.ptr, AVOIDED_PHRASE, f"contains \"{text.strip()}\", which {where} says to avoid",
                         "rephrase it as the phrase set recommends")
