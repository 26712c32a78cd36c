"""Edit to page under `kbtool serve`: the wall time from saving a YAML file to the served page
carrying the change, as a person at the preview sees it (the preview is MkDocs' for either builder).

    python benchmarks/serve_edit_bench.py --edits 5
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from child_env import ENV  # noqa: E402

PAGE = "scripts/angry-caller.html"
FILE = "scripts_library/scripts/angry-caller.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def wait_for(url: str, text: str, limit: float = 120) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if text in fetch(url):
            return time.perf_counter() - started
        time.sleep(0.02)
    raise SystemExit(f"{text!r} did not reach {url} in {limit} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--builder", default="zensical", help="passed to kbtool serve --builder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kbtool-serve-edit-") as work:
        root = Path(work) / "kb"
        root.mkdir()
        for name in ("standards", "scripts_library", "docs_site"):
            shutil.copytree(REPO / name, root / name)
        for name in ("kb.yaml", "mkdocs.yml"):
            shutil.copy(REPO / name, root / name)
        port = free_port()
        url = f"http://127.0.0.1:{port}/{PAGE}"
        server = subprocess.Popen([str(Path(sys.executable).parent / "kbtool"), "serve", "--root", str(root),
                                   "--dev-addr", f"127.0.0.1:{port}", "--builder", args.builder],
                                  env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            first = wait_for(url, "angry caller")
            target = root / FILE
            original = target.read_text(encoding="utf-8")
            times = []
            for n in range(args.edits):
                marker = f"Edited{n}x{int(time.time())}"
                time.sleep(1.2)  # a person's edits are seconds apart; the watcher batches quicker ones
                target.write_text(original.replace("title: An angry caller", f"title: An angry caller {marker}", 1),
                                  encoding="utf-8")
                times.append(wait_for(url, marker))
            print(f"first page {first:.1f} s; edit to page: median {statistics.median(times):.2f} s, "
                  f"runs {', '.join(f'{t:.2f}' for t in times)} s")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
