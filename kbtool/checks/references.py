"""References: `related` ids must name entries that exist; kb.yaml's start_here should."""

from __future__ import annotations

from collections.abc import Iterator

from kbtool.checks.base import at
from kbtool.format.types import did_you_mean
from kbtool.model import KnowledgeBase
from kbtool.problems import Level, Problem, RuleDoc

UNKNOWN_REFERENCE = RuleDoc(
    "unknown-reference", Level.ERROR, "`related` names an entry id that does not exist.",
    bad="related: [folow-up]", good="related: [follow-up]",
)
# A warning, not an error: a team that starts from another knowledge base's kb.yaml (as the README
# suggests) gets a working site whose reading path skips what it does not have yet.
UNKNOWN_START_HERE = RuleDoc(
    "unknown-start-here", Level.WARNING,
    "kb.yaml's `start_here` names an entry id that does not exist; the reading path skips it.",
    bad="start_here: [greting]", good="start_here: [greeting]",
)
RETIRED_REFERENCE = RuleDoc(
    "retired-reference", Level.WARNING, "`related` points at a retired entry, which the site does not publish.",
    bad="related: [old-greeting]   # status: retired", good="related: [first-contact]",
)
RULES = (UNKNOWN_REFERENCE, UNKNOWN_START_HERE, RETIRED_REFERENCE)


def check(kb: KnowledgeBase) -> Iterator[Problem]:
    ids = list(kb.by_id)
    for entry in kb.entries:
        for index, ref in enumerate(entry.related):
            target = kb.by_id.get(ref)
            if target is None and ref in kb.unloaded:
                continue
            if target is None:
                yield at(entry, ("related", index), UNKNOWN_REFERENCE, f"related entry '{ref}' does not exist",
                         did_you_mean(ref, ids) or "use the id of an existing entry, or remove it")
            elif not target.published and entry.published:
                yield at(entry, ("related", index), RETIRED_REFERENCE,
                         f"related entry '{ref}' is retired", "remove it or point at its replacement")
    config = kb.config
    for index, ref in enumerate(config.start_here):
        if ref not in kb.by_id and ref not in kb.unloaded:
            line, column = config.pos("start_here", index)
            yield Problem("kb.yaml", line, column, UNKNOWN_START_HERE.level, UNKNOWN_START_HERE.id,
                          f"start_here names '{ref}', which does not exist",
                          did_you_mean(ref, ids) or "use the id of an existing entry, or remove it")
