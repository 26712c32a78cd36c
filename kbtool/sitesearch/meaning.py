"""Meaning-aware ranking on the published site, when kb.yaml asks for it (`search: {semantic_site: true}`).

The browser ranks as `kbtool search` does with the [semantic] extra (kbtool.search.semantic.fuse):
the lexical hits re-ranked by the cosine of the query's vector with each document's, plus the
documents close enough in meaning alone. For that it needs what the terminal reads from the
wordllama wheel, as data files beside the lexical index (kbtool/assets/kbsearch/kbsearch-meaning.js
reads them):
  mtok.js   the tokenizer: the vocabulary in id order and the merges in rank order
  mt<N>.js  the token embedding table, TOKENS_PER_CHUNK rows a file in half precision as the
            wheel stores them: a query loads only the files of its own tokens
  mv<N>.js  the documents' vectors, half precision, exactly the values in the vectors file

Off by default: the table is derived from Llama 2's embeddings (docs/semantic.md, the licence
question), and it makes the site larger by about 23 MB on disk; a first search downloads the
tokenizer, every document's vector and its own tokens' table files (about 2 MB for the bundled
knowledge base).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from kbtool.publish.documents import Document
from kbtool.search import semantic
from kbtool.sitesearch.scripts import FOLDER, b64, script

log = logging.getLogger("mkdocs.plugins.kbtool")

# 128 rows of 256 half-precision numbers: 64 KB a file (87 KB as base64); a query of ten tokens
# loads at most ten of the 250.
TOKENS_PER_CHUNK = 128
# Every query compares with every document, so all of these load with the first query.
DOCS_PER_CHUNK = 2048


def wanted(config: Any) -> bool:
    """Whether kb.yaml asks for meaning-aware ranking in the site."""
    return getattr(config, "semantic_site", False) is True


def unavailable(config: Any) -> str | None:
    """Why kb.yaml's `semantic_site` cannot be honoured by a build here, or None.

    The site then ranks by words only, as `kbtool search` does here; a build says so (a note, not a
    warning: MkDocs' strict mode would stop the site for want of an optional extra).
    """
    if not wanted(config):
        return None
    if not semantic.available():
        return ("kb.yaml asks for search.semantic_site but the kbtool[semantic] extra is not installed here, so the "
                "site's search ranks by words only; install it with pip install \"kbtool[semantic]\" or remove the "
                "setting")
    if not semantic.enabled(config):
        return ("kb.yaml asks for search.semantic_site but also sets search.semantic: false, so the site's search "
                "ranks by words only; remove one of the two settings")
    return None


def meaning_files(config: Any, docs: Sequence[Document]) -> tuple[dict[str, str], dict[str, Any] | None]:
    """The data files for meaning-aware site search and what the index's core says of them.

    ({}, None) when kb.yaml does not ask, or when it does but cannot be honoured (`unavailable`).
    """
    if not wanted(config):
        return {}, None
    reason = unavailable(config)
    if reason:
        log.info(reason)
        return {}, None
    model = semantic.load_model()
    rows, dims = model.table.shape
    files = dict(_model_files())
    vectors = _document_vectors(docs)
    for chunk, start in enumerate(range(0, len(docs), DOCS_PER_CHUNK)):
        block = b"".join(vectors[start:start + DOCS_PER_CHUNK])
        files[f"{FOLDER}/mv{chunk}.js"] = script(f"mv{chunk}", b64(block))
    core = {"model": semantic.MODEL, "rows": int(rows), "dims": int(dims), "tokensPerChunk": TOKENS_PER_CHUNK,
            "docsPerChunk": DOCS_PER_CHUNK, "vectorChunks": -(-len(docs) // DOCS_PER_CHUNK),
            "floor": semantic.FLOOR, "weight": semantic.WEIGHT, "depth": semantic.DEPTH}
    return files, core


@lru_cache(maxsize=1)
def _model_files() -> dict[str, str]:
    """The tokenizer and token-table files: the same for every build, so made once per process
    (`kbtool serve` rebuilds the index on every edit; encoding the 22 MB table took 0.15 s)."""
    model = semantic.load_model()
    tokens, merges = model.tokenizer.tables()
    files = {f"{FOLDER}/mtok.js": script("mtok", {"tokens": tokens, "merges": merges,
                                                   "unknown": model.tokenizer.unknown})}
    for chunk, start in enumerate(range(0, model.table.shape[0], TOKENS_PER_CHUNK)):
        block = model.table[start:start + TOKENS_PER_CHUNK]
        files[f"{FOLDER}/mt{chunk}.js"] = script(f"mt{chunk}", b64(block.astype("<f2").tobytes()))
    return files


# Document text -> its vector's bytes, kept between the rebuilds of one process: an edit under
# `kbtool serve` changes a few documents, and embedding all of them again took 0.5 s at 1,000
# entries. Bounded, so a long session of big edits cannot grow it without end.
_VECTORS: dict[str, bytes] = {}
_VECTORS_KEPT = 100_000


def _document_vectors(docs: Sequence[Document]) -> list[bytes]:
    texts = [semantic.document_text(doc) for doc in docs]
    new = list(dict.fromkeys(text for text in texts if text not in _VECTORS))
    if new:
        if len(_VECTORS) + len(new) > _VECTORS_KEPT:
            _VECTORS.clear()
            new = list(dict.fromkeys(texts))
        for text, row in zip(new, semantic.embed_texts(new), strict=True):
            _VECTORS[text] = row.astype("<f2").tobytes()
    return [_VECTORS[text] for text in texts]
