"""Where each generated page lives, and relative links between pages.

Page bodies are raw HTML that MkDocs does not rewrite, so links are computed here with MkDocs'
own URL rules: `a/b.md` becomes `a/b/` with directory URLs and `a/b.html` without (the
offline plugin needs the latter so the site works from file://).
"""

from __future__ import annotations

import functools
import posixpath

from kbtool.model import Entry
from kbtool.source.layout import KIND_FOLDERS, page_url

KIND_LABELS = {"standard": "Standards", "script": "Scripts", "letter": "Letters", "phrases": "Phrases"}
KIND_SINGULAR = {"standard": "Standard", "script": "Script", "letter": "Letter", "phrases": "Phrase set"}


def entry_src(entry: Entry) -> str:
    return f"{KIND_FOLDERS[entry.kind]}/{entry.id}.md"


@functools.lru_cache(maxsize=65536)
def relative_url(from_src: str, to_src: str, directory_urls: bool, fragment: str = "") -> str:
    """A link from one page to another (or to an anchor on the same page).

    Cached: index pages link every entry and posixpath.relpath is slow enough to show in builds.
    """
    suffix = f"#{fragment}" if fragment else ""
    if from_src == to_src and fragment:
        return suffix
    source = page_url(from_src, directory_urls)
    target = page_url(to_src, directory_urls)
    base = source.rsplit("/", 1)[0] if "/" in source else "."
    if target == "" or target.endswith("/"):
        rel = posixpath.relpath(target.rstrip("/") or ".", base or ".")
        rel = "./" if rel == "." else rel + "/"
    else:
        rel = posixpath.relpath(target, base or ".")
    return rel + suffix
