"""Duplicate sentences: the same `say` twice means two places to keep in step; the same customer
wording on two entries sends search two ways."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kbtool.checks.base import at
from kbtool.format.kinds import REGISTRY
from kbtool.matching import words
from kbtool.model import Entry, KnowledgeBase
from kbtool.problems import Level, Problem, RuleDoc

DUPLICATE_TEXT = RuleDoc(
    "duplicate-text", Level.WARNING,
    "Two script steps or phrases say exactly the same words; keep one and link to it with `related`.",
    bad="# phrases/greetings.yaml\nsay: Thanks for calling.\n# scripts/inbound.yaml\nsay: Thanks for calling!",
    good="# scripts/inbound.yaml\nsay: Thanks for calling, you're through to Sam.",
)
DUPLICATE_CUSTOMER_WORDING = RuleDoc(
    "duplicate-customer-wording", Level.WARNING,
    "The same customer wording (`customer_says`) is on two entries: search cannot tell which one the "
    "customer means. Keep it on the entry that answers it, or make each wording say what is different.",
    bad="# phrases/refunds.yaml\ncustomer_says: [\"I want my money back\"]\n"
        "# scripts/refund-request.yaml\ncustomer_says: [\"I want my money back!\"]",
    good="# phrases/refunds.yaml\ncustomer_says: [\"I want my money back\"]\n"
         "# scripts/refund-request.yaml\ncustomer_says: [\"can I return it for a refund\"]",
)
RULES = (DUPLICATE_TEXT, DUPLICATE_CUSTOMER_WORDING)


def customer_wordings(entry: Entry) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every customer wording of `entry` with where it is: the entry's own, then its items'."""
    for j, text in enumerate(entry.customer_says):
        yield ("customer_says", j), text
    field = REGISTRY[entry.kind].items_field
    for i, item in enumerate(entry.items() if field else ()):
        for j, text in enumerate(getattr(item, "customer_says", ())):
            yield (field, i, "customer_says", j), text


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
    heard: dict[tuple[str, ...], tuple[Entry, tuple[Any, ...]]] = {}
    for entry in kb.entries:
        for ptr, text in customer_wordings(entry):
            key = words(text)
            if not key:
                continue
            first = heard.setdefault(key, (entry, ptr))
            if first[0] is not entry:
                yield at(entry, ptr, DUPLICATE_CUSTOMER_WORDING,
                         f"the customer wording {text!r} is also on {first[0].path}:{first[0].pos(*first[1])[0]}",
                         "keep it on the entry that answers it, or reword one of them")
