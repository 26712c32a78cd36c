"""The same site built by MkDocs and by Zensical: CPU, peak memory and site size per builder.

Each build is `kbtool build --no-search-index --builder B` in a fresh child process; CPU is its
user + sys time with the Zensical process it waits for (os.wait4's rusage), peak RSS the largest
of the two processes.

    python benchmarks/builders_bench.py --entries 0 1000 10000   # 0 = the bundled knowledge base
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from child_env import ENV  # noqa: E402
from generate_kb import generate  # noqa: E402


def knowledge_base(entries: int, work: Path) -> Path:
    root = work / f"kb-{entries}"
    if entries == 0:
        root.mkdir()
        for name in ("standards", "scripts_library", "docs_site"):
            shutil.copytree(REPO / name, root / name)
        for name in ("kb.yaml", "mkdocs.yml"):
            shutil.copy(REPO / name, root / name)
        return root
    return generate(root, entries)


def build(root: Path, builder: str) -> dict[str, float]:
    cmd = [str(Path(sys.executable).parent / "kbtool"), "build", "--root", str(root), "--no-search-index",
           "--builder", builder]
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=root, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{builder} build failed: {process.stderr.read().decode()[-2000:]}")
    site = root / "site"
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    pages = sum(1 for _ in site.rglob("*.html"))
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is in bytes on macOS, KiB elsewhere
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "rss_mb": usage.ru_maxrss * scale / 2**20,
            "site_mb": size / 2**20, "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, nargs="*", default=[0, 1000])
    parser.add_argument("--builders", nargs="*", default=["mkdocs", "zensical"])
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    print("| entries | builder | pages | CPU | wall | peak RSS | site size |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="kbtool-builders-") as work:
        for entries in args.entries:
            root = knowledge_base(entries, Path(work))
            for builder in args.builders:
                build(root, builder)  # warm: bytecode caches, Zensical's first start
                r = build(root, builder)
                print(f"| {entries or 'bundled'} | {builder} | {r['pages']} | {r['cpu']:.1f} s | {r['wall']:.1f} s "
                      f"| {r['rss_mb']:.0f} MB | {r['site_mb']:.0f} MB |", flush=True)


if __name__ == "__main__":
    main()
