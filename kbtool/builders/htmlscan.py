"""The post-build scan: executable markup in a built site's pages and search index stops the swap.

Content never writes scripts, event handlers or script URLs, and pages are sanitised as they are
rendered; this scan is the last wall, run over the finished site whatever built it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path


@dataclass(frozen=True)
class Finding:
    """Executable markup found in the built site: the file (relative to the site) and what it is."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


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
