"""The Whoosh engine behind kbtool search: the only module that imports Whoosh.

kbtool's query planner (kbtool.search.api) speaks in its own terms (words in fields, alternatives,
fuzzy words, filters); this module turns those into Whoosh queries, writes documents into an
index and reads hits back. Only Whoosh's classic modules (index, fields, analysis, query) are
used, so the distribution can change in one line, and another engine needs only this module.
"""

from __future__ import annotations

import difflib
import heapq
import marshal
import mmap
import shutil
import struct
import tempfile
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import analysis as whoosh_analysis
from whoosh import index as whoosh_index
from whoosh.analysis import STOP_WORDS, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.lang.porter import stem
from whoosh.query import And, FuzzyTerm, NullQuery, Or, Phrase, PreloadedOr, Term
from whoosh.util.numeric import byte_to_length as expand
from whoosh.util.numeric import length_to_byte as quantise

if TYPE_CHECKING:  # pragma: no cover - documents are built by the caller; only their fields are read
    from kbtool.publish.documents import Document


@dataclass(frozen=True)
class Words:
    """Stems in a row (a phrase when more than one) in any of `fields`, each field with its weight."""

    stems: tuple[str, ...]
    fields: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Fuzzy:
    """A stem, or one within `maxdist` edits of it (same first letter), in any of `fields`."""

    stem: str
    maxdist: int
    fields: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class AnyOf:
    """Documents matching any part; scores add up."""

    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Filter:
    kinds: tuple[str, ...] = ()
    channel: str | None = None
    situation: str | None = None
    tag: str | None = None


class EngineError(Exception):
    """The index cannot be read or written."""


# -- analysis ---------------------------------------------------------------------------------

TOKEN_PATTERN = r"\w+(?:'\w+)?"
# Letters NFKD does not split into a base letter and a mark.
_LIGATURES = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th"})
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def fold(word: str) -> str:
    """A lower-case word without accents: 'grüße' -> 'grusse', 'café' -> 'cafe'."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def umlaut_spelling(word: str) -> str:
    """German's typed-without-umlauts spelling: 'grüße' -> 'gruesse' (else the plain fold)."""
    return fold(word.translate(_UMLAUTS))


class FoldAccents(whoosh_analysis.Filter):
    """Accents folded, so 'Grüße', 'Grusse' and 'Gruesse' find each other.

    Queries fold to the plain spelling; the index holds both the plain and the umlaut
    spelling at the same position, so either way of typing matches.
    """

    def __call__(self, tokens: Any) -> Any:
        for token in tokens:
            text = token.text
            if text.isascii():
                yield token
                continue
            plain = fold(text)
            variant = umlaut_spelling(text) if token.mode == "index" else plain
            token.text = plain
            yield token
            if variant != plain:
                token.text = variant
                yield token


@lru_cache(maxsize=1)
def _analyzers() -> tuple[Any, Any]:
    # "not" carries meaning mid-call ("not arrived"), so it is kept; other stop words go.
    stoplist = frozenset(STOP_WORDS) - {"not"}
    stemming = (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | FoldAccents()
                | StopFilter(stoplist=stoplist, minsize=2) | StemFilter())
    surface = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | FoldAccents()
    return stemming, surface


def stems(text: str, mode: str = "query") -> list[str]:
    """The index terms of `text`: lowercased, accents folded, stop words removed, stemmed.

    `mode="index"` also gives the umlaut spellings the index holds beside the plain ones.
    """
    return [token.text for token in _analyzers()[0](text, mode=mode)]


def surface_words(text: str) -> list[str]:
    """The words as typed, lowercased and accents folded (for spelling suggestions)."""
    return [token.text for token in _analyzers()[1](text, mode="query")]


def analysis_parts() -> tuple[str, frozenset[str], Callable[[str], str]]:
    """The pieces of the analysis, for an index written without Whoosh (the site's): the token
    pattern, the stop words and the Porter stemmer, exactly as the analyzers above use them."""
    return TOKEN_PATTERN, frozenset(STOP_WORDS) - {"not"}, stem


def length_to_byte(length: int) -> int:
    """A field length as Whoosh stores it: quantised to one byte."""
    return quantise(length)


def byte_to_length(code: int) -> int:
    return expand(code)


def length_table() -> list[int]:
    """The field length each of the 256 stored bytes stands for (BM25's length normalisation)."""
    return [byte_to_length(code) for code in range(256)]


# -- writing ----------------------------------------------------------------------------------

def _schema() -> Any:
    stemming, surface = _analyzers()
    return Schema(
        entry=ID(stored=True),
        item=STORED(),
        kind=ID(stored=True),
        entry_kind=ID(),
        title=TEXT(analyzer=stemming, stored=True),
        say=TEXT(analyzer=stemming),
        context=TEXT(analyzer=stemming),
        topic=TEXT(analyzer=stemming),
        keywords=TEXT(analyzer=stemming),
        says=TEXT(analyzer=stemming),
        spell=TEXT(analyzer=surface, phrase=False),
        channel=KEYWORD(stored=True, commas=True),
        situation=ID(stored=True),
        tag=KEYWORD(stored=True, commas=True, lowercase=True),
        text=STORED(),
        entry_title=STORED(),
        notes=STORED(),
        path=STORED(),
        line=STORED(),
        url=STORED(),
        # The document number of its entry's first unit (opening step, first phrase): what a
        # result shows when only the entry's own words matched.
        opening=STORED(),
    )


def write_index(folder: Path, documents: Iterable[Document], kind_boosts: dict[str, float],
                phrases: Iterable[tuple[str, ...]] = ()) -> int:
    """Write `documents` into a new index in `folder`; returns how many were written.

    `phrases` (as stems) are the multi-word synonyms a query may expand to: their scores are
    stored with the common terms'.
    """
    ix = whoosh_index.create_in(str(folder), _schema())
    # Postings pooled in memory up to about 64 MB before a sorted run goes to disk (merged once at
    # the commit): 256 MB let the pool reach 320 MB of Python objects at 10,000 entries, 64 MB
    # keeps it near 80 MB for about the same CPU time.
    writer = ix.writer(limitmb=64)
    count = 0
    opening, entry = 0, None
    for doc in documents:
        if doc.entry != entry:
            opening, entry = count, doc.entry
        values = field_values(doc)
        writer.add_document(
            entry=doc.entry, item=doc.item, kind=doc.kind, entry_kind=doc.entry_kind, opening=opening,
            title=values["title"], say=values["say"], context=values["context"], topic=values["topic"],
            keywords=values["keywords"], says=values["says"], spell=values["spell"],
            channel=",".join(doc.channels), situation=doc.situation, tag=",".join(doc.tags),
            text=doc.say, entry_title=doc.entry_title, notes=list(doc.notes), path=doc.path, line=doc.line,
            url=doc.url, _boost=kind_boosts.get(doc.kind, 1.0),
        )
        count += 1
    writer.commit()
    write_impacts(folder, ix, phrases)
    return count


def field_values(doc: Document) -> dict[str, str]:
    """What each searched field holds for `doc`; the site's index writes the same (kbtool.sitesearch)."""
    keywords = "\n".join(doc.keywords)
    says = "\n".join(doc.customer_says)
    return {"say": doc.say, "title": doc.title, "keywords": keywords, "says": says, "topic": doc.topic,
            "context": "\n".join(doc.context),
            "spell": "\n".join([doc.title, doc.say, doc.topic, keywords, says, *doc.context])}


# -- stored scores ------------------------------------------------------------------------------

IMPACTS_FILE = "kbtool-impacts.bin"
SCORED_FIELDS = ("title", "say", "context", "topic", "keywords", "says")
# Terms in fewer documents than this are scored by Whoosh at query time (a handful of postings);
# commoner ones have their scores stored, since decoding and scoring postings one by one in
# Python costs 2-4 us each, and a common word at 10,000 entries has tens of thousands.
IMPACT_MIN_DOCS = 16


def phrase_key(stems: Iterable[str]) -> str:
    """A phrase's name in the stored table (a term never holds the separator)."""
    return "\x1f".join(stems)


def write_impacts(folder: Path, ix: Any, phrases: Iterable[tuple[str, ...]] = ()) -> None:
    """Store each common term's BM25F score per document, exactly as Whoosh computes it at query time.

    Scores depend only on the build (idf and average lengths are fixed once it is written), so a
    query adds up stored floats instead of decoding and scoring postings. Layout: a 4-byte header
    length, a marshalled table {(field, term): (offset, count)}, then per term its document
    numbers (int32) and scores (float64), in document order.
    """
    table: dict[tuple[str, str], tuple[int, int]] = {}
    # The lists go to a scratch file as they are read, not into memory: with a small vocabulary
    # at 10,000 entries they were 70 MB. The header (which needs the table) is written first.
    blob = tempfile.TemporaryFile(dir=folder)
    offset = 0

    def store(key: tuple[str, str], matcher: Any) -> None:
        nonlocal offset
        ids, scores = array("i"), array("d")
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        table[key] = (offset, len(ids))
        blob.write(ids.tobytes())
        blob.write(scores.tobytes())
        offset += 12 * len(ids)

    with ix.searcher() as searcher:
        reader = searcher.reader()
        for field in SCORED_FIELDS:
            if field not in reader.indexed_field_names():
                continue
            for raw, info in reader.iter_field(field):
                if info.doc_frequency() < IMPACT_MIN_DOCS:
                    continue
                text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                store((field, text), searcher.postings(field, text))
        # Multi-word synonyms, every one of them: the service lexicon expands a three-word query to
        # some 75 phrases, and matching a phrase means walking its words' postings side by side
        # (1-2 ms each at 10,000 entries). Stored at boost 1.0; a query multiplies, as Whoosh's
        # boost wrapper does, so the floats are the same. An empty list records "no match".
        context = searcher.context()
        for stems in dict.fromkeys(tuple(p) for p in phrases if len(p) > 1):
            for field in SCORED_FIELDS:
                if field not in reader.indexed_field_names():
                    continue
                store((field, phrase_key(stems)), Phrase(field, list(stems)).matcher(searcher, context))
    header = marshal.dumps(table)
    with blob, (folder / IMPACTS_FILE).open("wb") as out:
        out.write(struct.pack("<I", len(header)) + header)
        blob.seek(0)
        shutil.copyfileobj(blob, out, 1 << 20)


class Impacts:
    """A build's stored scores: the table read at once, each term's lists from the mapped file on first use."""

    def __init__(self, table: dict[tuple[str, str], tuple[int, int]], data: Any, start: int) -> None:
        self.table = table
        self.data = data
        self.start = start
        self.decoded: dict[tuple[str, str], tuple[Any, Any]] = {}

    @classmethod
    def load(cls, folder: Path) -> Impacts | None:
        """None when the build has no stored scores (an older kbtool) or they cannot be read."""
        try:
            with open(folder / IMPACTS_FILE, "rb") as handle:
                data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            (size,) = struct.unpack_from("<I", data)
            table = marshal.loads(data[4:4 + size])
        except (OSError, ValueError, EOFError, TypeError, struct.error):
            return None
        if not isinstance(table, dict):
            return None
        return cls(table, data, 4 + size)

    def get(self, field: str, text: str) -> tuple[Any, Any] | None:
        key = (field, text)
        found = self.decoded.get(key)
        if found is None:
            entry = self.table.get(key)
            if entry is None:
                return None
            offset, count = entry
            offset += self.start
            if offset + 12 * count > len(self.data):
                return None  # a file cut short: this term is scored by Whoosh, as without the table
            ids, scores = array("i"), array("d")
            ids.frombytes(self.data[offset:offset + 4 * count])
            scores.frombytes(self.data[offset + 4 * count:offset + 12 * count])
            found = self.decoded[key] = (ids, scores)
        return found

    def close(self) -> None:
        self.data.close()


# -- reading ----------------------------------------------------------------------------------

class Reader:
    """An open index: word statistics for query planning, and ranked search."""

    def __init__(self, folder: Path) -> None:
        try:
            # Read through the file, not a map: Whoosh copies each mapped part it opens into a
            # BytesIO, the whole postings of a 10,000-entry index (some 45 ms of a cold search).
            self._ix = FileStorage(str(folder), supports_mmap=False, readonly=True).open_index()
            # Opened now, not at the first query: open files survive the build's later removal.
            self._searcher: Any = self._ix.searcher()
        except Exception as exc:  # whoosh raises several types for a damaged index
            raise EngineError(str(exc)) from None
        # Read now for the same reason; a build from an older kbtool has none and is searched as before.
        self._impacts = Impacts.load(folder)
        self._spell: dict[str, list[str]] | None = None  # the spell field's words, on first use

    def knows(self, stem: str, fields: Iterable[str]) -> bool:
        reader = self._searcher.reader()
        return any(reader.doc_frequency(name, stem) for name in fields)

    def near_words(self, word: str, maxdist: int, similar: float = 0.75) -> set[str]:
        """Indexed words (as typed, not stemmed) within `maxdist` edits of `word`, same first letter,
        and at least `similar` alike by difflib's ratio (the caller's own cut)."""
        # Whoosh's terms_within builds a Levenshtein automaton per word and walks the term file
        # with it: 5-6 ms a word at 10,000 entries, most of a misspelt query. The words, read once
        # and grouped by first letter, go through difflib's cheap length and letter-count bounds
        # first; the few that pass are then held to the edit distance.
        if self._spell is None:
            grouped: dict[str, list[str]] = {}
            for raw in self._searcher.reader().lexicon("spell"):
                term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                grouped.setdefault(term[:1], []).append(term)
            self._spell = grouped
        # Every word at the cut, not a top few: one the edit distance then refuses must not crowd out
        # a less similar one it accepts (the site engine keeps them all too).
        group = self._spell.get(word[:1], ())
        close = difflib.get_close_matches(word, group, n=max(1, len(group)), cutoff=similar)
        return {c for c in close if edit_distance(word, c, maxdist) <= maxdist}

    def word_frequency(self, word: str) -> int:
        return self._searcher.reader().doc_frequency("spell", word)

    def search(self, clause: Any, filt: Filter, limit: int) -> list[tuple[int, dict[str, Any], float]]:
        """The `limit` best documents for `clause`: (document number, stored fields, score), best first."""
        query = _query(clause).normalize()
        # The query is one flat Or of a few dozen terms (each word and synonym in each field).
        # Whoosh's default Or is a binary tree of union matchers walked level by level for every
        # matching document, plus block-quality bookkeeping: at 10,000 phrases that walk was most
        # of the time. PreloadedOr reads each posting list once into a score array instead (same
        # scores, same order: p95 14-19 -> 6 ms), and with no tree to prune, block quality only costs.
        if isinstance(query, Or) and len(query.subqueries) > 1:
            query = PreloadedOr(query.subqueries, boost=query.boost)
        if self._impacts is not None:
            found = self._search_impacts(query, _filter(filt), limit)
            if found is not None:
                return found
        results = self._searcher.search(query, filter=_filter(filt), limit=limit, optimize=False)
        return [(r.docnum, dict(r.fields()), float(r.score)) for r in results]

    def _search_impacts(self, query: Any, filter_query: Any, limit: int) -> list[tuple[int, dict[str, Any], float]] | None:
        """PreloadedOr's sum of scores with common terms' scores read from the stored table.

        Each document's score is added up leaf by leaf in the query's order, from the same
        floats, so hits and scores are Whoosh's own; ties go to the lower document number, as
        in Whoosh's collector. None (search with Whoosh) for leaves other than words and phrases.
        """
        leaves = query.subqueries if isinstance(query, Or) else [query]
        if query.boost != 1.0 or not all(type(leaf) in (Term, Phrase) for leaf in leaves):
            return None
        assert self._impacts is not None
        searcher = self._searcher
        context = None
        totals: dict[int, float] = {}
        get = totals.get
        for leaf in leaves:
            stored = self._impacts.get(leaf.fieldname, leaf.text if type(leaf) is Term else phrase_key(leaf.words))
            if stored is not None:
                boost = leaf.boost
                if boost == 1.0:
                    for docnum, score in zip(*stored, strict=True):
                        totals[docnum] = get(docnum, 0.0) + score
                else:
                    for docnum, score in zip(*stored, strict=True):
                        totals[docnum] = get(docnum, 0.0) + score * boost
                continue
            if context is None:
                context = searcher.context()
            matcher = leaf.matcher(searcher, context)
            while matcher.is_active():
                docnum = matcher.id()
                totals[docnum] = get(docnum, 0.0) + matcher.score()
                matcher.next()
        if filter_query is not None:
            allowed = set(searcher.docs_for_query(filter_query))
            totals = {d: sc for d, sc in totals.items() if d in allowed}
        best = _best(totals, limit)
        return [(d, dict(searcher.stored_fields(d)), float(sc)) for d, sc in best]

    def containing(self, words: Words, docnums: Sequence[int]) -> set[int]:
        """Which of `docnums` hold `words` (a stem, or stems in a row) in any of its fields.

        The question closeness asks of the few hits on screen: the stored lists answer it by
        bisection for common terms; a rare term's or a phrase's postings are read (a handful).
        """
        wanted = set(docnums)
        found: set[int] = set()
        searcher = self._searcher
        reader = searcher.reader()
        for name, _weight in words.fields:
            if not wanted - found:
                break
            key = words.stems[0] if len(words.stems) == 1 else phrase_key(words.stems)
            stored = self._impacts.get(name, key) if self._impacts is not None else None
            if stored is not None:
                ids = stored[0]
                for doc in wanted - found:
                    at = bisect_left(ids, doc)
                    if at < len(ids) and ids[at] == doc:
                        found.add(doc)
                continue
            if len(words.stems) == 1:
                if not reader.doc_frequency(name, key):
                    continue
                matcher = searcher.postings(name, key)
            else:
                matcher = Phrase(name, list(words.stems)).matcher(searcher, searcher.context())
            while matcher.is_active():
                if matcher.id() in wanted:
                    found.add(matcher.id())
                matcher.next()
        return found

    def stored(self, docnum: int) -> dict[str, Any]:
        """A document's stored fields."""
        return dict(self._searcher.stored_fields(docnum))

    def document_count(self) -> int:
        return self._searcher.doc_count_all()

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        if self._impacts is not None:
            self._impacts.close()
            self._impacts = None


def _best(totals: dict[int, float], limit: int) -> list[tuple[int, float]]:
    """The `limit` best-scoring documents, ties at the cut to the lower document number (as Whoosh)."""
    best = heapq.nlargest(limit + 1, totals.items(), key=itemgetter(1))
    if len(best) > limit and best[limit][1] == best[limit - 1][1]:
        # Equal scores at the cut: the lowest document numbers win, whatever order they came in.
        # (Only then is every score compared: at 10,000 entries that pass cost 2 ms a query.)
        edge = best[limit - 1][1]
        ties = sorted(d for d, sc in totals.items() if sc == edge)
        best = [p for p in best if p[1] > edge] + [(d, edge) for d in ties]
    return sorted((p for p in best if p[1] > 0), key=lambda p: (-p[1], p[0]))[:limit]


def edit_distance(a: str, b: str, bound: int) -> int:
    """Levenshtein distance between `a` and `b`, or `bound + 1` once it is sure to exceed `bound`."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        if min(current) > bound:
            return bound + 1
        previous = current
    return previous[-1]


def _query(clause: Any) -> Any:
    if isinstance(clause, Words):
        if len(clause.stems) == 1:
            return Or([Term(name, clause.stems[0], boost=weight) for name, weight in clause.fields])
        return Or([Phrase(name, list(clause.stems), boost=weight) for name, weight in clause.fields])
    if isinstance(clause, Fuzzy):
        return Or([FuzzyTerm(name, clause.stem, boost=weight, maxdist=clause.maxdist, prefixlength=1)
                   for name, weight in clause.fields])
    if isinstance(clause, AnyOf):
        parts = [_query(p) for p in clause.parts]
        return Or(parts) if parts else NullQuery
    raise TypeError(f"unknown clause {clause!r}")


def _filter(filt: Filter) -> Any:
    parts = []
    if filt.kinds:
        parts.append(Or([Term("kind", k) for k in filt.kinds]) if len(filt.kinds) > 1 else Term("kind", filt.kinds[0]))
    if filt.channel:
        parts.append(Term("channel", filt.channel))
    if filt.situation:
        parts.append(Term("situation", filt.situation))
    if filt.tag:
        parts.append(Term("tag", filt.tag.lower()))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)
