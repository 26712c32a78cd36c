"""Scale: the site's pages do not grow with the number of entries (the build stays linear), and
the build does not hold every page's text in memory at once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from generate_kb import generate  # noqa: E402


def held_text(files) -> int:
    """Bytes of text the build's Files and Pages hold in their own attributes (compressed or not)."""
    total = 0
    for file in files:
        for obj in (file, file.page):
            for value in vars(obj).values() if obj is not None else ():
                if isinstance(value, (str, bytes)):
                    total += len(value)
    return total


@pytest.mark.slow
def test_page_size_and_held_text_do_not_grow_with_the_number_of_entries(tmp_path: Path, monkeypatch):
    from kbtool.builders.build import build_site
    from kbtool.mkdocs.plugin import KbtoolPlugin

    held = {}
    real_on_env = KbtoolPlugin.on_env

    def on_env(self, env, config, files):
        # MkDocs has read and rendered every page and written none: the build's high-water mark.
        held[len(self.pages)] = held_text(files)
        return real_on_env(self, env, config, files)

    monkeypatch.setattr(KbtoolPlugin, "on_env", on_env)
    sizes = {}
    for entries in (40, 400):
        root = generate(tmp_path / str(entries), entries)
        site = build_site(root, search_index=False).site_dir
        sizes[entries] = {page: (site / page).stat().st_size
                          for page in ("standards/standard-00003.html", "phrases/phrases-00000.html", "index.html")
                          if (site / page).exists()}
    assert len(sizes[40]) == 3, sizes
    for page, small in sizes[40].items():
        # The home page lists counts, not entries; entry pages carry no list of other entries.
        assert sizes[400][page] <= small * 1.05, (page, small, sizes[400][page])
    # Until pages were made when read and kept compressed until written, every entry page's
    # Markdown and HTML stayed in memory for the whole build: 1.3 GB at 10,000 entries, 0.66 GB
    # since (docs/benchmarks.md, "Scale").
    small, big = sorted(held)
    per_entry = (held[big] - held[small]) / (big - small)
    assert per_entry < 8_000, f"{per_entry:.0f} bytes of page text held per entry"
