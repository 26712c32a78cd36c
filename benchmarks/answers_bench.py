"""Trustworthy answers: how often search's first line is right, wrong, or honestly "no close match".

For each query set: on-topic queries are answered right when the first row is a close match and an
expected entry is in the top 3 rows, wrong when the first row is close but no expected entry is in
the top 3, and unanswered when nothing is close. Off-topic queries are right only when nothing is
close. `--any-hit` treats every first row as an answer, as search did before it judged closeness.

    python benchmarks/answers_bench.py                 # the bundled knowledge base
    python benchmarks/answers_bench.py --root DIR      # another one (its own sets with --sets)
    python benchmarks/answers_bench.py --verbose       # every miss and every wrong answer
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
# name -> (file, on topic?, tuned on?)
SETS = {
    "mid-call": ("search_queries.yaml", True, True),
    "paraphrase": ("paraphrase_queries.yaml", True, True),
    "off-topic": ("offtopic_queries.yaml", False, True),
    "lexicon held out": ("lexicon_holdout.yaml", True, False),
    "blind": ("blind_queries.yaml", True, False),
    "off-topic held out": ("offtopic_holdout.yaml", False, False),
}


def matches(row, expected: dict) -> bool:
    if row.id != expected["id"]:
        return False
    return "item" not in expected or expected["item"] in {row.item, *(m.item for m in row.more)}


def evaluate(index, queries: list[dict], on_topic: bool, any_hit: bool, prefer: str | None) -> dict:
    from kbtool.search.api import search_rows

    right = wrong = unanswered = found = 0
    notes = []
    for case in queries:
        rows = search_rows(index, case["query"], limit=3, prefer=prefer).hits
        answered = bool(rows) and (any_hit or rows[0].close)
        hit3 = on_topic and any(matches(r, e) for r in rows for e in case["expect"])
        found += hit3
        if not on_topic:
            right += not answered
            wrong += answered
            if answered:
                notes.append(f"  answered off-topic: {case['query']!r} -> {rows[0].id}/{rows[0].item} "
                             f"({rows[0].coverage:.2f})")
            continue
        if not answered:
            unanswered += 1
            notes.append(f"  no close match: {case['query']!r} (top {rows[0].id if rows else None}, "
                         f"{rows[0].coverage if rows else 0:.2f}, in top 3: {hit3})")
        elif hit3:
            right += 1
        else:
            wrong += 1
            notes.append(f"  wrong: {case['query']!r} -> {[f'{r.id}/{r.item}' for r in rows]}")
    n = len(queries)
    return {"n": n, "right": right, "wrong": wrong, "unanswered": unanswered,
            "recall3": found / n if on_topic and n else None, "notes": notes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=REPO, help="knowledge base (default: the bundled one)")
    parser.add_argument("--any-hit", action="store_true", help="every first row counts as an answer")
    parser.add_argument("--prefer", help="a preferred channel, as `kbtool search --prefer`")
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("--tuning", action="store_true", help="only the sets tuned on (never look at the others to tune)")
    args = parser.parse_args(argv)
    from kbtool.pipeline import check
    from kbtool.search.api import build_index, open_index

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "kb"
        shutil.copytree(args.root, root, ignore=shutil.ignore_patterns(".git", ".venv", "site", ".kbtool", "tests"))
        build_index(check(root).kb)
        index = open_index(root)
        assert index is not None
        totals = {"n": 0, "wrong": 0, "right": 0}
        print(f"{'set':<20} {'tuned':>5} {'queries':>7} {'recall@3':>8} {'right':>6} {'wrong':>6} {'no close':>8}")
        for name, (file, on_topic, tuned) in SETS.items():
            path = TESTS / file
            if not path.exists() or (args.tuning and not tuned):
                continue
            result = evaluate(index, yaml.safe_load(path.read_text(encoding="utf-8")), on_topic,
                              args.any_hit, args.prefer)
            recall = f"{result['recall3']:.3f}" if result["recall3"] is not None else "-"
            n = result["n"]
            no_close = result["unanswered"] if on_topic else result["right"]
            print(f"{name:<20} {'yes' if tuned else 'no':>5} {n:>7} {recall:>8} {result['right'] / n:>6.3f} "
                  f"{result['wrong'] / n:>6.3f} {no_close / n:>8.3f}")
            for key in totals:
                totals[key] += result[key]
            if args.verbose:
                print("\n".join(result["notes"]))
        index.close()
    print(f"{'all sets':<20} {'':>5} {totals['n']:>7} {'':>8} {totals['right'] / totals['n']:>6.3f} "
          f"{totals['wrong'] / totals['n']:>6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
