"""`kbtool audit` speed and memory: a month's export of N messages audited against the bundled
knowledge base, side by side with a bare `json.loads` of every line of the same file.

The input is the audit test set (tests/audit_fixtures/month.jsonl: 33 hand-written conversations,
half with planted problems) repeated with fresh conversation ids and dates spread over 60 days
until the file reaches each size (a number of messages, or megabytes with "MB"). Each command
runs in a child process; its CPU time is user + sys from os.wait4 and its peak memory ru_maxrss,
so other work on a shared machine moves the figures little. Medians of --runs. Prints Markdown
for docs/benchmarks.md and the growth exponent between the two sizes (1.0 = linear).

    python benchmarks/audit_bench.py --sizes 10MB 100000 --runs 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from child_env import ENV  # noqa: E402

KBTOOL = str(Path(sys.executable).parent / "kbtool")
SOURCE = REPO / "tests" / "audit_fixtures" / "month.jsonl"
BARE = "import json, sys\nfor line in open(sys.argv[1], 'rb'):\n    json.loads(line)\n"
# CPU per megabyte as the audit reads on: the first quarter of the file against the last. On a
# shared machine this says more about growth than two sizes do, since both halves share one run.
BY_QUARTER = """
import json, sys, time
from pathlib import Path
from kbtool.audit.run import audit
from kbtool.pipeline import check
from kbtool.publish.urls import site_address
root, path = Path(sys.argv[1]), Path(sys.argv[2])
kb = check(root).kb
marks = [(0, time.process_time())]
audit([path], kb, site_address(root).url, progress=lambda done: marks.append((done, time.process_time())))
size = path.stat().st_size
def cpu_per_mb(lo, hi):
    inside = [m for m in marks if lo * size <= m[0] <= hi * size]
    return (inside[-1][1] - inside[0][1]) / ((inside[-1][0] - inside[0][0]) / 1e6)
print(json.dumps([cpu_per_mb(0, 0.25), cpu_per_mb(0.75, 1.0)]))
"""


@dataclass
class Child:
    cpu: float
    rss_mb: float


def make_input(path: Path, size: str) -> tuple[int, int]:
    """Write the export; returns (messages, bytes). `size` is a message count or "<N>MB"."""
    source = [json.loads(line) for line in SOURCE.read_text(encoding="utf-8").splitlines()]
    limit_bytes = int(float(size[:-2]) * 1_000_000) if size.upper().endswith("MB") else None
    limit_messages = None if limit_bytes else int(size)
    messages = written = 0
    with path.open("w", encoding="utf-8") as out:
        repeat = 0
        while True:
            for message in source:
                copy = dict(message, conversation=f"{message['conversation']}-{repeat}")
                at = dt.datetime.fromisoformat(message["at"].replace("Z", "+00:00")) + dt.timedelta(days=repeat % 60)
                copy["at"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
                line = json.dumps(copy, ensure_ascii=False) + "\n"
                out.write(line)
                messages += 1
                written += len(line.encode("utf-8"))
                if (limit_messages and messages >= limit_messages) or (limit_bytes and written >= limit_bytes):
                    return messages, written
            repeat += 1


def run_child(cmd: list[str]) -> Child:
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(cmd, env=ENV, stdout=null, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        err = proc.stderr.read() if proc.stderr else b""
        if proc.stderr:
            proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {code}: {err.decode(errors='replace')[-2000:]}")
    return Child(usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def median(cmd: list[str], runs: int) -> tuple[Child, list[float]]:
    results = [run_child(cmd) for _ in range(runs)]
    cpu = [r.cpu for r in results]
    return Child(statistics.median(cpu), statistics.median(r.rss_mb for r in results)), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["10MB", "100000"],
                        help="message counts, or megabytes as 10MB (default: 10MB 100000)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        run_child([sys.executable, "-c", "pass"])
        run_child([KBTOOL, "audit", str(SOURCE), "--root", str(REPO), "-q"])  # writes the bytecode cache
        floor, _ = median([sys.executable, "-c", "pass"], args.runs)
        for size in args.sizes:
            path = Path(tmp) / f"messages-{size}.jsonl"
            messages, size_bytes = make_input(path, size)
            bare, bare_runs = median([sys.executable, "-c", BARE, str(path)], args.runs)
            for fmt in ("json", "text"):
                audit, runs = median([KBTOOL, "audit", str(path), "--root", str(REPO), "--format", fmt, "-q"],
                                     args.runs)
                rows.append((messages, size_bytes, fmt, audit, runs, bare, bare_runs))
        quarters = []
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, "-c", BY_QUARTER, str(REPO), str(path)], env=ENV, check=True,
                                 capture_output=True, text=True).stdout
            quarters.append(json.loads(out))
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; medians of {args.runs} runs; "
          f"`python -c pass` {floor.cpu * 1000:.0f} ms, {floor.rss_mb:.0f} MB\n")
    print("| Messages | File | Audit, CPU | Audit, peak RSS | per 1,000 messages | bare json.loads, CPU | ratio |")
    print("|---|---|---|---|---|---|---|")
    for messages, size_bytes, fmt, audit, runs, bare, _ in rows:
        print(f"| {messages:,} | {size_bytes / 1_000_000:.1f} MB | {audit.cpu:.1f} s (`--format {fmt}`; runs "
              f"{', '.join(f'{r:.1f}' for r in runs)}) | {audit.rss_mb:.0f} MB | "
              f"{audit.cpu / messages * 1000:.2f} s | {bare.cpu:.2f} s | {audit.cpu / bare.cpu:.0f}x |")
    json_rows = [row for row in rows if row[2] == "json"]
    if len(json_rows) >= 2:
        (m1, *_, a1, _r1, _b1, _br1), (m2, *_, a2, _r2, _b2, _br2) = json_rows[0], json_rows[-1]
        print(f"\ngrowth exponent, {m1:,} -> {m2:,} messages (--format json): "
              f"{math.log(a2.cpu / a1.cpu) / math.log(m2 / m1):.2f}")
    print(f"CPU per MB read, first quarter / last quarter of the {rows[-1][0]:,}-message file: "
          + "; ".join(f"{first:.2f} s / {last:.2f} s" for first, last in quarters))


if __name__ == "__main__":
    main()
