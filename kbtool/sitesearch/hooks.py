"""The site search in a site build: assets, the search box on every page, the index files.

The kbtool MkDocs plugin calls these from its events, and the staging for other builders
(kbtool.builders.staging) before the build; they hold all of the site search's knowledge of
Material's page layout, so each builder's adapter stays thin. The box replaces
Material's own search (see docs/site-search.md for why): one box, `input[type=search]`, the
first on every page, whose results carry `data-kb-entry` / `data-kb-item`.
"""

from __future__ import annotations

import html
import posixpath
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbtool.browser import TOOLKIT, TOOLKIT_URI
from kbtool.publish.urls import SiteAddress
from kbtool.sitesearch.index import (
    FOLDER,
    INDEX_FILE,
    PartialIndex,
    SiteIndex,
    SitePage,
    build_site_index,
    finish_site_index,
    start_site_index,
)

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "kbsearch"
# Site paths of the shipped assets; the engine before the page code that uses it, and the
# toolkit first of all: the box is on every page, so every page has the toolkit before its own scripts.
CSS_URI = "assets/kbsearch/kbsearch.css"
JS_URIS = (TOOLKIT_URI, "assets/kbsearch/kbsearch-engine.js", "assets/kbsearch/kbsearch-meaning.js",
           "assets/kbsearch/kbsearch.js")
BOX_ID = "kb-search-input"

# Generated pages that are not entries, by where they live: what the result list calls them.
_PAGE_LABELS = (("index.md", "Home page"), ("start-here.md", "Guide"), ("mentors/guide.md", "Guide"),
                ("mentors/scorecard-", "Scorecard"), ("mentors/", "Mentors' page"), ("browse/", "Index page"))


def configure(config: Any) -> None:
    """Add the search's stylesheet and scripts to the site (once, whatever the team's mkdocs.yml lists)."""
    if CSS_URI not in [str(css) for css in config.extra_css]:
        config.extra_css.append(CSS_URI)
    scripts = [str(script) for script in config.extra_javascript]
    for uri in JS_URIS:
        if uri not in scripts:
            config.extra_javascript.append(uri)


def asset_files() -> list[tuple[str, Path]]:
    """The search's own files, as (site path, file): a builder ships them (no CDN: desks are not always online)."""
    return [(uri, ASSETS.parent / TOOLKIT if uri == TOOLKIT_URI else ASSETS / posixpath.basename(uri))
            for uri in (CSS_URI, *JS_URIS)]


def page_label(src_uri: str, generated: bool) -> str:
    if not generated:
        return "Team page"
    for prefix, label in _PAGE_LABELS:
        if src_uri == prefix or (prefix.endswith(("/", "-")) and src_uri.startswith(prefix)):
            return label
    return "Index page"


def site_pages(pages: Iterable[Any], entry_srcs: set[str], generated_srcs: set[str]) -> list[SitePage]:
    """The pages findable by title: every page of the build except entry pages (their content is indexed)."""
    out = []
    for page in pages:
        src = page.file.src_uri
        if src in entry_srcs or not page.title:
            continue
        out.append(SitePage(str(page.title), page.url or "", page_label(src, src in generated_srcs)))
    return out


def search_box(version: str) -> str:
    """The search box as the header shows it; the results panel is built by the script around it."""
    version = html.escape(version, quote=True)
    return (f'<div class="kb-search" role="search" data-kb-search data-kb-version="{version}">'
            f'<label class="kb-search__label" for="{BOX_ID}">Search what to say</label>'
            f'<input type="search" id="{BOX_ID}" class="kb-search__input" name="kbq" '
            'placeholder="Search what to say (press /)" autocomplete="off" autocapitalize="off" '
            'spellcheck="false" enterkeyhint="search" aria-controls="kb-search-panel" '
            'aria-describedby="kb-search-keys">'
            '</div>')


_MATERIAL_SEARCH_BUTTON = re.compile(r'<label class="md-header__button md-icon" for="__search">.*?</label>\s*',
                                     re.DOTALL)
_DIV = re.compile(r"<(/?)div\b")
_HEADER_NAV = re.compile(r'<nav class="md-header__inner\b')
_NAV = re.compile(r"<(/?)nav\b")
_BODY = re.compile(r"<body\b[^>]*>")


def _block_end(text: str, start: int, tag: re.Pattern[str]) -> int:
    """Where the element opened at `start` closes (just after its end tag), or -1."""
    depth = 0
    for match in tag.finditer(text, start):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            end = text.find(">", match.end())
            return -1 if end == -1 else end + 1
    return -1


def place_search_box(page_html: str, box: str) -> str:
    """Put `box` where Material's search was (or at the end of the header, or first in the body).

    Material's own search block is taken out, so staff see one box and Material never loads its
    index (it fetches it only when its search form is on the page).
    """
    start = page_html.find('<div class="md-search"')
    if start != -1:
        end = _block_end(page_html, start, _DIV)
        if end != -1:
            head = _MATERIAL_SEARCH_BUTTON.sub("", page_html[:start])
            return head + box + page_html[end:]
    nav = _HEADER_NAV.search(page_html)
    if nav:
        end = _block_end(page_html, nav.start(), _NAV)
        source = page_html.find('<div class="md-header__source">', nav.start(), end if end != -1 else None)
        at = source if source != -1 else (end - len("</nav>") if end != -1 else -1)
        if at != -1:
            return page_html[:at] + box + page_html[at:]
    body = _BODY.search(page_html)
    if body:
        return page_html[:body.end()] + '<div class="kb-search-bar">' + box + "</div>" + page_html[body.end():]
    return page_html


@dataclass
class SiteSearch:
    """One build's site search: the index is made once all pages are known, written after the build."""

    kb: Any
    directory_urls: bool
    entry_srcs: set[str]
    generated_srcs: set[str]
    index: SiteIndex | None = None
    box: str = field(default="", init=False)
    part: PartialIndex | None = field(default=None, init=False)

    def start(self, site_dir: str | Path) -> None:
        """Make the index but for its page list and write its data files now.

        Called before MkDocs reads the pages: at 10,000 entries making the index took some 60 MB
        for a moment, which on top of every page read was the build's peak.
        """
        part = start_site_index(self.kb, SiteAddress(directory_urls=self.directory_urls))
        part.seal()
        SiteIndex(part.files, "", part.documents).write(Path(site_dir))
        part.files.clear()
        self.part = part

    def prepare(self, pages: Iterable[Any]) -> None:
        """Finish the index with the site's pages (their titles are known once MkDocs has read them)."""
        self.prepare_listed(site_pages(pages, self.entry_srcs, self.generated_srcs))

    def label(self, src_uri: str) -> str:
        """What the result list calls the page built from `src_uri`."""
        return page_label(src_uri, src_uri in self.generated_srcs)

    def prepare_listed(self, listed: list[SitePage]) -> None:
        """Finish the index with the pages findable by title, for a builder that knows them before it builds."""
        if self.part is None:
            self.index = build_site_index(self.kb, SiteAddress(directory_urls=self.directory_urls), listed)
        else:
            self.index = finish_site_index(self.part, listed)
        self.box = search_box(self.index.version)

    def page(self, page_html: str) -> str:
        return place_search_box(page_html, self.box) if self.box else page_html

    def write(self, site_dir: str | Path) -> None:
        """Write the index's files into the site and let them go (the version stays for the box)."""
        if self.index is not None:
            self.index.write(Path(site_dir))
            self.index.files.clear()




def standalone_page(title: str, version: str) -> str:
    """A bare page that loads the search exactly as every site page does (the same box, stylesheet and
    scripts at the same paths), for benchmarks and tests of an index built without MkDocs."""
    css = f'<link rel="stylesheet" href="{CSS_URI}">'
    scripts = "".join(f'<script src="{uri}"></script>' for uri in JS_URIS)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title>'
            f'{css}</head><body><header class="kb-search-bar">{search_box(version)}</header>'
            f'<main><h1>{html.escape(title)}</h1></main>{scripts}</body></html>\n')


def write_standalone(site_dir: Path, index: SiteIndex, title: str = "Site search") -> Path:
    """Write `index`, the search assets and a standalone page into `site_dir`; returns the page."""
    index.write(site_dir)
    for uri, source in asset_files():
        target = site_dir / uri
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    page = site_dir / "index.html"
    page.write_text(standalone_page(title, index.version), encoding="utf-8")
    return page


__all__ = ["SiteSearch", "configure", "asset_files", "place_search_box", "search_box", "site_pages",
           "standalone_page", "write_standalone", "FOLDER", "INDEX_FILE"]
