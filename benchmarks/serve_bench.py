"""`kbtool serve`: CPU time of the first build and of the rebuild after one edit, at several sizes.

    python benchmarks/serve_bench.py --sizes 100 1000 --edits 5

Each size runs in a child process (CPU time is the child's user+sys from os.wait4, so other work on
a shared machine does not count). The edit changes one script step's wording, the commonest edit a
mentor makes; the floor beside it is the same rebuild with MkDocs' full (non-dirty) build, i.e. what
`mkdocs serve` did before.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def child(root: Path, edits: int, out: Path) -> None:
    import resource
    import time

    from kbtool.mkdocs.config import mkdocs_config_file
    from kbtool.mkdocs.serve import Preview

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    result: dict[str, object] = {}
    with mkdocs_config_file(root, "Bench") as config_file, tempfile.TemporaryDirectory() as site:
        preview = Preview(root, config_file, Path(site), lambda message: None)
        start = cpu()
        preview.rebuild()
        result["first_build_cpu"] = cpu() - start
        result["pages"] = preview.last_pages_rendered
        scripts = sorted((root / "scripts_library" / "scripts").glob("*.yaml"))
        edit_times, full_times, rendered = [], [], []
        for i in range(edits):
            path = scripts[i % len(scripts)]
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("say: ", f"say: Edit {i}. ", 1), encoding="utf-8")
            time.sleep(0.01)
            start = cpu()
            preview.rebuild()
            edit_times.append(cpu() - start)
            rendered.append(preview.last_pages_rendered)
            # The floor: the same edit rebuilt in full, as a non-incremental serve does.
            path.write_text(text, encoding="utf-8")
            preview.builds = 0
            start = cpu()
            preview.rebuild()
            full_times.append(cpu() - start)
        result["edit_cpu_median"] = statistics.median(edit_times)
        result["full_rebuild_cpu_median"] = statistics.median(full_times)
        result["pages_rendered_per_edit"] = statistics.median(rendered)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.write_text(json.dumps(result), encoding="utf-8")


def run_size(entries: int, edits: int) -> dict[str, object]:
    from generate_kb import generate

    with tempfile.TemporaryDirectory() as work:
        root = generate(Path(work) / "kb", entries)
        out = Path(work) / "result.json"
        pid = os.fork()
        if pid == 0:
            try:
                child(root, edits, out)
            finally:
                os._exit(0)
        os.wait4(pid, 0)
        return {"entries": entries, **json.loads(out.read_text(encoding="utf-8"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    print("| entries | pages | first build CPU s | edit CPU s (median) | full rebuild CPU s (median) "
          "| pages re-rendered per edit | peak RSS MB |")
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes:
        r = run_size(size, args.edits)
        print(f"| {r['entries']} | {r['pages']} | {r['first_build_cpu']:.2f} | {r['edit_cpu_median']:.2f} "
              f"| {r['full_rebuild_cpu_median']:.2f} | {r['pages_rendered_per_edit']} | {r['peak_rss_mb']:.0f} |",
              flush=True)


if __name__ == "__main__":
    main()
