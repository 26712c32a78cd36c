"""`kbtool serve`'s preview: rebuild only what an edit changed, and show a failed rebuild's problems
in the browser.

MkDocs' own serve rebuilds every page on every change and, when a build fails, keeps serving the
old site with no word in the browser. Here each rebuild runs the pipeline once, renders the pages
in memory, rewrites only the page files whose Markdown changed, and lets MkDocs' dirty build
re-render just those. A change to the navigation, the set of pages, kb.yaml, mkdocs.yml or the
templates rebuilds everything, because every page carries the navigation and the theme.
A rebuild that finds errors builds nothing: the last good site stays, with the problems laid over
every page (file:line:col, as `kbtool validate` prints them) until they are fixed.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException
from mkdocs.livereload import LiveReloadServer

from kbtool import pipeline
from kbtool.mkdocs.plugin import resolve_root, site_renderer
from kbtool.problems import KbError, Problem
from kbtool.reading.layout import CONFIG_FILE, CONTENT_DIRS
from kbtool.reporters import format_text
from kbtool.site.pages import navigation
from kbtool.terminal import safe_for_terminal

Progress = Callable[[str], None]

_OVERLAY_STYLE = ("position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:10000;margin:0;"
                  "padding:1rem 1.25rem;background:#fff3f3;color:#5c0000;border-top:4px solid #b00020;"
                  "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
                  "box-shadow:0 -4px 16px rgba(0,0,0,.2)")


def problems_overlay(problems: list[Problem]) -> str:
    """The HTML laid over every preview page while the knowledge base has errors."""
    lines = "".join(
        f"<li><code>{html.escape(safe_for_terminal(f'{p.path}:{p.line}:{p.column}'))}</code> "
        f"{html.escape(p.level.value)} [{html.escape(safe_for_terminal(p.rule))}] "
        f"{html.escape(safe_for_terminal(p.message))}"
        + (f"<br><small>hint: {html.escape(safe_for_terminal(p.hint))}</small>" if p.hint else "")
        + "</li>"
        for p in problems)
    count = f"{len(problems)} error{'s' * (len(problems) != 1)}"
    return (f'<aside id="kbtool-problems" role="alert" data-kb-problems="{len(problems)}" style="{_OVERLAY_STYLE}">'
            f"<strong>kbtool: the knowledge base has {count}; this preview shows the last good build."
            "</strong> Fix them and save: the page reloads by itself."
            f'<ul style="margin:.5rem 0 0;padding-left:1.25rem">{lines}</ul></aside>')


def write_changed(pages: list[Any], folder: Path, known: dict[str, str]) -> tuple[int, bool]:
    """Write each page's Markdown into `folder` only if it differs from what `known` says is there.

    Unchanged files keep their modification time, which is what MkDocs' dirty build compares with
    the built HTML. Returns (pages written, whether the set of pages changed); `known` is updated.
    """
    written = 0
    wanted = {page.src_uri: page.markdown for page in pages}
    reshaped = set(wanted) != set(known)
    for src, markdown in wanted.items():
        if known.get(src) == markdown:
            continue
        path = folder / src
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(markdown, encoding="utf-8")
        os.replace(temporary, path)
        known[src] = markdown
        written += 1
    for src in set(known) - set(wanted):
        (folder / src).unlink(missing_ok=True)
        del known[src]
    return written, reshaped


@dataclass
class Preview:
    """The state a serve session keeps between rebuilds."""

    root: Path
    config_file: Path
    site_dir: Path
    progress: Progress
    pages_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="kbtool-pages-")))
    problems: list[Problem] = field(default_factory=list)
    known: dict[str, str] = field(default_factory=dict)
    nav: Any = None
    stamps: tuple[float, ...] = ()
    builds: int = 0
    entry_cache: dict[Any, Any] = field(default_factory=dict)
    loaded: dict[Any, Any] = field(default_factory=dict)  # files parsed by earlier rebuilds
    last_pages_rendered: int = 0

    def _stamps(self, templates_dir: Path | None) -> tuple[float, ...]:
        paths = [self.root / CONFIG_FILE, self.config_file]
        if templates_dir is not None and templates_dir.is_dir():
            paths += sorted(templates_dir.iterdir())
        return tuple(path.stat().st_mtime_ns if path.exists() else -1 for path in paths)

    def rebuild(self, checked: Any = None) -> None:
        """Check, render and build what changed; content errors go to `problems`, never raised."""
        started = time.process_time()
        checked = checked if checked is not None else pipeline.check(self.root, self.loaded)
        if checked.errors:
            self.problems = list(checked.errors)
            self.progress("the knowledge base has errors; the preview keeps the last good build:\n"
                          + format_text(self.problems).rstrip("\n"))
            return
        self.problems = []
        config = load_config(str(self.config_file), site_dir=str(self.site_dir))
        plugin = config.plugins.get("kbtool")
        if plugin is None:  # a team mkdocs.yml without kbtool: plain MkDocs rebuilds everything
            build(config)
            return
        templates = plugin.config.templates_dir
        templates_dir = resolve_root(config.config_file_path, templates) if templates else None
        stamps = self._stamps(templates_dir)
        if stamps != self.stamps:
            self.entry_cache.clear()  # kb.yaml, mkdocs.yml or a template changed: every page may differ
        renderer = site_renderer(checked.kb, config, plugin.config)
        renderer.entry_cache = self.entry_cache
        pages = renderer.pages()
        if len(self.entry_cache) > 2 * len(checked.kb.entries) + 100:
            self.entry_cache.clear()  # edits leave old keys behind; start afresh now and then
        nav = navigation(pages, renderer.scorecard_channels())
        written, reshaped = write_changed(pages, self.pages_dir, self.known)
        dirty = self.builds > 0 and not reshaped and nav == self.nav and stamps == self.stamps
        self.nav, self.stamps = nav, stamps
        plugin.checked, plugin.rendered, plugin.pages_dir = checked, pages, self.pages_dir
        mkdocs_log = logging.getLogger("mkdocs.commands.build")
        quiet = _DropDirtyWarning()
        mkdocs_log.addFilter(quiet)
        try:
            build(config, serve_url=None, dirty=dirty)
        finally:
            mkdocs_log.removeFilter(quiet)
        self.builds += 1
        self.last_pages_rendered = written if dirty else len(pages)
        took = time.process_time() - started
        what = f"{written} changed page{'s' * (written != 1)}" if dirty else f"all {len(pages)} pages"
        self.progress(f"rebuilt {what} in {took:.2f} s CPU")


class _DropDirtyWarning(logging.Filter):
    """MkDocs warns on every dirty build that navigation may be stale; here it never is, because
    any change to the navigation or the set of pages makes a full build."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


def serve_preview(root: Path, config_file: Path, dev_addr: str, checked: Any, progress: Progress,
                  open_in_browser: bool = False) -> None:
    """Serve the preview on `dev_addr` until interrupted; the first build reuses `checked`.

    MkDocs' own failures (a bad mkdocs.yml, a port in use) come out as KbError, so the command
    line needs to know nothing of MkDocs.
    """
    try:
        _serve(root, config_file, dev_addr, checked, progress, open_in_browser)
    except MkDocsException as exc:
        raise KbError(str(exc)) from None


def _serve(root: Path, config_file: Path, dev_addr: str, checked: Any, progress: Progress,
           open_in_browser: bool) -> None:
    site_dir = Path(tempfile.mkdtemp(prefix="kbtool-preview-"))
    preview = Preview(root, config_file, site_dir, progress)

    class PreviewServer(LiveReloadServer):
        def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
            content = super()._inject_js_into_html(content, epoch)
            if not preview.problems:
                return content
            overlay = problems_overlay(preview.problems).encode("utf-8")
            end = content.rfind(b"</body>")
            return content[:end] + overlay + content[end:] if end >= 0 else content + overlay

    host, _, port = dev_addr.rpartition(":")
    config = load_config(str(config_file), site_dir=str(site_dir))
    server = PreviewServer(builder=preview.rebuild, host=host.strip("[]"), port=int(port), root=str(site_dir),
                           mount_path="/")
    try:
        preview.rebuild(checked)
        for name in (*CONTENT_DIRS, CONFIG_FILE):
            if (root / name).exists():
                server.watch(str(root / name))
        server.watch(str(config_file))
        if os.path.isdir(config.docs_dir):
            server.watch(config.docs_dir)
        plugin = config.plugins.get("kbtool")
        if plugin is not None and plugin.config.templates_dir:
            server.watch(str(resolve_root(config.config_file_path, plugin.config.templates_dir)))
        try:
            server.serve(open_in_browser=open_in_browser)
        except KeyboardInterrupt:
            progress("stopped")
        finally:
            server.shutdown()
    finally:
        shutil.rmtree(site_dir, ignore_errors=True)
        shutil.rmtree(preview.pages_dir, ignore_errors=True)
