"""`kbtool check` speed: a 2,000-word call transcript (and the same words as one paragraph) held
against the bundled knowledge base, in-process, CPU time, medians.

    python benchmarks/check_bench.py --words 2000 --repeat 15
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path

import yaml

from kbtool.pipeline import check
from kbtool.review import Checker, compile_rules

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "check_cases"


def transcript(words: int) -> str:
    """The test set's replies and transcripts, repeated line by line up to `words` words."""
    cases = yaml.safe_load((CASES / "cases.yaml").read_text(encoding="utf-8"))
    lines = [line for case in cases for line in (CASES / case["file"]).read_text(encoding="utf-8").splitlines()]
    out: list[str] = []
    count = 0
    while count < words:
        for line in lines:
            out.append(line)
            count += len(line.split())
            if count >= words:
                break
    return "\n".join(out)


def one_paragraph(text: str) -> str:
    """The worst layout: no speakers, no blank lines, so the whole text is one staff passage."""
    return " ".join(re.sub(r"(?m)^\S*\s*[A-Za-z]+:\s", "", text).split())


def cpu(func, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    start = time.process_time()
    kb = check(REPO).kb
    load = time.process_time() - start
    rules_times = cpu(lambda: compile_rules(kb, lambda entry, item: entry.id), args.repeat)
    rules = compile_rules(kb, lambda entry, item: entry.id)
    checker = Checker(rules)
    text = transcript(args.words)
    flat = one_paragraph(text)
    findings = len(checker.check(text, "t", "phone"))
    rows = [
        ("load and validate the knowledge base (once)", [load]),
        (f"compile the rules ({len(rules['patterns'])} patterns)", rules_times),
        (f"check a {len(text.split())}-word transcript with --channel phone ({findings} findings)",
         cpu(lambda: checker.check(text, "t", "phone"), args.repeat)),
        (f"check the same {len(flat.split())} words as one paragraph",
         cpu(lambda: checker.check(flat, "t", "phone"), args.repeat)),
        ("compile + check the transcript (what one `kbtool check` does after loading)",
         cpu(lambda: Checker(compile_rules(kb, lambda entry, item: entry.id)).check(text, "t", "phone"),
             args.repeat)),
    ]
    for label, times in rows:
        print(f"{label:<86} median {1000 * statistics.median(times):7.1f} ms  (n={len(times)})")


if __name__ == "__main__":
    main()
