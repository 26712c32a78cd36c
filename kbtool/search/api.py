"""Mid-call search: build an index of the published documents, and ranked, typo-tolerant queries over it.

Query planning and ranking are kbtool's (which words, which synonyms, which corrections, how
fields weigh); the engine behind `kbtool.search.whoosh_engine` only stores and scores. The
documents come from `kbtool.publish.documents`, the same list the site search is built from.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kbtool.search import closeness, store
from kbtool.search.hits import Hit, Results
from kbtool.search.store import META_FILE, cache_dir, content_signature  # noqa: F401 - part of the API
from kbtool.search.synonym_table import (
    SynonymTable,
    analysed_synonyms,
    synonym_table,
    synonym_words,
    table_of,
)
from kbtool.search.weights import (
    CORRECTION_BOOST,
    ENTRY_FIELDS,
    FEW_HITS,
    FIELD_BOOSTS,
    ITEM_FIELDS,
    MAX_QUERY_CHARS,
    ROW_DEPTH,
    SIMILAR,
    SPOKEN,
    SYNONYM_BOOST,
    SYNONYM_CREDIT,
    SYNONYM_FIELDS,
    WRITTEN_ONLY,
)
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

__all__ = ["Hit", "Results", "SearchError", "SearchIndex", "build_index", "open_index", "fresh_index", "run_query",
           "search", "search_rows", "group_by_entry", "stems", "surface_words", "log_miss", "read_misses",
           "FIELD_BOOSTS"]

def kind_aliases() -> dict[str, tuple[str, ...]]:
    """`--kind` takes a unit kind (phrase, step...) or an entry kind, which means the units it yields."""
    from kbtool.format.kinds import unit_kind_aliases

    return unit_kind_aliases()


class SearchError(Exception):
    """The index cannot be built or read (a clean message, never a traceback)."""


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
        phrases = [m for m in synonym_table(groups).alternatives if len(m) > 1]
        from kbtool.format.kinds import UNIT_BOOSTS

        count = write_index(folder, docs, UNIT_BOOSTS, phrases)
        from kbtool.search import semantic

        # Beside the Whoosh index and swapped in with it; nothing without the [semantic] extra.
        semantic.build_vectors(folder, docs, kb.config)
        store.write_meta(folder, {
            "signature": signature, "documents": count, "log_misses": kb.config.log_misses,
            "site_url": kb.config.site_url,
            # Kept here so a search never needs to parse kb.yaml (the signature covers it).
            "synonyms": synonyms, "built": time.time(),
            "synonym_stems": analysed_synonyms(groups), "synonym_words": sorted(synonym_words(groups)),
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


def _index_synonyms(index: SearchIndex) -> tuple[SynonymTable, frozenset[str]]:
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
    slots: list[closeness.Slot]


def _plan(reader: Reader, query: str, synonyms: SynonymTable, vocabulary: frozenset[str]) -> _Plan:
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
        stem = _stem_word(word)
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
        fixed = _stem_word(fixes[0]) if fixes else None
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
    return _Plan(clauses, corrections, unknown, slots)


def _filter(kind: str | None, channel: str | None, situation: str | None, tag: str | None) -> Filter:
    kinds: tuple[str, ...] = ()
    if kind:
        kinds = kind_aliases().get(kind, (kind,))
    return Filter(kinds, channel or None, situation or None, tag or None)


def run_query(index: SearchIndex, query: str, *, synonyms: Iterable[Iterable[str]] | None = None,
              kind: str | None = None, channel: str | None = None, situation: str | None = None,
              tag: str | None = None, limit: int = 10) -> Results:
    """Ranked hits for `query`, best first (see `_run`); one per matching document."""
    return _run(index, query, synonyms=synonyms, kind=kind, channel=channel, situation=situation, tag=tag,
                limit=limit).results


@dataclass
class _Run:
    results: Results
    reader: Reader
    slots: list[closeness.Slot]
    docnums: dict[tuple[str, str | None, str], int]


def _run(index: SearchIndex, query: str, *, synonyms: Iterable[Iterable[str]] | None = None,
         kind: str | None = None, channel: str | None = None, situation: str | None = None,
         tag: str | None = None, limit: int = 10) -> _Run:
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
        table, vocabulary = _index_synonyms(index)
    else:
        groups = tuple(tuple(g) for g in synonyms)
        table, vocabulary = synonym_table(groups), synonym_words(groups)
    filt = _filter(kind, channel, situation, tag)
    plan = _plan(reader, query, table, vocabulary)
    from kbtool.search import semantic

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
    docnums = {_key(hit): doc for doc, hit in found}
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
    return _Run(results, reader, plan.slots, docnums if lexical else {})


# -- results an agent can read out ---------------------------------------------------------------

def search_rows(index: SearchIndex, query: str, *, prefer: str | None = None, limit: int = 5,
                **options: Any) -> Results:
    """What staff see: one row per entry, best first, close matches before weak ones.

    Each row is the entry's best hit with its other matching items in `more`; when the best hit
    holds the query's words only in what the whole entry shares (its title, tags, keywords), and its
    opening step or first phrase holds them there too, the row opens with that opening item instead. With `prefer` (a channel), that channel's lines
    come first, and for a spoken channel, written-only templates come after spoken lines.
    """
    run = _run(index, query, limit=max(limit, ROW_DEPTH), **options)
    rows = group_by_entry(run)
    rows = rank_by_channel(rows, prefer)
    run.results.hits = rows[:limit]
    return run.results


def group_by_entry(run: _Run) -> list[Hit]:
    hits = run.results.hits
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.id, []).append(hit)
    openings = {}
    if run.docnums:
        for entry, members in groups.items():
            lead = members[0]
            doc = run.docnums.get(_key(lead))
            if doc is None:
                continue
            opening = run.reader.stored(doc).get("opening")
            if isinstance(opening, int) and opening != doc:
                openings[entry] = (doc, opening)
    swap: dict[str, Hit] = {}
    if openings:
        # The lead gives way to its entry's opening item only when it holds the query's words only
        # in the fields the whole entry shares, and the opening holds every one of them there too.
        leads = [d for d, _ in openings.values()]
        own = _held_in(run, leads, ITEM_FIELDS)
        shared = [_restricted(slot, ENTRY_FIELDS) for slot in run.slots]
        held = closeness.credits(shared, [d for pair in openings.values() for d in pair], _holding(run.reader))
        for entry, (doc, opening) in openings.items():
            lead = groups[entry][0]
            if doc in own or not lead.coverage or not closeness.holds_at_least(held[opening], held[doc]):
                continue
            by_doc = {run.docnums.get(_key(h)): h for h in groups[entry]}
            first = by_doc.get(opening) or _hit(run.reader.stored(opening), lead.score)
            swap[entry] = first.with_(score=lead.score, coverage=lead.coverage, close=lead.close)
    rows = []
    for entry, members in groups.items():
        lead = swap.get(entry, members[0])
        more = tuple(h for h in members if _key(h) != _key(lead))
        rows.append(lead.with_(more=more))
    return rows


def _restricted(slot: closeness.Slot, fields: tuple[str, ...]) -> closeness.Slot:
    leaves: list[closeness.Leaf] = []
    for leaf, credit in slot.leaves:
        assert isinstance(leaf, Words)
        leaves.append((Words(leaf.stems, tuple((f, w) for f, w in leaf.fields if f in fields)), credit))
    return closeness.Slot(slot.word, slot.weight, leaves)


def _held_in(run: _Run, docs: list[int], fields: tuple[str, ...]) -> set[int]:
    """Which of `docs` hold any of the query's words in `fields`."""
    found: set[int] = set()
    for slot in run.slots:
        for leaf, _credit in _restricted(slot, fields).leaves:
            asking = [d for d in docs if d not in found]
            if not asking:
                return found
            assert isinstance(leaf, Words)
            found |= run.reader.containing(leaf, asking)
    return found


def rank_by_channel(rows: list[Hit], prefer: str | None) -> list[Hit]:
    """Close rows before weak ones; within each, the preferred channel's lines first (stable)."""

    def tier(hit: Hit) -> int:
        if not prefer:
            return 0
        if prefer in hit.channels:
            return 0
        if prefer in SPOKEN and hit.channels and set(hit.channels) <= WRITTEN_ONLY:
            return 2
        return 1

    return sorted(rows, key=lambda hit: (not hit.close, tier(hit)))


def _key(hit: Hit) -> tuple[str, str | None, str]:
    return (hit.id, hit.item, hit.kind)


def _holding(reader: Reader) -> Callable[[object, list[int]], set[int]]:
    def holding(leaf: object, docs: list[int]) -> set[int]:
        assert isinstance(leaf, Words)
        return reader.containing(leaf, docs)

    return holding


def _judged(reader: Reader, slots: list[closeness.Slot], hits: list[Hit],
            docnums: dict[tuple[str, str | None, str], int]) -> list[Hit]:
    shares = closeness.coverage(slots, docnums.values(), _holding(reader))
    out = []
    for hit in hits:
        share = shares.get(docnums[_key(hit)], 0.0)
        out.append(hit.with_(coverage=share, close=closeness.is_close(share)))
    return out


def _fuzzy_all(query: str) -> AnyOf:
    clauses = []
    for word in surface_words(query):
        stem = _stem_word(word)
        if stem is None or len(stem) < 3:
            continue
        clauses.append(Fuzzy(stem, 1 if len(stem) < 6 else 2, _fields(1.0)))
    return AnyOf(tuple(clauses))


def _collect(reader: Reader, clause: Any, filt: Filter, limit: int) -> list[tuple[int, Hit]]:
    return [(doc, _hit(fields, score)) for doc, fields, score in reader.search(clause, filt, limit)]


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
