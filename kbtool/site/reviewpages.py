"""Review pages: check a reply, and the interactive call-review form."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kbtool.site.pages import Page, SiteRenderer


def pages(renderer: SiteRenderer) -> list[Page]:
    """This module's pages for one knowledge base (none until it has any to offer)."""
    return []
