"""Query planning: the words typed become engine clauses (corrections first, then synonyms) and the
query's slots, the words a close hit must hold (kbtool.search.closeness).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kbtool.search import closeness
from kbtool.search.search_index import SearchIndex, kind_aliases
from kbtool.search.synonym_table import SynonymTable, synonym_table, synonym_words, table_of
from kbtool.search.weights import CORRECTION_BOOST, FIELD_BOOSTS, SIMILAR, SYNONYM_BOOST, SYNONYM_CREDIT, SYNONYM_FIELDS
from kbtool.search.whoosh_engine import AnyOf, Filter, Reader, Words, stems, surface_words


@lru_cache(maxsize=4096)
def stem_word(word: str) -> str | None:
    found = stems(word)
    return found[0] if found else None


def index_synonyms(index: SearchIndex) -> tuple[SynonymTable, frozenset[str]]:
    """The synonym table and words an index was built with, made once per open index."""
    kept = index.__dict__.get("_synonyms")
    if kept is None:
        meta = index.meta
        stored, words = meta.get("synonym_stems"), meta.get("synonym_words")
        if isinstance(stored, list) and isinstance(words, list):
            kept = (table_of(tuple(tuple(tuple(m) for m in members) for members in stored)), frozenset(words))
        else:  # a build from an earlier kbtool: only the groups as written
            groups = tuple(tuple(g) for g in meta.get("synonyms", []))
            kept = (synonym_table(groups), synonym_words(groups))
        index.__dict__["_synonyms"] = kept
    return kept


def fields_with(boost: float, names: Iterable[str] = tuple(FIELD_BOOSTS)) -> tuple[tuple[str, float], ...]:
    return tuple((name, FIELD_BOOSTS[name] * boost) for name in names)


def _term(stem: str, boost: float = 1.0) -> Words:
    # Fields add up: a word in the text and in the entry's title is a better match than either.
    # (Keeping only the best field, DisjunctionMax, cut recall@3 from 0.93 to 0.74.)
    return Words((stem,), fields_with(boost))


def _sequence(member: tuple[str, ...], boost: float = 1.0, names: Iterable[str] = tuple(FIELD_BOOSTS)) -> Words:
    return Words(member, fields_with(boost, names))


def _corrections(reader: Reader, word: str, vocabulary: frozenset[str], limit: int = 3) -> list[str]:
    """Known words within a small edit distance of `word`, closest first, then most common.

    Candidates come from the index's own words and from kb.yaml's synonyms, so a misspelt
    synonym that no entry uses ("furous" for "furious") still expands to its group.
    """
    if len(word) < 3 or not word.replace("'", "").isalpha():
        return []

    maxdist = 1 if len(word) < 6 else 2
    found = reader.near_words(word, maxdist, SIMILAR)
    found.update(difflib.get_close_matches(word, vocabulary, n=limit, cutoff=SIMILAR))
    found.discard(word)

    def similarity(candidate: str) -> float:
        return difflib.SequenceMatcher(None, word, candidate).ratio()

    # Two edits in a six-letter word can turn a real word the index lacks into an unrelated one
    # ("higher" -> "hughes"); every genuine typo in the query set scores 0.75 or more.
    scored = [(similarity(c), c) for c in found]
    ranked = sorted((c for c in scored if c[0] >= SIMILAR), key=lambda sc: (-sc[0], -reader.word_frequency(sc[1])))
    return [c for _, c in ranked[:limit]]


def _remembered_corrections(reader: Reader, word: str, vocabulary: frozenset[str]) -> list[str]:
    """`_corrections`, remembered per open index: `kbtool find` plans the whole query again on every
    key, so the words typed before come back each time (the site's engine remembers them too)."""
    cache: dict[tuple[str, frozenset[str]], list[str]] = reader.__dict__.setdefault("_corrections", {})
    key = (word, vocabulary)
    found = cache.get(key)
    if found is None:
        if len(cache) > 2000:
            cache.clear()
        found = cache[key] = _corrections(reader, word, vocabulary)
    return list(found)


@dataclass
class Plan:
    clauses: list[Any]
    corrections: dict[str, str]
    unknown: list[str]
    slots: list[closeness.Slot]


def plan_query(reader: Reader, query: str, synonyms: SynonymTable, vocabulary: frozenset[str]) -> Plan:
    """Turn typed words into query clauses: unknown words corrected first, then synonyms expanded.

    Beside the clauses, the query's slots (kbtool.search.closeness): the words a close hit must
    hold, each with what holds it and for how much.
    """
    synonym_stems = synonyms.stems
    # (stem, boost, slot, credit): corrected words count a little less, in the ranking and in closeness.
    terms: list[tuple[str, float, closeness.Slot | None, float]] = []
    corrections: dict[str, str] = {}
    unknown: list[str] = []
    slots: list[closeness.Slot] = []
    documents = reader.document_count()
    for word in surface_words(query):
        stem = stem_word(word)
        if stem is None:
            continue
        slot = closeness.Slot(word, 0.0, []) if closeness.is_slot(word) else None
        if slot is not None:
            slots.append(slot)
        if stem in synonym_stems or reader.knows(stem, FIELD_BOOSTS):
            terms.append((stem, 1.0, slot, 1.0))
            if slot is not None:
                slot.weight = closeness.weight(reader.word_frequency(word), documents)
            continue
        unknown.append(word)
        fixes = _remembered_corrections(reader, word, vocabulary)
        fixed = stem_word(fixes[0]) if fixes else None
        if slot is not None:
            # A corrected word weighs what its correction does; one nothing corrects, the most.
            slot.weight = (closeness.weight(reader.word_frequency(fixes[0]), documents) if fixed
                           else closeness.unknown_weight(documents))
        if fixed is not None:
            corrections[word] = fixes[0]
            terms.append((fixed, CORRECTION_BOOST, slot, closeness.corrected_credit(word, fixes[0])))
    seq = [term[0] for term in terms]

    def held(span: list[tuple[str, float, closeness.Slot | None, float]], words: Words, credit: float) -> None:
        for _stem, _boost, slot, own in span:
            if slot is not None:
                slot.leaves.append((words, credit * own))

    clauses: list[Any] = []
    i = 0
    while i < len(seq):
        # The longest synonym starting here wins ("money back" over "money").
        member = next((tuple(seq[i:i + n]) for n in range(min(synonyms.longest, len(seq) - i), 0, -1)
                       if tuple(seq[i:i + n]) in synonyms.alternatives), None)
        if member is None:
            clause = _term(terms[i][0], terms[i][1])
            held(terms[i:i + 1], clause, 1.0)
            clauses.append(clause)
            i += 1
            continue
        span = terms[i:i + len(member)]
        boost = min(term[1] for term in span)
        typed = _sequence(member, boost)
        alternatives = [_sequence(m, SYNONYM_BOOST * boost, SYNONYM_FIELDS) for m in synonyms.alternatives[member]]
        held(span, typed, 1.0)
        for alternative in alternatives:
            held(span, alternative, SYNONYM_CREDIT)
        # Alternatives add up. Keeping only the best (DisjunctionMax) ranks better on the query set
        # (MRR 0.816 -> 0.833) but its matcher tree cannot be preloaded: p95 6 -> 13-18 ms.
        clause: Any = AnyOf((typed, *alternatives))
        if len(member) > 1:
            # The typed words still count on their own, so "click and collect" finds "collect".
            alone = [_term(stem, 0.5 * boost) for stem in member]
            for term, words in zip(span, alone, strict=True):
                held([term], words, 1.0)
            clause = AnyOf((clause, *alone))
        clauses.append(clause)
        i += len(member)
    return Plan(clauses, corrections, unknown, slots)


def query_filter(kind: str | None, channel: str | None, situation: str | None, tag: str | None) -> Filter:
    kinds: tuple[str, ...] = ()
    if kind:
        kinds = kind_aliases().get(kind, (kind,))
    return Filter(kinds, channel or None, situation or None, tag or None)


