"""The knowledge base as site pages: plain functions from the model to Markdown, no MkDocs import.

Each page is Markdown whose headings carry explicit anchors (so the table of contents and
search sections work) and whose bodies are raw HTML written by Jinja2 templates with
autoescaping on. Contributor text reaches a template only through the filters in
`kbtool.site.escaping`, so it is escaped or allowlist-sanitised before it is ever markup.
The templates live in kbtool/templates/; a team can override any of them by name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from kbtool.authoring.attention import coverage
from kbtool.browser import TOOLKIT
from kbtool.checks import all_rules
from kbtool.format.kinds import KIND_NAMES, REGISTRY
from kbtool.format.vocab import BUILTIN_VARIABLE_EXAMPLES, CHANNEL_LABELS
from kbtool.model import Entry, KnowledgeBase
from kbtool.publish.urls import entry_src, relative_url
from kbtool.site import escaping as t
from kbtool.site import guide, practice, review_forms
from kbtool.site.page import Page, SiteOptions, channel_label, kind_index_src, scorecard_src
from kbtool.templating import analyse, render_lenient

TEMPLATES = Path(__file__).resolve().parent / "templates"
KIND_ORDER = KIND_NAMES
KIND_LABELS = {name: kind.label for name, kind in REGISTRY.items()}
KIND_SINGULAR = {name: kind.singular for name, kind in REGISTRY.items()}

# Fixed pages: src_uri -> nav label. Entry pages take their titles from their first heading.
HOME = "index.md"
START_HERE = "start-here.md"
PATH_ASSETS = (TOOLKIT, "path/path.js")  # marks the Start here pages a reader has opened
BROWSE_PAGES = {"browse/kinds.md": "By kind", "browse/channels.md": "By channel",
                "browse/situations.md": "By situation", "browse/tags.md": "By tag",
                "browse/coverage.md": "Coverage matrix"}
NEEDS_ATTENTION = "mentors/needs-attention.md"
WRITING_GUIDE = "mentors/guide.md"


class MemoryCache(jinja2.BytecodeCache):
    """Compiled templates held in memory, keyed by Jinja's bucket key (the source's checksum)."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Any) -> None:
        code = self.store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Any) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_COMPILED: dict[str, Any] = {}


def compiled_templates(owner: str = "pages") -> Any:
    """Compiled templates kept for the life of the process, keyed by each template's source.

    `kbtool serve` makes a fresh environment per rebuild (so no page state outlives a build), and
    compiling the page templates again each time cost more than rendering the pages an edit changed.
    Jinja keys the cache on the source's checksum, so an edited template is compiled afresh. Each
    environment configuration (`owner`) has its own cache: compiled code depends on it.
    """
    if owner not in _COMPILED:
        _COMPILED[owner] = MemoryCache()
    return _COMPILED[owner]


def environment(templates_dir: Path | None = None) -> Any:
    """The page-template environment: autoescaped, strict, team templates first."""
    search = [str(templates_dir)] if templates_dir else []
    search.append(str(TEMPLATES))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Templates do not change during a build; checking each file's time on every get_template
        # cost a stat per page (kbtool serve makes a new environment when templates change).
        auto_reload=False,
        # Markdown heading anchors are written {#id}, so Jinja comments use <# ... #> instead.
        comment_start_string="<#",
        comment_end_string="#>",
        bytecode_cache=compiled_templates(),
    )
    env.filters.update(heading=t.heading, inline=t.inline, block=t.block, attr=t.attribute,
                       plain=t.plain, humanise=t.humanise, anchor=t.anchor, mermaid=t.mermaid_label,
                       channel=channel_label, file_path=t.file_path, blank=t.blank)
    return env


def front_matter(tags: Iterable[str]) -> str:
    """YAML front matter for Material's tags plugin; tag names are escaped like any title."""
    escaped = [str(t.heading(tag)) for tag in tags]
    if not escaped:
        return ""
    # JSON strings are valid YAML flow scalars and need no further quoting rules.
    return "---\ntags:\n" + "".join(f"  - {json.dumps(tag)}\n" for tag in escaped) + "---\n\n"


def fill_with_blanks(text: str, values: dict[str, str]) -> str:
    """`text` with `values` filled in and every other placeholder a marked blank (kbtool.site.escaping)."""
    if "{" not in text:
        return text
    gaps = {p.name: t.blank(p.name) for p in analyse(text)[0] if p.name not in values}
    return render_lenient(text, {**gaps, **values})


def highlight_placeholders(template_text: str) -> Markup:
    """A letter template as HTML with every {{ placeholder }} and {% tag %} marked, nothing filled."""
    parts = re.split(r"(\{\{.*?\}\}|\{%.*?%\})", template_text, flags=re.DOTALL)
    out = []
    for i, part in enumerate(parts):
        escaped = str(t.plain(part))
        out.append(f'<mark class="kb-placeholder">{escaped}</mark>' if i % 2 else escaped)
    return Markup("".join(out))


def letter_html(text: str) -> Markup:
    """Letter text keeps its line breaks: blank lines make paragraphs, single newlines <br>."""
    paragraphs = [p for p in str(text).strip("\n").split("\n\n") if p.strip()]
    return Markup("".join("<p>" + "<br>\n".join(p.split("\n")) + "</p>\n" for p in paragraphs))


class SiteRenderer:
    """Renders every page of one knowledge base; shared lookups are computed once."""

    def __init__(self, kb: KnowledgeBase, options: SiteOptions | None = None) -> None:
        self.kb = kb
        self.options = options or SiteOptions()
        self.env = environment(self.options.templates_dir)
        self.entries = sorted(kb.published(), key=lambda e: (KIND_ORDER.index(e.kind), e.title.casefold()))
        self.by_id = {e.id: e for e in self.entries}
        self.values: dict[str, str] = {**BUILTIN_VARIABLE_EXAMPLES, **kb.config.variables}
        self.entry_cache: dict[Any, Page] | None = None  # set by kbtool serve to reuse unedited pages
        self.path = self._start_here()
        self.path_index = {e.id: i for i, e in enumerate(self.path)}

    # -- helpers shared by templates -------------------------------------------------------
    def _linker(self, from_src: str) -> Callable[..., str]:
        def link(target: Entry | str, fragment: str = "") -> str:
            to_src = entry_src(target) if isinstance(target, Entry) else target
            return relative_url(from_src, to_src, self.options.directory_urls, t.anchor(fragment) if fragment else "")
        return link

    def resolve(self, text: str, extra: dict[str, str] | None = None) -> str:
        """Text as a reader sees it: kb.yaml values (and `extra`, e.g. a letter's examples) filled
        in, every other placeholder a marked blank that the page shows as "[order number]".

        The same blanks search and the copy buttons use, so a reader never meets template syntax.
        """
        values = {**self.kb.config.variables, **extra} if extra else self.kb.config.variables
        return fill_with_blanks(str(text), values)

    def blanks(self, text: str) -> str:
        """The words as staff say or send them: kb.yaml values filled, every other placeholder a
        blank ("[customer name]"), never an example value a copy button would paste."""
        return t.blanks_as_text(self.resolve(text))

    def _render(self, template: str, src_uri: str, **context: Any) -> str:
        return t.blanks_as_marks(self.env.get_template(template).render(
            link=self._linker(src_uri), resolve=self.resolve, blanks=self.blanks, kb=self.kb,
            site_name=self.kb.config.name, kind_singular=KIND_SINGULAR, kind_labels=KIND_LABELS, kind_index=kind_index_src,
            today=self.options.today, **context))

    def _later(self, template: str, src_uri: str, **context: Any) -> Callable[[], str]:
        """A page's Markdown as a function, rendered when a builder reads the page (see Page)."""
        return partial(self._render, template, src_uri, **context)

    def _entry_context(self, entry: Entry) -> dict[str, Any]:
        related = [self.by_id[r] for r in entry.related if r in self.by_id]
        overdue = entry.review_by is not None and entry.review_by < self.options.today
        return {"entry": entry, "related": related, "overdue": overdue,
                "situation_text": self.kb.config.situations.get(entry.situation or "", "")}

    # -- pages ----------------------------------------------------------------------------------
    def entry_page(self, entry: Entry) -> Page:
        if self.entry_cache is None:
            return self._entry_page(entry)
        # An entry page shows the entry and the titles of what it links to; kbtool serve keeps the
        # pages of unedited entries (a changed kb.yaml or template empties the cache).
        related = tuple((r, self.by_id[r].title, self.by_id[r].kind) for r in entry.related if r in self.by_id)
        try:
            stat = (self.kb.root / entry.path).stat()
            key = (entry.path, stat.st_mtime_ns, stat.st_size, related, self.options.today)
        except OSError:
            return self._entry_page(entry)
        page = self.entry_cache.get(key)
        if page is None:
            page = self.entry_cache[key] = self._entry_page(entry)
        return page

    def _entry_page(self, entry: Entry) -> Page:
        src = entry_src(entry)
        context = self._entry_context(entry)
        # Every page template gets the same helpers; each uses what its kind has.
        context["values"] = {**self.values, **entry.example_values()}
        context["highlight"] = highlight_placeholders
        context["letter_html"] = letter_html
        context["pathnav"] = self._path_position(entry)
        template = REGISTRY[entry.kind].template
        return Page(src, entry.title, lambda: self._render(template, src, **context), entry,
                    assets=PATH_ASSETS if context["pathnav"] else (), front=front_matter(entry.tags))

    def index_pages(self) -> list[Page]:
        kb, entries = self.kb, self.entries
        pages = [
            Page(HOME, kb.config.name, self._later("home.md.j2", HOME, entries=entries,
                                                      counts=self._counts(), attention=self._attention(),
                                                      browse=BROWSE_PAGES, start_here=START_HERE,
                                                      check_reply=review_forms.CHECK_PAGE,
                                                      needs_attention=NEEDS_ATTENTION)),
            Page(START_HERE, "Start here", self._later("start-here.md.j2", START_HERE, path=self.path,
                                                       check_reply=review_forms.CHECK_PAGE),
                 assets=PATH_ASSETS),
            Page("browse/kinds.md", "By kind", self._later("by-kind.md.j2", "browse/kinds.md", groups=[
                (kind, [e for e in entries if e.kind == kind]) for kind in KIND_ORDER])),
            Page("browse/channels.md", "By channel", self._later(
                "by-channel.md.j2", "browse/channels.md", groups=self._by_channel())),
            Page("browse/situations.md", "By situation", self._later(
                "by-situation.md.j2", "browse/situations.md", groups=self._by_situation())),
            Page("browse/tags.md", "By tag", self._later("by-tag.md.j2", "browse/tags.md")),
            Page("browse/coverage.md", "Coverage matrix", self._later(
                "coverage.md.j2", "browse/coverage.md", **self._coverage())),
            Page(NEEDS_ATTENTION, "Needs attention", self._later(
                "needs-attention.md.j2", NEEDS_ATTENTION, rows=self._attention())),
            Page(WRITING_GUIDE, "Mentors' guide", self._later("mentors-guide.md.j2", WRITING_GUIDE,
                                                             rules=self._rule_docs(), **self._guide())),
        ]
        for kind in KIND_ORDER:
            group = [e for e in entries if e.kind == kind]
            if group:
                src = kind_index_src(kind)
                pages.append(Page(src, KIND_LABELS[kind], self._later(
                    "kind-index.md.j2", src, kind=kind, entries=group, groups=self._by_situation(group))))
        for channel, rules in self.scorecards():
            # The printed form, tickable on screen: review.js keeps its ticks as the same review
            # the channel's call-review form fills in.
            src = scorecard_src(channel)
            pages.append(Page(src, f"Scorecard: {channel_label(channel)}", self._later(
                "scorecard.md.j2", src, channel=channel, rules=rules, review_form=review_forms.review_src(channel)),
                assets=review_forms.REVIEW_ASSETS, data=partial(review_forms.review_data, self, channel, rules, src)))
        return pages

    def pages(self) -> list[Page]:
        extra = [page for page_set in page_sets() for page in page_set(self)]
        return self.index_pages() + extra + [self.entry_page(e) for e in self.entries]

    # -- index data -------------------------------------------------------------------------
    def _counts(self) -> list[tuple[str, int]]:
        return [(kind, sum(1 for e in self.entries if e.kind == kind)) for kind in KIND_ORDER]

    def _start_here(self) -> list[Entry]:
        chosen = [self.by_id[i] for i in self.kb.config.start_here if i in self.by_id]
        if chosen:
            return chosen
        # Default path for a new hire: how we work (standards), what to say (phrases), then
        # the call flows and letters; approved entries only, each group by title.
        return [e for e in self.entries if e.status == "approved"]

    def _path_position(self, entry: Entry) -> dict[str, Any] | None:
        """Where `entry` sits on the Start here path: its place, and the pages before and after."""
        index = self.path_index.get(entry.id)
        if index is None:
            return None
        path = self.path
        before = path[index - 1] if index > 0 else None
        after = path[index + 1] if index + 1 < len(path) else None
        return {"number": index + 1, "total": len(path), "previous": before, "next": after, "start": START_HERE}

    def _by_channel(self) -> list[tuple[str, list[Entry]]]:
        channels = list(CHANNEL_LABELS) + sorted({c for e in self.entries for c in e.channels} - set(CHANNEL_LABELS))
        return [(c, [e for e in self.entries if c in e.channels]) for c in channels]

    def _by_situation(self, entries: list[Entry] | None = None) -> list[tuple[str, str, list[Entry]]]:
        """Entries grouped by situation in one pass (kb.yaml's order; groups with entries first)."""
        situations = self.kb.config.situations
        grouped: dict[str, list[Entry]] = {s: [] for s in situations}
        loose: list[Entry] = []
        for entry in self.entries if entries is None else entries:
            grouped.get(entry.situation or "", loose).append(entry)
        out = [(s, situations[s], grouped[s]) for s in situations]
        if entries is not None:
            # A kind's own page lists only the situations it has, then what has none (standards).
            return [row for row in out if row[2]] + ([("other", "", loose)] if loose else [])
        return [row for row in out if row[2]] + [row for row in out if not row[2]]

    def _coverage(self) -> dict[str, Any]:
        # The same matrix `kbtool report` reads its gaps from; cells listed in page order.
        cells = coverage(self.kb).cells
        order = {id(e): i for i, e in enumerate(self.entries)}
        channels = list(CHANNEL_LABELS)
        matrix = [(situation, [sorted(cells.get((situation, channel), []), key=lambda e: order[id(e)])
                               for channel in channels])
                  for situation in self.kb.config.situations]
        gaps = sum(1 for _, row in matrix for cell in row if not cell)
        return {"channels": channels, "matrix": matrix, "gaps": gaps}

    def _attention(self) -> list[tuple[Entry, list[str]]]:
        rows = []
        for entry in sorted(self.entries, key=lambda e: (e.owner.casefold(), e.title.casefold())):
            reasons = []
            if entry.status == "draft":
                reasons.append("draft")
            if entry.review_by is not None and entry.review_by < self.options.today:
                reasons.append("review overdue")
            if reasons:
                rows.append((entry, reasons))
        return rows

    def scorecards(self) -> list[tuple[str, list[tuple[Entry, Any]]]]:
        cards = []
        for channel in CHANNEL_LABELS:
            # A scorecard lists the rules of the standards for its channel: entries whose kind
            # declares rules as its items. Units of kind "rule" say which entries those are.
            rules = [(e, rule) for e in self.entries if channel in e.channels and "rule" in REGISTRY[e.kind].unit_kinds
                     for rule in e.items()]
            if rules:
                cards.append((channel, rules))
        return cards

    def scorecard_channels(self) -> list[str]:
        return [channel for channel, _ in self.scorecards()]

    def _guide(self) -> dict[str, str]:
        # Markdown written by kbtool itself, with kb.yaml's text already escaped inside it, so
        # the autoescaping page template must not escape it a second time.
        return {"workflow": Markup(guide.WORKFLOW), "format_reference": Markup(guide.format_reference()),
                "style_reference": Markup(guide.style_reference(self.kb.config))}

    def _rule_docs(self) -> list[Any]:
        return all_rules()


def render_site(kb: KnowledgeBase, options: SiteOptions | None = None) -> list[Page]:
    """Every page of the site for `kb`: index pages first, then one page per published entry."""
    return SiteRenderer(kb, options).pages()


def render_entry(kb: KnowledgeBase, entry: Entry, options: SiteOptions | None = None) -> Page:
    """The page of one entry (for previews and tests)."""
    return SiteRenderer(kb, options).entry_page(entry)


def page_sets() -> list[Callable[[SiteRenderer], list[Page]]]:
    """Page producers beyond the entry and index pages, each in its own module."""
    return [practice.pages, review_forms.pages]


def navigation(pages: list[Page], renderer_channels: list[str]) -> list[Any]:
    """An MkDocs `nav` for the generated pages: sections and index pages, never one leaf per entry.

    Every page carries the navigation, so listing thousands of entries in it made each page, and
    the build, grow with the knowledge base. Entries are reached from their kind's page, the
    browse pages and search, and each entry page links back to its kind's page.
    """
    present = {page.src_uri for page in pages}
    sections: dict[str, list[Any]] = {}
    for page in pages:
        if page.section:
            sections.setdefault(page.section, []).append({page.title: page.src_uri})
    # What a new hire uses every day comes first: the reading path, the drills and the reply check.
    nav: list[Any] = [{"Home": HOME}, {"Start here": START_HERE}]
    if practice.SECTION in sections:
        nav.append({practice.SECTION: sections.pop(practice.SECTION)})
    if review_forms.CHECK_PAGE in present:
        nav.append({"Check a reply": review_forms.CHECK_PAGE})
    nav.append({"Browse": [{label: src} for src, label in BROWSE_PAGES.items()]})
    for kind in KIND_ORDER:
        if kind_index_src(kind) in present:
            nav.append({KIND_LABELS[kind]: kind_index_src(kind)})
    mentors: list[Any] = [{"Needs attention": NEEDS_ATTENTION}]
    mentors += [{f"Scorecard: {channel_label(c)}": scorecard_src(c)} for c in renderer_channels]
    mentors.append({"Mentors' guide": WRITING_GUIDE})
    mentors += sections.pop("Mentors", [])
    nav += [{label: items} for label, items in sections.items()]
    nav.append({"Mentors": mentors})
    return nav


__all__ = ["Page", "SiteOptions", "SiteRenderer", "render_site", "render_entry", "navigation",
           "KIND_LABELS", "KIND_SINGULAR"]
