"""The MkDocs adapter: `- kbtool` under `plugins:` renders the knowledge base into the site.

A thin layer over kbtool.site.pages: load and validate once per build (errors stop the build with
the same file:line lines as `kbtool validate`), add the pages in memory, sanitise their
rendered HTML, and watch the YAML folders under `mkdocs serve`.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files

from kbtool import pipeline
from kbtool.builders.staging import CSS_URI, WORKER_SHIM_URI, site_files
from kbtool.checks.base import today
from kbtool.memory import release_free_memory
from kbtool.problems import KbError, Level
from kbtool.reading.layout import CONFIG_FILE, CONTENT_DIRS
from kbtool.reporters import format_text
from kbtool.site.assets import data_uri, inject
from kbtool.site.escaping import page_title, sanitise_page
from kbtool.site.pages import SiteOptions, SiteRenderer, compiled_templates, navigation
from kbtool.site.rawhtml import stash_extension
from kbtool.sitesearch.hooks import SiteSearch, configure

log = logging.getLogger("mkdocs.plugins.kbtool")

# Pages read or written between handing freed memory back (kbtool.memory): a few ms each time.
TRIM_EVERY = 500
# Mermaid 11 (MIT), vendored: Material fetches it from a CDN only when no global `mermaid`
# exists, so shipping it makes call-flow diagrams draw on offline desks too.


class KbtoolConfig(Config):
    # The knowledge-base root, relative to mkdocs.yml; empty means mkdocs.yml's own folder.
    root = c.Type(str, default="")
    # A folder of page templates that replace kbtool's by file name (e.g. script.md.j2).
    templates_dir = c.Optional(c.Type(str))
    # Build the navigation when mkdocs.yml has no `nav:` of its own.
    nav = c.Type(bool, default=True)
    # kbtool's search box on every page, in place of Material's (docs/site-search.md).
    site_search = c.Type(bool, default=True)


def resolve_root(config_file: str | None, root: str) -> Path:
    base = Path(config_file).resolve().parent if config_file else Path.cwd()
    return (base / root).resolve() if root else base


def load_checked(root: Path, checked: Any = None) -> Any:
    """The pipeline's Checked for `root` (or the one `kbtool build` already made); errors stop the
    build with validate's text lines."""
    if checked is None:
        try:
            checked = pipeline.check(root)
        except KbError as exc:
            raise PluginError(f"kbtool: {exc}") from None
    errors = checked.errors
    if errors:
        count = f"{len(errors)} error{'s' * (len(errors) != 1)}"
        raise PluginError(f"kbtool: the knowledge base has {count}; the site was not built:\n"
                          + format_text(errors).rstrip("\n"))
    return checked


def _site_search(plugin: Any, config: Any, kb: Any) -> Any:
    """The build's site search (kbtool.sitesearch), or None when mkdocs.yml switches it off."""
    if not plugin.config.site_search:
        return None
    configure(config)
    entry_srcs = {src for src, page in plugin.by_src.items() if page.entry is not None}
    return SiteSearch(kb, config.use_directory_urls, entry_srcs, plugin.generated)


def site_renderer(kb: Any, config: Any, plugin_config: Any) -> Any:
    """The page renderer for this MkDocs configuration (URL style, team templates, today)."""
    templates = plugin_config.templates_dir
    templates_dir = resolve_root(config.config_file_path, templates) if templates else None
    return SiteRenderer(kb, SiteOptions(directory_urls=config.use_directory_urls,
                                        templates_dir=templates_dir, today=today()))


def render_pages(renderer: Any) -> list[Any]:
    try:
        return renderer.pages()
    except Exception as exc:  # a team template with a mistake: name it instead of a traceback
        raise PluginError(f"kbtool: could not render the pages: {type(exc).__name__}: {exc}") from None


class Deferred(File):
    """A generated file whose text is made when MkDocs reads or copies it, and not kept.

    MkDocs reads every page before it writes any, and copies static files after that; with each
    page's Markdown and each practice page's data script held in its File from the start, a
    10,000-entry build kept all of them for its whole length. `make` returns the text, or its
    pieces in order (a data script is written piece by piece, never whole).
    """

    make: Any = None  # () -> str | Iterable[str]

    def _pieces(self) -> Iterator[str]:
        try:
            made = self.make()
            if isinstance(made, str):
                yield made
            else:
                yield from made
        except Exception as exc:  # a team template with a mistake: name it instead of a traceback
            where = getattr(exc, "filename", None)
            at = f" ({where}:{getattr(exc, 'lineno', '?')})" if where else ""
            raise PluginError(f"kbtool: could not render {self.src_uri}{at}: {type(exc).__name__}: {exc}") from None

    @property
    def content_string(self) -> str:
        return "".join(self._pieces())

    @content_string.setter
    def content_string(self, value: str) -> None:
        self._content = value
        self.make = lambda: value

    @property
    def content_bytes(self) -> bytes:
        return self.content_string.encode("utf-8")

    @content_bytes.setter
    def content_bytes(self, value: bytes) -> None:
        self.content_string = value.decode("utf-8")

    def copy_file(self, dirty: bool = False) -> None:
        path = Path(self.abs_dest_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as out:
            out.writelines(self._pieces())


def deferred(config: Any, src_uri: str, make: Any) -> File:
    # Non-empty content marks the file as generated and always modified, as File.generated does.
    file = Deferred.generated(config, src_uri, content="\n")
    file.make = make
    return file


def _page_file(page: Any, config: Any) -> File:
    if not page.lazy:
        return File.generated(config, page.src_uri, content=page.markdown)
    return deferred(config, page.src_uri, lambda: page.front + page.body())


_COMPRESSED: dict[type, type] = {}
_TEXT_FIELDS = ("content", "markdown")


def compress_text(page: Any, remake: Any = None) -> None:
    """Keep `page.content` and `page.markdown` zlib-compressed, transparently to every reader.

    The page becomes an instance of a subclass of its own class whose two attributes compress on
    assignment and decompress on reading, so plugins that change a page's HTML later (Material's
    tags listings are filled in `on_env`) read and write it exactly as before. With `remake` (a
    function giving the page's Markdown again) the Markdown is not kept at all but made again if
    anything reads it before something assigns it.
    """
    base = type(page)
    if base not in _COMPRESSED:
        def field(name: str) -> property:
            key = f"_kb_{name}"

            def read(self: Any) -> str | None:
                if key not in self.__dict__ and "_kb_remake" in self.__dict__:
                    return self.__dict__["_kb_remake"]() if name == "markdown" else None
                data = self.__dict__.get(key)
                return None if data is None else zlib.decompress(data).decode("utf-8")

            def write(self: Any, value: str | None) -> None:
                self.__dict__[key] = None if value is None else zlib.compress(value.encode("utf-8"), 1)

            return property(read, write)

        _COMPRESSED[base] = type(f"Compressed{base.__name__}", (base,), {n: field(n) for n in _TEXT_FIELDS})
    texts = {name: page.__dict__.pop(name, None) for name in _TEXT_FIELDS}
    page.__class__ = _COMPRESSED[base]
    if remake is not None:
        page.__dict__["_kb_remake"] = remake
        del texts["markdown"]
    for name, value in texts.items():
        setattr(page, name, value)


def _add_site_files(pages: list[Any], files: Files, config: Any, site_search: bool) -> None:
    """kbtool's files beside the pages (kbtool.builders.staging.site_files: the same list a staged
    build writes), handed to MkDocs in memory; data scripts are made when MkDocs writes them."""
    for file in site_files(pages, site_search):
        if file.source is not None:
            files.append(File.generated(config, file.uri, abs_src_path=str(file.source)))
        else:
            files.append(deferred(config, file.uri, file.make))


class KbtoolPlugin(BasePlugin[KbtoolConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.root: Path | None = None
        self.pages: list[Any] = []
        self.generated: set[str] = set()
        self.by_src: dict[str, Any] = {}
        self.nav_generated = False
        self.stashing = False  # true while MkDocs renders one of the generated pages
        # Set by `kbtool build`, which has already run the pipeline: the plugin then does not
        # load the knowledge base a second time. `mkdocs build` leaves it None.
        self.checked: Any = None
        self.site_search: Any = None  # kbtool.sitesearch.hooks.SiteSearch, when switched on
        # Set by `kbtool serve` (kbtool.mkdocs.serve): the pages it rendered, and a folder to keep them
        # in as files, so MkDocs' dirty build re-renders only the pages whose Markdown changed.
        self.rendered: list[Any] | None = None
        self.pages_dir: Path | None = None
        self.handled = 0  # pages read or written in this build

    @event_priority(-100)  # after the offline plugin, whose worker shim we replace
    def on_config(self, config: Any) -> Any:
        self.root = resolve_root(config.config_file_path, self.config.root)
        checked = load_checked(self.root, self.checked)
        kb = checked.kb
        for problem in checked.problems:
            if problem.level is Level.WARNING:
                # INFO, not WARNING: stale review dates must not fail `mkdocs build --strict`.
                log.info("%s:%s:%s: warning [%s] %s", problem.path, problem.line, problem.column,
                         problem.rule, problem.message)
        renderer = site_renderer(kb, config, self.config)
        self.pages = self.rendered if self.rendered is not None else render_pages(renderer)
        self.generated = {page.src_uri for page in self.pages}
        self.by_src = {page.src_uri: page for page in self.pages}
        self.nav_generated = config.nav is None and self.config.nav
        if self.nav_generated:
            config.nav = navigation(self.pages, renderer.scorecard_channels())
        if CSS_URI not in config.extra_css:
            config.extra_css.append(CSS_URI)
        config.markdown_extensions.append(stash_extension(lambda: self.stashing))
        # Material's offline plugin loads its file:// worker shim from unpkg.com; desks are not
        # always online, so the site carries its own copy instead.
        polyfills = config.extra.get("polyfills")
        if polyfills:
            config.extra["polyfills"] = [WORKER_SHIM_URI if "iframe-worker" in str(url) else url
                                         for url in polyfills]
        self.site_search = _site_search(self, config, kb)
        return config

    def on_files(self, files: Files, config: Any) -> Files:
        team_pages = {f.src_uri for f in files.documentation_pages()}
        for page in self.pages:
            if page.src_uri in team_pages:
                # The team wrote this page themselves (a custom home page, say): theirs wins.
                self.generated.discard(page.src_uri)
                continue
            if self.pages_dir is not None:
                files.append(File.generated(config, page.src_uri, abs_src_path=str(self.pages_dir / page.src_uri)))
            else:
                files.append(_page_file(page, config))
        _add_site_files(self.pages, files, config, self.site_search is not None)
        if self.site_search is not None:
            # Made now, before MkDocs reads the pages, and its data written (the site folder was
            # emptied when the build began); the page list is added once titles are known.
            self.site_search.start(config.site_dir)
        if self.nav_generated:
            extra = sorted(team_pages - {p.src_uri for p in self.pages})
            if extra:
                config.nav.append({"More": extra})
        return files

    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Files) -> str | None:
        # MkDocs renders each page right after this event, one page at a time.
        self.stashing = page.file.src_uri in self.generated
        return markdown

    @event_priority(-100)  # after every other plugin has touched the HTML
    def on_page_content(self, html: str, page: Any, config: Any, files: Files) -> str | None:
        self.stashing = False
        if page.file.src_uri not in self.generated:
            return html
        generated = self.by_src.get(page.file.src_uri)
        if generated is not None and generated.entry is not None:
            # Themes print page.title unescaped, and Material's <title> unescapes it once more.
            page.title = page_title(generated.title)
        # MkDocs renders every page before it writes any; at 10,000 entries the HTML and Markdown
        # of them all was the build's largest cost in memory. The HTML is kept compressed until
        # written; a page made when read is made again if anything asks for its Markdown.
        lazy = generated is not None and generated.lazy
        compress_text(page, (lambda: generated.front + generated.body()) if lazy else None)
        self._tick()
        return sanitise_page(html)

    def _tick(self) -> None:
        self.handled += 1
        if self.handled % TRIM_EVERY == 0:
            release_free_memory()

    # -- site search: kbtool.sitesearch.hooks does the work; these events only hand it over --------

    def on_env(self, env: Any, config: Any, files: Files) -> Any:
        # kbtool serve rebuilds with a fresh theme environment each time; keep its compiled templates.
        env.bytecode_cache = compiled_templates("theme")
        release_free_memory()  # what reading every page freed, before the pages are written
        # Every page has its title by now (MkDocs reads them all before rendering any).
        if self.site_search is not None:
            self.site_search.prepare(f.page for f in files.documentation_pages() if f.page is not None)
            self.site_search.write(config.site_dir)  # the core, with the page list
        return env

    def on_post_page(self, output: str, page: Any, config: Any) -> str | None:
        generated = self.by_src.get(page.file.src_uri) if page.file.src_uri in self.generated else None
        assets = generated.assets if generated is not None else ()
        data = data_uri(generated.src_uri) if generated is not None and generated.data is not None else None
        output = inject(output, page.url or "", assets, data)
        if generated is not None:
            page.content = page.markdown = None  # written: nothing after this reads them
        self._tick()
        return self.site_search.page(output) if self.site_search is not None else output

    def on_post_template(self, output_content: str, template_name: str, config: Any) -> str | None:
        if self.site_search is not None and template_name == "404.html":
            return self.site_search.page(output_content)
        return output_content


    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        assert self.root is not None
        for name in (*CONTENT_DIRS, CONFIG_FILE):
            path = self.root / name
            if path.exists():
                server.watch(str(path))
        if self.config.templates_dir:
            server.watch(str(resolve_root(config.config_file_path, self.config.templates_dir)))
        return server
