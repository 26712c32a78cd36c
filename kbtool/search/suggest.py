"""Misses become content: for a search that found nothing or nothing close, the entries a mentor
might map it to, the kb.yaml synonym line, and the `customer_says` line that would make the same
words find the entry the mentor picks next time.

Neighbours come from the lexicon (the built-in one and kb.yaml's synonyms): a group that shares a
word with the miss names other words for the same thing, and the index says which entries use
them. Failing that, entry titles and keywords that look like the miss (character similarity, which
catches misspellings the fuzzy search does not reach). Plain functions over the search index and
the knowledge base; the CLI only prints them.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kbtool.model import KnowledgeBase
from kbtool.search.api import run_query
from kbtool.search.whoosh_engine import stems

MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Suggestion:
    """One entry a missed query might have wanted, and the word that links them."""

    entry_id: str
    title: str
    path: str
    url: str
    term: str  # the word in that entry a kb.yaml synonym group would tie the query to
    item: str | None = None
    line: int = 0  # where the item (or entry) is in its file: customer_says goes under it


@dataclass(frozen=True)
class MissAdvice:
    query: str
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def synonym_line(self) -> str | None:
        """The line to add under kb.yaml's `synonyms:` (YAML flow list; JSON strings are valid YAML)."""
        terms = [s.term for s in self.suggestions if s.term]
        if not terms:
            return None
        return f"  - [{json.dumps(self.query, ensure_ascii=False)}, {json.dumps(terms[0], ensure_ascii=False)}]"

    @property
    def customer_says_line(self) -> str:
        """The line to add to the entry (or phrase, or step) the mentor picks: the words as typed are
        what a customer says (YAML flow list; a JSON string is valid YAML)."""
        return f"customer_says: [{json.dumps(' '.join(self.query.split()), ensure_ascii=False)}]"


def _stems(text: str) -> set[str]:
    return set(stems(text))


def _lexicon_neighbours(query: str, groups: Iterable[Iterable[str]]) -> list[str]:
    """Other members of every synonym group that shares a word (by stem) with the query."""
    wanted = _stems(query)
    out: list[str] = []
    for group in groups:
        members = list(group)
        if any(_stems(member) & wanted for member in members):
            out += [m for m in members if not _stems(m) <= wanted and m not in out]
    return out


def advise(query: str, index: Any, kb: KnowledgeBase, groups: Iterable[Iterable[str]],
           top: Any = None) -> MissAdvice:
    """Suggestions for one missed query (at most MAX_SUGGESTIONS entries, best first).

    `top` is a "no close match" search's best weak hit (misses.TopHit): the first suggestion.
    """
    seen: dict[str, Suggestion] = {}
    if top is not None and top.id in kb.by_id:
        entry = kb.by_id[top.id]
        seen[top.id] = Suggestion(top.id, entry.title, top.path or entry.path, "", "", top.item, top.line)
    for term in _lexicon_neighbours(query, groups):
        for hit in run_query(index, term, limit=MAX_SUGGESTIONS).hits:
            if hit.id not in seen:
                seen[hit.id] = Suggestion(hit.id, hit.entry_title or hit.title, hit.path, hit.url, term,
                                          hit.item, hit.line)
        if len(seen) >= MAX_SUGGESTIONS:
            break
    if not seen:
        names: dict[str, tuple[str, Any]] = {}
        for entry in kb.published():
            for name in (entry.title, *entry.keywords):
                names.setdefault(name.casefold(), (name, entry))
        for match in difflib.get_close_matches(query.casefold(), list(names), n=MAX_SUGGESTIONS, cutoff=0.6):
            name, entry = names[match]
            if entry.id not in seen:
                seen[entry.id] = Suggestion(entry.id, entry.title, entry.path, "", name.casefold(), None, 1)
    return MissAdvice(query, list(seen.values())[:MAX_SUGGESTIONS])
