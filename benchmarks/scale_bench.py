"""How kbtool scales: 100 / 1,000 / 10,000 entries side by side with the floors, in one run.

For each size: `kbtool build` (site only, and the search index apart), Material building the
same number of plain pages, libyaml (CSafeLoader) parsing the same files, cold `kbtool search`,
in-process search p50/p95 (plain and misspelt queries) and `kbtool find`'s query per keystroke;
`python -c pass` as the floor of every process. Child processes are measured by CPU time
(user + sys, from os.wait4) and peak RSS (ru_maxrss), so other work on a shared machine moves
the figures less than wall time would. Prints Markdown for docs/benchmarks.md, and the growth
exponent from 1,000 to 10,000 entries (1.0 = linear).

    python benchmarks/scale_bench.py --entries 100 1000 10000 --runs 3 --big-runs 1
    python benchmarks/scale_bench.py --entries 1000 10000 --only search   # search rows only
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))
from child_env import ENV  # noqa: E402
from generate_kb import VOCABULARIES, WORDS, generate  # noqa: E402
from search_bench import percentiles, typo  # noqa: E402

KBTOOL = str(Path(sys.executable).parent / "kbtool")
ENTRY_FOLDERS = ("standards", "scripts", "letters", "phrases")  # where each entry's own page is
PARSE = """
import sys, yaml
from pathlib import Path
root = Path(sys.argv[1])
files = sorted(root.glob("standards/**/*.yaml")) + sorted(root.glob("scripts_library/**/*.yaml"))
kept = [yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader) for p in files]
"""


@dataclass
class Child:
    """One child process: CPU seconds (user + sys), peak RSS in MB, wall seconds."""

    cpu: float
    rss_mb: float
    wall: float


def run_child(cmd: list[str], cwd: Path | None = None) -> Child:
    """Run `cmd` to the end and read its own resource use from wait4 (not its parent's)."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=null, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read() if proc.stderr else b""
        if proc.stderr:
            proc.stderr.close()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err.decode(errors='replace')[-2000:]}")
    # ru_maxrss is in kilobytes on Linux.
    return Child(usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, time.perf_counter() - start)


def median_child(cmd: list[str], runs: int, cwd: Path | None = None, before=None) -> tuple[Child, list[float]]:
    results = []
    for _ in range(runs):
        if before:
            before()
        results.append(run_child(cmd, cwd))
    cpu = [r.cpu for r in results]
    return Child(statistics.median(cpu), max(r.rss_mb for r in results), statistics.median(r.wall for r in results)), cpu


def plain_pages(work: Path, pages: int) -> Path:
    """N trivial Markdown pages in four folders, built with kbtool's default configuration minus kbtool."""
    import yaml

    rng = random.Random(1)
    docs = work / "docs"
    for i in range(pages):
        folder = docs / ("standards", "scripts", "letters", "phrases")[i % 4]
        folder.mkdir(parents=True, exist_ok=True)
        body = " ".join(rng.choice(WORDS) for _ in range(60))
        (folder / f"page-{i:05d}.md").write_text(f"# Page {i}\n\n{body}\n", encoding="utf-8")
    config = yaml.safe_load((REPO / "kbtool/data/mkdocs.default.yml").read_text(encoding="utf-8"))
    config["plugins"] = [p for p in config["plugins"] if p != "kbtool"]
    (work / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return work


def page_sizes(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_size for p in site.rglob("*.html")}


def in_process_search(root: Path, queries: int) -> dict[str, str]:
    """p50/p95 of run_query (plain, misspelt) and of find's query for each prefix as it is typed."""
    import generate_kb

    from kbtool.cli.commands.find import find_results
    from kbtool.search.api import open_index, run_query, search_rows

    rng = random.Random(7)
    # Query words from the vocabulary the knowledge base was generated from (each distinct word once).
    words = sorted({w for w in generate_kb._words if len(w) >= 5})
    plain = [" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(queries)]
    typos = [" ".join(typo(rng, w) for w in rng.sample(words, rng.randint(1, 2))) for _ in range(queries)]
    typed = [" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(max(5, queries // 20))]
    out: dict[str, str] = {}
    with open_index(root) as index:
        for label, batch in (("plain", plain), ("typo", typos)):
            for query in batch[:10]:  # warm, as in a running find or server
                run_query(index, query)
            samples, fuzzy = [], 0
            for query in batch:
                start = time.process_time()
                result = run_query(index, query, limit=10)
                samples.append((time.process_time() - start) * 1000)
                fuzzy += result.fuzzy
            p50, p95, _ = percentiles(samples)
            out[label] = f"{p50:.1f} / {p95:.1f} ms"
            # What `kbtool search` runs: the ranking above plus closeness and one row per entry,
            # interleaved with it so both see the same moment of a shared machine.
            ranked, rows = [], []
            for query in batch:
                start = time.process_time()
                run_query(index, query, limit=10)
                ranked.append((time.process_time() - start) * 1000)
                start = time.process_time()
                search_rows(index, query, limit=5)
                rows.append((time.process_time() - start) * 1000)
            p50, p95, _ = percentiles(ranked)
            r50, r95, _ = percentiles(rows)
            out[label + "-rows"] = f"{r50:.1f} / {r95:.1f} ms (ranking alone beside it: {p50:.1f} / {p95:.1f} ms)"
        keys = []
        for query in typed:
            for end in range(1, len(query) + 1):
                start = time.process_time()
                find_results(index, query[:end])
                keys.append((time.process_time() - start) * 1000)
        p50, p95, _ = percentiles(keys)
        out["find"] = f"{p50:.1f} / {p95:.1f} ms ({len(keys)} keys)"
    return out


@dataclass
class Size:
    entries: int
    rows: dict[str, str] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)


def measure(entries: int, runs: int, queries: int, only: str, work: Path, python: float,
            vocabulary: str = "small", semantic: bool = True) -> Size:
    size = Size(entries)
    root = generate(work / f"kb{entries}", entries, vocabulary=vocabulary)
    if not semantic:
        # As a plain `pip install kbtool` behaves, wherever the [semantic] extra happens to be installed.
        with (root / "kb.yaml").open("a", encoding="utf-8") as config:
            config.write("search:\n  semantic: false\n")
    files = sum(1 for _ in root.rglob("*.yaml"))
    if only in ("all", "build"):
        site = root / "site"
        build, cpus = median_child([KBTOOL, "build", "--root", str(root), "--no-search-index"], runs, root)
        size.cpu["build"] = build.cpu
        size.rows["`kbtool build` (site), CPU"] = (f"{build.cpu:.1f} s (runs {', '.join(f'{c:.1f}' for c in cpus)}; "
                                                  f"wall {build.wall:.0f} s)")
        size.rows["`kbtool build`, peak RSS"] = f"{build.rss_mb:.0f} MB"
        size.pages = page_sizes(site)
        # The whole command as a user runs it: the site, then the terminal search index.
        full = run_child([KBTOOL, "build", "--root", str(root)], root)
        size.rows["`kbtool build` with the search index, CPU / peak RSS"] = f"{full.cpu:.1f} s / {full.rss_mb:.0f} MB"
        size.rows["site pages / size"] = (f"{len(size.pages)} pages, "
                                          f"{sum(size.pages.values()) / 1e6:.1f} MB")
        plain = plain_pages(work / f"plain{entries}", len(size.pages) - 1)
        material, cpus = median_child([sys.executable, "-m", "mkdocs", "build", "-q"], runs, plain)
        size.cpu["material"] = material.cpu
        size.rows["Material, same number of plain pages, CPU"] = (f"{material.cpu:.1f} s (peak {material.rss_mb:.0f} MB;"
                                                                  f" kbtool/Material {build.cpu / material.cpu:.2f})")
        parse, _ = median_child([sys.executable, "-c", PARSE, str(root)], runs)
        size.cpu["parse"] = parse.cpu
        size.rows["CSafeLoader parse of the same files (process), CPU"] = f"{parse.cpu:.2f} s ({files} files)"
    if only in ("all", "search"):
        index = run_child([KBTOOL, "index", "--root", str(root)])
        size.cpu["index"] = index.cpu
        size.rows["`kbtool index` (Whoosh build), CPU"] = f"{index.cpu:.1f} s (peak {index.rss_mb:.0f} MB)"
        command = [KBTOOL, "search", "parcel", "late", "--root", str(root), "--no-log"]
        run_child(command)  # writes the bytecode cache, as any first run on a desk does
        cold, cpus = median_child(command, max(runs, 5))
        size.cpu["cold"] = cold.cpu
        size.rows["cold `kbtool search parcel late`, CPU"] = f"{cold.cpu * 1000:.0f} ms = {cold.cpu / python:.1f}x python"
        from kbtool.search import api, store

        with api.open_index(root) as opened:
            manifest = store.read_manifest(opened.folder)
        assert manifest is not None
        start = time.process_time()
        for _ in range(5):
            store.quick_check(root, manifest)
        quick = (time.process_time() - start) / 5
        start = time.process_time()
        store.fingerprint(root)
        walk = time.process_time() - start
        size.rows["freshness: cheap check / full walk, CPU"] = f"{quick * 1000:.0f} ms / {walk * 1000:.0f} ms"
        found = in_process_search(root, queries)
        size.rows["in-process search p50 / p95, plain (CPU)"] = found["plain"]
        size.rows["in-process search p50 / p95, misspelt (CPU)"] = found["typo"]
        size.rows["kbtool search's rows (closeness, one per entry) p50 / p95, plain (CPU)"] = found["plain-rows"]
        size.rows["kbtool search's rows p50 / p95, misspelt (CPU)"] = found["typo-rows"]
        size.rows["find, query per keystroke p50 / p95 (CPU)"] = found["find"]
    return size


def exponent(small: float, big: float, n_small: int, n_big: int) -> float:
    return math.log(big / small) / math.log(n_big / n_small)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, nargs="*", default=[100, 1000, 10000])
    parser.add_argument("--runs", type=int, default=3, help="runs per measure below 10,000 entries")
    parser.add_argument("--big-runs", type=int, default=1, help="runs per measure at 10,000 entries and more")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--only", choices=("all", "build", "search"), default="all")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--no-semantic", action="store_true",
                        help="switch the [semantic] extra off in the generated kb.yaml (a plain install)")
    parser.add_argument("--vocabulary", choices=VOCABULARIES, default="small",
                        help="small: 35 words, search's worst case; bundled: real term statistics")
    args = parser.parse_args()

    python, _ = median_child([sys.executable, "-c", "pass"], 11)
    sizes: list[Size] = []
    with tempfile.TemporaryDirectory() as tmp:
        for entries in args.entries:
            runs = args.big_runs if entries >= 10_000 else args.runs
            sizes.append(measure(entries, runs, args.queries, args.only, Path(tmp), python.cpu, args.vocabulary,
                                 not args.no_semantic))
            print(f"... {entries} entries measured", file=sys.stderr, flush=True)

    labels = list(dict.fromkeys(label for s in sizes for label in s.rows))
    print(f"`python -c pass`: {python.cpu * 1000:.0f} ms CPU (median of 11)\n")
    print("| Measure | " + " | ".join(f"{s.entries:,} entries" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for label in labels:
        print(f"| {label} | " + " | ".join(s.rows.get(label, "") for s in sizes) + " |")
    by_n = {s.entries: s for s in sizes}
    if 1000 in by_n and 10000 in by_n:
        small, big = by_n[1000], by_n[10000]
        print("\nGrowth exponent from 1,000 to 10,000 entries (CPU time; 1.0 = linear):\n")
        for key in ("build", "material", "parse", "index", "cold"):
            if key in small.cpu and key in big.cpu:
                print(f"- {key}: {exponent(small.cpu[key], big.cpu[key], 1000, 10000):.2f} "
                      f"({big.cpu[key] / small.cpu[key]:.1f}x)")
        common = sorted(set(small.pages) & set(big.pages))
        if common:
            ratios = sorted(((big.pages[p] / small.pages[p], p) for p in common), reverse=True)
            # Listing pages (browse/, mentors/, each kind's index, practice by channel, the start
            # page) grow with what they list, by design; an entry's own page must not.
            entry = [r for r, p in ratios if p.split("/")[0] in ENTRY_FOLDERS and not p.endswith("/index.html")]
            print(f"\nPage size at 10,000 vs 1,000 entries ({len(common)} pages in both): "
                  f"median {statistics.median(r for r, _ in ratios):.2f}x, entry pages at most "
                  f"{max(entry, default=0):.2f}x; the largest ratios:\n")
            for ratio, page in ratios[:8]:
                print(f"- {page}: {small.pages[page] / 1024:.0f} KB -> {big.pages[page] / 1024:.0f} KB ({ratio:.2f}x)")
    if args.json:
        args.json.write_text(json.dumps([{"entries": s.entries, "rows": s.rows, "cpu": s.cpu} for s in sizes], indent=1),
                             encoding="utf-8")


if __name__ == "__main__":
    main()
