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

from kbtool.search.api import build_index, open_index, run_query
from kbtool.source.kb import load_knowledge_base

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
    # The same figures for the original (tuned-on) queries and the held-out ones, by name.
    subsets: dict[str, tuple[float, float, int]]

    def report(self) -> str:
        lines = [f"recall@3 = {self.recall_at_3:.3f}, MRR = {self.mrr:.3f} over {self.total} queries"]
        for name, (recall, mrr, n) in self.subsets.items():
            lines.append(f"  {name}: recall@3 = {recall:.3f}, MRR = {mrr:.3f} over {n} queries")
        for query, rank, top in self.misses:
            lines.append(f"  missed top 3: {query!r} (rank {rank}) -> {top}")
        return "\n".join(lines)


def load_queries() -> list[dict]:
    return yaml.safe_load(QUERIES.read_text(encoding="utf-8"))


def matches(hit, expected: dict) -> bool:
    return hit.id == expected["id"] and ("item" not in expected or hit.item == expected["item"])


def evaluate(root: Path) -> Evaluation:
    build_index(load_knowledge_base(root))
    queries = load_queries()
    ranks: list[tuple[bool, int | None]] = []
    misses = []
    with open_index(root) as index:
        for case in queries:
            hits = run_query(index, case["query"], limit=DEPTH).hits
            rank = next((i for i, hit in enumerate(hits, 1) if any(matches(hit, e) for e in case["expect"])), None)
            ranks.append((bool(case.get("held_out")), rank))
            if rank is None or rank > 3:
                misses.append((case["query"], rank, [f"{h.id}/{h.item}" for h in hits[:3]]))

    def figures(subset: list[int | None]) -> tuple[float, float, int]:
        n = len(subset) or 1
        return (sum(1 for r in subset if r is not None and r <= 3) / n,
                sum(1 / r for r in subset if r is not None) / n, len(subset))

    recall, mrr, total = figures([r for _, r in ranks])
    subsets = {"original": figures([r for held, r in ranks if not held]),
               "held out": figures([r for held, r in ranks if held])}
    return Evaluation(recall, mrr, total, misses, subsets)


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
    print("\n" + evaluation.report())
    assert evaluation.recall_at_3 >= RECALL_AT_3_TARGET


if __name__ == "__main__":  # pragma: no cover - a quick report while tuning
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for folder in ("standards", "scripts_library"):
            shutil.copytree(REPO / folder, root / folder)
        shutil.copy(REPO / "kb.yaml", root / "kb.yaml")
        result = evaluate(root)
    print(result.report())
