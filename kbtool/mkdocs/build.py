"""`kbtool build` as a library: validate, build the site into a fresh folder, check it, swap it in.

`mkdocs build` empties its output folder before writing, so a failed build would leave a half
site. Here MkDocs writes into a temporary sibling of the site folder; the result is scanned for
executable markup and only then renamed into place, with the previous build kept beside it for
rollback. A lock file stops two builds writing the same site at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from kbtool.problems import Problem

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "data" / "mkdocs.default.yml"
Progress = Callable[[str], None]


class SiteError(Exception):
    """The site could not be built (MkDocs failed, another build holds the lock, unsafe output)."""


class ContentErrors(SiteError):
    """The knowledge base has validation errors; `problems` holds all of them, warnings too."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("the knowledge base has errors")
        self.problems = problems


class BuildLocked(SiteError):
    pass


@dataclass(frozen=True)
class Finding:
    """Executable markup found in the built site: the file (relative to the site) and what it is."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


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


# -- configuration ----------------------------------------------------------------------------

def find_config(root: Path) -> Path | None:
    for name in ("mkdocs.yml", "mkdocs.yaml"):
        if (root / name).is_file():
            return root / name
    return None


def default_config_text(root: Path, site_name: str, docs_dir: Path) -> str:
    """kbtool's built-in mkdocs.yml, pointed at `root`, for a root without one of its own."""
    import yaml

    data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    # site_name reaches every page's <title> unescaped by the theme, so it is escaped here.
    from kbtool.site.text import heading

    data["site_name"] = str(heading(site_name))
    data["docs_dir"] = str(docs_dir)
    data["plugins"] = [{"kbtool": {"root": str(root)}} if p == "kbtool" else p for p in data["plugins"]]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@contextlib.contextmanager
def mkdocs_config_file(root: Path, site_name: str) -> Iterator[Path]:
    """The mkdocs.yml to build with: the root's own, or the built-in default in a temp folder."""
    own = find_config(root)
    if own is not None:
        yield own
        return
    with tempfile.TemporaryDirectory(prefix="kbtool-config-") as work:
        docs = Path(work) / "docs"
        docs.mkdir()
        config = Path(work) / "mkdocs.yml"
        config.write_text(default_config_text(root, site_name, docs), encoding="utf-8")
        yield config


def default_site_dir(root: Path) -> Path:
    """Where the site goes without --site-dir: mkdocs.yml's site_dir, else ROOT/site."""
    own = find_config(root)
    if own is not None:
        import yaml

        with contextlib.suppress(Exception):
            # mkdocs.yml may hold !!python tags; only a plain site_dir line matters here.
            match = re.search(r"^site_dir:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(?:#.*)?$",
                              own.read_text(encoding="utf-8"), re.MULTILINE)
            if match:
                return (root / yaml.safe_load(match.group(1))).resolve()
    return (root / "site").resolve()


# -- the lock and the swap --------------------------------------------------------------------

@contextlib.contextmanager
def build_lock(site_dir: Path) -> Iterator[Path]:
    """Hold an exclusive lock for `site_dir`; fail at once with a clear message if it is taken."""
    lock_path = site_dir.parent / f".{site_dir.name}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path, "a+")  # noqa: SIM115 - held for the whole build
    try:
        try:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - Windows: msvcrt locks a byte range instead
            import msvcrt

            try:
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            except OSError as exc:
                raise BlockingIOError from exc
    except BlockingIOError:
        handle.close()
        raise BuildLocked(f"another kbtool build is already writing {site_dir} (lock file {lock_path}); "
                          "wait for it to finish, then run the build again") from None
    try:
        yield lock_path
    finally:
        handle.close()  # closing releases the lock


def previous_dir(site_dir: Path) -> Path:
    return site_dir.parent / f".{site_dir.name}.previous"


# Every build writes this file into its site, so a later build knows the folder is its own to
# replace. A folder without it (user files, a mistyped --site-dir) is never renamed or deleted.
SITE_MARKER = ".kbtool-site"
_MARKER_TEXT = "This folder was built by `kbtool build`; the next build replaces it.\n"
# Sites built before the marker existed are recognised by the asset kbtool's MkDocs plugin
# writes into every site it builds, so upgrading kbtool does not lock a team out of its site.
_LEGACY_SIGNS = ("index.html", "assets/kbtool/iframe-worker.js")


class UnsafeSiteDir(SiteError):
    """The site folder names something a build must not replace or delete: a usage error."""


def mark_site(folder: Path) -> None:
    """Mark a freshly built site as kbtool's own, so the next build may replace it."""
    (folder / SITE_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")


def is_kbtool_site(folder: Path) -> bool:
    """True when `folder` is a site kbtool built (it carries the marker, or the legacy signs)."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    if (folder / SITE_MARKER).is_file():
        return True
    return all((folder / sign).is_file() for sign in _LEGACY_SIGNS)


def _is_empty_folder(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is None
    except OSError:
        return False


def _protected(site_dir: Path, root: Path | None) -> str | None:
    """Why `site_dir` may never be replaced, whatever it holds; None when it may be."""
    if site_dir == Path(site_dir.anchor):
        return "it is the root of the file system"
    try:
        home = Path.home().resolve()
    except (OSError, RuntimeError):  # no home folder (some service accounts)
        home = None
    if home is not None and home.is_relative_to(site_dir):
        return "it is your home folder" if home == site_dir else "it holds your home folder"
    if root is not None:
        from kbtool.source.layout import CONTENT_DIRS

        root = root.resolve()
        if root == site_dir:
            return "it is the knowledge base's root folder"
        if root.is_relative_to(site_dir):
            return "it holds the knowledge base"
        for name in CONTENT_DIRS:
            if site_dir.is_relative_to(root / name):
                return f"it is inside the content folder {name}/"
    return None


def check_site_dir(site_dir: Path, root: Path | None = None) -> None:
    """Raise UnsafeSiteDir unless a build may put its site at `site_dir`.

    Allowed: a missing or empty folder, or a site kbtool built. Never the file-system root,
    the home folder, the knowledge base's root or anything in its content folders.
    """
    site_dir = Path(os.path.abspath(site_dir))
    if site_dir.is_symlink():
        raise UnsafeSiteDir(f"refusing to use {site_dir} as the site folder: it is a symbolic link; "
                            "pass the folder it points to as --site-dir")
    site_dir = site_dir.resolve()
    why = _protected(site_dir, root)
    if why is not None:
        raise UnsafeSiteDir(f"refusing to use {site_dir} as the site folder: {why}, and a build replaces "
                            "its site folder completely; pass a separate --site-dir such as ROOT/site")
    if not site_dir.exists():
        return
    if not site_dir.is_dir():
        raise UnsafeSiteDir(f"refusing to use {site_dir} as the site folder: it is a file, not a folder")
    if not _is_empty_folder(site_dir) and not is_kbtool_site(site_dir):
        raise UnsafeSiteDir(f"refusing to replace {site_dir}: it holds files kbtool did not build (there is no "
                            f"{SITE_MARKER} file in it), and a build replaces its site folder completely; "
                            "pass an empty or new folder as --site-dir")


def _remove_previous(previous: Path) -> None:
    """Delete the rollback copy, which only a kbtool build may have left there."""
    if not (previous.exists() or previous.is_symlink()):
        return
    if previous.is_symlink() or not previous.is_dir() or not (
            _is_empty_folder(previous) or is_kbtool_site(previous)):
        raise UnsafeSiteDir(f"refusing to delete {previous}: kbtool keeps the previous build there, but this "
                            f"is not one (there is no {SITE_MARKER} file in it); move it elsewhere and build again")
    shutil.rmtree(previous)


def swap_into_place(new: Path, site_dir: Path, root: Path | None = None) -> Path | None:
    """Move the checked build to `site_dir`, keeping the old one as the rollback copy.

    Refuses (UnsafeSiteDir) to touch a `site_dir` or rollback copy that is not kbtool's own.
    """
    if not (new / SITE_MARKER).is_file():
        raise SiteError(f"{new} is not a finished kbtool build (no {SITE_MARKER} file)")
    check_site_dir(site_dir, root)
    previous = previous_dir(site_dir)
    _remove_previous(previous)
    had_site = site_dir.exists()
    if had_site:
        os.rename(site_dir, previous)
    try:
        os.rename(new, site_dir)
    except BaseException:
        if had_site and not site_dir.exists():
            os.rename(previous, site_dir)
        raise
    return previous if had_site else None


def rollback(site_dir: Path, root: Path | None = None) -> Path:
    """Swap the previous build back in (and the current one out, so rollback can be undone)."""
    site_dir = site_dir.resolve()
    previous = previous_dir(site_dir)
    if not previous.is_dir():
        raise SiteError(f"there is no previous build of {site_dir} to roll back to")
    check_site_dir(site_dir, root)
    if previous.is_symlink() or not is_kbtool_site(previous):
        raise UnsafeSiteDir(f"refusing to roll back to {previous}: it is not a kbtool build (there is no "
                            f"{SITE_MARKER} file in it)")
    with build_lock(site_dir):
        parking = site_dir.parent / f".{site_dir.name}.rollback-{os.getpid()}"
        if site_dir.exists():
            os.rename(site_dir, parking)
        os.rename(previous, site_dir)
        if parking.exists():
            os.rename(parking, previous)
    return site_dir


# -- the post-build scan ------------------------------------------------------------------------

_URL_ATTRS = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"})
# Matched after _CONTROL has removed what browsers ignore inside a scheme; the colon is required,
# so a relative link such as "javascript&colon;x" (an & the page escapes) is not mistaken for one.
_BAD_SCHEME = re.compile(r"^(?:javascript:|vbscript:|data:text/html)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_ACTIVE_TAGS = frozenset({"iframe", "object", "embed", "frame", "frameset", "base", "applet"})
# The inline scripts Material's own templates write (scope, palette, anchor fix-up). Content never
# writes scripts at all, so these are recognised by how they start, and only outside <article>.
_THEME_INLINE = ("__md_scope=", "var palette=", "var target=", "var media=", "document$")
# Theme script hosts (Material's polyfills and Mermaid come from these when online).
_THEME_HOSTS = ("https://unpkg.com/", "https://cdn.jsdelivr.net/")


class _Scanner(HTMLParser):
    """Finds executable markup in one HTML document or fragment."""

    def __init__(self, path: str, fragment: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.fragment = fragment  # search-index text: no script of any kind is allowed
        self.findings: list[Finding] = []
        self.article_depth = 0
        self.script: tuple[int, dict[str, str]] | None = None
        self.script_text: list[str] = []

    def _find(self, message: str) -> None:
        self.findings.append(Finding(self.path, self.getpos()[0], message))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self._find(f"<{tag}> has an event-handler attribute '{name}'")
            if name in _URL_ATTRS or name == "srcdoc":
                if name == "srcdoc" or _BAD_SCHEME.match(_CONTROL.sub("", value)):
                    self._find(f"<{tag}> has an executable URL in '{name}': {value[:60]!r}")
        if tag in _ACTIVE_TAGS:
            self._find(f"<{tag}> element")
        if tag == "article":
            self.article_depth += 1
        if tag == "script":
            self.script = (self.getpos()[0], values)
            self.script_text = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)
        elif tag == "article":
            self.article_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            self.script_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self.article_depth:
            self.article_depth -= 1
        if tag == "script" and self.script is not None:
            line, attrs = self.script
            self.script = None
            if not self._theme_script(attrs, "".join(self.script_text)):
                where = "page content" if self.article_depth or self.fragment else "the page"
                self.findings.append(Finding(self.path, line, f"<script> in {where}"))

    def _theme_script(self, attrs: dict[str, str], text: str) -> bool:
        if self.fragment or self.article_depth:
            return False
        if attrs.get("type") == "application/json":
            try:
                json.loads(text)
                return True
            except ValueError:
                return False
        src = attrs.get("src")
        if src is not None:
            return not text.strip() and (not re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I) or src.startswith(_THEME_HOSTS))
        return text.lstrip().startswith(_THEME_INLINE) and len(text) < 4000


# A quick first pass: pages with none of these tokens, and only theme scripts outside <article>,
# cannot hold executable markup, so the (slow, pure-Python) HTML parser runs only on the rest.
# Each check matches at least what the parser would report (a false alarm only costs a parse).
# It runs over the page's UTF-8 bytes lower-cased once: byte patterns without IGNORECASE and
# each led by a literal are many times faster than case-insensitive text patterns, and pages
# grow with the navigation (every page carries its section's links), so this pass is most of
# the scan. Bytes from 0x80 up may be Unicode whitespace, so they count as separators.
_WS = bytes(range(0x21)) + bytes(range(0x80, 0x100))
_ATTR_BEFORE = frozenset(b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f/\"'\x00") | frozenset(range(0x80, 0x100))
_EVENT = re.compile(rb"on[^\s/>=\x1c-\x1f]*[\s\x1c-\x1f\x80-\xff]*=")
_SCRIPT_URL = re.compile(rb"script[\x00-\x20]*:")
_ACTIVE_TOKENS = (b"srcdoc", b"text/html")
_ACTIVE_TAG = re.compile(rb"<\s*(?:iframe|object|embed|frame|base|applet)\b")
# An attribute value that starts with any scheme but a few safe ones, or has an entity (decoded
# before use) where a scheme could be; browsers drop control characters and spaces inside a
# scheme, so those count as scheme characters. Led by "=", the attribute name is checked after.
_URL_VALUE = re.compile(rb"""=[\x00-\x20\x80-\xff]*["']?(?:[a-z0-9+.\-\x00-\x20]*&|"""
                        rb"""[\x00-\x20]*(?!(?:https?|mailto|tel|file):)[a-z][a-z0-9+.\-\x00-\x20]*:)""")
_URL_NAMES = (b"href", b"src", b"action", b"formaction", b"data", b"poster", b"background")
_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_SCRIPT_OPEN = re.compile(rb"<script\b", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def _suspect_tokens(lower: bytes) -> bool:
    """Anything in lower-cased HTML that might be an event handler, script URL or active element."""
    match = _EVENT.search(lower)
    while match:
        if match.start() == 0 or lower[match.start() - 1] in _ATTR_BEFORE:
            return True
        match = _EVENT.search(lower, match.start() + 1)
    for match in _SCRIPT_URL.finditer(lower):
        if lower.endswith((b"java", b"vb"), 0, match.start()):
            return True
    if any(token in lower for token in _ACTIVE_TOKENS) or _ACTIVE_TAG.search(lower):
        return True
    for match in _URL_VALUE.finditer(lower):
        start = match.start()
        name = lower[max(0, start - 64):start].rstrip(_WS + b"=")
        if not name and start > 64 or name.endswith(_URL_NAMES):
            return True
    return False


def _looks_clean(data: bytes, fragment: bool) -> bool:
    if _suspect_tokens(data.lower()):
        return False
    if fragment:
        return not _SCRIPT_OPEN.search(data)
    start, end = data.find(b"<article"), data.rfind(b"</article>")
    scripts = list(_SCRIPT.finditer(data))
    if len(scripts) != len(_SCRIPT_OPEN.findall(data)):
        return False
    probe = _Scanner("", False)
    for match in scripts:
        if start != -1 and start < match.start() < end:
            return False
        head, body = (group.decode("utf-8", "replace") for group in match.groups())
        attrs = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _ATTR.finditer(head)}
        if not probe._theme_script(attrs, body):
            return False
    return True


def scan_html(text: str | bytes, path: str, fragment: bool = False) -> list[Finding]:
    """Executable markup in one page (or, with `fragment`, one piece of search-index text)."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    if _looks_clean(data, fragment):
        return []
    scanner = _Scanner(path, fragment)
    scanner.feed(text if isinstance(text, str) else data.decode("utf-8", "replace"))
    scanner.close()
    return scanner.findings


def scan_search_index(path: Path, display: str) -> list[Finding]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [Finding(display, 1, f"unreadable search index: {exc}")]
    findings: list[Finding] = []
    for number, doc in enumerate(data.get("docs", []), start=1):
        for key in ("title", "text"):
            for finding in scan_html(str(doc.get(key, "")), display, fragment=True):
                findings.append(Finding(display, number, f"entry {number} ({doc.get('location', '')!r}) "
                                                         f"{key}: {finding.message}"))
        if _BAD_SCHEME.match(_CONTROL.sub("", str(doc.get("location", "")))):
            findings.append(Finding(display, number, "executable URL in a search location"))
    return findings


def scan_site(site: Path) -> list[Finding]:
    """Every piece of executable markup in a built site's pages and search index."""
    findings: list[Finding] = []
    for file in sorted(site.rglob("*.html")):
        rel = file.relative_to(site).as_posix()
        findings.extend(scan_html(file.read_bytes(), rel))
    index = site / "search" / "search_index.json"
    if index.exists():
        findings.extend(scan_search_index(index, "search/search_index.json"))
    return findings


# -- the build ------------------------------------------------------------------------------------

def checked_or_error(root: Path) -> Any:
    """The pipeline's Checked for `root`; an unusable root is a SiteError."""
    from kbtool.pipeline import check
    from kbtool.problems import KbError

    try:
        return check(root)
    except KbError as exc:
        raise SiteError(str(exc)) from None


def _run_mkdocs(config_file: Path, out_dir: Path, checked: Any) -> None:
    import logging

    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, MkDocsException

    class Errors(logging.Handler):
        """MkDocs logs why it stopped and raises only "Aborted with a BuildError!"."""

        def __init__(self) -> None:
            super().__init__(logging.ERROR)
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if message not in self.messages:
                self.messages.append(message)

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    logger = logging.getLogger("mkdocs")
    logger.setLevel(logging.WARNING)
    errors = Errors()
    logger.addHandler(errors)
    try:
        config = load_config(str(config_file), site_dir=str(out_dir), strict=True)
        plugin = config.plugins.get("kbtool")
        if plugin is not None:
            plugin.checked = checked  # the knowledge base this build already loaded and checked
        build(config)
    except Abort as exc:
        why = "".join(f"\n  {m}" for m in errors.messages if str(exc) not in m)
        raise SiteError(f"MkDocs stopped the build: {exc}{why}") from None
    except MkDocsException as exc:
        raise SiteError(str(exc)) from None
    finally:
        logger.removeHandler(errors)


def build_site(root: Path, site_dir: Path | None = None, progress: Progress = _noop,
               search_index: bool = True) -> BuildResult:
    """Validate `root`, build the search index, then its site into `site_dir` (swap on success).

    The terminal search index comes first: it depends only on the knowledge base, and built after
    the site it sat on top of the memory MkDocs and Material keep (about 100 MB at 10,000 entries).
    """

    started = time.perf_counter()
    root = Path(root).resolve()
    site_dir = Path(site_dir).resolve() if site_dir else default_site_dir(root)
    check_site_dir(site_dir, root)  # before validating: a wrong --site-dir is a usage error
    progress(f"validating {root}")
    checked = checked_or_error(root)
    kb = checked.kb
    if checked.errors:
        raise ContentErrors(checked.problems)
    warnings = checked.warnings
    from kbtool.sitesearch.meaning import unavailable

    reason = unavailable(kb.config)
    if reason:
        progress(f"note: {reason}")
    index_path = build_search_index(kb, progress) if search_index else None
    from kbtool.memory import release_free_memory

    release_free_memory(collect=True)  # what the index build freed, before the site's pages
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(site_dir):
        for stale in site_dir.parent.glob(f".{site_dir.name}.building-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by an interrupted build
        out = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.building-", dir=site_dir.parent))
        try:
            with mkdocs_config_file(root, kb.config.name) as config_file:
                progress(f"building the site with {config_file.name if config_file.parent == root else 'the built-in configuration'}"
                         f" ({len(kb.published())} entries)")
                _run_mkdocs(config_file, out, checked)
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
        except BaseException:
            shutil.rmtree(out, ignore_errors=True)
            raise
    progress(f"site written to {site_dir} ({pages} pages)" + (f"; previous build kept in {previous}" if previous else ""))
    return BuildResult(site_dir, pages, time.perf_counter() - started, warnings, previous, index_path)


def build_search_index(kb: Any, progress: Progress = _noop) -> Path | None:
    """Build the terminal search index when kbtool.search.api provides one (it is a separate module)."""
    import importlib

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
