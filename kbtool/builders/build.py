"""`kbtool build` as a library: validate, build the site into a fresh folder, check it, swap it in.

`mkdocs build` empties its output folder before writing, so a failed build would leave a half
site. Here the builder writes into a temporary sibling of the site folder; the result is scanned
for executable markup and only then renamed into place, with the previous build kept beside it
for rollback. A lock file stops two builds writing the same site at once.
"""

from __future__ import annotations

import importlib
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kbtool import pipeline
from kbtool.builders.errors import ContentErrors, SiteError
from kbtool.builders.htmlscan import scan_site
from kbtool.builders.lock import build_lock
from kbtool.builders.sitefolder import check_site_dir, mark_site, swap_into_place
from kbtool.builders.zensical import build_with_zensical, zensical_version
from kbtool.format.common import SITE_BUILDERS
from kbtool.memory import release_free_memory
from kbtool.mkdocs.build import run_mkdocs
from kbtool.mkdocs.config import default_site_dir, mkdocs_config_file
from kbtool.problems import KbError, Problem
from kbtool.reading.layout import CONFIG_FILE
from kbtool.sitesearch.meaning import unavailable

Progress = Callable[[str], None]
# The builders `kbtool build --builder` and kb.yaml's `site: {builder: ...}` name; the first is the default.
BUILDERS = SITE_BUILDERS


@dataclass
class BuildResult:
    site_dir: Path
    pages: int
    seconds: float
    warnings: list[Problem] = field(default_factory=list)
    previous: Path | None = None
    search_index: Path | None = None


def _noop(message: str) -> None:
    pass


def checked_or_error(root: Path) -> Any:
    """The pipeline's Checked for `root`; an unusable root is a SiteError."""
    try:
        return pipeline.check(root)
    except KbError as exc:
        raise SiteError(str(exc)) from None


def configured_builder(root: Path) -> str | None:
    """kb.yaml's `site: {builder: ...}`, if it names one (validation reports anything else)."""
    # Read here rather than carried on KbConfig: one small file, and only `kbtool build` asks.
    try:
        data = yaml.safe_load((root / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return None
    site = data.get("site") if isinstance(data, dict) else None
    builder = site.get("builder") if isinstance(site, dict) else None
    return builder if builder in BUILDERS else None


def chosen_builder(root: Path, builder: str | None = None) -> str:
    """The builder to use: the one asked for, else kb.yaml's, else MkDocs. A builder that is not
    installed is a BuilderMissing error naming the extra that brings it."""
    chosen = builder or configured_builder(root) or BUILDERS[0]
    if chosen not in BUILDERS:
        raise SiteError(f"unknown builder {chosen!r}; choose one of: {', '.join(BUILDERS)}")
    if chosen == "zensical":
        zensical_version()
    return chosen


def build_site(root: Path, site_dir: Path | None = None, progress: Progress = _noop,
               search_index: bool = True, builder: str | None = None) -> BuildResult:
    """Validate `root`, build the search index, then its site into `site_dir` (swap on success).

    `builder` is "mkdocs" or "zensical"; None takes kb.yaml's `site: {builder: ...}`, else MkDocs.
    The terminal search index comes first: it depends only on the knowledge base, and built after
    the site it sat on top of the memory MkDocs and Material keep (about 100 MB at 10,000 entries).
    """
    started = time.perf_counter()
    root = Path(root).resolve()
    site_dir = Path(site_dir).resolve() if site_dir else default_site_dir(root)
    check_site_dir(site_dir, root)  # before validating: a wrong --site-dir is a usage error
    builder = chosen_builder(root, builder)  # before validating too: a missing builder needs no wait
    progress(f"validating {root}")
    checked = checked_or_error(root)
    kb = checked.kb
    if checked.errors:
        raise ContentErrors(checked.problems)
    warnings = checked.warnings
    reason = unavailable(kb.config)
    if reason:
        progress(f"note: {reason}")
    index_path = build_search_index(kb, progress) if search_index else None
    release_free_memory(collect=True)  # what the index build freed, before the site's pages
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(site_dir):
        for stale in site_dir.parent.glob(f".{site_dir.name}.building-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by an interrupted build
        # The builder writes work/site; a builder reading a staged folder stages it beside, in
        # work too, so one rename swaps the site in and one rmtree clears the rest.
        work = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.building-", dir=site_dir.parent))
        out = work / "site"
        try:
            if builder == "zensical":
                build_with_zensical(root, checked, work, progress)
            else:
                with mkdocs_config_file(root, kb.config.name) as config_file:
                    progress(f"building the site with {config_file.name if config_file.parent == root else 'the built-in configuration'}"
                             f" ({len(kb.published())} entries)")
                    run_mkdocs(config_file, out, checked)
            progress("checking the built pages and search index for executable markup")
            findings = scan_site(out)
            if findings:
                shown = "\n".join(f"  {f}" for f in findings[:20])
                more = f"\n  ... and {len(findings) - 20} more" if len(findings) > 20 else ""
                raise SiteError(f"the built site contains executable markup; {site_dir} was left as it was:\n"
                                f"{shown}{more}")
            pages = sum(1 for _ in out.rglob("*.html"))
            mark_site(out)
            previous = swap_into_place(out, site_dir, root)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    progress(f"site written to {site_dir} ({pages} pages)" + (f"; previous build kept in {previous}" if previous else ""))
    return BuildResult(site_dir, pages, time.perf_counter() - started, warnings, previous, index_path)


def build_search_index(kb: Any, progress: Progress = _noop) -> Path | None:
    """Build the terminal search index when kbtool.search.api provides one (it is a separate module)."""
    try:
        search = importlib.import_module("kbtool.search.api")
    except ImportError:
        progress("search index: skipped (kbtool.search.api is not installed)")
        return None
    build_index = getattr(search, "build_index", None)
    if build_index is None:
        progress("search index: skipped (kbtool.search.api has no build_index)")
        return None
    progress("building the search index for `kbtool search`")
    path = build_index(kb)
    progress(f"search index written to {path}")
    return path
