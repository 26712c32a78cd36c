"""Review dates: an entry past its review_by date may no longer match how the team works."""

from __future__ import annotations

from collections.abc import Iterator

from kbtool.checks.base import at, today
from kbtool.model import KnowledgeBase
from kbtool.problems import Level, Problem, RuleDoc

STALE_REVIEW = RuleDoc(
    "stale-review", Level.WARNING, "The entry is past its `review_by` date; its owner should review it.",
    bad='review_by: "2020-01-31"', good='review_by: "2027-06-30"',
)
RULES = (STALE_REVIEW,)


def check(kb: KnowledgeBase) -> Iterator[Problem]:
    now = today()
    for entry in kb.entries:
        if entry.review_by is not None and entry.review_by < now and entry.published:
            days = (now - entry.review_by).days
            yield at(entry, ("review_by",), STALE_REVIEW,
                     f"review was due {entry.review_by.isoformat()} ({days} days ago); owner: {entry.owner}",
                     f"{entry.owner or 'the owner'} should review the entry and move review_by forward")
