"""Relevance on the bundled knowledge base: recall@3 over tests/search_queries.yaml, with MRR reported.

Run `pytest tests/test_relevance.py -s` (or `python tests/test_relevance.py`) to see the
figures and every query that missed its top 3.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from kbtool.kb import load_knowledge_base
from kbtool.search import build_index, open_index, run_query

REPO = Path(__file__).resolve().parent.parent
QUERIES = Path(__file__).resolve().parent / "search_queries.yaml"
MIN_QUERIES = 50
RECALL_AT_3_TARGET = 0.9
DEPTH = 10  # MRR looks this far down


@dataclass
class Evaluation:
    recall_at_3: float
    mrr: float
    total: int
    misses: list[tuple[str, int | None, list[str]]]


def load_queries() -> list[dict]:
    return yaml.safe_load(QUERIES.read_text(encoding="utf-8"))


def matches(hit, expected: dict) -> bool:
    return hit.id == expected["id"] and ("item" not in expected or hit.item == expected["item"])


def evaluate(root: Path) -> Evaluation:
    build_index(load_knowledge_base(root))
    queries = load_queries()
    found_in_3 = 0
    reciprocal = 0.0
    misses = []
    with open_index(root) as index:
        for case in queries:
            hits = run_query(index, case["query"], limit=DEPTH).hits
            rank = next((i for i, hit in enumerate(hits, 1) if any(matches(hit, e) for e in case["expect"])), None)
            if rank is not None:
                reciprocal += 1 / rank
            if rank is not None and rank <= 3:
                found_in_3 += 1
            else:
                misses.append((case["query"], rank, [f"{h.id}/{h.item}" for h in hits[:3]]))
    return Evaluation(found_in_3 / len(queries), reciprocal / len(queries), len(queries), misses)


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory) -> Evaluation:
    root = tmp_path_factory.mktemp("bundled")
    for folder in ("standards", "scripts_library"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copy(REPO / "kb.yaml", root / "kb.yaml")
    return evaluate(root)


def test_query_set_is_big_enough_and_points_at_real_entries():
    kb = load_knowledge_base(REPO)
    queries = load_queries()
    assert len(queries) >= MIN_QUERIES
    for case in queries:
        assert case["expect"], case["query"]
        for expected in case["expect"]:
            entry = kb.by_id.get(expected["id"])
            assert entry is not None and entry.published, (case["query"], expected)
            if "item" in expected:
                assert expected["item"] in {item.id for item in entry.items()}, (case["query"], expected)


def test_recall_at_3(evaluation: Evaluation):
    print(f"\nrecall@3 = {evaluation.recall_at_3:.3f}, MRR = {evaluation.mrr:.3f} over {evaluation.total} queries")
    for query, rank, top in evaluation.misses:
        print(f"  missed top 3: {query!r} (rank {rank}) -> {top}")
    assert evaluation.recall_at_3 >= RECALL_AT_3_TARGET


if __name__ == "__main__":  # pragma: no cover - a quick report while tuning
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for folder in ("standards", "scripts_library"):
            shutil.copytree(REPO / folder, root / folder)
        shutil.copy(REPO / "kb.yaml", root / "kb.yaml")
        result = evaluate(root)
    print(f"recall@3 = {result.recall_at_3:.3f}, MRR = {result.mrr:.3f} over {result.total} queries")
    for query, rank, top in result.misses:
        print(f"  missed top 3: {query!r} (rank {rank}) -> {top}")
