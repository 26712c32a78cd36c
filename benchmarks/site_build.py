"""Site build time: `kbtool build` of N entries next to Material building N plain Markdown pages.

Both sides use the same theme features and plugins (kbtool's default configuration: Material,
navigation.prune, search, tags, offline), run as fresh processes, best of --repeat runs.

    python benchmarks/site_build.py --entries 300 1000 --bundled
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from child_env import ENV  # noqa: E402
from generate_kb import WORDS, generate  # noqa: E402


def timed(cmd: list[str], cwd: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=ENV, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def kbtool_build(root: Path, repeat: int) -> tuple[float, int]:
    seconds = timed([str(Path(sys.executable).parent / "kbtool"), "build", "--root", str(root), "--no-search-index"],
                    root, repeat)
    pages = sum(1 for _ in (root / "site").rglob("*.html")) - 1  # minus 404.html
    return seconds, pages


def plain_material_build(pages: int, work: Path, repeat: int) -> float:
    """N plain pages of prose in folders like kbtool's, built with kbtool's default mkdocs.yml minus kbtool."""
    rng = random.Random(1)
    docs = work / "docs"
    for i in range(pages):
        folder = docs / ("standards", "scripts", "letters", "phrases")[i % 4]
        folder.mkdir(parents=True, exist_ok=True)
        body = "\n\n".join(f"## Section {j}\n\n" + " ".join(rng.choice(WORDS) for _ in range(60)) for j in range(5))
        (folder / f"page-{i:05d}.md").write_text(f"---\ntags: [{rng.choice(WORDS)}]\n---\n\n# Page {i}\n\n{body}\n",
                                                 encoding="utf-8")
    config = yaml.safe_load((REPO / "kbtool/data/mkdocs.default.yml").read_text(encoding="utf-8"))
    config["plugins"] = [p for p in config["plugins"] if p != "kbtool"]
    (work / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return timed([sys.executable, "-m", "mkdocs", "build", "-q"], work, repeat)


def row(label: str, root: Path, repeat: int) -> str:
    kb_seconds, pages = kbtool_build(root, repeat)
    with tempfile.TemporaryDirectory() as plain:
        plain_seconds = plain_material_build(pages, Path(plain), repeat)
    ratio = kb_seconds / plain_seconds
    return f"| {label} | {pages} | {kb_seconds:.2f} s | {plain_seconds:.2f} s | {ratio:.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, nargs="*", default=[300, 1000])
    parser.add_argument("--bundled", action="store_true", help="also measure the bundled knowledge base")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print("| Knowledge base | Pages | kbtool build | Material, plain pages | Ratio |")
    print("|---|---|---|---|---|")
    if args.bundled:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for name in ("standards", "scripts_library", "kb.yaml"):
                src = REPO / name
                if src.is_dir():
                    subprocess.run(["cp", "-r", str(src), str(root / name)], check=True)
                else:
                    (root / name).write_bytes(src.read_bytes())
            print(row("bundled", root, args.repeat), flush=True)
    for entries in args.entries:
        with tempfile.TemporaryDirectory() as tmp:
            root = generate(Path(tmp), entries)
            print(row(f"generated, {entries} entries", root, args.repeat), flush=True)


if __name__ == "__main__":
    main()
