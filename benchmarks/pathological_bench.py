"""Time on pathological input: `kbtool check` and `kbtool import csv|zendesk` on about 1 MB of
the repeats that once took time growing with the square of their size, against the bundled
knowledge base. Each command is a child process measured by CPU time (user + sys, from
os.wait4), median of the runs; a run past --timeout is stopped and shown as "> N".

    python benchmarks/pathological_bench.py                      # 1 MB, 3 runs
    python benchmarks/pathological_bench.py --size 80000 --only check --timeout 120
    python benchmarks/pathological_bench.py --only csv --write   # imports that write their files
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from child_env import ENV  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def repeat(token: str, size: int) -> str:
    return token * max(1, size // len(token))


# -- the inputs -----------------------------------------------------------------------------------
# Each makes about `size` bytes. The first of each command is the input its finding named.

def check_inputs(size: int) -> dict[str, str]:
    return {
        "one line of `{%`": repeat("{%", size),
        "a time, then spaces with no speaker (`10:00      1`)": "10:00" + " " * (size - 6) + "1",
        "one line of `{{`": repeat("{{", size),
        "one line of `[A`": repeat("[A", size),
        "one line of `<A`": repeat("<A", size),
        "one line of `Agent: calm down `": repeat("Agent: calm down ", size),
        "a plain reply (floor)": "Agent: Hello, you're through to Sam. Your order left our warehouse today.\n",
    }


def _csv(cells: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["title", "text"])
    writer.writerows([f"Reply {n}", cell] for n, cell in enumerate(cells, 1))
    return out.getvalue()


def distinct(size: int) -> str:
    """Placeholders kbtool has no equivalent for, each a new blank: `{{v0}} {{v1}} ...`."""
    out, n, length = [], 0, 0
    while length < size - 16:
        out.append(f"{{{{v{n}}}}}")
        length += len(out[-1]) + 1
        n += 1
    return " ".join(out)


def csv_inputs(size: int) -> dict[str, str]:
    # A reply over 50,000 characters is skipped, before conversion and after it; each kind of cell
    # is as long as it can be and still be imported (split braces and spaced placeholders grow).
    def cells(cell: str) -> list[str]:
        return [cell] * max(1, size // len(cell))

    return {
        "one cell of `{{`": _csv([repeat("{{", size)]),
        "cells of 24,000 `{{`": _csv(cells(repeat("{{", 24_000))),
        "cells of 32,000 `{%`": _csv(cells(repeat("{%", 32_000))),
        "cells of 49,000 `{% if a %}`": _csv(cells(repeat("{% if a %}", 49_000))),
        "cells of `{{` then 49,000 spaces": _csv(cells("{{" + " " * 48_998)),
        "cells of 40,000 characters of distinct `{{vN}}`": _csv(cells(distinct(40_000))),
        "one plain reply (floor)": _csv(["Hello {{ticket.requester.first_name}}, your order left today."]),
    }


def _macros(macros: list[dict[str, object]]) -> str:
    return json.dumps({"macros": macros}, indent=2)


def _html_macro(html: str, n: int = 1) -> dict[str, object]:
    return {"id": n, "title": f"Macro {n}", "actions": [{"field": "comment_value_html", "value": html}]}


def zendesk_inputs(size: int) -> dict[str, str]:
    link = "<a href=https://example.com/x>x"
    # The ids and titles are written with \\u escapes, as some exporters write every character.
    count = max(1, size // 185)
    escaped = _macros([{"id": f"m{n}", "title": f"Reply {n}", "actions": [
        {"field": "comment_value", "value": f"Text {n}"}]} for n in range(count)])
    escaped = escaped.replace('"id": "m', '"id": "\\u006d').replace('"title": "Reply ', '"title": "\\u0052eply ')
    return {
        "nested links": _macros([_html_macro(link * (size // 36) + "</a>" * (size // 36))]),
        "macros whose ids and titles use `\\u` escapes": escaped,
        "categories whose names make the same id": _macros([
            {"id": n, "title": f"Returns {chr(0x4E00 + n % 20000)}{chr(0x4E00 + n // 20000)}::Reply",
             "actions": [{"field": "comment_value", "value": "Hello"}]} for n in range(size // 185)]),
        "unclosed `<a` tags": _macros([_html_macro(repeat("<a", size - 200))]),
        "unclosed `<!--` comments": _macros([_html_macro(repeat("<!--", size - 200))]),
        "`<p>` and `</a>` without links": _macros([_html_macro(repeat("<p>x</a>", size - 200))]),
        "one plain macro (floor)": _macros([_html_macro("<p>Hello {{ticket.requester.first_name}}</p>")]),
    }


# -- running ---------------------------------------------------------------------------------------

def run_child(cmd: list[str], timeout: float) -> float | None:
    """CPU seconds (user + sys) of `cmd` run to the end, or None when it ran past `timeout`."""
    with tempfile.TemporaryFile() as out:
        # Output goes to a file: a pipe left unread would stop a child that prints a lot of notes.
        proc = subprocess.Popen(cmd, env=ENV, stdout=out, stderr=out, cwd=tempfile.gettempdir())
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode < 0:
            return None
        if proc.returncode not in (0, 1):
            out.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {out.read()[-2000:].decode(errors='replace')}")
    return usage.ru_utime + usage.ru_stime


def fresh_copy(tmp: Path) -> Path:
    """The bundled knowledge base copied to a new folder, for an import to write into."""
    root = Path(tempfile.mkdtemp(dir=tmp))
    for name in ("standards", "scripts_library"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "kb.yaml", root / "kb.yaml")
    return root


def measure(argv: Callable[[Path], list[str]], runs: int, timeout: float, root: Callable[[], Path]) -> str:
    times: list[float] = []
    for _ in range(runs):
        took = run_child([sys.executable, "-m", "kbtool", *argv(root())], timeout)
        if took is None:
            return f"> {timeout:.0f}"
        times.append(took)
    return f"{statistics.median(times):.2f}"


def check_argv(file: Path, write: bool) -> Callable[[Path], list[str]]:
    return lambda root: ["check", str(file), "--root", str(root), "-q"]


def import_argv(source: str) -> Callable[[Path, bool], Callable[[Path], list[str]]]:
    def argv(file: Path, write: bool) -> Callable[[Path], list[str]]:
        return lambda root: ["import", source, str(file), "--root", str(root), "--owner", "Bench",
                             *([] if write else ["--dry-run"])]

    return argv


COMMANDS: dict[str, tuple[Callable[[int], dict[str, str]], Callable[[Path, bool], Callable[[Path], list[str]]], str]] = {
    "check": (check_inputs, check_argv, "txt"),
    "csv": (csv_inputs, import_argv("csv"), "csv"),
    "zendesk": (zendesk_inputs, import_argv("zendesk"), "json"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000, help="bytes of each pathological input")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300, help="seconds of wall time before a run is stopped")
    parser.add_argument("--only", choices=sorted(COMMANDS), action="append")
    parser.add_argument("--write", action="store_true",
                        help="import into a fresh copy of the bundled knowledge base, not --dry-run")
    args = parser.parse_args()
    # Compile kbtool's bytecode once, so no measured run pays for it.
    subprocess.run([sys.executable, "-m", "kbtool", "--help"], env=ENV, capture_output=True, check=True)
    print(f"| command | input | bytes | CPU s (median of {args.runs}) |")
    print("|---|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or list(COMMANDS):
            make, argv, suffix = COMMANDS[name]
            write = args.write and name != "check"
            for n, (label, text) in enumerate(make(args.size).items()):
                path = Path(tmp) / f"{name}-{n}.{suffix}"
                path.write_text(text, encoding="utf-8")
                shown = "check" if name == "check" else f"import {name}" + ("" if write else " --dry-run")
                root = (lambda: fresh_copy(Path(tmp))) if write else (lambda: REPO)
                cpu = measure(argv(path, write), args.runs, args.timeout, root)
                print(f"| `kbtool {shown}` | {label} | {path.stat().st_size:,} | {cpu} |", flush=True)


if __name__ == "__main__":
    main()
