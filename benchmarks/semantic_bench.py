"""The [semantic] extra's costs: cold start, in-process query latency and vector building.

    python benchmarks/semantic_bench.py [--phrases 10000] [--runs 11] [--queries 300]

Cold figures are CPU time (user + system, from os.wait4) of fresh `python -c` processes, medians
over --runs: `pass`; a kbtool-search-like process (open the index, run_query) without and with
semantic.fuse; the model loaded through our direct read and through `import wordllama` + load().
In-process figures are CPU time per query (time.process_time, so a busy shared machine inflates
them less than wall time) of run_query without fusion, run_query as `kbtool search` runs it (it
fuses when the index has vectors) and fuse alone, on a warm index (as in `kbtool find`).
Prints a Markdown table for docs/benchmarks.md. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.child_env import ENV  # noqa: E402
from benchmarks.gen_search_kb import generate, vocabulary  # noqa: E402

REPO = Path(__file__).resolve().parent.parent

# run_query fuses by itself when the index has vectors; the lexical baseline switches that off
# (and so never imports numpy), as a build without the extra would search.
LEXICAL = """
from kbtool.search import semantic
semantic.fuse = lambda query, hits, folder, limit, filt=None: hits[:limit]
semantic.lexical_depth = lambda folder, limit: limit
from kbtool.search.api import open_index, run_query
with open_index(ROOT) as index:
    hits = run_query(index, QUERY).hits
"""
WIRED = """
from kbtool.search.api import open_index, run_query
with open_index(ROOT) as index:
    hits = run_query(index, QUERY).hits
"""
MODEL_DIRECT = """
from kbtool.search import semantic
semantic.load_model().embed([QUERY])
"""
MODEL_LIBRARY = """
import importlib.util
from pathlib import Path
from wordllama import WordLlama
folder = Path(importlib.util.find_spec("wordllama").submodule_search_locations[0])
WordLlama.load(cache_dir=folder, disable_download=True).embed([QUERY], norm=True)
"""


def cpu_seconds(code: str) -> float:
    """CPU time (user + system) of one fresh interpreter running `code`."""
    pid = os.spawnve(os.P_NOWAIT, sys.executable, [sys.executable, "-c", code], ENV)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark process failed: {code}")
    return usage.ru_utime + usage.ru_stime


def median_cpu(code: str, runs: int) -> float:
    cpu_seconds(code)  # the first run warms the page cache
    return statistics.median(cpu_seconds(code) for _ in range(runs))


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def build(root: Path) -> tuple[float, float, int]:
    """Index and vectors for `root`: seconds for each, and the vectors file's size."""
    from kbtool.assemble import load_knowledge_base
    from kbtool.publish.documents import documents
    from kbtool.publish.urls import site_address
    from kbtool.search import semantic
    from kbtool.search.api import build_index

    kb = load_knowledge_base(root)
    start = time.perf_counter()
    folder = build_index(kb)
    lexical = time.perf_counter() - start
    docs = documents(kb, site_address(root, kb.config.site_url))
    start = time.perf_counter()
    path = semantic.build_vectors(folder, docs, kb.config)
    vectors = time.perf_counter() - start
    if path is None:
        raise SystemExit("install the extra first: pip install -e '.[semantic]'")
    return lexical, vectors, path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--phrases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    from kbtool.search import semantic
    from kbtool.search.api import open_index, run_query

    rows: list[tuple[str, str]] = []
    query = "give me my cash back"
    with tempfile.TemporaryDirectory() as tmp:
        bundled = Path(tmp) / "bundled"
        for folder in ("standards", "scripts_library"):
            shutil.copytree(REPO / folder, bundled / folder)
        shutil.copy(REPO / "kb.yaml", bundled / "kb.yaml")
        big = generate(Path(tmp) / "big", args.phrases)
        build(bundled)
        lexical_build, vector_build, size = build(big)
        rows.append((f"index build, {args.phrases:,} phrases: Whoosh / vectors",
                     f"{lexical_build:.2f} s / {vector_build:.2f} s ({size / 1e6:.1f} MB vectors file)"))

        python = median_cpu("pass", args.runs)
        rows.append(("`python -c pass`, CPU (median)", f"{python * 1000:.0f} ms"))
        for label, root in (("bundled KB", bundled), (f"{args.phrases:,} phrases", big)):
            setup = f"ROOT = {str(root)!r}\nQUERY = {query!r}\n"
            lexical = median_cpu(setup + LEXICAL, args.runs)
            wired = median_cpu(setup + WIRED, args.runs)
            rows.append((f"cold search process, {label}: lexical / with fuse, CPU (median)",
                         f"{lexical * 1000:.0f} ms = {lexical / python:.1f}x / {wired * 1000:.0f} ms = "
                         f"{wired / python:.1f}x python (+{(wired - lexical) * 1000:.0f} ms)"))
        setup = f"QUERY = {query!r}\n"
        direct = median_cpu(setup + MODEL_DIRECT, args.runs)
        library = median_cpu(setup + MODEL_LIBRARY, args.runs)
        rows.append(("model load + one query embedding, CPU (median): wheel files read directly / "
                     "`import wordllama` + load()",
                     f"{(direct - python) * 1000:.0f} ms / {(library - python) * 1000:.0f} ms over python"))

        rng = random.Random(7)
        words = sorted({w for w in vocabulary() if len(w) >= 4})
        queries = [" ".join(rng.sample(words, rng.randint(1, 4))) for _ in range(args.queries)]
        from unittest import mock

        real_fuse = semantic.fuse
        with open_index(big) as index:
            for q in queries[:20]:  # warm caches, as in a running TUI
                run_query(index, q)
            plain, fused, fuse_only = [], [], []
            for q in queries:
                with mock.patch.object(semantic, "fuse", lambda q, hits, folder, n, filt=None: hits[:n]):
                    start = time.process_time()
                    hits = run_query(index, q, limit=10).hits  # lexical top 10 (DEPTH), as fusion takes it
                    middle = time.process_time()
                real_fuse(q, hits, index.folder, 10)
                end = time.process_time()
                run_query(index, q, limit=10)
                done = time.process_time()
                plain.append((middle - start) * 1000)
                fuse_only.append((end - middle) * 1000)
                fused.append((done - end) * 1000)
        for label, samples in (("run_query without fusion", plain), ("run_query (fuses)", fused),
                               ("fuse alone", fuse_only)):
            rows.append((f"in-process CPU per query, {args.phrases:,} phrases, {label}: p50 / p95",
                         f"{percentile(samples, 0.5):.1f} / {percentile(samples, 0.95):.1f} ms"))

    print("| Measure | Result |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
