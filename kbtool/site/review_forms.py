"""Review pages: "Check a reply" (kbtool check in the browser) and the interactive call-review form
for each scorecard channel.

Both pages are static: what they need travels as the page's data script (`Page.data`, read as
`self.__kbpage`) and kbtool/assets/review/ builds the form into a plain placeholder element,
since the page sanitiser strips scripts, forms and attributes from generated Markdown. Nothing
leaves the browser: the reply is checked in the page, and a review is kept in localStorage.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from kbtool.browser import TOOLKIT
from kbtool.format.vocab import CHANNEL_LABELS
from kbtool.model import Entry
from kbtool.publish.urls import anchor, entry_src, relative_url
from kbtool.review import compile_rules
from kbtool.site import escaping as t
from kbtool.site.page import Page, Renderer, channel_label, scorecard_src

SECTION = "Mentors"
CHECK_PAGE = "mentors/check-a-reply.md"
CHECK_ASSETS = ("review/review.css", TOOLKIT, "review/check.js")
REVIEW_ASSETS = ("review/review.css", TOOLKIT, "review/review.js")
# Bumped when the stored reviews change shape. Version 1 kept one review per channel; version 2
# keeps several side by side (review.js moves a version 1 review into the list once).
STORAGE_VERSION = 2
# What a reviewer can say of each rule, and what it counts towards the section's total.
RESULTS = [{"id": "met", "label": "Met", "score": 1}, {"id": "partly", "label": "Partly", "score": 0.5},
           {"id": "not-met", "label": "Not met", "score": 0}, {"id": "na", "label": "N/A", "score": None}]


def review_src(channel: str) -> str:
    return f"mentors/review-{anchor(channel)}.md"


def _linker(renderer: Renderer, src: str) -> Any:
    def link(entry: Entry, item: str | None) -> str:
        return relative_url(src, entry_src(entry), renderer.options.directory_urls, anchor(item) if item else "")
    return link


def check_page(renderer: Renderer) -> Page:
    """The "Check a reply" page: the compiled rules of `kbtool check`, and a JS port of its matcher."""
    channels = [{"id": c, "label": label} for c, label in CHANNEL_LABELS.items()]
    markdown = (
        "# Check a reply {#check-a-reply}\n\n"
        '<div class="kb-review-intro">\n'
        "<p>Paste a draft reply, a chat log or a call transcript. The page points out wordings the "
        "phrasebook says to avoid (with the wording to use instead), style phrases and over-promising "
        "words, blanks left unfilled and example values left in; pick a channel to check its greeting "
        "and closing too. It is the same check as <code>kbtool check</code> and runs in this page "
        "only: nothing you paste leaves your browser or is kept.</p>\n"
        "<p>Lines starting <code>Customer:</code> or <code>Caller:</code>, and quoted email lines "
        "(<code>&gt; ...</code>), are the customer's and are not checked.</p>\n"
        "</div>\n\n"
        '<div id="kb-check" class="kb-review">\n'
        '<p class="kb-muted">This check runs in the page with JavaScript, which is switched off; '
        "<code>kbtool check</code> does the same in a terminal.</p>\n"
        "</div>\n"
    )
    return Page(CHECK_PAGE, "Check a reply", markdown, assets=CHECK_ASSETS,
                # Compiled when the builder writes the page's data: at 10,000 entries the rules
                # were tens of megabytes a build held from start to end.
                # Not under Mentors: new hires check their replies most, so the navigation lists
                # it at the top level (pages.navigation) and Start here links it.
                data=lambda: {"rules": compile_rules(renderer.kb, _linker(renderer, CHECK_PAGE)),
                              "channels": channels})


def review_data(renderer: Renderer, channel: str, rules: list[tuple[Entry, Any]],
                src: str | None = None) -> dict[str, Any]:
    """One channel's review: the scorecard's rules grouped by their standard, as plain text.

    The call-review form and the tickable scorecard (`src`, its page) read the same data and keep
    the same reviews, so a review ticked on one shows on the other.
    """
    link = _linker(renderer, src or review_src(channel))
    sections: list[dict[str, Any]] = []
    by_entry: dict[str, dict[str, Any]] = {}
    for entry, rule in rules:
        section = by_entry.get(entry.id)
        if section is None:
            section = by_entry[entry.id] = {"id": entry.id, "title": " ".join(entry.title.split()),
                                            "link": link(entry, None), "rules": []}
            sections.append(section)
        section["rules"].append({"id": rule.id, "title": t.humanise(rule.id),
                                 "text": " ".join(renderer.blanks(rule.text).split()),
                                 "link": link(entry, rule.id)})
    return {"channel": channel, "label": CHANNEL_LABELS.get(channel, t.humanise(channel)),
            "site": renderer.kb.config.name, "sections": sections, "results": RESULTS,
            # Pages opened from file:// share one storage, so the key names the knowledge base too.
            "storageKey": _storage_key(renderer, channel, STORAGE_VERSION),
            # Where a browser kept its one review before reviews were kept side by side.
            "legacyKey": _storage_key(renderer, channel, 1),
            "scorecard": src is not None and src != review_src(channel),
            "form": relative_url(src or review_src(channel), review_src(channel), renderer.options.directory_urls),
            "printable": relative_url(src or review_src(channel), scorecard_src(channel), renderer.options.directory_urls)}


def _storage_key(renderer: Renderer, channel: str, version: int) -> str:
    return f"kbtool.review.{anchor(renderer.kb.config.name)}.{anchor(channel)}.v{version}"


def review_page(renderer: Renderer, channel: str, rules: list[tuple[Entry, Any]]) -> Page:
    src = review_src(channel)
    label = channel_label(channel)
    printable = relative_url(src, scorecard_src(channel), renderer.options.directory_urls)
    markdown = (
        f"# Call review: {t.heading(label)} {{#call-review}}\n\n"
        '<div class="kb-review-intro">\n'
        f"<p>Review one {t.plain(label.lower())} contact against the standards: for each rule pick Met, "
        "Partly, Not met or N/A and note what you heard. Each standard shows its total (Partly counts "
        "half, N/A is left out). Export the review as Markdown or JSON for the coaching conversation. "
        "The form is kept in this browser only, until you clear it.</p>\n"
        f'<p>A printable version is the <a href="{t.attribute(printable)}">scorecard</a>.</p>\n'
        "</div>\n\n"
        '<div id="kb-review" class="kb-review">\n'
        '<p class="kb-muted">The review form needs JavaScript, which is switched off; the '
        f'<a href="{t.attribute(printable)}">printable scorecard</a> works without it.</p>\n'
        "</div>\n"
    )
    return Page(src, f"Call review: {label}", markdown, assets=REVIEW_ASSETS,
                data=partial(review_data, renderer, channel, rules), section=SECTION)


def pages(renderer: Renderer) -> list[Page]:
    """The "Check a reply" page, and a call-review form for each channel that has a scorecard."""
    out = [check_page(renderer)]
    for channel, rules in renderer.scorecards():
        out.append(review_page(renderer, channel, rules))
    return out
