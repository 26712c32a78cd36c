"""Search speed: cold `kbtool search` processes, in-process query latency, index build, grep as the floor.

    python benchmarks/search_bench.py [--phrases 10000] [--runs 15] [--queries 500]

Prints a Markdown table for docs/benchmarks.md. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.gen_search_kb import generate, vocabulary  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
KBTOOL = Path(sys.executable).parent / "kbtool"


def median_run(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]

    return at(0.50), at(0.95), at(0.99)


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word))
    return word[:i] + word[i + 1:] if rng.random() < 0.5 else word[:i] + rng.choice("aeiou") + word[i:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--phrases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()

    from kbtool.assemble import load_knowledge_base
    from kbtool.search.api import build_index, open_index, run_query

    rng = random.Random(7)
    words = sorted({w for w in vocabulary() if len(w) >= 5})
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        bundled = Path(tmp) / "bundled"
        for folder in ("standards", "scripts_library"):
            shutil.copytree(REPO / folder, bundled / folder)
        shutil.copy(REPO / "kb.yaml", bundled / "kb.yaml")
        big = generate(Path(tmp) / "big", args.phrases)

        start = time.perf_counter()
        kb = load_knowledge_base(big)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        build_index(kb)
        built = time.perf_counter() - start
        build_index(load_knowledge_base(bundled))

        python = median_run([sys.executable, "-c", "pass"], args.runs)
        rows.append(("`python -c pass` (median)", f"{python * 1000:.0f} ms"))
        for label, root in (("bundled KB", bundled), (f"{args.phrases:,} phrases", big)):
            cold = median_run([str(KBTOOL), "search", "parcel", "late", "--root", str(root), "--no-log"], args.runs)
            grep = median_run(["grep", "-ril", "parcel", str(root / "scripts_library"), str(root / "standards")],
                              args.runs)
            rows.append((f"cold `kbtool search parcel late`, {label} (median)",
                         f"{cold * 1000:.0f} ms = {cold / python:.1f}x python"))
            rows.append((f"`grep -ril parcel` over the same YAML, {label} (median)", f"{grep * 1000:.0f} ms"))
        rows.append((f"load + validate {args.phrases:,} phrases", f"{loaded:.2f} s"))
        rows.append((f"index build, {args.phrases:,} phrases", f"{built:.2f} s"))

        with open_index(big) as index:
            plain = [" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(args.queries)]
            typos = [" ".join(typo(rng, w) for w in rng.sample(words, rng.randint(1, 2))) for _ in range(args.queries)]
            for label, queries in (("plain", plain), ("typos (fuzzy fallback)", typos)):
                for query in queries[:20]:  # warm caches, as in a running TUI
                    run_query(index, query)
                samples, fuzzy = [], 0
                for query in queries:
                    start = time.perf_counter()
                    result = run_query(index, query, limit=10)
                    samples.append((time.perf_counter() - start) * 1000)
                    fuzzy += result.fuzzy
                p50, p95, p99 = percentiles(samples)
                rows.append((f"in-process query, {args.phrases:,} phrases, {label}: p50 / p95 / p99",
                             f"{p50:.1f} / {p95:.1f} / {p99:.1f} ms ({fuzzy}/{len(queries)} used fuzzy)"))

    print("| Measure | Result |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
