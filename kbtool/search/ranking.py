"""Running a query: ranked hits, each judged close or weak, with any correction that was applied."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kbtool.search import closeness, semantic
from kbtool.search.hits import Hit, Results
from kbtool.search.planning import fields_with, index_synonyms, plan_query, query_filter, stem_word
from kbtool.search.search_index import SearchError, SearchIndex
from kbtool.search.synonym_table import synonym_table, synonym_words
from kbtool.search.weights import FEW_HITS, MAX_QUERY_CHARS
from kbtool.search.whoosh_engine import AnyOf, Filter, Fuzzy, Reader, Words, surface_words


def run_query(index: SearchIndex, query: str, *, synonyms: Iterable[Iterable[str]] | None = None,
              kind: str | None = None, channel: str | None = None, situation: str | None = None,
              tag: str | None = None, limit: int = 10) -> Results:
    """Ranked hits for `query`, best first (see `run`); one per matching document."""
    return run_ranked(index, query, synonyms=synonyms, kind=kind, channel=channel, situation=situation, tag=tag,
                limit=limit).results


@dataclass
class Run:
    results: Results
    reader: Reader
    slots: list[closeness.Slot]
    docnums: dict[tuple[str, str | None, str], int]


def run_ranked(index: SearchIndex, query: str, *, synonyms: Iterable[Iterable[str]] | None = None,
         kind: str | None = None, channel: str | None = None, situation: str | None = None,
         tag: str | None = None, limit: int = 10) -> Run:
    """Ranked hits for `query`, best first, with any spelling correction that was applied.

    Exact terms (and their synonyms) run first; only words the index does not know are
    corrected, and a fuzzy pass over every word runs only when that still finds too little.
    Each hit says whether it is a close match (kbtool.search.closeness); hits found only by the
    fuzzy pass or only by meaning never are.
    """
    reader = index._reader()
    truncated = len(query) > MAX_QUERY_CHARS
    if truncated:
        query = query[:MAX_QUERY_CHARS]
    if synonyms is None:
        table, vocabulary = index_synonyms(index)
    else:
        groups = tuple(tuple(g) for g in synonyms)
        table, vocabulary = synonym_table(groups), synonym_words(groups)
    filt = query_filter(kind, channel, situation, tag)
    plan = plan_query(reader, query, table, vocabulary)

    # Fusion re-ranks the lexical top 10 whatever `limit` is; without vectors depth == limit.
    depth = semantic.lexical_depth(index.folder, limit)
    found: list[tuple[int, Hit]] = []
    used_fuzzy = bool(plan.corrections)
    if plan.clauses:
        found = _collect(reader, AnyOf(tuple(plan.clauses)), filt, depth)
    lexical = True
    if len(found) < FEW_HITS and surface_words(query):
        # Last resort: every word fuzzy (also catches typos that happen to be real words).
        fuzzy = _fuzzy_all(query)
        if fuzzy.parts:
            found = _collect(reader, fuzzy, filt, depth)
            used_fuzzy = True
            lexical = False
    docnums = {hit_key(hit): doc for doc, hit in found}
    hits = [hit for _, hit in found]
    if lexical and hits:
        hits = _judged(reader, plan.slots, hits, docnums)
    try:
        hits = semantic.fuse(query, hits, index.folder, limit, filt)
    except semantic.SemanticError as exc:
        raise SearchError(f"{exc}: run `kbtool index` to rebuild the search index; if that does not help, "
                          "reinstall the extra or set `search: {semantic: false}` in kb.yaml") from None
    did_you_mean = None
    if plan.corrections:
        fixed = query
        for wrong, right in plan.corrections.items():
            fixed = re.sub(rf"(?i)\b{re.escape(wrong)}\b", right, fixed)
        did_you_mean = fixed
    results = Results(hits, query, did_you_mean, used_fuzzy, plan.corrections, truncated)
    return Run(results, reader, plan.slots, docnums if lexical else {})


def hit_key(hit: Hit) -> tuple[str, str | None, str]:
    return (hit.id, hit.item, hit.kind)


def holding(reader: Reader) -> Callable[[object, list[int]], set[int]]:
    """What closeness asks of an index: which of these documents hold this leaf's words."""
    def held(leaf: object, docs: list[int]) -> set[int]:
        assert isinstance(leaf, Words)
        return reader.containing(leaf, docs)

    return held


def _judged(reader: Reader, slots: list[closeness.Slot], hits: list[Hit],
            docnums: dict[tuple[str, str | None, str], int]) -> list[Hit]:
    shares = closeness.coverage(slots, docnums.values(), holding(reader))
    out = []
    for hit in hits:
        share = shares.get(docnums[hit_key(hit)], 0.0)
        out.append(hit.with_(coverage=share, close=closeness.is_close(share)))
    return out


def _fuzzy_all(query: str) -> AnyOf:
    clauses = []
    for word in surface_words(query):
        stem = stem_word(word)
        if stem is None or len(stem) < 3:
            continue
        clauses.append(Fuzzy(stem, 1 if len(stem) < 6 else 2, fields_with(1.0)))
    return AnyOf(tuple(clauses))


def _collect(reader: Reader, clause: Any, filt: Filter, limit: int) -> list[tuple[int, Hit]]:
    return [(doc, hit_from_fields(fields, score)) for doc, fields, score in reader.search(clause, filt, limit)]


def hit_from_fields(fields: dict[str, Any], score: float) -> Hit:
    return Hit(
        id=fields["entry"], item=fields.get("item"), kind=fields["kind"], title=fields["title"],
        text=fields["text"], path=fields["path"], line=int(fields["line"]), score=float(score),
        url=fields["url"], entry_title=fields.get("entry_title", ""),
        channels=tuple(c for c in fields.get("channel", "").split(",") if c),
        situation=fields.get("situation", ""),
        tags=tuple(t for t in fields.get("tag", "").split(",") if t),
        notes=tuple(fields.get("notes") or ()),
    )


def search(index: SearchIndex, query: str, **options: Any) -> list[Hit]:
    """Ranked hits for `query` (see `run_query` for the options)."""
    return run_query(index, query, **options).hits


