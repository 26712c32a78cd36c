"""Hand the raw HTML blocks of generated pages to Python-Markdown ready-stashed.

Generated pages are mostly raw HTML blocks between Markdown headings. Python-Markdown finds
such blocks with a pure-Python HTML parser (and MkDocs parses the page once more for anchor
ids), which was the largest extra cost of a kbtool build. Blocks whose extent is certain are
found here with one regular expression per tag and stored in Markdown's own HTML stash, exactly
as its `html_block` preprocessor would store them; the rest of the page is left untouched, and
anything unusual (comments, script-like elements, a `<` that is not a well-formed tag, inline
HTML in Markdown text) stops the fast path for the rest of the page, so Markdown itself decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

# A well-formed start tag (quoted or simple attribute values, optional self-closing slash) or
# end tag. A backtick outside quotes is excluded because Python-Markdown does not read it as a tag.
_TAG = re.compile(r"""<(?:(/)([a-zA-Z][a-zA-Z0-9-]*)\s*|([a-zA-Z][a-zA-Z0-9-]*)"""
                  r"""((?:\s+[^\s"'>/=`<]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(/?))>""")
_START = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")
# Elements whose content an HTML parser does not read as markup, and so not ours to judge.
_OPAQUE = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
                     "noscript", "plaintext", "hr"})


def stash_raw_blocks(lines: list[str], store: Callable[[str], str],
                     is_block_level: Callable[[str], bool]) -> list[str]:
    """`lines` with each certain raw HTML block replaced by `store(block)` between blank lines."""
    out: list[str] = []
    i, count = 0, len(lines)
    while i < count:
        line = lines[i]
        if "<" not in line:
            out.append(line)
            i += 1
            continue
        start = _START.match(line)
        after_blank = not out or not out[-1].strip()
        end = _block_end(lines, i, is_block_level) if start and after_blank else None
        if end is None:
            return out + lines[i:]  # let Markdown read the rest of the page itself
        block = "\n".join(lines[i:end]).rstrip(" ")
        # Markdown keeps the newline before the blank line that ends a block, none at the end.
        out += ["", store(block + "\n" if end < count else block), ""]
        i = end
    return out


def _block_end(lines: list[str], first: int, is_block_level: Callable[[str], bool]) -> int | None:
    """The index after the last line of the raw block starting at `lines[first]`, if certain.

    Mirrors Python-Markdown's HTMLExtractor: every start tag is pushed, an end tag pops back to
    its match, and the block ends when the stack empties; that end tag must close its line and
    a blank line (or the end of the page) must follow, as for Markdown's own clean block end.
    """
    stack: list[str] = []
    for index in range(first, len(lines)):
        line = lines[index]
        pos = 0
        while True:
            lt = line.find("<", pos)
            if lt == -1:
                break
            tag = _TAG.match(line, lt)
            if tag is None:
                return None
            closing, end_name, start_name, _attrs, self_closing = tag.groups()
            name = (end_name or start_name).lower()
            if name in _OPAQUE:
                return None
            if index == first and lt == 0 and (closing or not is_block_level(name)):
                return None
            if closing:
                if name in stack:
                    while stack.pop() != name:
                        pass
                if not stack:
                    # Markdown's `blank_line_re` allows spaces only (tabs are expanded by then).
                    if line[tag.end():].strip(" "):
                        return None
                    if index + 1 == len(lines) or not lines[index + 1].strip(" "):
                        return index + 1
                    return None
            elif not self_closing:
                stack.append(name)
            elif index == first and lt == 0:
                return None  # a self-closing first tag is an empty block of its own
            pos = tag.end()
        if index == first and not stack:
            return None  # the first line held no open element
    return None


def stash_extension(is_active: Callable[[], bool]) -> Any:
    """A Python-Markdown extension that stashes certain raw blocks while `is_active()` is true."""
    class RawBlockStash(Preprocessor):
        def run(self, lines: list[str]) -> list[str]:
            if not is_active():
                return lines
            return stash_raw_blocks(lines, self.md.htmlStash.store, self.md.is_block_level)

    class RawBlockStashExtension(Extension):
        def extendMarkdown(self, md: Any) -> None:  # noqa: N802 - Python-Markdown's name
            # After normalize_whitespace (30) and fenced code (25), before MkDocs' anchor scan
            # (21) and Markdown's own html_block (20).
            md.preprocessors.register(RawBlockStash(md), "kbtool_raw_blocks", 22)

    return RawBlockStashExtension()
