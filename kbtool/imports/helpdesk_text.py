"""Help-desk text made fit for an entry: HTML to plain text, placeholders to declared blanks.

Every reader hands its replies through here, so Zendesk, Freshdesk, GitHub and CSV texts end up
the same way: plain paragraphs, `{{ name }}` placeholders kbtool knows, and nothing a template
check would refuse.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape

from kbtool.format.vocab import BUILTIN_VARIABLES
from kbtool.templating import analyse

# Elements whose content is never text for a customer: scripts, styles, the document head.
_DROPPED = frozenset({"script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg"})
_BLOCKS = frozenset({"p", "div", "section", "article", "header", "footer", "blockquote", "pre", "table",
                     "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "form", "address", "figure"})
_LINES = frozenset({"br", "tr", "li", "dt", "dd"})
# A closed tag, a comment or an entity. Every repeat is bounded, so a text of `<a<a<a...` is read
# in time proportional to its length.
_HTML_HINT = re.compile(r"<!--|</?[a-zA-Z][a-zA-Z0-9]{0,20}(?:\s[^<>]{0,500})?/?>|&[a-zA-Z]{1,30};|&#\d{1,8};")


# One piece of markup at a `<`: a comment, a start or end tag, or a bogus comment (`<!DOCTYPE>`,
# `<?xml?>`, `</ x>`). Each runs to its end or, left open, to the end of the input, as a browser
# reads it, so each character is read once. (The standard library's HTMLParser, as Python 3.11
# ships it, reads an unclosed `<a` or `<!--` again from every later `<`: its square in time.) A
# tag's first reading always fits, so its repeats are possessive: nothing kept to go back to, which
# a tag of a million `=` would otherwise pile up.
_MARKUP = re.compile(r"""
    (?P<comment><!--(?:-?>|.*?--!?>|.*\Z))
  | <(?P<end>/)?(?P<tag>[A-Za-z][^\t\n\r\f />\x00]*+)
     (?P<attrs>[^>=]*+(?:=\s*+(?:"[^"]*+(?:"|\Z)|'[^']*+(?:'|\Z))?+[^>=]*+)*+)
     (?:(?P<closed>>)|\Z)
  | <(?:[!?]|/(?!\Z))[^>]*>?
""", re.VERBOSE | re.DOTALL)
_ATTR = re.compile(r"""([^\s/>][^\s/>=]*)(?:\s*=\s*("[^"]*"?|'[^']*'?|[^\s>]*))?""")
# Where the text of a <script> or <style> ends; nothing in between is markup.
_RAW_END = {tag: re.compile(rf"</{tag}(?=[\s/>]|\Z)", re.IGNORECASE) for tag in ("script", "style")}


def _attributes(text: str) -> dict[str, str | None]:
    """A tag's attributes by lower-case name, the last of a repeated one winning, values unquoted and unescaped."""
    found: dict[str, str | None] = {}
    for match in _ATTR.finditer(text):
        value = match.group(2)
        if value is not None and len(value) > 1 and value[0] in "\"'" and value[-1] == value[0]:
            value = value[1:-1]
        found[match.group(1).lower()] = unescape(value) if value else value
    return found


class _TextOf:
    """Collects the visible text of an HTML fragment, marking paragraph and line breaks."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.dropped = 0  # depth inside script/style/...
        self.link: tuple[int, str | None] | None = None  # the open link: where its text starts, its address
        self.removed: set[str] = set()

    def feed(self, html: str) -> None:
        """Read a whole fragment: text between the markup, and the markup that shows something."""
        at, size = 0, len(html)
        while at < size:
            lt = html.find("<", at)
            if lt < 0:
                lt = size
            if lt > at:
                self.handle_data(unescape(html[at:lt]))
            if lt == size:
                break
            markup = _MARKUP.match(html, lt)
            if markup is None:
                self.handle_data("<")
                at = lt + 1
                continue
            at = markup.end()
            tag = markup.group("tag")
            if tag is None or markup.group("closed") is None:
                continue  # a comment, a declaration, or a tag the input ends inside: nothing to show
            tag = tag.lower()
            if markup.group("end"):
                self.handle_endtag(tag)
            elif markup.group(0).endswith("/>"):
                self.handle_startendtag(tag, _attributes(markup.group("attrs")))
            else:
                self.handle_starttag(tag, _attributes(markup.group("attrs")))
                if tag in _RAW_END:
                    end = _RAW_END[tag].search(html, at)
                    at = end.start() if end else size

    def handle_starttag(self, tag: str, attrs: dict[str, str | None]) -> None:
        if tag in _DROPPED:
            self.dropped += 1
            self.removed.add(tag)
            return
        if tag in _BLOCKS:
            self.out.append("\n\n")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in _LINES:
            self.out.append("\n")
        elif tag == "a":
            # Links do not nest: as in a browser, a link opened inside another ends that one. So
            # each piece of text belongs to one link at most, and is joined into a label once.
            self.end_link()
            href = attrs.get("href") or ""
            # Only addresses a customer can open are kept; javascript: and data: links are not.
            self.link = (len(self.out), href if re.match(r"(?i)(https?:|mailto:|\{\{)", href) else None)
        elif tag == "img":
            alt = attrs.get("alt") or ""
            if alt.strip():
                self.out.append(alt)

    def handle_startendtag(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _DROPPED:
            self.dropped -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self.dropped = max(0, self.dropped - 1)
            return
        if tag in _BLOCKS:
            self.out.append("\n\n")
        elif tag == "a":
            self.end_link()

    def end_link(self) -> None:
        """The open link's text, followed by its address when the text does not already show it."""
        if self.link is None:
            return
        start, href = self.link
        self.link = None
        label = "".join(self.out[start:])
        del self.out[start:]
        self.out.append(label)
        if href and href.removeprefix("mailto:") not in label:
            self.out.append(f" ({href.removeprefix('mailto:')})")

    def handle_data(self, data: str) -> None:
        if not self.dropped:
            self.out.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def html_to_text(html: str) -> tuple[str, set[str]]:
    """The visible text of an HTML fragment, and the tags whose content was dropped (script, style...).

    Paragraphs become blank-line separated, <br> a line break, list items "- " lines and links
    "text (address)". Comments and scripts disappear: they were never shown to a customer. A tag
    or comment the fragment ends inside shows nothing, as in a browser; time grows with the
    length of the fragment, however its tags are nested or left open.
    """
    reader = _TextOf()
    reader.feed(html)
    return tidy("".join(reader.out)), reader.removed


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text))


# Characters an entry may not hold (the loader refuses them) or that make text read differently
# from how it is stored; line separators become plain line breaks first.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]")


# What a Python string decoded from JSON \\u escapes or YAML can hold but UTF-8 cannot: a lone
# surrogate (a pair is decoded to one character before it gets here).
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(text: str) -> str:
    """Any text read from any source, fit to be written and printed: lone surrogates as U+FFFD
    (as kbtool shows undecodable input elsewhere), control characters and direction overrides
    removed. Line breaks and tabs stay, for `tidy` or `one_line` to settle."""
    return _CONTROL.sub("", _SURROGATE.sub("\ufffd", text.replace("\u0085", "\n")))


def tidy(text: str) -> str:
    """One text as an entry holds it: LF line breaks, no control characters, no trailing spaces,
    at most one blank line in a row, nothing blank at either end."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = text.replace("\u0085", "\n").replace("\xa0", " ")
    text = clean(text)
    lines = [line.strip(" \t") for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def one_line(text: str) -> str:
    return " ".join(tidy(text).split())


_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe", "Œ": "oe", "ł": "l",
                       "Ł": "l", "đ": "d", "Đ": "d", "þ": "th", "&": " and "})


def slugify(text: str, fallback: str) -> str:
    """An id from a title: lower-case ASCII letters, digits and hyphens ("Rückerstattung" -> "ruckerstattung").

    Titles in scripts without Latin letters give `fallback`; uniqueness is the caller's job.
    """
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:60].rstrip("-") or fallback


def unique(wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`... whichever is not taken yet (and take it)."""
    candidate, n = wanted, 2
    while candidate in taken:
        candidate, n = f"{wanted}-{n}", n + 1
    taken.add(candidate)
    return candidate


@dataclass(frozen=True)
class Blank:
    """A kbtool placeholder a help-desk placeholder maps to; builtin blanks need no declaration."""

    name: str
    description: str
    example: str

    @property
    def builtin(self) -> bool:
        return self.name in BUILTIN_VARIABLES


_CUSTOMER = Blank("customer_name", BUILTIN_VARIABLES["customer_name"], "Ms Patel")
_AGENT = Blank("agent_name", BUILTIN_VARIABLES["agent_name"], "Sam")
_LAST = Blank("customer_last_name", "The customer's last name.", "Patel")
_EMAIL = Blank("customer_email", "The customer's email address.", "m.patel@example.com")
_TICKET = Blank("ticket_number", "The ticket number the customer sees.", "48213")
_SUBJECT = Blank("ticket_subject", "The subject of the customer's ticket.", "Where is my order?")
_LINK = Blank("ticket_link", "The link to the ticket, for the customer.", "https://help.example.com/tickets/48213")
_ORG = Blank("customer_company", "The customer's company.", "Patel Interiors")
_COMPANY = Blank("company_name", "Your company's name.", "Fernleaf Home")
_RATING = Blank("rating_link", "The link to the satisfaction survey.", "https://help.example.com/rate/48213")

# Help-desk placeholder paths (lower case) -> the kbtool blank. Zendesk, Freshdesk, Zammad-style
# `ticket.customer.*` and the GitHub issue fields a saved-replies bot fills in.
KNOWN_PLACEHOLDERS: dict[str, Blank] = {
    **dict.fromkeys((
        "ticket.requester.first_name", "ticket.requester.firstname", "ticket.requester.name",
        "ticket.requester.display_name", "ticket.customer.first_name", "ticket.customer.firstname",
        "ticket.customer.name", "requester.first_name", "requester.name", "ticket.contact.name",
        "ticket.contact.first_name", "ticket.contact.firstname", "user.login", "author", "issue.user.login",
        "customer.firstname", "customer.first_name", "customer.name",
    ), _CUSTOMER),
    **dict.fromkeys((
        "current_user.first_name", "current_user.firstname", "current_user.name", "ticket.assignee.first_name",
        "ticket.assignee.firstname", "ticket.assignee.name", "ticket.agent.name", "ticket.agent.first_name",
        "ticket.agent.firstname", "user.firstname", "agent.name", "ticket.owner.firstname", "ticket.owner.name",
        "user.name",
    ), _AGENT),
    **dict.fromkeys(("ticket.requester.last_name", "ticket.requester.lastname", "ticket.customer.last_name",
                     "ticket.customer.lastname", "customer.lastname", "customer.last_name", "ticket.contact.last_name", "ticket.contact.lastname"), _LAST),
    **dict.fromkeys(("ticket.requester.email", "ticket.customer.email", "ticket.contact.email", "customer.email"),
                    _EMAIL),
    **dict.fromkeys(("ticket.id", "ticket.number", "ticket.display_id", "number", "issue.number"), _TICKET),
    **dict.fromkeys(("ticket.title", "ticket.subject", "title", "issue.title"), _SUBJECT),
    **dict.fromkeys(("ticket.url", "ticket.link", "ticket.portal_url", "ticket.public_url", "html_url",
                     "issue.html_url"), _LINK),
    **dict.fromkeys(("ticket.organization.name", "ticket.company.name", "ticket.customer.organization.name"), _ORG),
    **dict.fromkeys(("ticket.brand.name", "helpdesk_name", "ticket.portal_name", "account.name"), _COMPANY),
    **dict.fromkeys(("satisfaction.rating_url", "satisfaction.current_rating_url", "ticket.satisfaction_survey"),
                    _RATING),
}

# Liquid filters with a kbtool equivalent; any other filter is dropped (and reported).
_FILTERS = {"capitalize": "capitalize", "upcase": "upper", "downcase": "lower", "strip": "trim",
            "upper": "upper", "lower": "lower", "title": "title", "trim": "trim"}
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-]+)*")
_STRAY = re.compile(r"\{(?=[{%#])|(?<=[}%#])\}")


@dataclass
class Converted:
    """A reply's text with kbtool placeholders, the blanks it uses, and what could not be kept as it was.

    `optional` names blanks a condition tests (`{% if name %}`): a reply reads right without them.
    """

    text: str
    blanks: dict[str, Blank] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    optional: set[str] = field(default_factory=set)


# How a Liquid condition tag starts; it runs to the first `%}` after its word.
_CONDITION = re.compile(r"\{%-?\s*(if|unless|elsif|else|endif|endunless)\b")
_SPACES = re.compile(r"\s*")


# The tags are found with str.find, each scan going on from where the last tag ended. A tag runs
# to the first closer after its opener, so when there is no closer left no later opener can have
# one either, and the scan stops: a text of openers alone is read once, not once per opener.

def _condition_tags(text: str, replace: Callable[[str, str, str], str]) -> str:
    """`text` with each `{% if|unless|elsif|else|endif|endunless ... %}` tag replaced by
    `replace(tag, word, rest)`, `rest` being what follows the word, trimmed of spaces and `-`."""
    out: list[str] = []
    done = at = 0
    while (at := text.find("{%", at)) >= 0:
        start = _CONDITION.match(text, at)
        if start is None:
            at += 1
            continue
        close = text.find("%}", start.end())
        if close < 0:
            break
        rest = text[start.end():close].lstrip()
        rest = (rest[:-1] if rest.endswith("-") else rest).rstrip()
        out += (text[done:at], replace(text[at:close + 2], start.group(1), rest))
        done = at = close + 2
    out.append(text[done:])
    return "".join(out)


def _logic_tags(text: str, replace: Callable[[str], str]) -> str:
    """`text` with each `{% ... %}` tag replaced by `replace(tag)`."""
    out: list[str] = []
    done = 0
    while (at := text.find("{%", done)) >= 0 and (close := text.find("%}", at + 2)) >= 0:
        out += (text[done:at], replace(text[at:close + 2]))
        done = close + 2
    out.append(text[done:])
    return "".join(out)


def _output_tags(text: str, replace: Callable[[str, str], str]) -> str:
    """`text` with each `{{ ... }}` (or Mustache's `{{{ ... }}}`) replaced by `replace(tag, inside)`."""
    out: list[str] = []
    done = 0
    while (at := text.find("{{", done)) >= 0:
        triple = text.startswith("{", at + 2)
        start = _SPACES.match(text, at + 3 if triple else at + 2).end()
        close = text.find("}}", start)
        if close < 0:
            break
        # Only a tag opened with three braces closes with three: `{{a}}}}` leaves `}}` as text.
        end = close + 3 if triple and text.startswith("}", close + 2) else close + 2
        out += (text[done:at], replace(text[at:end], text[start:close]))
        done = end
    out.append(text[done:])
    return "".join(out)


def convert_placeholders(text: str, desk: str, shared: set[str]) -> Converted:
    """Replace the help desk's `{{ticket.requester.first_name}}`-style placeholders with kbtool's.

    Known placeholders map to kbtool's blanks (customer_name, ticket_number...); others become
    a declared blank named after their path, so the text keeps a gap to fill rather than a value
    kbtool would print literally. Liquid conditions on one value (`{% if ticket.x %}`,
    `{% unless %}`, `{% else %}`) become kbtool's `{% if name %}`, and the blank optional; other
    Liquid or Mustache logic cannot be carried over: its tags are removed, the text between
    them kept, and each is reported. `shared` holds kb.yaml's variables, which need no declaration.
    """
    # Other tools' placeholders that name a value the same way: Zammad's `#{ticket.customer.firstname}`
    # and Help Scout's `{%customer.firstName,fallback=there%}` are read as `{{path}}`.
    text = _ZAMMAD.sub(r"{{\1}}", text)
    text = _HELP_SCOUT.sub(r"{{\1}}", text)
    converted = _convert(text, desk, shared, keep_conditions=True)

    # Without a condition kept (every `{%` left is one of them) a second pass would give the same text.
    if "{%" in converted.text and analyse(converted.text)[1]:
        # Conditions that do not pair up (one of them was not convertible): drop them all.
        converted = _convert(text, desk, shared, keep_conditions=False)
    return converted


# Names a blank cannot have: the template language's words (`{{ not }}` is an expression, not a
# blank), Jinja's own names, and the built-in blanks, which kbtool fills itself and never declares.
RESERVED_NAMES = frozenset({"and", "or", "not", "in", "is", "if", "else", "elif", "endif", "true", "false", "none",
                            "for", "endfor", "loop", "self", "super", "caller", "varargs", "kwargs", "block",
                            "set", "with", "import", "from", "as", "include", "macro", "call", "filter",
                            "range", "dict", "lipsum", "cycler", "joiner", "namespace", *BUILTIN_VARIABLES})


def blank_name(path: str) -> str:
    """The blank an unknown placeholder path becomes: always a valid, unreserved name, and the
    same one for the same path (`ticket.order_id` -> `order_id`, `ticket.not` -> `ticket_not`)."""
    words = re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_")
    # `ticket.` starts nearly every help-desk path; the rest says what the value is.
    name = re.sub(r"[^a-z0-9]+", "_", path.lower().removeprefix("ticket.")).strip("_")
    for candidate in (name, words):
        if candidate[:1].isalpha() and candidate not in RESERVED_NAMES:
            return candidate
    return f"v_{words or 'blank'}"


# Bounded repeats, so each is linear in the text. Only dotted paths: a lone `#{x}` says too little
# to be sure it is a placeholder, and is reported instead (see foreign_placeholders).
_ZAMMAD = re.compile(r"#\{[ \t]{0,5}([A-Za-z_][A-Za-z0-9_]{0,60}(?:\.[A-Za-z0-9_]{1,60}){1,8})[ \t]{0,5}\}")
_HELP_SCOUT = re.compile(r"\{%[ \t]{0,5}((?:customer|user|mailbox|conversation)\.[A-Za-z_][A-Za-z0-9_]{0,60})"
                         r"[ \t]{0,5}(?:,[ \t]{0,5}fallback=[^%{}\n]{0,200})?%\}")


def _blank_for(path: str, desk: str, out: Converted, shared: set[str], noted: set[str]) -> Blank:
    blank = KNOWN_PLACEHOLDERS.get(path.lower())
    if blank is None:
        name = blank_name(path)
        blank = Blank(name, f"What {desk} filled in for {{{{{path}}}}}; fill it in by hand.", path)
        note = f"{{{{{path}}}}} has no kbtool equivalent: it became the blank '{name}'"
        # A set, not the list: a reply of thousands of distinct placeholders is one look-up each.
        if note not in noted:
            noted.add(note)
            out.notes.append(note)
    if blank.name not in shared and not blank.builtin:
        out.blanks.setdefault(blank.name, blank)
    return blank


def _convert(text: str, desk: str, shared: set[str], keep_conditions: bool) -> Converted:
    out = Converted(text)
    marks: list[str] = []
    noted: set[str] = set()

    def mark(kbtool_text: str) -> str:
        marks.append(kbtool_text)
        return f"\x00{len(marks) - 1}\x00"

    def condition(tag: str, word: str, rest: str) -> str:
        if keep_conditions:
            if word in ("else", "endif", "endunless") and not rest:
                return mark("{% endif %}" if word.startswith("end") else "{% else %}")
            if word in ("if", "unless") and _PATH.fullmatch(rest):
                blank = _blank_for(rest, desk, out, shared, noted)
                out.optional.add(blank.name)
                return mark(f"{{% if {'not ' if word == 'unless' else ''}{blank.name} %}}")
        return logic(tag)

    def logic(tag: str) -> str:
        out.notes.append(f"removed {desk} logic {_short(tag)}; check the text reads right without it")
        return ""

    def placeholder(tag: str, inner: str) -> str:
        inner = inner.strip()
        if inner[:1] in "#^/!>=":
            if inner[:1] != "!":  # a Mustache comment is dropped silently, like an HTML comment
                out.notes.append(f"removed {desk} section tag {_short(tag)}; "
                                 "check the text reads right without it")
            return ""
        path, *filters = [part.strip() for part in inner.split("|")]
        if not _PATH.fullmatch(path):
            out.notes.append(f"removed {_short(tag)}: not a placeholder kbtool can map")
            return ""
        blank = _blank_for(path, desk, out, shared, noted)
        kept = []
        for f in filters:
            word = f.split(":")[0].strip().lower()
            if word in _FILTERS:
                kept.append(_FILTERS[word])
            else:
                out.notes.append(f"dropped the filter '{_short(f)}' on {{{{{path}}}}}")
        return mark("{{ " + " | ".join([blank.name, *kept]) + " }}")

    converted = _condition_tags(text, condition)
    converted = _logic_tags(converted, logic)
    converted = _output_tags(converted, placeholder)
    # Whatever braces are left are text, not template syntax: split them so no check reads them as such.
    if _STRAY.search(converted):
        out.notes.append("left-over braces such as '{{' or '%}' were split with a space")
        converted = _STRAY.sub(lambda m: "{ " if m.group(0) == "{" else " }", converted)
    # A brace of the text right beside a converted tag would make it `{{ a }}}`: keep them apart.
    converted = re.sub(r"(?<=\x00)\}", " }", re.sub(r"\{(?=\x00)", "{ ", converted))
    out.text = re.sub(r"\x00(\d+)\x00", lambda m: marks[int(m.group(1))], converted)
    out.text = re.sub(r"[ \t]{2,}", " ", out.text).strip()
    return out


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 60 else flat[:57] + "..."
