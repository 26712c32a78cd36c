"""The site search index: the published documents as compact script files the browser loads.

The browser must rank exactly as `kbtool search` does, so everything that does not depend on the
query is computed here, with the terminal index's analysis (tokens, folding, stop words, Porter
stems) and its statistics as Whoosh keeps them (field lengths quantised to a byte, term weights
stored as 32-bit floats): per-field postings, field lengths, the words corrections are drawn
from, the synonym table as stems, and the scores of multi-word synonyms matched as phrases. The
browser only tokenises, corrects, expands and adds scores up (kbtool/assets/kbsearch).

Files, under `kbsearch/` in the site. Each is a script that stores its data in `self.__kbsearch`,
because pages opened from file:// cannot fetch() and Chromium refuses them Workers:
  index.js   what every query needs: vocabulary, lengths, kinds, filters, synonyms, pages
  p<N>.js    the postings of a group of terms, loaded when a query uses one of them
  d<N>.js    what results show for DOCS_PER_CHUNK documents, loaded for the hits on screen
and, when kb.yaml asks for meaning-aware ranking, the files kbtool.sitesearch.meaning lists.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from kbtool.format.kinds import UNIT_BOOSTS, UNIT_KINDS, UNIT_LABELS, unit_kind_aliases
from kbtool.format.vocab import CHANNEL_LABELS, CHANNELS
from kbtool.model import KnowledgeBase
from kbtool.publish.documents import Document, documents
from kbtool.publish.synonyms import search_synonyms
from kbtool.publish.urls import SiteAddress, anchor
from kbtool.search import weights
from kbtool.search.synonym_table import analysed_synonyms, synonym_table, synonym_words
from kbtool.search.whoosh_engine import (
    analysis_parts,
    byte_to_length,
    field_values,
    fold,
    length_table,
    length_to_byte,
    umlaut_spelling,
)
from kbtool.sitesearch.meaning import meaning_files
from kbtool.sitesearch.scripts import FOLDER, b64, script, varint, varints

INDEX_FILE = "index.js"
FORMAT_VERSION = 1
# Postings are grouped so a query loads a few files of about this size, not one per term.
SHARD_BYTES = 32_000
# Ten results on screen touch at most ten chunks: small chunks keep that near 300 KB at worst.
DOCS_PER_CHUNK = 64
# Whoosh's BM25F defaults, which `kbtool search` scores with.
BM25_B = 0.75
BM25_K1 = 1.2


@dataclass(frozen=True)
class SitePage:
    """A page findable by its title: team-written pages and kbtool's guides, index pages, scorecards."""

    title: str
    path: str   # relative to the site root
    label: str  # what kind of page it is, shown beside the title


@dataclass(frozen=True)
class SiteIndex:
    """The index as files: path under the site (e.g. kbsearch/index.js) -> script text."""

    files: dict[str, str]
    version: str
    documents: int

    def write(self, site_dir: Path) -> None:
        folder = site_dir / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        for rel, text in self.files.items():
            (site_dir / rel).write_text(text, encoding="utf-8")

    @property
    def size(self) -> int:
        return sum(len(text.encode("utf-8")) for text in self.files.values())


# -- analysis, exactly as the terminal index does it (tests compare with whoosh_engine.stems) ----

class Analyser:
    """whoosh_engine's index-mode analysis, cached per token: a build meets the same words again and again.

    Whoosh runs a chain of generators per token; a dictionary lookup per token makes indexing
    10,000 entries seconds faster and gives the same terms (tests check it against `stems`).
    """

    def __init__(self) -> None:
        pattern, self.stoplist, self.stem = analysis_parts()
        self.pattern = re.compile(pattern)
        self._stems: dict[str, tuple[str, ...]] = {}
        self._surface: dict[str, tuple[str, ...]] = {}

    def _variants(self, token: str) -> tuple[str, ...]:
        low = token.lower()
        if low.isascii():
            return (low,)
        plain, variant = fold(low), umlaut_spelling(low)
        return (plain,) if variant == plain else (plain, variant)

    def stems(self, text: str) -> list[str]:
        """Index terms in order; an umlaut spelling follows its plain spelling, one position later."""
        out: list[str] = []
        cache = self._stems
        for token in self.pattern.findall(text):
            found = cache.get(token)
            if found is None:
                found = cache[token] = tuple(self.stem(v) for v in self._variants(token)
                                             if len(v) >= 2 and v not in self.stoplist)
            out.extend(found)
        return out

    def surface(self, text: str) -> set[str]:
        """The words as typed (lower-cased, folded, with umlaut spellings): the spelling field."""
        out: set[str] = set()
        cache = self._surface
        for token in self.pattern.findall(text):
            found = cache.get(token)
            if found is None:
                found = cache[token] = self._variants(token)
            out.update(found)
        return out


# -- encoding -------------------------------------------------------------------------------------

class _Postings:
    """One term's postings in one field, varint-encoded as documents are added in order: each a
    gap from the previous document (shifted left, low bit set when a frequency above 1 follows)."""

    __slots__ = ("data", "last", "count")

    def __init__(self) -> None:
        self.data = bytearray()
        self.last = -1
        self.count = 0

    def add(self, number: int, freq: int) -> None:
        gap = number - self.last - 1
        self.last = number
        self.count += 1
        if freq > 1:
            varint(self.data, (gap << 1) | 1)
            varint(self.data, freq)
        else:
            varint(self.data, gap << 1)


def _doc_list(docs: Sequence[int]) -> str:
    previous = -1
    gaps = []
    for doc in docs:
        gaps.append(doc - previous - 1)
        previous = doc
    return b64(varints(gaps))


# -- display ---------------------------------------------------------------------------------------

_BLANK = re.compile(r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|[^{}]*)?-?\}\}")
_TAG = re.compile(r"\{%.*?%\}", re.DOTALL)
_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def readable(text: str) -> str:
    """A text as staff read it: "{{ customer_name }}" -> "[customer name]", template tags dropped."""
    if "{" not in text:
        return text
    text = _COMMENT.sub("", _TAG.sub("", text))
    return _BLANK.sub(lambda m: "[" + m.group(1).replace("_", " ").strip() + "]", text)


# -- building ----------------------------------------------------------------------------------------

def _fields() -> tuple[str, ...]:
    return tuple(weights.FIELD_BOOSTS)


def _float32(value: float) -> float:
    return array("f", [value])[0]


def _bm25(idf: float, tf: float, fl: float, avgfl: float) -> float:
    # whoosh.scoring.bm25, operation for operation, so the float results are the same.
    return idf * ((tf * (BM25_K1 + 1)) / (tf + BM25_K1 * ((1 - BM25_B) + BM25_B * fl / avgfl)))


def _binary_sum(values: list[float]) -> float:
    # Whoosh adds a phrase's term scores as a balanced tree (make_binary_tree); same order, same sum.
    if len(values) == 1:
        return values[0]
    half = len(values) // 2
    return _binary_sum(values[:half]) + _binary_sum(values[half:])


def build_site_index(kb: KnowledgeBase, address: SiteAddress, pages: Sequence[SitePage] = (),
                     docs: Sequence[Document] | None = None) -> SiteIndex:
    """The site's search index for `kb`, linking with `address` (its directory_urls) and listing `pages`."""
    return finish_site_index(start_site_index(kb, address, docs), pages)


@dataclass
class PartialIndex:
    """The index before the site's pages are known: its data files, its core and their digest.

    A builder can write the files and let them go (`digest` keeps what the version needs), make
    the index while the pages are not yet in memory, and finish it once their titles are known.
    """

    files: dict[str, str]
    core: dict[str, Any]
    documents: int
    digest: Any = None

    def seal(self) -> None:
        """Fold the data files into the digest (in path order, as the version has always been made)."""
        if self.digest is None:
            self.digest = hashlib.sha256()
            for rel in sorted(self.files):
                self.digest.update(self.files[rel].encode("utf-8"))


def finish_site_index(part: PartialIndex, pages: Sequence[SitePage] = ()) -> SiteIndex:
    """The index with `pages` listed; its files are the part's (if not yet written) and the core."""
    analyser = Analyser()
    part.seal()
    core = dict(part.core)
    core["pages"] = [[page.title, page.path, page.label, " ".join(analyser.stems(page.title))] for page in pages]
    digest = part.digest.copy()
    digest.update(json.dumps(core, sort_keys=True).encode("utf-8"))
    version = digest.hexdigest()[:12]
    core["version"] = version
    files = dict(part.files)
    files[f"{FOLDER}/{INDEX_FILE}"] = script("core", core)
    return SiteIndex(files, version, part.documents)


def start_site_index(kb: KnowledgeBase, address: SiteAddress, docs: Sequence[Document] | None = None) -> PartialIndex:
    """Everything of the index for `kb` but the list of the site's pages."""
    docs = list(documents(kb, address) if docs is None else docs)
    fields = _fields()
    n = len(docs)
    groups = tuple(tuple(group) for group in search_synonyms(kb.config))
    members = list(synonym_table(groups).alternatives)
    member_index = {member: i for i, member in enumerate(members)}
    terms = _count_terms(docs, fields, members)
    kind_index = {kind: i for i, kind in enumerate(UNIT_KINDS)}
    kinds = bytes(kind_index.get(doc.kind, 0) for doc in docs)
    kind_boosts = [UNIT_BOOSTS[kind] for kind in UNIT_KINDS]
    avgfl = [(total / (n or 1)) or 1 for total in terms.totals]
    vocabulary = sorted(terms.postings)
    groups_of_fields = _shard_groups(fields)
    shards, shard_terms, term_info = _shards(terms.postings, vocabulary, groups_of_fields, len(fields))
    phrases = _phrase_scores(terms, members, kinds, kind_boosts, avgfl, n)
    spell_words = sorted(terms.spell_df)
    entries = _entry_tables(kb, docs)
    w = weights
    core: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "documents": n,
        "fields": list(fields),
        "fieldBoosts": [w.FIELD_BOOSTS[name] for name in fields],
        "synonymFields": [fields.index(name) for name in w.SYNONYM_FIELDS],
        "kinds": [[kind, UNIT_LABELS[kind]] for kind in UNIT_KINDS],
        "kindBoosts": kind_boosts,
        "kindAliases": _kind_aliases(),
        "synonymBoost": w.SYNONYM_BOOST, "correctionBoost": w.CORRECTION_BOOST, "similar": w.SIMILAR,
        "fewHits": w.FEW_HITS, "B": BM25_B, "K1": BM25_K1, "maxQuery": w.MAX_QUERY_CHARS,
        "close": {"at": w.CLOSE_AT, "synonymCredit": w.SYNONYM_CREDIT, "correctedCredit": w.CORRECTED_CREDIT,
                  "unlikelyCredit": w.UNLIKELY_CORRECTION_CREDIT, "longWord": w.LONG_WORD,
                  "functionWords": sorted(w.FUNCTION_WORDS)},
        "spoken": sorted(w.SPOKEN), "writtenOnly": sorted(w.WRITTEN_ONLY), "rowDepth": w.ROW_DEPTH,
        "entryFields": list(w.ENTRY_FIELDS), "itemFields": list(w.ITEM_FIELDS),
        "lengthTable": length_table(),
        "fieldTotals": terms.totals,
        "avgFieldLengths": avgfl,
        "lengths": b64(b"".join(bytes(block) for block in terms.lengths)),
        "docKinds": b64(kinds),
        "entryDocs": b64(varints(entries.docs)),
        "entryChannels": b64(varints(entries.channels)),
        "entrySituations": b64(varints(entries.situations)),
        "channels": [[c, CHANNEL_LABELS.get(c, c)] for c in CHANNELS
                     if any(c in doc.channels for doc in docs)],
        "channelBits": dict(entries.channel_bits),
        "situations": [[s, s.replace("-", " ").capitalize()] for s in entries.situation_names],
        "terms": "\n".join(vocabulary),
        "termInfo": b64(bytes(term_info)),
        "shardGroups": [list(group) for group in groups_of_fields],
        "shardTerms": shard_terms,
        "spellWords": "\n".join(spell_words),
        "spellFrequency": b64(varints(terms.spell_df[w] for w in spell_words)),
        "synonymMembers": [" ".join(member) for member in members],
        "synonymGroups": [[member_index[m] for m in group] for group in synonym_groups(groups)],
        "synonymWords": sorted(synonym_words(groups)),
        "phrases": phrases,
        "pages": None,  # filled in by finish_site_index, here to keep its place in the file
        "feedback": kb.config.feedback or None,
        "docsPerChunk": DOCS_PER_CHUNK,
        "combining": combining_class(),
    }
    files, core["meaning"] = meaning_files(kb.config, docs)
    for i, shard in enumerate(shards):
        files[f"{FOLDER}/p{i}.js"] = script(f"p{i}", b64(bytes(shard)))
    for start in range(0, n, DOCS_PER_CHUNK):
        chunk = _chunk(kb, address, docs[start:start + DOCS_PER_CHUNK], CHANNEL_LABELS)
        files[f"{FOLDER}/d{start // DOCS_PER_CHUNK}.js"] = script(f"d{start // DOCS_PER_CHUNK}", chunk)
    return PartialIndex(files, core, n)


@dataclass
class _Terms:
    """What one pass over the documents counts: per field, each document's length byte and the
    field's total length; each term's postings per field; each spelling word's document count;
    and where each multi-word synonym occurs as a phrase, with its words' frequencies there."""

    lengths: list[bytearray]
    totals: list[int]
    postings: dict[str, list[_Postings | None]]
    spell_df: dict[str, int]
    # (member, field) -> [(document, frequency of each of the member's stems there)]
    phrase_hits: dict[tuple[int, int], list[tuple[int, tuple[int, ...]]]]


def _count_terms(docs: Sequence[Document], fields: Sequence[str], members: Sequence[tuple[str, ...]]) -> _Terms:
    analyser = Analyser()
    member_index = {member: i for i, member in enumerate(members)}
    phrase_members: dict[str, list[tuple[str, ...]]] = {}
    for member in members:
        if len(member) > 1:
            phrase_members.setdefault(member[0], []).append(member)
    n = len(docs)
    terms = _Terms([bytearray(n) for _ in fields], [0] * len(fields), {}, {}, {})
    # Each term's postings per field, encoded as they are met (documents come in order): as lists
    # of (document, frequency) tuples, 10,000 entries' 2.4 million postings held 150 MB.
    postings, spell_df, phrase_hits = terms.postings, terms.spell_df, terms.phrase_hits
    for number, doc in enumerate(docs):
        values = field_values(doc)
        for f, name in enumerate(fields):
            seq = analyser.stems(values[name])
            if not seq:
                continue
            terms.lengths[f][number] = length_to_byte(len(seq))
            terms.totals[f] += len(seq)
            counts: dict[str, int] = {}
            for stem in seq:
                counts[stem] = counts.get(stem, 0) + 1
            for stem, freq in counts.items():
                lists = postings.get(stem)
                if lists is None:
                    lists = postings[stem] = [None] * len(fields)
                found = lists[f]
                if found is None:
                    found = lists[f] = _Postings()
                found.add(number, freq)
            for i, stem in enumerate(seq):
                for member in phrase_members.get(stem, ()):
                    if tuple(seq[i:i + len(member)]) == member:
                        hits = phrase_hits.setdefault((member_index[member], f), [])
                        if not hits or hits[-1][0] != number:
                            hits.append((number, tuple(counts[m] for m in member)))
        for word in analyser.surface(values["spell"]):
            spell_df[word] = spell_df.get(word, 0) + 1
    return terms


def _shards(postings: dict[str, list[_Postings | None]], vocabulary: Sequence[str],
            groups_of_fields: Sequence[Sequence[int]], field_count: int
            ) -> tuple[list[bytearray], list[list[int]], bytearray]:
    """Postings in shards of consecutive terms, one series of shards per field group (synonym
    alternatives never read the long context field, so they need not load its postings), and
    each term's document counts and posting sizes per field."""
    shards: list[bytearray] = []
    shard_terms: list[list[int]] = []  # per shard: [field group, number of terms]
    sizes: dict[str, list[int]] = {stem: [0] * field_count for stem in vocabulary}
    for g, group in enumerate(groups_of_fields):
        shards.append(bytearray())
        shard_terms.append([g, 0])
        for stem in vocabulary:
            if len(shards[-1]) >= SHARD_BYTES:
                shards.append(bytearray())
                shard_terms.append([g, 0])
            shard = shards[-1]
            shard_terms[-1][1] += 1
            for f in group:
                found = postings[stem][f]
                if found is not None:
                    shard += found.data
                    sizes[stem][f] = len(found.data)
    term_info = bytearray()
    for stem in vocabulary:
        for found in postings[stem]:
            varint(term_info, found.count if found is not None else 0)
        for f, found in enumerate(postings[stem]):
            if found is not None:
                varint(term_info, sizes[stem][f])
    return shards, shard_terms, term_info


def _phrase_scores(terms: _Terms, members: Sequence[tuple[str, ...]], kinds: bytes, kind_boosts: Sequence[float],
                   avgfl: Sequence[float], n: int) -> list[Any]:
    """Multi-word synonyms are matched as phrases (Whoosh's Phrase query); their score for a
    document does not depend on the query, so it is computed here, as Whoosh computes it."""
    def idf(df: int) -> float:
        return math.log(n / (df + 1)) + 1

    phrases = []
    for (m, f), hit_docs in sorted(terms.phrase_hits.items()):
        member = members[m]
        dfs = [terms.postings[stem][f].count for stem in member]  # type: ignore[union-attr]
        scores = []
        for number, freqs in hit_docs:
            fl = byte_to_length(terms.lengths[f][number])
            boost = kind_boosts[kinds[number]]
            scores.append(_binary_sum([
                _bm25(idf(dfs[i]), _float32(freqs[i] * boost), fl, avgfl[f]) for i in range(len(member))]))
        phrases.append([m, f, _doc_list([number for number, _ in hit_docs]), scores])
    return phrases


@dataclass(frozen=True)
class _Entries:
    """Per entry, in document order: how many documents it has, its channels as bits and its
    situation's number (0: none), so the box can filter and fold rows without the documents."""

    docs: list[int]
    channels: list[int]
    situations: list[int]
    channel_bits: dict[str, int]
    situation_names: list[str]


def _entry_tables(kb: KnowledgeBase, docs: Sequence[Document]) -> _Entries:
    entry_docs: list[int] = []
    previous: Any = None
    for doc in docs:
        entry = kb.by_id.get(doc.entry)
        if entry_docs and entry is previous:
            entry_docs[-1] += 1
        else:
            entry_docs.append(1)
            previous = entry
    channel_bits = {channel: 1 << i for i, channel in enumerate(CHANNELS)}
    situations = sorted({doc.situation for doc in docs if doc.situation})
    situation_index = {s: i + 1 for i, s in enumerate(situations)}
    first_docs = [0]
    for count in entry_docs[:-1]:
        first_docs.append(first_docs[-1] + count)
    return _Entries(entry_docs,
                    [sum(channel_bits.get(c, 0) for c in docs[first].channels) for first in first_docs],
                    [situation_index.get(docs[first].situation, 0) for first in first_docs],
                    channel_bits, situations)


def _shard_groups(fields: Sequence[str]) -> list[list[int]]:
    """Fields whose postings share shards: the synonym fields, then the rest (context)."""
    first = [f for f, name in enumerate(fields) if name in weights.SYNONYM_FIELDS]
    return [first, [f for f in range(len(fields)) if f not in first]]


def synonym_groups(groups: Sequence[Sequence[str]]) -> list[list[tuple[str, ...]]]:
    """The groups as kbtool.search.synonym_table keeps them (members as stems, unusable ones left out).

    The browser rebuilds each member's alternatives from these, in the same order: far smaller
    than the alternatives themselves, where a word in many groups repeats every neighbour.
    """
    return [list(members) for members in analysed_synonyms(tuple(tuple(g) for g in groups))]


@lru_cache(maxsize=1)
def combining_class() -> str:
    """A regular-expression class of the characters Python's accent folding drops (combining marks).

    JavaScript has no unicodedata.combining(); shipping the ranges keeps folding identical.
    """
    ranges: list[tuple[int, int]] = []
    start = None
    for code in range(sys.maxunicode + 2):
        marked = code <= sys.maxunicode and unicodedata.combining(chr(code)) != 0
        if marked and start is None:
            start = code
        elif not marked and start is not None:
            ranges.append((start, code - 1))
            start = None
    return "".join(f"\\u{{{a:x}}}" + (f"-\\u{{{b:x}}}" if b != a else "") for a, b in ranges)


def _kind_aliases() -> dict[str, list[str]]:
    return {name: list(units) for name, units in unit_kind_aliases().items()}


def _chunk(kb: KnowledgeBase, address: SiteAddress, docs: Sequence[Document],
           channel_labels: dict[str, str]) -> dict[str, Any]:
    """What results show for a run of documents; entries' own details once per entry."""
    entries: dict[str, list[Any]] = {}
    rows = []
    for doc in docs:
        entry = kb.by_id[doc.entry]
        if doc.entry not in entries:
            entries[doc.entry] = [doc.entry_title, address.page(entry),
                                  [channel_labels.get(c, c) for c in doc.channels]]
        rows.append([doc.entry, doc.item, anchor(doc.item) if doc.item else None, doc.title,
                     readable(doc.say), [readable(note) for note in doc.notes]])
    return {"entries": entries, "docs": rows}
