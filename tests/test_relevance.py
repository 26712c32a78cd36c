"""Relevance on the bundled knowledge base: recall@3 over the query sets, with MRR reported.

Sets: tests/search_queries.yaml (mid-call queries, part held out), tests/paraphrase_queries.yaml
and tests/lexicon_holdout.yaml (what the customer said, in their words, written before looking at
any ranking). Run `pytest tests/test_relevance.py -s` (or `python tests/test_relevance.py`) to see
the figures and every query that missed its top 3.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from kbtool.assemble import load_knowledge_base
from kbtool.search.api import build_index, open_index, run_query

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
QUERY_SETS = {"mid-call": TESTS / "search_queries.yaml", "paraphrase": TESTS / "paraphrase_queries.yaml",
              "lexicon held out": TESTS / "lexicon_holdout.yaml", "blind": TESTS / "blind_queries.yaml"}
MIN_QUERIES = {"mid-call": 50, "paraphrase": 30, "lexicon held out": 10, "blind": 40}
# The floor each set must reach with the default install (lexicon on). The blind set (customer
# wordings by a writer who never saw the lexicon or a ranking) measured 0.325 when it was added:
# a floor against getting worse, and the honest figure for wordings nobody tuned search for.
TARGETS = {"mid-call": 0.9, "paraphrase": 0.6, "lexicon held out": 0.45, "blind": 0.3}
DEPTH = 10  # MRR looks this far down


@dataclass
class Evaluation:
    recall_at_3: float
    mrr: float
    total: int
    misses: list[tuple[str, int | None, list[str]]]
    # The same figures for the original (tuned-on) queries and the held-out ones, by name.
    subsets: dict[str, tuple[float, float, int]]

    def report(self, name: str = "") -> str:
        lines = [f"{name}: recall@3 = {self.recall_at_3:.3f}, MRR = {self.mrr:.3f} over {self.total} queries"]
        for subset, (recall, mrr, n) in self.subsets.items():
            if n:
                lines.append(f"  {subset}: recall@3 = {recall:.3f}, MRR = {mrr:.3f} over {n} queries")
        for query, rank, top in self.misses:
            lines.append(f"  missed top 3: {query!r} (rank {rank}) -> {top}")
        return "\n".join(lines)


def load_queries(name: str = "mid-call") -> list[dict]:
    return yaml.safe_load(QUERY_SETS[name].read_text(encoding="utf-8"))


def matches(hit, expected: dict) -> bool:
    return hit.id == expected["id"] and ("item" not in expected or hit.item == expected["item"])


def copy_bundled(root: Path, lexicon: bool = True) -> Path:
    for folder in ("standards", "scripts_library"):
        shutil.copytree(REPO / folder, root / folder)
    text = (REPO / "kb.yaml").read_text(encoding="utf-8")
    if not lexicon:
        assert "\nsearch:\n" in text
        text = text.replace("\nsearch:\n", "\nsearch:\n  lexicon: false\n")
    (root / "kb.yaml").write_text(text, encoding="utf-8")
    return root


def evaluate_index(root: Path, queries: list[dict]) -> Evaluation:
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


def evaluate(root: Path, name: str = "mid-call") -> Evaluation:
    build_index(load_knowledge_base(root))
    return evaluate_index(root, load_queries(name))


@pytest.fixture(scope="module")
def bundled_index(tmp_path_factory) -> Path:
    root = copy_bundled(tmp_path_factory.mktemp("bundled"))
    build_index(load_knowledge_base(root))
    return root


@pytest.fixture(scope="module")
def no_lexicon_index(tmp_path_factory) -> Path:
    root = copy_bundled(tmp_path_factory.mktemp("no-lexicon"), lexicon=False)
    build_index(load_knowledge_base(root))
    return root


@pytest.mark.parametrize("name", list(QUERY_SETS))
def test_query_sets_are_big_enough_and_point_at_real_entries(name):
    kb = load_knowledge_base(REPO)
    queries = load_queries(name)
    assert len(queries) >= MIN_QUERIES[name]
    for case in queries:
        assert case["expect"], case["query"]
        for expected in case["expect"]:
            entry = kb.by_id.get(expected["id"])
            assert entry is not None and entry.published, (case["query"], expected)
            if "item" in expected:
                assert expected["item"] in {item.id for item in entry.items()}, (case["query"], expected)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(QUERY_SETS))
def test_recall_at_3(bundled_index: Path, name: str):
    evaluation = evaluate_index(bundled_index, load_queries(name))
    print("\n" + evaluation.report(name))
    assert evaluation.recall_at_3 >= TARGETS[name]


@pytest.mark.slow
def test_the_lexicon_is_what_finds_customer_wordings(bundled_index: Path, no_lexicon_index: Path):
    queries = load_queries("paraphrase") + load_queries("lexicon held out")
    with_lexicon = evaluate_index(bundled_index, queries)
    without = evaluate_index(no_lexicon_index, queries)
    print(f"\ncustomer wordings: recall@3 {without.recall_at_3:.3f} without the lexicon, "
          f"{with_lexicon.recall_at_3:.3f} with it")
    # Since the bundled content carries customer wordings (customer_says), they find part of what
    # only the lexicon found before (its margin was 0.1 and more; 0.74 -> 0.81 with them): it must
    # still add its share.
    assert with_lexicon.recall_at_3 >= without.recall_at_3 + 0.05
    # The plain mid-call set must not get worse for it.
    plain_with = evaluate_index(bundled_index, load_queries("mid-call"))
    plain_without = evaluate_index(no_lexicon_index, load_queries("mid-call"))
    assert plain_with.recall_at_3 >= plain_without.recall_at_3 - 0.01


if __name__ == "__main__":  # pragma: no cover - a quick report while tuning
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = copy_bundled(Path(tmp), lexicon="--no-lexicon" not in sys.argv)
        build_index(load_knowledge_base(root))
        for set_name in QUERY_SETS:
            print(evaluate_index(root, load_queries(set_name)).report(set_name))
