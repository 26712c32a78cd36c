"""Validation speed: kbtool's full validation of N entries next to merely parsing the same files
with libyaml, in one run on one core.

    python benchmarks/validate_bench.py --entries 10000 --repeat 3
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_kb import generate  # noqa: E402

from kbtool.assemble import load_knowledge_base  # noqa: E402
from kbtool.checks import validate  # noqa: E402
from kbtool.reading.layout import content_files


def parse_only(root: Path) -> list[object]:
    """The floor: read every file and build Python objects with libyaml's safe loader."""
    documents = []
    for path in content_files(root):
        loader = yaml.CSafeLoader(path.read_bytes())
        try:
            documents.append(loader.get_single_data())
        finally:
            loader.dispose()
    return documents


def full_validation(root: Path) -> object:
    kb = load_knowledge_base(root)
    problems = validate(kb)
    assert not problems, problems[:3]
    return kb


def timed(func, root: Path, repeat: int) -> list[float]:
    """Both sides keep their result until the clock stops, so neither pays for freeing it."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = func(root)
        times.append(time.perf_counter() - start)
        del result
        gc.collect()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp), args.entries)
        parse_only(root)  # warm the page cache so both sides read from memory
        parse = timed(parse_only, root, args.repeat)
        full = timed(full_validation, root, args.repeat)
    p, f = statistics.median(parse), statistics.median(full)
    print(f"entries: {args.entries}")
    print(f"libyaml parse only (CSafeLoader): median {p:.2f} s  runs {', '.join(f'{t:.2f}' for t in parse)}")
    print(f"kbtool validate (load + checks):  median {f:.2f} s  runs {', '.join(f'{t:.2f}' for t in full)}")
    print(f"ratio: {f / p:.2f}x")


if __name__ == "__main__":
    main()
