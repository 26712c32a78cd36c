"""Files a page loads for itself: the stylesheets and scripts under kbtool/assets/ that a generated
page names, its data script, and Mermaid on pages that draw a diagram.

Plain functions over page URLs and strings, so any builder can ship them; the MkDocs plugin only
adds the files and calls `inject` on each page's HTML.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from kbtool.browser import SITE_FOLDER

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DATA_FOLDER = f"{SITE_FOLDER}/data"
MERMAID = "mermaid/mermaid.min.js"
FLOW = "flow/flow.js"  # opens a wide call flow on its first step on a phone
_MERMAID_MARK = 'class="mermaid"'


def site_uri(asset: str) -> str:
    """Where an asset under kbtool/assets/ is served from in the built site."""
    return f"{SITE_FOLDER}/{asset}"


def source_file(asset: str) -> Path:
    path = (ASSETS / asset).resolve()
    if ASSETS not in path.parents or not path.is_file():
        raise ValueError(f"no asset {asset!r} in kbtool/assets")
    return path


def data_uri(src_uri: str) -> str:
    """The data script of the page built from `src_uri` (a digest keeps names short and safe)."""
    return f"{DATA_FOLDER}/{hashlib.sha1(src_uri.encode('utf-8')).hexdigest()[:16]}.js"


def data_script(data: Any) -> str:
    """JavaScript that hands `data` to the page's scripts as `self.__kbpage`.

    A script file rather than JSON fetched at run time: fetch() is refused on file:// pages, and
    the site must work opened from a folder. JSON.parse of a JSON string literal keeps it data only.
    """
    return "".join(data_script_parts(data))


def _json_pieces(value: Any, depth: int) -> Iterator[str]:
    """json.dumps(value) (compact, not ASCII-escaped) in order, in pieces: containers `depth`
    levels down are opened up, and each item below is encoded whole by json's C encoder
    (JSONEncoder.iterencode would be pure Python, several times slower)."""
    if depth and isinstance(value, dict) and all(isinstance(key, str) for key in value):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield ("," if i else "") + json.dumps(key, ensure_ascii=False) + ":"
            yield from _json_pieces(item, depth - 1)
        yield "}"
    elif depth and isinstance(value, (list, tuple)):
        yield "["
        for i, item in enumerate(value):
            if i:
                yield ","
            yield from _json_pieces(item, depth - 1)
        yield "]"
    else:
        yield json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def data_script_parts(data: Any, size: int = 1 << 16) -> Iterator[str]:
    """`data_script` in pieces of about `size` characters, never all of it at once.

    A practice page of a 10,000-entry knowledge base carries megabytes of drills, and the JSON,
    its string literal and the escaped script were each a whole copy. Escaping a JSON string is
    per character, so escaping piece by piece gives the same text; a "<" ending a piece waits for
    the next, so that no "</" (which would close the script element) slips between two.
    """
    yield 'self.__kbpage=JSON.parse("'
    pending: list[str] = []
    length = 0
    carry = ""

    def escaped(text: str) -> str:
        nonlocal carry
        out = carry + json.dumps(text, ensure_ascii=True)[1:-1]
        carry = "<" if out.endswith("<") else ""
        return (out[:-1] if carry else out).replace("</", "<\\/")

    for piece in _json_pieces(data, 3):
        pending.append(piece)
        length += len(piece)
        if length >= size:
            yield escaped("".join(pending))
            pending, length = [], 0
    yield escaped("".join(pending)) + carry + '");\n'


def _relative(page_url: str, uri: str) -> str:
    base = page_url if page_url.endswith("/") or not page_url else posixpath.dirname(page_url) + "/"
    return posixpath.relpath(uri, base.rstrip("/") or ".") if base else uri


def _loads(html: str, uri: str) -> bool:
    """Whether the page already has a <script> for the site path `uri` (at any relative depth)."""
    if uri not in html:
        return False
    return re.search(rf'<script\b[^>]*\bsrc="(?:[^"]*/)?{re.escape(uri)}(?:[?#][^"]*)?"', html) is not None


def inject(html: str, page_url: str, assets: Iterable[str] = (), data_file: str | None = None) -> str:
    """The page's HTML with its stylesheets in <head> and its scripts (data first) before </body>.

    Mermaid comes with any page that draws a diagram, generated or written by the team, and with
    no other page (it is 3.5 MB of script). A script the page loads already is not added again:
    the toolkit (kbtool.browser.TOOLKIT) comes with the search box on every page when the site
    search is on, earlier in the page, and with each page that names it when it is off.
    """
    assets = list(assets)
    if _MERMAID_MARK in html:
        assets += [a for a in (MERMAID, FLOW) if a not in assets]
    if not assets and data_file is None:
        return html
    css = "".join(f'<link rel="stylesheet" href="{_relative(page_url, site_uri(a))}">'
                  for a in assets if a.endswith(".css"))
    scripts = [data_file] if data_file else []
    scripts += [uri for uri in (site_uri(a) for a in assets if a.endswith(".js")) if not _loads(html, uri)]
    js = "".join(f'<script src="{_relative(page_url, uri)}"></script>' for uri in scripts)
    if css and "</head>" in html:
        head = html.index("</head>")
        html = html[:head] + css + html[head:]
    end = html.rfind("</body>")
    return html[:end] + js + html[end:] if end >= 0 else html + js
