"""Pages as files: every page and asset kbtool generates, written into a folder that any
Material-compatible builder reads as its docs_dir.

The MkDocs plugin hands the same list of files to MkDocs in memory (`site_files`); a builder
without kbtool's plugin (Zensical) reads them from the staging folder `stage_site` writes, with
the team's own pages (docs_site/) merged in, the navigation, and the site search's index files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbtool.builders.errors import SiteError
from kbtool.checks.base import today
from kbtool.publish.urls import page_url
from kbtool.site.assets import ASSETS, FLOW, MERMAID, data_script_parts, data_uri, site_uri, source_file
from kbtool.site.escaping import page_title
from kbtool.site.pages import SiteOptions, SiteRenderer, navigation
from kbtool.sitesearch.hooks import CSS_URI as SEARCH_CSS
from kbtool.sitesearch.hooks import JS_URIS, SiteSearch, asset_files
from kbtool.sitesearch.index import SitePage

CSS_URI = "assets/kbtool/kbtool.css"
WORKER_SHIM_URI = "assets/kbtool/iframe-worker.js"
# The first line of every staged generated page: a builder without kbtool's plugin renders
# these pages with kbtool's Markdown extension (builders.generated_markdown), which stashes their
# raw blocks and sanitises their HTML, and leaves the team's own pages as they are.
GENERATED_MARK = "<!-- kbtool:generated -->"


@dataclass(frozen=True)
class SiteFile:
    """One file kbtool adds to the site besides its pages: copied from `source`, or made by `make`
    (a function giving the text, or its pieces in order) when the builder writes it."""

    uri: str
    source: Path | None = None
    make: Callable[[], Any] | None = None


def site_files(pages: Iterable[Any], site_search: bool) -> list[SiteFile]:
    """kbtool's stylesheet and worker shim, the assets and data scripts the pages load, and the
    search box's own files: the same list for every builder."""
    files = [SiteFile(CSS_URI, ASSETS / "kbtool.css"), SiteFile(WORKER_SHIM_URI, ASSETS / "iframe-worker.js")]
    wanted = {MERMAID, FLOW}
    for page in pages:
        wanted.update(page.assets)
        if page.data is not None:
            files.append(SiteFile(data_uri(page.src_uri), make=lambda page=page: data_script_parts(page.page_data())))
    files += [SiteFile(site_uri(asset), source_file(asset)) for asset in sorted(wanted)]
    if site_search:
        # The toolkit is both a page asset and one of the search box's scripts: shipped once.
        shipped = {file.uri for file in files}
        files += [SiteFile(uri, path) for uri, path in asset_files() if uri not in shipped]
    return files


def write_site_file(file: SiteFile, folder: Path) -> None:
    target = folder / file.uri
    target.parent.mkdir(parents=True, exist_ok=True)
    if file.source is not None:
        shutil.copyfile(file.source, target)
        return
    made = file.make() if file.make is not None else ""
    with target.open("w", encoding="utf-8", newline="") as out:
        out.writelines([made] if isinstance(made, str) else made)


def staged_text(page: Any) -> str:
    """A generated page as its staged Markdown file: front matter, the mark, then the body.

    The front matter carries the page's title made safe for themes that print it raw in <title>
    (kbtool.site.escaping.page_title), as the MkDocs plugin sets it; without it a builder takes the
    first heading and may unescape it there.
    """
    title = f"title: {json.dumps(page_title(page.title))}\n" if page.title else ""
    front = page.front
    if front.startswith("---\n"):
        front = "---\n" + title + front[4:]
    elif title:
        front = f"---\n{title}---\n\n{front}"
    return f"{front}{GENERATED_MARK}\n\n{page.body()}"


_FRONT = re.compile(r"\A---\s*\n(.*?)\n(?:---|\.\.\.)\s*\n", re.DOTALL)
_TITLE = re.compile(r"^title:\s*['\"]?(.+?)['\"]?\s*$", re.MULTILINE)
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def team_page_title(text: str, src_uri: str) -> str:
    """A team page's title as MkDocs finds it: front matter `title:`, else its first `# ` heading,
    else its file name."""
    front = _FRONT.match(text)
    if front:
        title = _TITLE.search(front.group(1))
        if title:
            return title.group(1)
        text = text[front.end():]
    heading = _HEADING.search(text)
    if heading:
        return heading.group(1)
    stem = Path(src_uri).stem
    if stem in ("index", "README"):
        stem = Path(src_uri).parent.name or "Home"
    return stem.replace("-", " ").replace("_", " ").capitalize()


def team_markdown(team_docs: Path | None) -> list[str]:
    """The team's own pages (Markdown files under docs_site/), as site paths, dot-folders skipped."""
    if team_docs is None or not team_docs.is_dir():
        return []
    found = []
    for folder, dirs, files in os.walk(team_docs):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".md") and not name.startswith("."):
                found.append((Path(folder) / name).relative_to(team_docs).as_posix())
    return found


@dataclass
class StagedSite:
    """What `stage_site` wrote: the folder, the generated pages in it, the team's pages and the nav."""

    docs_dir: Path
    pages: list[Any]
    team_pages: list[str]
    directory_urls: bool
    nav: list[Any] | None = None
    site_search: Any = None  # kbtool.sitesearch.hooks.SiteSearch, when switched on
    extra_css: list[str] = field(default_factory=list)
    extra_javascript: list[str] = field(default_factory=list)

    def page_by_url(self) -> dict[str, Any]:
        """Generated pages by the URL the builder gives them (MkDocs' URL scheme)."""
        return {page_url(page.src_uri, self.directory_urls): page for page in self.pages}


def stage_site(checked: Any, docs_dir: Path, *, team_docs: Path | None = None, directory_urls: bool = False,
               templates_dir: Path | None = None, nav: bool = True, site_search: bool = True) -> StagedSite:
    """Write the knowledge base's pages, assets and search index into `docs_dir`, the team's pages
    merged in (theirs win where both write a page)."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    team = team_markdown(team_docs)
    if team_docs is not None and team_docs.is_dir():
        shutil.copytree(team_docs, docs_dir, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".*"))
    renderer = SiteRenderer(checked.kb, SiteOptions(directory_urls=directory_urls, templates_dir=templates_dir,
                                                    today=today()))
    try:
        every = renderer.pages()
    except Exception as exc:  # a team template with a mistake: name it instead of a traceback
        raise SiteError(f"could not render the pages: {type(exc).__name__}: {exc}") from None
    taken = set(team)
    pages = [page for page in every if page.src_uri not in taken]
    for page in pages:
        target = docs_dir / page.src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            text = staged_text(page)
        except Exception as exc:
            where = getattr(exc, "filename", None)
            at = f" ({where}:{getattr(exc, 'lineno', '?')})" if where else ""
            raise SiteError(f"could not render {page.src_uri}{at}: {type(exc).__name__}: {exc}") from None
        target.write_text(text, encoding="utf-8")
    for file in site_files(pages, site_search):
        write_site_file(file, docs_dir)
    staged = StagedSite(docs_dir, pages, team, directory_urls, extra_css=[CSS_URI])
    if nav:
        staged.nav = navigation(pages, renderer.scorecard_channels())
        extra = sorted(set(team) - {p.src_uri for p in every})
        if extra:
            staged.nav.append({"More": extra})
    if site_search:
        staged.site_search = _stage_search(checked.kb, staged, docs_dir, team_docs)
    return staged


def _stage_search(kb: Any, staged: StagedSite, docs_dir: Path, team_docs: Path | None) -> Any:
    generated = {page.src_uri for page in staged.pages}
    entries = {page.src_uri for page in staged.pages if page.entry is not None}
    search = SiteSearch(kb, staged.directory_urls, entries, generated)
    search.start(docs_dir)
    listed = [SitePage(page.title, page_url(page.src_uri, staged.directory_urls),
                       search.label(page.src_uri)) for page in staged.pages if page.entry is None and page.title]
    for src in staged.team_pages:
        text = (docs_dir / src).read_text(encoding="utf-8", errors="replace")
        listed.append(SitePage(team_page_title(text, src), page_url(src, staged.directory_urls), search.label(src)))
    search.prepare_listed(listed)
    search.write(docs_dir)
    staged.extra_css.append(SEARCH_CSS)
    staged.extra_javascript.extend(JS_URIS)
    return search
