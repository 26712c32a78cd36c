"""Mid-call search: an index of every ready-to-say text, and ranked, typo-tolerant queries over it.

The engine is Whoosh, used only through its classic modules (index, fields, qparser, analysis,
query, scoring) so the distribution can change in one line. The index lives in ROOT/.kbtool/;
each build goes to a fresh folder that a symbolic link swap makes current, so a search running
during a rebuild always reads a complete index.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kbtool.source.layout import KIND_FOLDERS, anchor, content_files, page_url

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from kbtool.model import Entry, KnowledgeBase

CACHE_DIR = ".kbtool"
CURRENT = "index"  # the symbolic link (or, where links are unavailable, pointer file) naming the live build
META_FILE = "kbtool-meta.json"
MISSES_FILE = "misses.log"
FORMAT_VERSION = 1
# A search resolves the link once, then reads that folder; an old build is deleted only after it
# has been retired this long, far longer than any query takes.
GRACE_SECONDS = 120.0
# Builds that crashed half-way leave a .build-* folder; anything this old is abandoned.
ABANDONED_BUILD_SECONDS = 3600.0

# Must list the same files as kbtool.source.kb.content_files (a test keeps them in step). Duplicated
# so a search can check freshness without importing the YAML loader.
CONFIG_FILES = ("kb.yaml", "mkdocs.yml")

# The words a document exists to say count most; a standard that merely mentions them ranks lower.
# Title (entry title plus item name) and topic (tags, situation) say what the text is for. Tuned
# on tests/search_queries.yaml from a grid around these values; see docs/benchmarks.md.
FIELD_BOOSTS = {"say": 4.0, "title": 3.0, "topic": 2.5, "context": 0.8}
# Ready-to-say kinds first when scores are otherwise close.
KIND_BOOSTS = {"phrase": 1.25, "step": 1.15, "letter": 1.0, "rule": 0.9, "standard": 0.8}
KINDS = ("phrase", "step", "rule", "letter", "standard")
# --kind accepts the entry kinds too: a script is searched through its steps, and so on.
KIND_ALIASES = {"phrases": ("phrase",), "script": ("step",), "standard": ("rule", "standard")}
SYNONYM_BOOST = 0.9
# Synonyms are not looked for in the long avoid/why notes: a third fewer postings to merge (p95
# 19 -> 14 ms at 10,000 phrases) with recall@3 on the query set unchanged (0.914).
SYNONYM_FIELDS = ("say", "title", "topic")
CORRECTION_BOOST = 0.8
# How alike (difflib ratio) a correction must be to the word typed.
SIMILAR = 0.75
# "Too little" for the fuzzy fallback: fewer exact hits than this, or a word the index lacks.
FEW_HITS = 1


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


# ---------------------------------------------------------------------------------------------
# Text analysis (shared by indexing and querying, so stems always agree)

@lru_cache(maxsize=1)
def _analyzers() -> tuple[Any, Any]:
    from whoosh.analysis import STOP_WORDS, LowercaseFilter, RegexTokenizer, StemmingAnalyzer

    # "not" carries meaning mid-call ("not arrived"), so it is kept; other stop words go.
    stemming = StemmingAnalyzer(stoplist=frozenset(STOP_WORDS) - {"not"}, minsize=2)
    surface = RegexTokenizer(r"\w+(?:'\w+)?") | LowercaseFilter()
    return stemming, surface


def stems(text: str) -> list[str]:
    """The index terms of `text`: lowercased, stop words removed, stemmed."""
    return [token.text for token in _analyzers()[0](text)]


@lru_cache(maxsize=4096)
def _stem_word(word: str) -> str | None:
    found = stems(word)
    return found[0] if found else None


def surface_words(text: str) -> list[str]:
    """The words as typed, lowercased (for spelling suggestions)."""
    return [token.text for token in _analyzers()[1](text)]


def _schema() -> Any:
    from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

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
    )


# ---------------------------------------------------------------------------------------------
# Documents

@dataclass
class _Doc:
    entry: Entry
    item: str | None
    kind: str
    title: str
    text: str
    context: list[str]
    line: int
    notes: list[str]


def _humanise(slug: str) -> str:
    return slug.replace("-", " ").replace("_", " ").capitalize()


def _documents(entry: Entry, fill: Callable[[str], str]) -> Iterator[_Doc]:
    """One document per phrase, script step, rule, letter and standard."""
    from kbtool.model import Letter, PhraseSet, Script, Standard

    if isinstance(entry, PhraseSet):
        for i, phrase in enumerate(entry.phrases):
            notes = [f"Avoid: {fill(a)}" for a in phrase.avoid] + ([f"Why: {phrase.why}"] if phrase.why else [])
            yield _Doc(entry, phrase.id, "phrase", _humanise(phrase.id), fill(phrase.say),
                       [fill(a) for a in phrase.avoid] + [phrase.why, entry.summary],
                       entry.pos("phrases", i, "say")[0], notes)
    elif isinstance(entry, Script):
        for i, step in enumerate(entry.steps):
            notes = ([f"Note: {fill(step.note)}"] if step.note else []) + [
                f"If {o.when}: go to {o.next}" for o in step.options]
            yield _Doc(entry, step.id, "step", _humanise(step.id), fill(step.say),
                       [fill(step.note)] + [o.when for o in step.options] + [entry.summary],
                       entry.pos("steps", i, "say")[0], notes)
    elif isinstance(entry, Standard):
        procedure = [fill(p) for p in entry.procedure]
        yield _Doc(entry, None, "standard", entry.title, entry.summary or entry.title,
                   procedure + [t.metric for t in entry.targets], entry.pos("title")[0],
                   [f"Rule: {fill(r.text)}" for r in entry.rules])
        for i, rule in enumerate(entry.rules):
            notes = ([f"Why: {rule.why}"] if rule.why else []) + [f"Do: {fill(d)}" for d in rule.do] + [
                f"Don't: {fill(d)}" for d in rule.dont]
            yield _Doc(entry, rule.id, "rule", _humanise(rule.id), fill(rule.text),
                       [rule.why] + [fill(d) for d in rule.do] + [fill(d) for d in rule.dont],
                       entry.pos("rules", i, "text")[0], notes)
    elif isinstance(entry, Letter):
        subject = fill(entry.subject)
        body = fill(entry.body)
        yield _Doc(entry, None, "letter", entry.title, f"Subject: {subject}\n\n{body.strip()}",
                   [entry.summary] + [v.description for v in entry.variables.values()],
                   entry.pos("subject")[0], [f"Fill it in: kbtool render letter {entry.id}"])




def anchor_url(site_url: str, directory_urls: bool, entry_kind: str, entry_id: str, item: str | None) -> str:
    """The site address of an entry's page, at the item's anchor (the site's own URL scheme)."""
    page = page_url(f"{KIND_FOLDERS.get(entry_kind, entry_kind)}/{entry_id}.md", directory_urls)
    fragment = "#" + anchor(item) if item else ""
    if site_url:
        return site_url.rstrip("/") + "/" + page + fragment
    # Without a site_url the built site is a folder of files; file URLs need the page's file name.
    local = page + "index.html" if directory_urls else page
    return "site/" + local + fragment


def _directory_urls(root: Path) -> bool:
    """MkDocs' use_directory_urls as the site build will see it (kbtool's default turns it off)."""
    try:
        text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    match = re.search(r"^use_directory_urls:\s*(\S+)", text, re.MULTILINE)
    return bool(match) and match.group(1).lower() in ("true", "yes", "on")


# ---------------------------------------------------------------------------------------------
# Freshness

def content_signature(root: Path) -> str:
    """A fingerprint of every YAML file's name, size and modification time: changes when content does."""
    digest = hashlib.sha1(usedforsecurity=False)
    paths = content_files(root) + [root / name for name in CONFIG_FILES]
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        digest.update(f"{path.relative_to(root).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Building and swapping

def cache_dir(root: Path) -> Path:
    return Path(root) / CACHE_DIR


def build_index(kb: KnowledgeBase, signature: str | None = None) -> Path:
    """Index every published entry of `kb` into a fresh folder and make it current; returns the folder.

    `signature` is the content fingerprint taken before `kb` was loaded; without it one is taken
    now (an edit made between loading and now would then go unnoticed until the next edit).
    """
    from whoosh import index as whoosh_index

    from kbtool.templating import render_lenient

    root = Path(kb.root)
    signature = signature or content_signature(root)
    cache = cache_dir(root)
    cache.mkdir(parents=True, exist_ok=True)
    stamp = f"{time.time_ns()}-{os.getpid()}"
    building = cache / f".build-{stamp}"
    building.mkdir()
    try:
        variables = dict(kb.config.variables)
        directory_urls = _directory_urls(root)

        def fill(text: str) -> str:
            return render_lenient(text, variables) if text else ""

        ix = whoosh_index.create_in(str(building), _schema())
        # One segment written in memory and merged once: much faster than the default for a full build.
        writer = ix.writer(limitmb=256)
        count = 0
        for entry in kb.entries:
            if not entry.published:
                continue
            for doc in _documents(entry, fill):
                _add(writer, doc, kb.config.site_url, directory_urls)
                count += 1
        writer.commit()
        meta = {"format": FORMAT_VERSION, "signature": signature, "documents": count,
                "log_misses": kb.config.log_misses, "site_url": kb.config.site_url,
                # Kept here so a search never needs to parse kb.yaml (the signature covers it).
                "synonyms": [list(group) for group in kb.config.synonyms],
                "built": time.time()}
        (building / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
        final = cache / f"index-{stamp}"
        os.rename(building, final)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    _make_current(cache, final.name)
    remove_old_builds(cache)
    return final


def _add(writer: Any, doc: _Doc, site_url: str, directory_urls: bool) -> None:
    entry = doc.entry
    title = entry.title if doc.item is None else f"{entry.title}: {doc.title}"
    # Channels are left out of the words: "phone" in a query means the topic, not every phone entry.
    topic = " ".join([*entry.tags, entry.situation or ""]).replace("-", " ")
    context = [c for c in doc.context if c]
    writer.add_document(
        entry=entry.id, item=doc.item, kind=doc.kind, entry_kind=entry.kind,
        title=title, say=doc.text, context="\n".join(context), topic=topic,
        spell="\n".join([title, doc.text, topic, *context]),
        channel=",".join(entry.channels), situation=entry.situation or "",
        tag=",".join(entry.tags), text=doc.text, entry_title=entry.title, notes=doc.notes,
        path=entry.path, line=doc.line, url=anchor_url(site_url, directory_urls, entry.kind, entry.id, doc.item),
        _boost=KIND_BOOSTS.get(doc.kind, 1.0),
    )


def _make_current(cache: Path, folder: str) -> None:
    """Point the current link at `folder` in one atomic rename; readers see the old or the new build."""
    link = cache / CURRENT
    if link.is_dir() and not link.is_symlink():
        # A real folder where the link belongs (copied by hand, say): move it aside to be cleaned up.
        os.rename(link, cache / f"index-0-moved-{time.time_ns()}")
    temp = cache / f".{CURRENT}-{time.time_ns()}-{os.getpid()}"
    try:
        os.symlink(folder, temp)
    except (OSError, NotImplementedError):
        # No symbolic links (Windows without the privilege): a pointer file replaced atomically.
        temp.write_text(folder, encoding="utf-8")
    os.replace(temp, link)


def _current_folder(cache: Path) -> Path | None:
    link = cache / CURRENT
    try:
        name = os.readlink(link)
    except FileNotFoundError:
        return None
    except OSError:
        try:
            name = link.read_text(encoding="utf-8").strip()
        except OSError:
            return None
    return cache / name


def remove_old_builds(cache: Path, grace: float = GRACE_SECONDS, now: float | None = None) -> list[Path]:
    """Delete builds retired longer than `grace` seconds ago; mark newly retired ones. Returns what went."""
    now = time.time() if now is None else now
    current = _current_folder(cache)
    removed: list[Path] = []
    try:
        children = list(cache.iterdir())
    except OSError:
        return removed
    for child in children:
        if child.name.startswith(".build-"):
            try:
                if now - child.stat().st_mtime > ABANDONED_BUILD_SECONDS:
                    shutil.rmtree(child, ignore_errors=True)
                    removed.append(child)
            except OSError:
                pass
            continue
        if not child.name.startswith("index-") or (current is not None and child.name == current.name):
            continue
        marker = child / ".retired"
        try:
            retired_at = marker.stat().st_mtime
        except FileNotFoundError:
            # The grace period starts when a build stops being current, not when it was made.
            try:
                marker.touch()
            except OSError:
                pass
            continue
        except OSError:
            continue
        if now - retired_at > grace:
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
    return removed


# ---------------------------------------------------------------------------------------------
# Opening

class SearchIndex:
    """An open build of the index; keeps one searcher for repeated queries (the TUI, benchmarks)."""

    def __init__(self, folder: Path, meta: dict[str, Any]) -> None:
        from whoosh import index as whoosh_index

        self.folder = folder
        self.meta = meta
        try:
            self._ix = whoosh_index.open_dir(str(folder))
            # Opened now, not at the first query: open files survive the build's later removal.
            self._searcher: Any = self._ix.searcher()
        except Exception as exc:  # whoosh raises several types for a damaged index
            raise SearchError(f"the search index in {folder} cannot be read ({exc}); "
                              "run `kbtool index` to rebuild it") from None
        self._filters: dict[tuple[str, str], Any] = {}

    @property
    def searcher(self) -> Any:
        if self._searcher is None:
            self._searcher = self._ix.searcher()
        return self._searcher

    @property
    def log_misses(self) -> bool:
        return bool(self.meta.get("log_misses", True))

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_index(root: Path) -> SearchIndex | None:
    """The current build under `root`, or None when there is none (or it is from an older kbtool)."""
    cache = cache_dir(Path(root))
    for attempt in range(3):
        folder = _current_folder(cache)
        if folder is None:
            return None
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            # Retired and removed between reading the link and opening it: read the link again.
            continue
        except (OSError, ValueError):
            return None
        if meta.get("format") != FORMAT_VERSION:
            return None
        try:
            return SearchIndex(folder, meta)
        except SearchError:
            if attempt == 2 or _current_folder(cache) == folder:
                raise
    return None


def fresh_index(root: Path, load: Callable[[Path], KnowledgeBase] | None = None) -> tuple[SearchIndex, str | None]:
    """The current index, rebuilt first when missing or older than the YAML.

    Returns the index and, when it was rebuilt, why (for a note on stderr). `load` loads the
    knowledge base (the CLI passes one that turns library errors into clean messages).
    """
    root = Path(root)
    signature = content_signature(root)
    try:
        index = open_index(root)
    except SearchError:
        index, reason = None, "the index could not be read"
    else:
        if index is not None and index.meta.get("signature") == signature:
            return index, None
        reason = "there was no search index yet" if index is None else "the YAML changed since the index was built"
    if index is not None:
        index.close()
    if load is None:
        from kbtool.source.kb import load_knowledge_base as load
    kb = load(root)
    build_index(kb, signature)
    index = open_index(root)
    if index is None:  # pragma: no cover - only if the cache folder vanished mid-build
        raise SearchError(f"the search index under {cache_dir(root)} could not be opened after building it")
    return index, reason


# ---------------------------------------------------------------------------------------------
# Querying

@lru_cache(maxsize=8)
def _synonym_table(groups: tuple[tuple[str, ...], ...]) -> list[list[tuple[str, ...]]]:
    table = []
    for group in groups:
        members = []
        for member in group:
            analysed = tuple(stems(member))
            if len(analysed) < min(2, len(member.split())):
                # "in person" is just "person" once stop words go; as a synonym it would capture
                # every query mentioning a person, so such members are left out.
                continue
            if analysed and analysed not in members:
                members.append(analysed)
        if len(members) > 1:
            table.append(members)
    return table


@lru_cache(maxsize=8)
def _synonym_words(groups: tuple[tuple[str, ...], ...]) -> frozenset[str]:
    return frozenset(word for group in groups for member in group for word in surface_words(member))


def _term(stem: str, boost: float = 1.0) -> Any:
    from whoosh.query import Or, Term

    # Fields add up: a word in the text and in the entry's title is a better match than either.
    # (Whoosh's DisjunctionMax was tried here and cut recall@3 from 0.93 to 0.74.)
    return Or([Term(name, stem, boost=weight * boost) for name, weight in FIELD_BOOSTS.items()])


def _sequence(member: tuple[str, ...], boost: float = 1.0, fields: tuple[str, ...] = tuple(FIELD_BOOSTS)) -> Any:
    from whoosh.query import Or, Phrase, Term

    if len(member) == 1:
        return Or([Term(name, member[0], boost=FIELD_BOOSTS[name] * boost) for name in fields])
    return Or([Phrase(name, list(member), boost=FIELD_BOOSTS[name] * boost) for name in fields])


def _known(reader: Any, stem: str) -> bool:
    return any(reader.doc_frequency(name, stem) for name in FIELD_BOOSTS)


def _corrections(reader: Any, word: str, vocabulary: frozenset[str], limit: int = 3) -> list[str]:
    """Known words within a small edit distance of `word`, closest first, then most common.

    Candidates come from the index's own words and from kb.yaml's synonyms, so a misspelt
    synonym that no entry uses ("furous" for "furious") still expands to its group.
    """
    if len(word) < 3 or not word.replace("'", "").isalpha():
        return []
    import difflib

    maxdist = 1 if len(word) < 6 else 2
    found = set(reader.terms_within("spell", word, maxdist, prefix=1))
    found.update(difflib.get_close_matches(word, vocabulary, n=limit, cutoff=SIMILAR))
    found.discard(word)

    def similarity(candidate: str) -> float:
        return difflib.SequenceMatcher(None, word, candidate).ratio()

    # Two edits in a six-letter word can turn a real word the index lacks into an unrelated one
    # ("higher" -> "hughes"); every genuine typo in the query set scores 0.75 or more.
    scored = [(similarity(c), c) for c in found]
    ranked = sorted((c for c in scored if c[0] >= SIMILAR),
                    key=lambda sc: (-sc[0], -reader.doc_frequency("spell", sc[1])))
    return [c for _, c in ranked[:limit]]


@dataclass
class _Plan:
    clauses: list[Any]
    corrections: dict[str, str]
    unknown: list[str]


def _plan(index: SearchIndex, query: str, synonyms: list[list[tuple[str, ...]]],
          vocabulary: frozenset[str]) -> _Plan:
    """Turn typed words into query clauses: unknown words corrected first, then synonyms expanded."""
    from whoosh.query import Or

    reader = index.searcher.reader()
    synonym_stems = {stem for members in synonyms for member in members for stem in member}
    terms: list[tuple[str, float]] = []  # (stem, boost); corrected words count a little less
    corrections: dict[str, str] = {}
    unknown: list[str] = []
    for word in surface_words(query):
        stem = _stem_word(word)
        if stem is None:
            continue
        if stem in synonym_stems or _known(reader, stem):
            terms.append((stem, 1.0))
            continue
        unknown.append(word)
        fixes = _corrections(reader, word, vocabulary)
        fixed = _stem_word(fixes[0]) if fixes else None
        if fixed is not None:
            corrections[word] = fixes[0]
            terms.append((fixed, CORRECTION_BOOST))
    seq = [stem for stem, _ in terms]
    clauses: list[Any] = []
    i = 0
    while i < len(seq):
        match = None
        for members in synonyms:
            for member in members:
                n = len(member)
                if tuple(seq[i:i + n]) == member and (match is None or n > len(match[1])):
                    match = (members, member)
        if match is None:
            clauses.append(_term(*terms[i]))
            i += 1
            continue
        members, member = match
        boost = min(b for _, b in terms[i:i + len(member)])
        # Alternatives add up. Keeping only the best (DisjunctionMax) ranks better on the query set
        # (MRR 0.816 -> 0.833) but its matcher tree cannot be preloaded: p95 6 -> 13-18 ms.
        clause = Or([_sequence(member, boost)]
                    + [_sequence(m, SYNONYM_BOOST * boost, SYNONYM_FIELDS) for m in members if m != member])
        if len(member) > 1:
            # The typed words still count on their own, so "click and collect" finds "collect".
            clause = Or([clause] + [_term(stem, 0.5 * boost) for stem in member])
        clauses.append(clause)
        i += len(member)
    return _Plan(clauses, corrections, unknown)


def _filter(index: SearchIndex, kind: str | None, channel: str | None, situation: str | None,
            tag: str | None) -> Any:
    from whoosh.query import And, Or, Term

    parts = []
    if kind:
        kinds = KIND_ALIASES.get(kind, (kind,))
        parts.append(Or([Term("kind", k) for k in kinds]) if len(kinds) > 1 else Term("kind", kinds[0]))
    if channel:
        parts.append(Term("channel", channel))
    if situation:
        parts.append(Term("situation", situation))
    if tag:
        parts.append(Term("tag", tag.lower()))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)


def run_query(index: SearchIndex, query: str, *, synonyms: Iterable[Iterable[str]] | None = None, kind: str | None = None,
              channel: str | None = None, situation: str | None = None, tag: str | None = None,
              limit: int = 10) -> Results:
    """Ranked hits for `query`, best first, with any spelling correction that was applied.

    Exact terms (and their synonyms) run first; only words the index does not know are
    corrected, and a fuzzy pass over every word runs only when that still finds too little.
    """
    from whoosh.query import NullQuery, Or

    if synonyms is None:
        synonyms = index.meta.get("synonyms", [])
    groups = tuple(tuple(g) for g in synonyms)
    table = _synonym_table(groups)
    filt = _filter(index, kind, channel, situation, tag)
    plan = _plan(index, query, table, _synonym_words(groups))
    hits: list[Hit] = []
    used_fuzzy = bool(plan.corrections)
    if plan.clauses:
        hits = _collect(index, Or(plan.clauses), filt, limit)
    if len(hits) < FEW_HITS and surface_words(query):
        # Last resort: every word fuzzy (also catches typos that happen to be real words).
        fuzzy_query = _fuzzy_all(query)
        if fuzzy_query is not NullQuery:
            hits = _collect(index, fuzzy_query, filt, limit)
            used_fuzzy = True
    did_you_mean = None
    if plan.corrections:
        fixed = query
        for wrong, right in plan.corrections.items():
            fixed = re.sub(rf"(?i)\b{re.escape(wrong)}\b", right, fixed)
        did_you_mean = fixed
    return Results(hits, query, did_you_mean, used_fuzzy, plan.corrections)


def _fuzzy_all(query: str) -> Any:
    from whoosh.query import FuzzyTerm, NullQuery, Or

    clauses = []
    for word in surface_words(query):
        stem = _stem_word(word)
        if stem is None or len(stem) < 3:
            continue
        maxdist = 1 if len(stem) < 6 else 2
        clauses.append(Or([FuzzyTerm(name, stem, boost=weight, maxdist=maxdist, prefixlength=1)
                           for name, weight in FIELD_BOOSTS.items()]))
    return Or(clauses) if clauses else NullQuery


def _collect(index: SearchIndex, query: Any, filt: Any, limit: int) -> list[Hit]:
    from whoosh.query import Or, PreloadedOr

    # The query is one flat Or of a few dozen terms (each word and synonym in each field). Whoosh's
    # default Or is a binary tree of union matchers, walked level by level for every matching
    # document, plus block-quality bookkeeping on top: at 10,000 phrases that walk was most of the
    # time. PreloadedOr reads each posting list once into a score array instead (same scores, same
    # order: p95 14-19 -> 6 ms), and with no tree to prune, the block-quality pass only costs.
    query = query.normalize()
    if isinstance(query, Or) and len(query.subqueries) > 1:
        query = PreloadedOr(query.subqueries, boost=query.boost)
    results = index.searcher.search(query, filter=filt, limit=limit, optimize=False)
    return [_hit(r, r.score) for r in results]


def _hit(stored: Any, score: float) -> Hit:
    fields = stored.fields()
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


# ---------------------------------------------------------------------------------------------
# Queries that found nothing

def log_miss(root: Path, query: str) -> None:
    """Append a query that found nothing to the cache folder's log (one JSON line, appended atomically)."""
    cache = cache_dir(Path(root))
    cache.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"q": " ".join(query.split())[:500], "t": int(time.time())}, ensure_ascii=False) + "\n"
    # One write on an O_APPEND file: concurrent searches never interleave their lines.
    fd = os.open(cache / MISSES_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Miss:
    query: str
    count: int
    last_seen: int


def read_misses(root: Path) -> list[Miss]:
    """Logged misses by frequency (case and spacing folded), most frequent first."""
    counts: Counter[str] = Counter()
    last: dict[str, int] = {}
    shown: dict[str, str] = {}
    try:
        with open(cache_dir(Path(root)) / MISSES_FILE, encoding="utf-8", errors="replace") as handle:
            for raw in handle:
                try:
                    record = json.loads(raw)
                    query, seen = str(record["q"]), int(record.get("t", 0))
                except (ValueError, KeyError, TypeError):
                    continue  # a torn or hand-edited line is skipped, not fatal
                key = " ".join(query.lower().split())
                if not key:
                    continue
                counts[key] += 1
                shown.setdefault(key, query)
                last[key] = max(last.get(key, 0), seen)
    except FileNotFoundError:
        return []
    return [Miss(shown[k], n, last[k]) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
