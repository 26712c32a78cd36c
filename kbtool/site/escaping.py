"""Turning contributor text into page text that can never become markup.

Three outputs, one rule each: headings and metadata are escaped character by character
(Markdown and HTML both see plain text); body text may use the inline Markdown readers expect
(emphasis, code, http/https/mailto links, lists) and is sanitised with nh3's allowlist; whole
generated pages are sanitised once more after MkDocs renders them (`sanitise_page`).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

import nh3
from markupsafe import Markup

# The one definition of an anchor, shared with search hits and exports; page templates use it
# as a filter from here.
from kbtool.publish.urls import anchor as anchor

URL_SCHEMES = frozenset({"http", "https", "mailto"})

# A blank left for the reader to fill ("[order number]") travels through escaping and Markdown
# between these two private-use characters, which neither touches; a page's finished Markdown
# then shows it as a marked blank, and attributes and headings as the plain "[order number]"
# that search and the copy buttons use. Brackets written early would read as Markdown links.
BLANK_START, BLANK_END = "\ue000", "\ue001"
_BLANK = re.compile(f"{BLANK_START}([^{BLANK_START}{BLANK_END}]*){BLANK_END}")

# What contributor text may become inside a page body: inline emphasis, code, links and lists.
FRAGMENT_TAGS = frozenset({"p", "br", "em", "strong", "code", "a", "ul", "ol", "li"})
FRAGMENT_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}}

# What a whole generated page may hold after MkDocs renders it: the fragments above plus the
# structure kbtool's own templates write (headings with ids, tables, the copy button, Mermaid).
PAGE_TAGS = FRAGMENT_TAGS | frozenset({
    "h1", "h2", "h3", "h4", "h5", "h6", "div", "span", "section", "blockquote", "hr", "pre", "mark",
    "del", "ins", "small", "sup", "sub", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "details", "summary", "button", "abbr", "dl", "dt", "dd", "nav", "kbd", "wbr",
})
PAGE_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "id", "title", "lang"},
    "button": {"type", "data-clipboard-text", "aria-label"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    # Wide tables scroll inside a labelled, keyboard-focusable region rather than the whole page.
    "div": {"tabindex", "role", "aria-label"},
    "nav": {"aria-label"},
    "a": {"href"},
    "details": {"open"},
}

# Characters Markdown (with attr_list, emphasis, links, tables, emoji shortcodes) or HTML would
# read as syntax. In headings and titles each becomes a numeric character reference: the reader
# sees the character, no parser sees syntax.
_HEADING_SPECIAL = re.compile(r"[\\`*_{}\[\]()#!|~^=<>&\"':]")
# Text with none of these is plain prose: escaping it is enough, no Markdown pass needed.
_MARKDOWN_HINT = re.compile(r"[*_`\[\]\\<>&\n]|^\s*(?:[-+*]|\d+[.)])\s", re.MULTILINE)


def blank(name: str) -> str:
    """A placeholder as a blank for the page: `order_number` -> "order number" between markers."""
    return f"{BLANK_START}{humanise(name).lower()}{BLANK_END}"


def blanks_as_text(text: str) -> str:
    """Marked blanks as the plain "[order number]" (attributes, titles, copied text)."""
    return _BLANK.sub(r"[\1]", text) if BLANK_START in text else text


def blanks_as_marks(html_text: str) -> str:
    """Marked blanks in finished page HTML as styled blanks, "[order number]" to read and copy."""
    if BLANK_START not in html_text:
        return html_text
    return _BLANK.sub(r'<mark class="kb-blank">[\1]</mark>', html_text)


def heading(text: str) -> Markup:
    """Contributor text for a Markdown heading, page title or nav label: inert, one line."""
    one_line = " ".join(blanks_as_text(str(text)).split())
    return Markup(_HEADING_SPECIAL.sub(lambda m: f"&#{ord(m.group(0))};", one_line))


def page_title(text: str) -> str:
    """A title MkDocs themes print raw *and* through Jinja's striptags (which unescapes once).

    Escaping alone is undone by striptags in Material's <title>, so angle brackets become the
    look-alike single guillemets first: the reader still sees the text, no parser sees a tag.
    """
    one_line = " ".join(str(text).split()).replace("<", "\u2039").replace(">", "\u203a")
    return html.escape(one_line, quote=True)


def attribute(text: str) -> Markup:
    """Contributor text for an HTML attribute value (already quoted by the template).

    Newlines become character references so a multi-line value never puts a blank line inside
    a raw HTML block, which Markdown would read as the end of the block.
    """
    return Markup(html.escape(blanks_as_text(str(text)), quote=True).replace("\n", "&#10;"))


def plain(text: str) -> Markup:
    """Contributor text shown verbatim inside HTML (no Markdown), e.g. 'avoid' examples."""
    return Markup(html.escape(str(text), quote=False))


@lru_cache(maxsize=1)
def _markdown() -> Any:
    # lazy: Python-Markdown (some 40 ms) loads only when a text is rendered as Markdown; kbtool init and the plain filters do without it
    import markdown

    # No extensions: no raw HTML survives (input is escaped first), no attribute lists.
    return markdown.Markdown(extensions=[], output_format="html")


def _clean_fragment(fragment: str) -> str:
    return nh3.clean(fragment, tags=set(FRAGMENT_TAGS), attributes=FRAGMENT_ATTRIBUTES,
                     url_schemes=set(URL_SCHEMES), link_rel=None, strip_comments=True)


def inline(text: str) -> Markup:
    """Contributor text for a sentence-sized spot: inline Markdown allowed, no wrapping paragraph."""
    out = block(text)
    stripped = str(out)
    if stripped.startswith("<p>") and stripped.endswith("</p>") and stripped.count("<p>") == 1:
        return Markup(stripped[3:-4])
    return out


def block(text: str) -> Markup:
    """Contributor text as HTML: paragraphs, lists, emphasis and safe links; nothing executable."""
    text = str(text)
    if not _MARKDOWN_HINT.search(text):
        return Markup("<p>" + html.escape(text, quote=False) + "</p>") if text else Markup("")
    md = _markdown()
    md.reset()
    # Escaping first means any HTML the contributor wrote is text before Markdown even looks.
    rendered = md.convert(html.escape(text, quote=False))
    return Markup(_clean_fragment(rendered))


def sanitise_page(page_html: str) -> str:
    """The second wall: allowlist-sanitise a generated page's rendered HTML."""
    return nh3.clean(page_html, tags=set(PAGE_TAGS), attributes=PAGE_ATTRIBUTES,
                     url_schemes=set(URL_SCHEMES), link_rel=None, strip_comments=True)


def file_path(text: str) -> Markup:
    """A file path that may wrap after each folder on a narrow screen, never inside a name."""
    return Markup("/<wbr>".join(html.escape(part, quote=False) for part in str(text).split("/")))


def humanise(slug: str) -> str:
    """'that-sounds-frustrating' -> 'That sounds frustrating' (slugs are validated, so plain)."""
    words = str(slug).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]




_MERMAID_UNSAFE = re.compile(r"[^\w ,.?'/-]+")


def mermaid_label(text: str, limit: int = 120) -> str:
    """Text for a Mermaid label: letters, digits and light punctuation only, never syntax."""
    cleaned = " ".join(_MERMAID_UNSAFE.sub(" ", blanks_as_text(str(text))).split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned or "…"
