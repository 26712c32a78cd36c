"""Where a knowledge base keeps its files, and where each entry lives on the site.

Imports nothing heavy, so `kbtool search` can check whether its index is fresh and link to
the site's anchors without loading the YAML or page machinery.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

CONTENT_DIRS = ("standards", "scripts_library")
CONFIG_FILE = "kb.yaml"


def content_files(root: Path) -> list[Path]:
    """Every entry file under the content folders, sorted so reports are stable."""
    found: list[Path] = []
    for top in CONTENT_DIRS:
        base = root / top
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            found.extend(Path(dirpath) / name for name in filenames
                         if name.endswith((".yaml", ".yml")) and not name.startswith("."))
    return sorted(found)


# The site's URL scheme, shared by the pages, the search hits and the JSON export.
KIND_FOLDERS = {"standard": "standards", "script": "scripts", "letter": "letters", "phrases": "phrases"}
_SAFE_ID = re.compile(r"[^a-z0-9-]+")


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


def anchor(slug: str) -> str:
    """An HTML id from a slug; validation guarantees slugs, this keeps a broken one harmless."""
    return _SAFE_ID.sub("-", str(slug).lower()).strip("-") or "item"
