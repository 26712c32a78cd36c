"""Scale: the site's pages do not grow with the number of entries (the build stays linear)."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from generate_kb import generate  # noqa: E402


def test_page_size_does_not_grow_with_the_number_of_entries(tmp_path: Path):
    from kbtool.mkdocs.build import build_site

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
