"""Practice pages: phrase and call-flow drills generated from the knowledge base.

Each kind declares the drills its entries yield (`Kind.drills`) and the wordings to avoid they
teach (`Kind.pitfalls`, wrong answers for drills on the same situation); this module only groups
them into a page per situation and per channel. The pages are static: the drills travel as the
page's data script and kbtool/assets/practice/practice.js builds the interactive part, keeping
progress in the reader's browser.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from kbtool.browser import TOOLKIT
from kbtool.format.kinds import kind_of
from kbtool.format.kinds.base import Drill, Moment, Pitfall, Pool
from kbtool.format.vocab import CHANNEL_LABELS
from kbtool.model import Entry
from kbtool.publish.urls import anchor, entry_src, relative_url
from kbtool.site import escaping as t
from kbtool.site.page import Page, Renderer, channel_label

HOME = "practice/index.md"
ASSETS = ("practice/practice.css", TOOLKIT, "practice/practice.js")
SECTION = "Practice"
# Bumped when the stored progress changes shape, so an old browser copy is read as empty.
STORAGE_VERSION = 1


@dataclass(frozen=True)
class EntryDrills:
    entry: Entry
    drills: tuple[Drill, ...]

    @property
    def questions(self) -> int:
        return sum(len(d.questions) for d in self.drills)


def situation_src(situation: str) -> str:
    return f"practice/situation-{anchor(situation)}.md"


def channel_src(channel: str) -> str:
    return f"practice/channel-{anchor(channel)}.md"


def drill_anchor(entry: Entry) -> str:
    """The id a practice page gives an entry's drill; "Practise this" links land on it."""
    return f"drill-{anchor(entry.id)}"


def collect(renderer: Renderer) -> list[EntryDrills]:
    """The drills of every approved entry, in the site's reading order.

    Drafts are left out: a new hire should not rehearse wording the mentors have not approved yet.
    """
    def fill_for(entry: Entry) -> Any:
        # Blanks stay blanks ("[order number]", as on the pages and in copied text), never an
        # example value a new hire might learn as part of the wording.
        return renderer.resolve

    approved = [e for e in renderer.entries if e.status == "approved"]
    pitfalls: dict[str | None, list[Pitfall]] = {}
    moments: dict[str | None, list[Moment]] = {}
    for entry in approved:
        kind, fill = kind_of(entry), fill_for(entry)
        pitfalls.setdefault(entry.situation, []).extend(kind.pitfalls(entry, fill))
        moments.setdefault(entry.situation, []).extend(kind.moments(entry, fill))
    out = []
    for entry in approved:
        pool = Pool(pitfalls.get(entry.situation, []), moments.get(entry.situation, []))
        drills = kind_of(entry).drills(entry, fill_for(entry), pool)
        if drills:
            out.append(EntryDrills(entry, tuple(drills)))
    return out


def practice_page_of(entry: Entry) -> str:
    """The practice page an entry's "Practise this" link opens: its situation's, else its first channel's."""
    if entry.situation:
        return situation_src(entry.situation)
    return channel_src(entry.channels[0]) if entry.channels else HOME


def pages(renderer: Renderer) -> list[Page]:
    """The practice home and a drill page for each situation and each channel that has drills.

    Also hands the page templates `practice_home` and `practice_link(entry)` (the start-here path
    and every entry's "Practise this" link): practice pages are made before the pages that link to
    them, and an entry without drills gets no link.
    """
    # A renderer that renders again (kbtool serve) must not keep links to pages no longer made.
    renderer.env.globals.pop("practice_home", None)
    renderer.env.globals.pop("practice_link", None)
    found = collect(renderer)
    if not found:
        return []
    situations = renderer.kb.config.situations
    by_situation: dict[str, list[EntryDrills]] = {}
    by_channel: dict[str, list[EntryDrills]] = {}
    for item in found:
        if item.entry.situation:
            by_situation.setdefault(item.entry.situation, []).append(item)
        for channel in item.entry.channels:
            by_channel.setdefault(channel, []).append(item)
    channel_order = list(CHANNEL_LABELS) + sorted(set(by_channel) - set(CHANNEL_LABELS))
    situation_pages = [DrillPage(situation_src(s), t.humanise(s), situations.get(s, ""), by_situation[s])
                       for s in list(situations) + sorted(set(by_situation) - set(situations)) if s in by_situation]
    channel_pages = [DrillPage(channel_src(c), channel_label(c), "", by_channel[c], c)
                     for c in channel_order if c in by_channel]

    with_page = {id(item.entry) for item in found}
    renderer.env.globals["practice_home"] = HOME
    renderer.env.globals["practice_link"] = lambda entry: (
        relative_url(entry_src(entry), practice_page_of(entry), renderer.options.directory_urls, drill_anchor(entry))
        if id(entry) in with_page else "")

    storage = f"kbtool.practice.v{STORAGE_VERSION}:{renderer.kb.config.name}"
    out = [Page(HOME, "Practice", _home(renderer, situation_pages, channel_pages), assets=ASSETS,
                data={"storage": storage, "site": renderer.kb.config.name, "home": True, "pages": [
                    {"url": _link(renderer, HOME, page.src), "title": page.title,
                     "questions": [f"{i.entry.id}/{q.id}" for i in page.items for d in i.drills for q in d.questions]}
                    for page in situation_pages + channel_pages],
                    "ready": [{"channel": page.channel, "url": _link(renderer, HOME, page.src, READY_ANCHOR),
                               **ready_words(page.channel)} for page in channel_pages]},
                section=SECTION)]
    for page in situation_pages + channel_pages:
        # Made when the builder writes the page: at 10,000 entries the drill pages and their data
        # were the largest part of what the build held besides the entries themselves.
        out.append(Page(page.src, f"Practice: {page.title}", partial(_drill_page, renderer, page),
                        assets=ASSETS, data=partial(_page_data, renderer, page, storage)))
    return out


@dataclass(frozen=True)
class DrillPage:
    """A practice page: a situation's drills, or a channel's (which also has the ready check)."""

    src: str
    title: str
    description: str
    items: list[EntryDrills]
    channel: str | None = None


READY_ANCHOR = "ready"
# How the "ready?" check names a channel's work: its title, what the first ones are, and where.
READY_WORDS = {
    "phone": ("Ready for the phones?", "calls", "the phone"),
    "email": ("Ready for email?", "emails", "email"),
    "chat": ("Ready for chat?", "chats", "chat"),
    "in_person": ("Ready to serve in person?", "customers in person", "the shop floor"),
    "social": ("Ready for social media?", "public replies", "social media"),
    "sms": ("Ready for text messages?", "texts", "text messages"),
    "letter": ("Ready for letters?", "letters", "letters"),
}


def ready_words(channel: str) -> dict[str, str]:
    """The ready check's words for a channel (its title, "calls", "the phone")."""
    label = channel_label(channel)
    title, noun, on = READY_WORDS.get(channel, (f"Ready for {label.lower()}?", "contacts", label.lower()))
    return {"title": title, "noun": noun, "on": on, "label": label}


def _link(renderer: Renderer, from_src: str, to_src: str, fragment: str = "") -> str:
    return relative_url(from_src, to_src, renderer.options.directory_urls, anchor(fragment) if fragment else "")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _home(renderer: Renderer, situation_pages: list[DrillPage], channel_pages: list[DrillPage]) -> str:
    def rows(group: Iterable[DrillPage]) -> str:
        return "".join(
            f'<li><a href="{t.attribute(_link(renderer, HOME, page.src))}">{t.plain(page.title)}</a> '
            f'<span class="kb-muted">{_count(sum(i.questions for i in page.items), "question")}</span></li>\n'
            for page in group)

    ready = "".join(
        f'<li><a href="{t.attribute(_link(renderer, HOME, page.src, READY_ANCHOR))}">'
        f'{t.plain(ready_words(page.channel or "")["title"])}</a> '
        f'<span class="kb-muted">{t.plain(page.title)}, {_count(len({i.entry.situation for i in page.items}), "situation")}</span></li>\n'
        for page in channel_pages)
    return (
        "# Practice\n\n"
        '<div class="kb-practice-intro">\n'
        '<p class="kb-lead">Rehearse what to say before you say it to a customer. Each drill comes from the '
        "phrase sets and call scripts of this site: hear what the customer says, pick what you would say "
        "or the next step of the call, and see why.</p>\n"
        '<p class="kb-muted">Your answers stay in this browser only; nobody else sees them unless you send '
        "them. What you get right comes back less and less often, what you get wrong comes back soon: "
        "come back each day and choose <em>Practise now</em>.</p>\n"
        "</div>\n\n"
        "## Ready for your first day? {#ready}\n\n"
        '<p>A short check across every situation on your channel, with a score for each situation.</p>\n\n'
        f'<ul class="kb-practice-ready">\n{ready}</ul>\n\n'
        "## By situation {#by-situation}\n\n"
        f'<ul class="kb-practice-pages">\n{rows(situation_pages)}</ul>\n\n'
        "## By channel {#by-channel}\n\n"
        f'<ul class="kb-practice-pages">\n{rows(channel_pages)}</ul>\n\n'
        "## Your progress {#progress}\n\n"
        '<div id="kb-practice-progress" class="kb-practice-progress">\n'
        '<p class="kb-muted">Your progress is kept in this browser; with JavaScript on, you can download it '
        "or copy a summary for your mentor here.</p>\n"
        "</div>\n"
    )


def _drill_page(renderer: Renderer, page: DrillPage) -> str:
    # Without JavaScript the page still lists its drills and where to read the wordings; the
    # script replaces the list with the drills themselves.
    static = "".join(
        f'<li id="{drill_anchor(i.entry)}"><a href="{t.attribute(_link(renderer, page.src, entry_src(i.entry)))}">'
        f'{t.plain(i.entry.title)}</a> <span class="kb-kind">{_style_label(i.drills)}</span> '
        f'<span class="kb-muted">{_count(i.questions, "question")}</span></li>\n'
        for i in page.items)
    lead = f'<p class="kb-lead">{t.plain(page.description)}</p>\n' if page.description else ""
    return (
        f"# Practice: {t.heading(page.title)}\n\n"
        f'<div class="kb-practice-intro">\n{lead}'
        f'<p class="kb-muted"><a href="{t.attribute(_link(renderer, page.src, HOME))}">All practice pages</a> · '
        "your answers stay in this browser only.</p>\n</div>\n\n"
        '<div id="kb-practice" class="kb-practice">\n'
        '<p class="kb-practice-noscript">These drills need JavaScript. Read the wordings on the pages below.</p>\n'
        f'<ul class="kb-practice-static">\n{static}</ul>\n'
        "</div>\n"
    )


def _style_label(drills: Iterable[Drill]) -> str:
    return " + ".join(dict.fromkeys(STYLE_LABELS.get(d.style, d.style) for d in drills))


STYLE_LABELS = {"phrase": "Phrase drill", "flow": "Call-flow drill"}


def _page_data(renderer: Renderer, page: DrillPage, storage: str) -> dict[str, Any]:
    src = page.src
    by_id = {e.id: e for e in renderer.entries}

    def where(entry_id: str, item: str) -> str:
        target = by_id.get(entry_id)
        return _link(renderer, src, entry_src(target), item) if target is not None else ""

    drills = []
    for item in page.items:
        entry = item.entry
        situation = entry.situation or ""
        for drill in item.drills:
            drills.append({
                "id": entry.id, "anchor": drill_anchor(entry), "style": drill.style,
                "label": STYLE_LABELS.get(drill.style, drill.style), "title": drill.title,
                "summary": renderer.resolve(entry.summary), "url": _link(renderer, src, entry_src(entry)),
                "situation": situation, "situationLabel": t.humanise(situation) if situation else "",
                "situationUrl": _link(renderer, src, situation_src(situation)) if situation else "",
                "questions": [{
                    "id": q.id, "prompt": q.prompt, "scene": q.scene, "customer": q.customer, "heard": list(q.heard),
                    "said": q.said, "url": _link(renderer, src, entry_src(entry), q.item),
                    "choices": [{"text": c.text, "correct": c.correct, "explain": c.explain,
                                 **({"url": where(c.entry, c.item)} if c.entry and not c.correct else {})}
                                for c in q.choices],
                } for q in drill.questions],
            })
    data: dict[str, Any] = {"storage": storage, "site": renderer.kb.config.name, "title": page.title,
                            "home": _link(renderer, src, HOME), "drills": drills}
    if page.channel:
        data["ready"] = {"channel": page.channel, **ready_words(page.channel)}
    return data
