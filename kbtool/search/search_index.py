"""The terminal's search index: built from the published documents, opened, and rebuilt when the YAML changes.

Builds are swapped in atomically (kbtool.search.store); each carries what a cold search needs
to plan a query without reading kb.yaml (synonyms as stems, the unit kinds).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kbtool.search import semantic, store
from kbtool.search.store import cache_dir
from kbtool.search.synonym_table import analysed_synonyms, synonym_table, synonym_words
from kbtool.search.whoosh_engine import EngineError, Reader, write_index

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from kbtool.model import KnowledgeBase
    from kbtool.pipeline import Checked


def kind_aliases() -> dict[str, tuple[str, ...]]:
    """`--kind` takes a unit kind (phrase, step...) or an entry kind, which means the units it yields."""
    # lazy: the kinds load the format and YAML; a search reads them from the index instead
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
    # lazy: the documents, the kinds and kb.yaml's synonyms load the model and YAML, which only a
    # build needs (a search reads what it needs from the index: kbtool search stays free of YAML)
    from kbtool.format.kinds import UNIT_BOOSTS
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
        count = write_index(folder, docs, UNIT_BOOSTS, phrases)

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
    from kbtool.pipeline import check  # lazy: only a rebuild loads the knowledge base (and YAML, Jinja2)

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


