"""The one URL scheme of the published site: where each page lives, its anchors, and links to it.

Pages, search hits (terminal and site), the JSON and espanso exports all take their addresses
from here, so a link from any of them lands on a page the build wrote. Page bodies are raw
HTML that MkDocs does not rewrite, so links follow MkDocs' own rules: `a/b.md` becomes `a/b/`
with directory URLs and `a/b.html` without (the offline plugin needs the latter so the site
works from file://).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kbtool.format.kinds import REGISTRY
from kbtool.model import Entry

_SAFE_ID = re.compile(r"[^a-z0-9-]+")
SITE_CONFIG_FILES = ("mkdocs.yml", "mkdocs.yaml")


def anchor(slug: str) -> str:
    """An HTML id from a slug; validation guarantees slugs, this keeps a broken one harmless."""
    return _SAFE_ID.sub("-", str(slug).lower()).strip("-") or "item"


def entry_src(entry: Entry) -> str:
    """The page source path of an entry: `<kind folder>/<id>.md`."""
    return f"{REGISTRY[entry.kind].folder}/{entry.id}.md"


def page_url(src_uri: str, directory_urls: bool) -> str:
    """The URL MkDocs gives `src_uri`, relative to the site root."""
    stem = src_uri[:-3] if src_uri.endswith(".md") else src_uri
    if not directory_urls:
        return stem + ".html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


@functools.lru_cache(maxsize=4096)
def relative_url(from_src: str, to_src: str, directory_urls: bool, fragment: str = "") -> str:
    """A link from one page to another (or to an anchor on the same page).

    Cached for the links a page repeats (an entry in several cells of the coverage matrix); links
    from different pages never share a key, and a cache of every link was 20 MB at 10,000 entries.
    """
    suffix = f"#{fragment}" if fragment else ""
    if from_src == to_src and fragment:
        return suffix
    source = page_url(from_src, directory_urls)
    target = page_url(to_src, directory_urls)
    base = source.rsplit("/", 1)[0] if "/" in source else "."
    if target == "" or target.endswith("/"):
        rel = _relpath(target.rstrip("/") or ".", base or ".")
        rel = "./" if rel == "." else rel + "/"
    else:
        rel = _relpath(target, base or ".")
    return rel + suffix


def _relpath(target: str, base: str) -> str:
    """posixpath.relpath for the site's own relative paths (no "..", no leading "/"), without the
    two abspath calls per link that made it the slowest step of rendering index pages."""
    to = [part for part in target.split("/") if part and part != "."]
    start = [part for part in base.split("/") if part and part != "."]
    common = 0
    while common < len(to) and common < len(start) and to[common] == start[common]:
        common += 1
    return "/".join([".."] * (len(start) - common) + to[common:]) or "."


@dataclass(frozen=True)
class SiteAddress:
    """How the built site is addressed: MkDocs' URL style, where it is built, and where it is published.

    `site_url` (kb.yaml) makes links absolute; without it they point into the built folder,
    relative to the knowledge base, so a link printed in a terminal opens from disk.
    """

    directory_urls: bool = False
    site_dir: str = "site"
    site_url: str = ""

    def page(self, entry: Entry) -> str:
        """The entry's page, relative to the site root."""
        return page_url(entry_src(entry), self.directory_urls)

    def site_path(self, entry: Entry, item: str | None = None) -> str:
        """The entry's page at the item's anchor, relative to the site root (links inside the site)."""
        return self.page(entry) + ("#" + anchor(item) if item else "")

    def url(self, entry: Entry, item: str | None = None) -> str:
        """Where to open the entry (at the item's anchor): absolute with site_url, else a local file path."""
        page = self.page(entry)
        fragment = "#" + anchor(item) if item else ""
        if self.site_url:
            return self.site_url.rstrip("/") + "/" + page + fragment
        # A folder of files: directory URLs need the page's file name to open from disk.
        local = page + "index.html" if self.directory_urls and (page == "" or page.endswith("/")) else page
        return f"{self.site_dir.rstrip('/')}/{local}{fragment}"

    def published_url(self, entry: Entry, item: str | None = None) -> str | None:
        """The public address, or None when kb.yaml names no site_url (exports say null then)."""
        if not self.site_url:
            return None
        return self.url(entry, item)


class _TolerantLoader:
    """A YAML loader for mkdocs.yml that reads plain values and ignores tags (!ENV, !!python/name)."""

    @staticmethod
    def load(text: str) -> Any:
        class Loader(yaml.SafeLoader):
            pass

        def unknown(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> None:
            return None

        Loader.add_multi_constructor("!", unknown)
        Loader.add_multi_constructor("tag:yaml.org,2002:python/", unknown)
        loader = Loader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()


def site_config_file(root: Path) -> Path | None:
    for name in SITE_CONFIG_FILES:
        if (root / name).is_file():
            return root / name
    return None


def site_address(root: Path, site_url: str = "") -> SiteAddress:
    """The site's addressing as the build will see it.

    Without an mkdocs.yml kbtool builds with its own default (file URLs, `site/`); with one,
    MkDocs' defaults apply to whatever it leaves out (directory URLs on).
    """
    own = site_config_file(root)
    if own is None:
        return SiteAddress(False, "site", site_url)
    try:
        data = _TolerantLoader.load(own.read_text(encoding="utf-8"))
    except Exception:  # a broken mkdocs.yml is reported by the build itself
        data = None
    if not isinstance(data, dict):
        data = {}
    directory_urls = data.get("use_directory_urls", True)
    site_dir = data.get("site_dir", "site")
    return SiteAddress(directory_urls is not False, str(site_dir) if isinstance(site_dir, str) else "site", site_url)
