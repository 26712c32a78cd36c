"""Zensical as a builder: the staged pages, a generated configuration, `zensical build`, then the
finishing pass that gives every page kbtool's search box and its own scripts.

Zensical reads mkdocs.yml and Material's settings but runs no MkDocs plugin: it drops `- kbtool`
(and any plugin it does not implement) without a word. So nothing here relies on the plugin:
kbtool stages every page and asset as files (kbtool.builders.staging), hands Zensical a
configuration it writes itself (the team's mkdocs.yml, minus the plugins Zensical would drop,
plus the staged folder, the navigation and kbtool's Markdown extension), and after the build
does to each HTML file what the MkDocs plugin does in its page events. Only this module imports
Zensical, and only to ask its version and which plugins it implements.
"""

from __future__ import annotations

import os
import posixpath
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kbtool.builders.errors import BuilderMissing, SiteError
from kbtool.builders.staging import WORKER_SHIM_URI, StagedSite, stage_site
from kbtool.mkdocs.config import default_config, find_config
from kbtool.site.assets import data_uri, inject

EXTRA = "kbtool[zensical]"
MARKDOWN_EXTENSION = "kbtool.builders.generated_markdown"
# Zensical's offline plugin loads its file:// worker shim from this address; desks are not
# always online, so the finishing pass points every page at the copy the site carries.
_REMOTE_WORKER_SHIM = "https://unpkg.com/iframe-worker/shim"
# Plugins kbtool itself stands in for: its own, and the search Zensical would put beside kbtool's box.
_DONE_BY_KBTOOL = ("kbtool", "search", "material/search")
Progress = Callable[[str], None]


def zensical_version() -> str:
    """The installed Zensical's version; BuilderMissing, naming the extra, when there is none."""
    try:
        import zensical  # lazy: the [zensical] extra may be missing
    except ImportError:
        raise BuilderMissing(f"the zensical builder is not installed; install it with: pip install \"{EXTRA}\" "
                             "(or build with --builder mkdocs)") from None
    return str(zensical.version())


def implemented_plugins() -> frozenset[str] | None:
    """The MkDocs plugin names the installed Zensical implements, when it says (None if it does not)."""
    try:
        from zensical import config  # lazy: the [zensical] extra may be missing
    except ImportError:
        return None
    table = getattr(config, "_PLUGIN_UNSUPPORTED_OPTIONS", None)  # its registry of the plugins it runs
    return frozenset(table) if isinstance(table, dict) else None


def plugin_names(plugins: Any) -> list[str]:
    """The names in a mkdocs.yml `plugins:` list or mapping."""
    if isinstance(plugins, dict):
        return [str(name) for name in plugins]
    names = []
    for item in plugins or []:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and len(item) == 1:
            names.append(str(next(iter(item))))
    return names


def _plugin_options(plugins: Any, name: str) -> dict[str, Any]:
    if isinstance(plugins, dict):
        return dict(plugins.get(name) or {})
    for item in plugins or []:
        if isinstance(item, dict) and name in item:
            return dict(item[name] or {})
    return {}


def dropped_plugins(plugins: Any, implemented: frozenset[str] | None) -> list[str]:
    """The team's plugins Zensical would ignore without a word (kbtool's own aside: it is staged)."""
    if implemented is None:
        return []
    return [name for name in plugin_names(plugins)
            if name not in _DONE_BY_KBTOOL and name.removeprefix("material/").split("/")[0] not in implemented]


@dataclass
class ZensicalPlan:
    """What a Zensical build of a knowledge base will use, read from its mkdocs.yml (or kbtool's default)."""

    config: dict[str, Any]
    team_docs: Path | None
    templates_dir: Path | None
    nav: bool
    site_search: bool
    notes: list[str] = field(default_factory=list)


def plan(root: Path, site_name: str) -> ZensicalPlan:
    """Read the team's mkdocs.yml the way Zensical would, and say what it would have dropped."""
    own = find_config(root)
    if own is None:
        config = default_config(site_name)
    else:
        try:
            config = yaml.safe_load(own.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise SiteError(f"{own.name}: the Zensical build reads plain YAML only (no !!python tags): {exc}") from None
        if not isinstance(config, dict):
            raise SiteError(f"{own.name}: expected a mapping of settings")
    plugins = config.get("plugins") or []
    options = _plugin_options(plugins, "kbtool")
    notes = []
    if own is not None and "kbtool" in plugin_names(plugins):
        notes.append(f"{own.name} lists `- kbtool`, which Zensical drops without a word; kbtool build stages "
                     "its pages for Zensical instead (running `zensical build` yourself would publish a site "
                     "without them)")
    dropped = dropped_plugins(plugins, implemented_plugins())
    if dropped:
        notes.append(f"Zensical does not run these plugins from {own.name if own else 'the configuration'}, so "
                     f"the site is built without them: {', '.join(dropped)}")
    docs = config.get("docs_dir", "docs") if own is not None else None
    templates = options.get("templates_dir")
    return ZensicalPlan(config, (root / docs).resolve() if docs else None,
                        (root / templates).resolve() if templates else None,
                        bool(options.get("nav", True)), bool(options.get("site_search", True)), notes)


def zensical_config(settings: dict[str, Any], staged: StagedSite, root: Path) -> dict[str, Any]:
    """The configuration Zensical builds with: the team's settings over the staged folder."""
    config = {key: value for key, value in settings.items() if key not in ("docs_dir", "site_dir", "hooks")}
    config["docs_dir"] = "docs"
    config["site_dir"] = "site"
    theme = dict(config.get("theme") or {}) if isinstance(config.get("theme"), dict) else {"name": config.get("theme")}
    # Material's look, which kbtool.css and the accessibility checks were made against.
    theme.setdefault("variant", "classic")
    if theme.get("custom_dir"):
        theme["custom_dir"] = str((root / theme["custom_dir"]).resolve())
    config["theme"] = theme
    if staged.nav is not None and not config.get("nav"):
        config["nav"] = staged.nav
    plugins = config.get("plugins") or []
    kept: list[Any] = []
    for item in ([{name: value} for name, value in plugins.items()] if isinstance(plugins, dict) else plugins):
        if plugin_names([item])[0] not in _DONE_BY_KBTOOL:
            kept.append(item)
    kept.append({"search": {"enabled": False}})  # one box on every page: kbtool's
    config["plugins"] = kept
    config["extra_css"] = [*(config.get("extra_css") or []),
                           *(css for css in staged.extra_css if css not in (config.get("extra_css") or []))]
    config["extra_javascript"] = [*(config.get("extra_javascript") or []),
                                  *(js for js in staged.extra_javascript if js not in (config.get("extra_javascript") or []))]
    extensions = list(config.get("markdown_extensions") or [])
    if MARKDOWN_EXTENSION not in extensions:
        extensions.append(MARKDOWN_EXTENSION)
    config["markdown_extensions"] = extensions
    return config


def run_zensical(config_file: Path) -> None:
    """`zensical build` for `config_file`, in its own process: Zensical's Rust core prints and may
    exit as a command line does, and its failures become a SiteError with what it said."""
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run([sys.executable, "-m", "zensical", "build", "--clean", "--config-file", str(config_file)],
                            cwd=config_file.parent, capture_output=True, text=True, env=env, check=False)
    said = (result.stdout + result.stderr).strip()
    if result.returncode == -signal.SIGKILL:
        # Zensical holds the whole rendered site in memory: at 10,000 entries 0.0.73 passed 23 GB
        # and the kernel's out-of-memory killer ended it (docs/benchmarks.md, "Builders").
        raise SiteError("Zensical was killed by the system (SIGKILL), most often for running out of memory: "
                        "it holds the whole site in memory, which a large knowledge base makes many GB. "
                        "Build with `--builder mkdocs` (it keeps pages compressed), or on a machine with more memory.")
    if result.returncode != 0:
        raise SiteError(f"Zensical stopped the build (exit {result.returncode}):\n  "
                        + "\n  ".join(said.splitlines()[-20:]))


def finish_pages(site: Path, staged: StagedSite) -> int:
    """Give each built page what the MkDocs plugin adds in its page events: the search box where
    Material's search would be, the page's own stylesheets and scripts (data first), Mermaid on
    pages that draw a diagram, and the site's own worker shim. Returns the pages finished."""
    by_url = staged.page_by_url()
    finished = 0
    for file in sorted(site.rglob("*.html")):
        rel = file.relative_to(site).as_posix()
        url = _page_url(rel, staged.directory_urls)
        html = file.read_text(encoding="utf-8")
        text = html
        page = by_url.get(url)
        if rel != "404.html":
            assets = page.assets if page is not None else ()
            data = data_uri(page.src_uri) if page is not None and page.data is not None else None
            text = inject(text, url, assets, data)
        if _REMOTE_WORKER_SHIM in text:
            text = text.replace(_REMOTE_WORKER_SHIM, _from_page(url, WORKER_SHIM_URI))
        if staged.site_search is not None:
            text = staged.site_search.page(text)
        if text != html:
            file.write_text(text, encoding="utf-8")
        finished += 1
    return finished


def _from_page(url: str, uri: str) -> str:
    """`uri` (a site path) as a link from the page at `url`."""
    folder = url if url.endswith("/") else posixpath.dirname(url)
    return posixpath.relpath(uri, folder.rstrip("/") or ".")


def _page_url(rel: str, directory_urls: bool) -> str:
    """The URL of the page written to `rel` (MkDocs' scheme: `a/` for a/index.html with directory URLs)."""
    if not directory_urls:
        return rel
    return "" if rel == "index.html" else rel[: -len("index.html")] if rel.endswith("/index.html") else rel


def missing_pages(site: Path, staged: StagedSite) -> list[str]:
    """Generated pages the build did not write (what a dropped `- kbtool` would look like)."""
    missing = []
    for url in staged.page_by_url():
        path = site / (url + "index.html" if url.endswith("/") or url == "" else url)
        if not path.is_file():
            missing.append(url or "index.html")
    return missing


def build_with_zensical(root: Path, checked: Any, work: Path, progress: Progress) -> Path:
    """Stage the site in `work`, build it with Zensical into `work`/site, finish its pages; the site."""
    version = zensical_version()
    settings = plan(root, checked.kb.config.name)
    for note in settings.notes:
        progress(f"note: {note}")
    directory_urls = settings.config.get("use_directory_urls", True) is not False
    docs = work / "docs"
    progress(f"staging the pages in {docs}")
    staged = stage_site(checked, docs, team_docs=settings.team_docs, directory_urls=directory_urls,
                        templates_dir=settings.templates_dir, nav=settings.nav, site_search=settings.site_search)
    config_file = work / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(zensical_config(settings.config, staged, root), sort_keys=False,
                                          allow_unicode=True), encoding="utf-8")
    progress(f"building the site with Zensical {version} ({len(checked.kb.published())} entries)")
    run_zensical(config_file)
    site = work / "site"
    missing = missing_pages(site, staged)
    if missing:
        raise SiteError(f"Zensical did not write {len(missing)} of kbtool's pages (first: {missing[0]})")
    finish_pages(site, staged)
    return site
