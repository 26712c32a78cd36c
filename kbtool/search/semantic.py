"""Meaning-aware ranking for `kbtool search` and `kbtool find`, when `pip install "kbtool[semantic]"` is there.

Static word embeddings (wordllama's `l2_supercat_256`, read straight from the installed wheel, never
from the network) give every document a vector when the index is built; a query's vector is compared
with them all and the similarity is fused with the lexical ranking, so "give me my cash back" finds
"Refunds". Without the extra this module imports nothing beyond the standard library and changes
nothing: `available()` is False, no vectors are written and `fuse` returns the hits it was given.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from kbtool.search.hits import Hit
from kbtool.search.semantic_model import (  # noqa: F401 - the extra's API, used by the site's meaning files
    MODEL,
    Model,
    SemanticError,
    available,
    document_text,
    embed_documents,
    embed_texts,
    enabled,
    load_model,
)
from kbtool.search.semantic_vectors import (  # noqa: F401 - the extra's API
    TOKENIZER_FILE,
    VECTORS_FILE,
    Vectors,
    build_vectors,
    is_open,
    open_vectors,
    vector_key,
)

# A document found by meaning alone (no lexical hit) must reach this cosine. Averaged static
# embeddings give nonsense and lone stop words up to ~0.25 on the bundled knowledge base ("the"
# 0.25, "qwzx blorf" 0.16), so below 0.3 a query nothing is about would stop being "nothing found".
FLOOR = 0.3
# The weight of the normalised cosine against the normalised lexical score. On the bundled sets
# 0.5 beat 0.3, 0.75, 1.0 and 1.5 (1.0 was the prototype's choice on another knowledge base whose
# lexical search had no lexicon); see docs/semantic.md for the figures.
WEIGHT = 0.5
# How many lexical hits fusion re-ranks, whatever the caller shows: with only the top 3 to
# re-rank (`--limit 3`), paraphrase recall@3 stayed at the lexical 0.603; from 10 it is 0.690
# (20 gave 0.672).
DEPTH = 10


def similarities(query: str, vectors: Vectors) -> Any:
    """The cosine of `query` with every document (numpy float32 array)."""
    return vectors.matrix @ load_model().embed([query], tokenizer=vectors.tokenizer)[0]


def _passes(record: dict[str, Any], filt: Any) -> bool:
    if filt is None:
        return True
    kinds = getattr(filt, "kinds", ())
    if kinds and record["kind"] not in kinds:
        return False
    channel = getattr(filt, "channel", None)
    if channel and channel not in record["channels"]:
        return False
    situation = getattr(filt, "situation", None)
    if situation and record["situation"] != situation:
        return False
    tag = getattr(filt, "tag", None)
    return not (tag and tag.lower() not in {t.lower() for t in record["tags"]})


def _hit(record: dict[str, Any], score: float) -> Hit:
    return Hit(id=record["id"], item=record["item"], kind=record["kind"], title=record["title"],
               text=record["text"], path=record["path"], line=int(record["line"]), score=score,
               url=record["url"], entry_title=record["entry_title"], channels=tuple(record["channels"]),
               situation=record["situation"], tags=tuple(record["tags"]), notes=tuple(record["notes"]))


def candidates(query: str, index_dir: Path, limit: int, filt: Any = None,
               floor: float = FLOOR) -> list[tuple[Hit, float]]:
    """Documents whose cosine with `query` reaches `floor`, best first: found by meaning alone,
    even when they share no word with the query. Each with its cosine (also the Hit's score)."""
    vectors = open_vectors(index_dir)
    if vectors is None or not query.strip():
        return []
    return _above_floor(similarities(query, vectors), vectors, limit, filt, floor)


def _above_floor(sims: Any, vectors: Vectors, limit: int, filt: Any, floor: float) -> list[tuple[Hit, float]]:
    import numpy as np  # lazy: numpy comes with the [semantic] extra, which may be missing

    # Only the rows above the floor are sorted: usually a handful, never the whole index.
    rows = np.flatnonzero(sims >= floor)
    out: list[tuple[Hit, float]] = []
    for row in rows[np.argsort(-sims[rows], kind="stable")]:
        record = vectors.record(int(row))
        if _passes(record, filt):
            cosine = float(sims[row])
            out.append((_hit(record, cosine), cosine))
            if len(out) >= limit:
                break
    return out


def lexical_depth(index_dir: Path, limit: int) -> int:
    """How many lexical hits to collect for `limit` results: more when fusion will re-rank them,
    exactly `limit` when this build has no vectors (so nothing changes without the extra)."""
    path = Path(index_dir) / VECTORS_FILE
    has_vectors = path.exists() or is_open(path)
    return max(limit, DEPTH) if has_vectors else limit


def fuse(query: str, hits: list[Hit], index_dir: Path, limit: int, filt: Any = None,
         floor: float = FLOOR, weight: float = WEIGHT) -> list[Hit]:
    """The lexical `hits` re-ranked with meaning, plus documents found by meaning alone.

    Score = lexical / best lexical + weight x cosine / best cosine. Every lexical hit is re-ranked
    (they already matched a word); a document with no lexical hit joins only when its cosine
    reaches `floor`, so a query nothing is about keeps exactly its lexical hits (usually none:
    exit 1 and the miss log, as without the extra). Without vectors the hits come back unchanged.
    """
    vectors = open_vectors(index_dir)
    if vectors is None or not query.strip() or not vectors.count:
        return hits[:limit]
    sims = similarities(query, vectors)
    best_cos = float(sims.max())
    found = _above_floor(sims, vectors, limit, filt, floor)
    if best_cos <= 0 or (not hits and not found):
        return hits[:limit]
    best_lex = max((h.score for h in hits), default=0.0) or 1.0
    scored: dict[str, tuple[float, Hit]] = {}
    for hit in hits:
        key = vector_key(hit.id, hit.item, hit.kind)
        row = vectors.row(key)
        cosine = max(float(sims[row]), 0.0) if row is not None else 0.0
        scored[key] = (hit.score / best_lex + weight * cosine / best_cos, hit)
    for hit, cosine in found:
        key = vector_key(hit.id, hit.item, hit.kind)
        if key not in scored:
            scored[key] = (weight * cosine / best_cos, hit)
    # Ties keep the lexical order (sorted is stable and lexical hits come first).
    ranked = sorted(scored.values(), key=lambda pair: -pair[0])[:limit]
    return [replace(hit, score=score) for score, hit in ranked]


__all__ = ["available", "enabled", "embed_documents", "build_vectors", "open_vectors", "candidates", "lexical_depth", "fuse",
           "load_model", "FLOOR", "WEIGHT", "DEPTH", "VECTORS_FILE", "SemanticError"]
