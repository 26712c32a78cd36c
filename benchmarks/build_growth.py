"""How the site build grows with the knowledge base: 1,000 and 10,000 entries built in turn.

The two sizes run alternately (small, big, small, big ...) after one warm-up build of each, and
the ratio of CPU time (user + sys of the child, os.wait4) is taken pair by pair, so a machine
whose speed drifts during the run moves both sides of each ratio alike. Prints each pair and the
medians; the goal is a 10,000-entry build in at most 11 times the 1,000-entry build's CPU.

    python benchmarks/build_growth.py --pairs 3
    python benchmarks/build_growth.py --small 1000 --big 10000 --pairs 3 --search-index
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate_kb import generate  # noqa: E402
from scale_bench import KBTOOL, run_child  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--big", type=int, default=10000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--search-index", action="store_true", help="build the terminal search index too")
    args = parser.parse_args()
    extra = [] if args.search_index else ["--no-search-index"]
    with tempfile.TemporaryDirectory(prefix="kbtool-growth-") as tmp:
        roots = {size: generate(Path(tmp) / f"kb-{size}", size) for size in (args.small, args.big)}
        commands = {size: [KBTOOL, "build", "--root", str(root), *extra] for size, root in roots.items()}
        for size in (args.small, args.big):
            run_child(commands[size])  # warm-up: bytecode caches, the page cache
        ratios, small_cpu, big_cpu = [], [], []
        for pair in range(1, args.pairs + 1):
            small, big = run_child(commands[args.small]), run_child(commands[args.big])
            small_cpu.append(small.cpu)
            big_cpu.append(big.cpu)
            ratios.append(big.cpu / small.cpu)
            print(f"pair {pair}: {args.small:,} entries {small.cpu:.1f} s CPU ({small.rss_mb:.0f} MB), "
                  f"{args.big:,} entries {big.cpu:.1f} s CPU ({big.rss_mb:.0f} MB): {ratios[-1]:.2f}x", flush=True)
    print(f"median: {args.small:,} entries {statistics.median(small_cpu):.1f} s, {args.big:,} entries "
          f"{statistics.median(big_cpu):.1f} s, ratio {statistics.median(ratios):.2f}x "
          f"(pairs {min(ratios):.2f}-{max(ratios):.2f}x)")


if __name__ == "__main__":
    main()
