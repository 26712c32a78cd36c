"""Mid-call search: build an index of the published documents, and ranked, typo-tolerant queries over it.

Query planning and ranking are kbtool's (which words, which synonyms, which corrections, how
fields weigh); the engine behind `kbtool.search.whoosh_engine` only stores and scores. The
documents come from `kbtool.publish.documents`, the same list the site search is built from.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kbtool.search import store
from kbtool.search.store import META_FILE, cache_dir, content_signature  # noqa: F401 - part of the API
from kbtool.search.whoosh_engine import (
    AnyOf,
    EngineError,
    Filter,
    Fuzzy,
    Reader,
    Words,
    stems,
    surface_words,
    write_index,
)

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from kbtool.model import KnowledgeBase
    from kbtool.pipeline import Checked

# The words a document exists to say count most; a standard that merely mentions them ranks lower.
# Title (entry title plus item name), keywords (labels a mentor gave it) and topic (tags, situation)
# say what the text is for. Tuned on tests/search_queries.yaml; see docs/benchmarks.md.
FIELD_BOOSTS = {"say": 4.0, "title": 3.0, "keywords": 3.0, "topic": 2.5, "context": 0.8}
# Ready-to-say kinds first when scores are otherwise close.
KIND_BOOSTS = {"phrase": 1.25, "step": 1.15, "letter": 1.0, "rule": 0.9, "standard": 0.8}
KINDS = ("phrase", "step", "rule", "letter", "standard")
SYNONYM_BOOST = 0.9
# Synonyms are not looked for in the long avoid/why notes: a third fewer postings to merge (p95
# 19 -> 14 ms at 10,000 phrases) with recall@3 on the query set unchanged (0.914).
SYNONYM_FIELDS = ("say", "title", "keywords", "topic")
CORRECTION_BOOST = 0.8
# How alike (difflib ratio) a correction must be to the word typed.
SIMILAR = 0.75
# "Too little" for the fuzzy fallback: fewer exact hits than this, or a word the index lacks.
FEW_HITS = 1


def kind_aliases() -> dict[str, tuple[str, ...]]:
    """`--kind` takes a unit kind (phrase, step...) or an entry kind, which means the units it yields."""
    from kbtool.format.kinds import unit_kind_aliases

    return unit_kind_aliases()


class SearchError(Exception):
    """The index cannot be built or read (a clean message, never a traceback)."""


@dataclass(frozen=True)
class Hit:
    """One search result: the text to say, where it comes from and where to edit it."""

    id: str
    item: str | None
    kind: str
    title: str
    text: str
    path: str
    line: int
    score: float
    url: str
    entry_title: str = ""
    channels: tuple[str, ...] = ()
    situation: str = ""
    tags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "item": self.item, "kind": self.kind, "title": self.title, "text": self.text,
                "path": self.path, "line": self.line, "score": round(self.score, 4), "url": self.url,
                "channels": list(self.channels), "situation": self.situation, "tags": list(self.tags),
                "notes": list(self.notes)}


@dataclass
class Results:
    """Hits plus how the query was understood: a spelling correction and whether fuzzy matching ran."""

    hits: list[Hit]
    query: str
    did_you_mean: str | None = None
    fuzzy: bool = False
    corrections: dict[str, str] = field(default_factory=dict)


# -- building -----------------------------------------------------------------------------------

def build_index(kb: KnowledgeBase, signature: str | store.Fingerprint | None = None) -> Path:
    """Index every published entry of `kb` into a fresh folder and make it current; returns the folder.

    `signature` is the content fingerprint taken before `kb` was loaded (`store.fingerprint`, or
    just its signature); without it one is taken now (an edit made between loading and now would
    then go unnoticed until the next edit).
    """
    from kbtool.publish.documents import documents
    from kbtool.publish.synonyms import search_synonyms
    from kbtool.publish.urls import site_address

    root = Path(kb.root)
    found: store.Fingerprint | None
    if isinstance(signature, store.Fingerprint):
        found, signature = signature, signature.signature
    else:
        found = store.fingerprint(root)
        if signature and found.signature != signature:
            # The files changed since `kb` was read: a manifest of the new state would vouch for
            # an index of the old one, so none is written and the next search walks instead.
            found = None
        signature = signature or (found.signature if found else None)
    docs = documents(kb, site_address(root, kb.config.site_url))
    with store.new_build(root) as folder:
        if found is not None:
            store.write_manifest(folder, found)
        synonyms = search_synonyms(kb.config)
        groups = tuple(tuple(g) for g in synonyms)
        phrases = [m for m in _synonym_table(groups).alternatives if len(m) > 1]
        count = write_index(folder, docs, KIND_BOOSTS, phrases)
        from kbtool.search import semantic

        # Beside the Whoosh index and swapped in with it; nothing without the [semantic] extra.
        semantic.build_vectors(folder, docs, kb.config)
        store.write_meta(folder, {
            "signature": signature, "documents": count, "log_misses": kb.config.log_misses,
            "site_url": kb.config.site_url,
            # Kept here so a search never needs to parse kb.yaml (the signature covers it).
            "synonyms": synonyms, "built": time.time(),
            "synonym_stems": analysed_synonyms(groups), "synonym_words": sorted(_synonym_words(groups)),
            "kinds": {name: list(units) for name, units in kind_aliases().items()},
        })
    return store._current_folder(cache_dir(root)) or folder


# -- opening --------------------------------------------------------------------------------------

class SearchIndex:
    """An open build of the index; keeps one reader for repeated queries (the TUI, benchmarks)."""

    def __init__(self, folder: Path, meta: dict[str, Any]) -> None:
        self.folder = folder
        self.meta = meta
        try:
            self.reader: Reader | None = Reader(folder)
        except EngineError as exc:
            raise SearchError(f"the search index in {folder} cannot be read ({exc}); "
                              "run `kbtool index` to rebuild it") from None

    @property
    def log_misses(self) -> bool:
        return bool(self.meta.get("log_misses", True))

    def _reader(self) -> Reader:
        if self.reader is None:
            raise SearchError("the search index was closed")
        return self.reader

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_index(root: Path) -> SearchIndex | None:
    """The current build under `root`, or None when there is none (or it is from an older kbtool)."""
    return store.current_build(root, SearchIndex)


def freshness(root: Path, index: SearchIndex) -> store.Fingerprint | None:
    """None when `index` was built from the files as they are now, else their new fingerprint.

    First the cheap check: the build's manifest says which folders and files its signature
    covered; when no folder's time moved and no file's size or time did, the index is fresh
    without a walk. Any doubt (a folder changed, no manifest) is settled by one walk, as
    before; an index found current that way gets a new manifest so the next check is cheap.
    """
    signature = index.meta.get("signature")
    manifest = store.read_manifest(index.folder)
    if manifest is not None and manifest["signature"] == signature and store.quick_check(root, manifest):
        return None
    found = store.fingerprint(root)
    if found.signature != signature:
        return found
    try:
        store.write_manifest(index.folder, found)
    except OSError:
        pass  # a read-only checkout walks each time: slower, still correct
    return None


def _checked_kb(root: Path) -> KnowledgeBase:
    from kbtool.pipeline import check

    return check(root).kb


def fresh_index(root: Path, load: Callable[[Path], Checked | KnowledgeBase] | None = None
                ) -> tuple[SearchIndex, str | None]:
    """The current index, rebuilt first when missing or older than the YAML.

    Returns the index and, when it was rebuilt, why (for a note on stderr). `load` runs the
    pipeline (the CLI passes one that turns library errors into clean messages).
    """
    root = Path(root)
    try:
        index = open_index(root)
    except SearchError:
        index, reason, found = None, "the index could not be read", None
    else:
        found = freshness(root, index) if index is not None else None
        if index is not None and found is None:
            return index, None
        reason = "there was no search index yet" if index is None else "the YAML changed since the index was built"
    if index is not None:
        index.close()
    found = found or store.fingerprint(root)
    loaded = (load or _checked_kb)(root)
    kb = getattr(loaded, "kb", loaded)
    build_index(kb, found)
    index = open_index(root)
    if index is None:  # pragma: no cover - only if the cache folder vanished mid-build
        raise SearchError(f"the search index under {cache_dir(root)} could not be opened after building it")
    return index, reason


# -- query planning -------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _stem_word(word: str) -> str | None:
    found = stems(word)
    return found[0] if found else None


@dataclass(frozen=True)
class SynonymTable:
    """For each synonym (as stems), its alternatives: every other member of every group holding it.

    A member in several groups (kb.yaml's and the lexicon's "late") expands to all of them, so
    the team's groups extend the lexicon instead of hiding it.
    """

    alternatives: dict[tuple[str, ...], tuple[tuple[str, ...], ...]]
    longest: int
    stems: frozenset[str]


@lru_cache(maxsize=8)
def analysed_synonyms(groups: tuple[tuple[str, ...], ...]) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Each group's members as stems, the unusable ones left out, groups of fewer than two dropped.

    Stored with each index build, so a cold search need not stem the lexicon's thousand members
    (25 ms of its CPU) before it can plan a query.
    """
    analysed: list[tuple[tuple[str, ...], ...]] = []
    for group in groups:
        members: list[tuple[str, ...]] = []
        for member in group:
            found = tuple(stems(member))
            if len(found) < min(2, len(member.split())):
                # "in person" is just "person" once stop words go; as a synonym it would capture
                # every query mentioning a person, so such members are left out.
                continue
            if found and found not in members:
                members.append(found)
        if len(members) >= 2:
            analysed.append(tuple(members))
    return tuple(analysed)


@lru_cache(maxsize=8)
def _synonym_table(groups: tuple[tuple[str, ...], ...]) -> SynonymTable:
    return _table_of(analysed_synonyms(groups))


def _table_of(analysed: tuple[tuple[tuple[str, ...], ...], ...]) -> SynonymTable:
    alternatives: dict[tuple[str, ...], dict[tuple[str, ...], None]] = {}
    for members in analysed:
        for member in members:
            known = alternatives.setdefault(member, {})
            known.update(dict.fromkeys(m for m in members if m != member))
    table = {member: tuple(alts) for member, alts in alternatives.items()}
    return SynonymTable(table, max((len(m) for m in table), default=0),
                        frozenset(stem for member in table for stem in member))


def _index_synonyms(index: SearchIndex) -> tuple[SynonymTable, frozenset[str]]:
    """The synonym table and words an index was built with, made once per open index."""
    kept = index.__dict__.get("_synonyms")
    if kept is None:
        meta = index.meta
        stored, words = meta.get("synonym_stems"), meta.get("synonym_words")
        if isinstance(stored, list) and isinstance(words, list):
            kept = (_table_of(tuple(tuple(tuple(m) for m in members) for members in stored)), frozenset(words))
        else:  # a build from an earlier kbtool: only the groups as written
            groups = tuple(tuple(g) for g in meta.get("synonyms", []))
            kept = (_synonym_table(groups), _synonym_words(groups))
        index.__dict__["_synonyms"] = kept
    return kept


@lru_cache(maxsize=8)
def _synonym_words(groups: tuple[tuple[str, ...], ...]) -> frozenset[str]:
    return frozenset(word for group in groups for member in group for word in surface_words(member))


def _fields(boost: float, names: Iterable[str] = tuple(FIELD_BOOSTS)) -> tuple[tuple[str, float], ...]:
    return tuple((name, FIELD_BOOSTS[name] * boost) for name in names)


def _term(stem: str, boost: float = 1.0) -> Words:
    # Fields add up: a word in the text and in the entry's title is a better match than either.
    # (Keeping only the best field, DisjunctionMax, cut recall@3 from 0.93 to 0.74.)
    return Words((stem,), _fields(boost))


def _sequence(member: tuple[str, ...], boost: float = 1.0, names: Iterable[str] = tuple(FIELD_BOOSTS)) -> Words:
    return Words(member, _fields(boost, names))


def _corrections(reader: Reader, word: str, vocabulary: frozenset[str], limit: int = 3) -> list[str]:
    """Known words within a small edit distance of `word`, closest first, then most common.

    Candidates come from the index's own words and from kb.yaml's synonyms, so a misspelt
    synonym that no entry uses ("furous" for "furious") still expands to its group.
    """
    if len(word) < 3 or not word.replace("'", "").isalpha():
        return []
    import difflib

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
class _Plan:
    clauses: list[Any]
    corrections: dict[str, str]
    unknown: list[str]


def _plan(reader: Reader, query: str, synonyms: SynonymTable, vocabulary: frozenset[str]) -> _Plan:
    """Turn typed words into query clauses: unknown words corrected first, then synonyms expanded."""
    synonym_stems = synonyms.stems
    terms: list[tuple[str, float]] = []  # (stem, boost); corrected words count a little less
    corrections: dict[str, str] = {}
    unknown: list[str] = []
    for word in surface_words(query):
        stem = _stem_word(word)
        if stem is None:
            continue
        if stem in synonym_stems or reader.knows(stem, FIELD_BOOSTS):
            terms.append((stem, 1.0))
            continue
        unknown.append(word)
        fixes = _remembered_corrections(reader, word, vocabulary)
        fixed = _stem_word(fixes[0]) if fixes else None
        if fixed is not None:
            corrections[word] = fixes[0]
            terms.append((fixed, CORRECTION_BOOST))
    seq = [stem for stem, _ in terms]
    clauses: list[Any] = []
    i = 0
    while i < len(seq):
        # The longest synonym starting here wins ("money back" over "money").
        member = next((tuple(seq[i:i + n]) for n in range(min(synonyms.longest, len(seq) - i), 0, -1)
                       if tuple(seq[i:i + n]) in synonyms.alternatives), None)
        if member is None:
            clauses.append(_term(*terms[i]))
            i += 1
            continue
        boost = min(b for _, b in terms[i:i + len(member)])
        # Alternatives add up. Keeping only the best (DisjunctionMax) ranks better on the query set
        # (MRR 0.816 -> 0.833) but its matcher tree cannot be preloaded: p95 6 -> 13-18 ms.
        clause: Any = AnyOf((_sequence(member, boost),
                             *(_sequence(m, SYNONYM_BOOST * boost, SYNONYM_FIELDS)
                               for m in synonyms.alternatives[member])))
        if len(member) > 1:
            # The typed words still count on their own, so "click and collect" finds "collect".
            clause = AnyOf((clause, *(_term(stem, 0.5 * boost) for stem in member)))
        clauses.append(clause)
        i += len(member)
    return _Plan(clauses, corrections, unknown)


def _filter(kind: str | None, channel: str | None, situation: str | None, tag: str | None) -> Filter:
    kinds: tuple[str, ...] = ()
    if kind:
        kinds = kind_aliases().get(kind, (kind,))
    return Filter(kinds, channel or None, situation or None, tag or None)


def run_query(index: SearchIndex, query: str, *, synonyms: Iterable[Iterable[str]] | None = None,
              kind: str | None = None, channel: str | None = None, situation: str | None = None,
              tag: str | None = None, limit: int = 10) -> Results:
    """Ranked hits for `query`, best first, with any spelling correction that was applied.

    Exact terms (and their synonyms) run first; only words the index does not know are
    corrected, and a fuzzy pass over every word runs only when that still finds too little.
    """
    reader = index._reader()
    if synonyms is None:
        table, vocabulary = _index_synonyms(index)
    else:
        groups = tuple(tuple(g) for g in synonyms)
        table, vocabulary = _synonym_table(groups), _synonym_words(groups)
    filt = _filter(kind, channel, situation, tag)
    plan = _plan(reader, query, table, vocabulary)
    from kbtool.search import semantic

    # Fusion re-ranks the lexical top 10 whatever `limit` is; without vectors depth == limit.
    depth = semantic.lexical_depth(index.folder, limit)
    hits: list[Hit] = []
    used_fuzzy = bool(plan.corrections)
    if plan.clauses:
        hits = _collect(reader, AnyOf(tuple(plan.clauses)), filt, depth)
    if len(hits) < FEW_HITS and surface_words(query):
        # Last resort: every word fuzzy (also catches typos that happen to be real words).
        fuzzy = _fuzzy_all(query)
        if fuzzy.parts:
            hits = _collect(reader, fuzzy, filt, depth)
            used_fuzzy = True
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
    return Results(hits, query, did_you_mean, used_fuzzy, plan.corrections)


def _fuzzy_all(query: str) -> AnyOf:
    clauses = []
    for word in surface_words(query):
        stem = _stem_word(word)
        if stem is None or len(stem) < 3:
            continue
        clauses.append(Fuzzy(stem, 1 if len(stem) < 6 else 2, _fields(1.0)))
    return AnyOf(tuple(clauses))


def _collect(reader: Reader, clause: Any, filt: Filter, limit: int) -> list[Hit]:
    return [_hit(fields, score) for fields, score in reader.search(clause, filt, limit)]


def _hit(fields: dict[str, Any], score: float) -> Hit:
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


def log_miss(root: Path, query: str) -> None:
    from kbtool.search.misses import log_miss as log

    log(root, query)


def read_misses(root: Path) -> list[Any]:
    from kbtool.search.misses import read_misses as read

    return read(root)


__all__ = ["Hit", "Results", "SearchError", "SearchIndex", "build_index", "open_index", "fresh_index", "run_query",
           "search", "stems", "surface_words", "log_miss", "read_misses", "FIELD_BOOSTS", "KINDS"]
