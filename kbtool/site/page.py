"""What a builder receives for each generated page, and the names several page modules share.

A floor below the page producers (kbtool.site.pages, practice, review_forms), so they can share
these records without importing one another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kbtool.format.kinds import REGISTRY
from kbtool.format.vocab import CHANNEL_LABELS
from kbtool.model import Entry, KnowledgeBase
from kbtool.site import escaping as t

if TYPE_CHECKING:  # pragma: no cover - the renderer's template environment, for annotations only
    import jinja2


@dataclass(eq=False)
class Page:
    """One generated page: where it goes, its nav label (plain text) and its Markdown.

    Interactive pages (practice, review) name the files under kbtool/assets/ they load (`assets`,
    `.css` or `.js`) and the JSON-able `data` their scripts read as `self.__kbpage`: the builder
    ships both with that page only, so no other page pays for them and the data never passes the
    HTML sanitiser as markup. `section` puts the page under that heading of the navigation.

    `source` is the Markdown, or for entry pages a function that renders the part after the
    `front` matter, and `data` may be a function that makes it: at 10,000 entries the rendered Markdown alone was a third of a gigabyte, so a
    builder that writes page by page asks for each page's text when it reads that page (`body()`)
    and never holds them all. `markdown` renders it once and keeps it (previews, tests).
    """

    src_uri: str
    title: str
    source: str | Callable[[], str]
    entry: Entry | None = None
    assets: tuple[str, ...] = ()
    data: Any = None
    section: str | None = None
    front: str = ""

    @property
    def lazy(self) -> bool:
        return callable(self.source)

    @property
    def markdown(self) -> str:
        if callable(self.source):
            self.source = self.source()
        return self.front + self.source

    def body(self) -> str:
        """The Markdown after the front matter, rendered afresh and not kept when the page is lazy."""
        return self.source() if callable(self.source) else self.source

    def page_data(self) -> Any:
        """`data`, made afresh when it is a function (as `source`, for builders that write page by page)."""
        return self.data() if callable(self.data) else self.data


@dataclass
class SiteOptions:
    directory_urls: bool = True
    templates_dir: Path | None = None
    today: dt.date = field(default_factory=dt.date.today)


def kind_index_src(kind: str) -> str:
    """The page listing every entry of a kind: the navigation's entry point to them."""
    return f"{REGISTRY[kind].folder}/index.md"


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, t.humanise(channel))


def scorecard_src(channel: str) -> str:
    return f"mentors/scorecard-{t.anchor(channel)}.md"


class Renderer(Protocol):
    """What a page producer (practice, review_forms) asks of the site renderer (pages.SiteRenderer)."""

    kb: KnowledgeBase
    options: SiteOptions
    env: jinja2.Environment
    entries: list[Entry]

    def resolve(self, text: str, extra: dict[str, str] | None = None) -> str: ...

    def blanks(self, text: str) -> str: ...

    def scorecards(self) -> list[tuple[str, list[tuple[Entry, Any]]]]: ...


__all__ = ["Page", "SiteOptions", "Renderer", "kind_index_src", "channel_label", "scorecard_src"]
