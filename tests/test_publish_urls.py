"""kbtool.publish.urls: the one URL scheme (pages, anchors, links, search hits, exports)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from kbtool.publish.urls import SiteAddress, anchor, page_url, relative_url, site_address


def entry(kind: str, entry_id: str):
    return SimpleNamespace(kind=kind, id=entry_id)


def test_page_urls_follow_mkdocs_rules():
    assert page_url("phrases/empathy.md", False) == "phrases/empathy.html"
    assert page_url("phrases/empathy.md", True) == "phrases/empathy/"
    assert page_url("index.md", True) == ""
    assert page_url("browse/index.md", True) == "browse/"


def test_anchor_is_a_safe_html_id():
    assert anchor("ask-to-hold") == "ask-to-hold"
    assert anchor("Bad Id<script>") == "bad-id-script"
    assert anchor("!!!") == "item"


def test_relative_links_between_pages():
    assert relative_url("phrases/a.md", "scripts/b.md", False) == "../scripts/b.html"
    assert relative_url("phrases/a.md", "phrases/a.md", False, "x") == "#x"
    assert relative_url("index.md", "phrases/a.md", True) == "phrases/a/"


def test_site_address_urls_local_and_published():
    local = SiteAddress(directory_urls=True)
    assert local.url(entry("script", "a"), "b") == "site/scripts/a/index.html#b"
    assert local.published_url(entry("script", "a")) is None
    files = SiteAddress(directory_urls=False, site_dir="public")
    assert files.url(entry("phrases", "refunds"), "refund-today") == "public/phrases/refunds.html#refund-today"
    published = SiteAddress(True, "site", "https://x.org/")
    assert published.url(entry("standard", "a")) == "https://x.org/standards/a/"
    assert published.published_url(entry("letter", "l"), "x") == "https://x.org/letters/l/#x"


def test_site_address_reads_mkdocs_yml_like_mkdocs(tmp_path: Path):
    assert site_address(tmp_path) == SiteAddress(False, "site", "")  # kbtool's built-in config: file URLs
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    assert site_address(tmp_path).directory_urls is True  # MkDocs' own default
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\nuse_directory_urls: false\nsite_dir: public\n"
        "markdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "extra:\n  key: !ENV [HOME, x]\n", encoding="utf-8")
    address = site_address(tmp_path, "https://kb.example")
    assert address == SiteAddress(False, "public", "https://kb.example")


def _target_exists(site: Path, page_and_fragment: str) -> bool:
    page, _, fragment = page_and_fragment.partition("#")
    file = site / page
    if page == "" or page.endswith("/"):
        file = file / "index.html"
    if not file.is_file():
        return False
    return not fragment or f'id="{fragment}"' in file.read_text(encoding="utf-8")


def test_every_exported_and_searched_url_exists_in_the_built_site(bundled_build, cli):
    """One URL scheme: links from `kbtool export json` and `kbtool search --json` land on real anchors."""
    import json

    site = bundled_build / "site"
    exported = json.loads(cli("export", "json", "--root", str(bundled_build)).stdout)
    targets = []
    for entry in exported["entries"]:
        targets.append(entry["page"])
        for key in ("rules", "steps", "phrases"):
            targets += [f"{entry['page']}#{item['anchor']}" for item in entry.get(key, [])]
    missing = [t for t in targets if not _target_exists(site, t)]
    assert len(targets) > 300 and missing == []

    hits = []
    for query in ("refund", "parcel late", "angry caller", "greeting", "price match", "letter apology"):
        run = cli("search", query, "--root", str(bundled_build), "--json", "--limit", "50", "--no-log")
        hits += json.loads(run.stdout)
    assert len(hits) > 100
    bad = [h["url"] for h in hits if not h["url"].startswith("site/") or not _target_exists(site, h["url"][5:])]
    assert bad == []


def test_relative_paths_match_posixpath():
    import posixpath

    from kbtool.publish.urls import _relpath

    paths = [".", "a", "a/b", "a/b/c", "x", "x/y", "a/x", "index.html", "a/b.html", "a/b/c.html", "a/b/"]
    for target in paths:
        for base in (".", "a", "a/b", "x", "a/x", "a/b/c"):
            assert _relpath(target, base) == posixpath.relpath(target, base), (target, base)
