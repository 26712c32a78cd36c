"""Which entry and page a finding breaks: the standard or phrase set behind each of `kbtool check`'s
findings, read from the compiled rules, and the standard a broken follow-up promise goes against.

The compiled rules carry each wording's link but not its entry; the link function handed to
`compile_rules` is wrapped here to note which entry each link is for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kbtool.audit.rules import FOLLOW_UP_SITUATION
from kbtool.format.kinds import kind_of
from kbtool.model import Entry, KnowledgeBase
from kbtool.review.rules import EXAMPLE_VALUE

Link = Callable[[Entry, "str | None"], str]
# `kbtool check`'s example-value message ends "(the example for NAME in TITLE)".
_EXAMPLE_IN = re.compile(r" in (.+)\)$")


class EntryIndex:
    """Links for the rules, and the (entry id, url) of each finding."""

    def __init__(self, kb: KnowledgeBase, url: Link) -> None:
        self._url = url
        self._entry_of_url: dict[str, str] = {}
        self._links: dict[tuple[str, str], str] = {}
        self.entries: dict[str, Entry] = {entry.id: entry for entry in kb.published()}
        self._by_title = {entry.title: entry for entry in kb.published()}

    def link(self, entry: Entry, item: str | None = None) -> str:
        """The link function for compile_rules: the entry's address, noted."""
        url = self._url(entry, item)
        self._entry_of_url[url] = entry.id
        return url

    def learn(self, rules: dict[str, Any]) -> None:
        """Note which link each compiled pattern and requirement gives its findings."""
        for pattern in rules["patterns"]:
            if pattern.get("link"):
                self._links[(pattern["rule"], pattern["message"])] = pattern["link"]
        for needs in rules["requirements"].values():
            for need in needs:
                if need.get("link"):
                    self._links[(need["rule"], need["message"])] = need["link"]

    def of(self, rule: str, message: str) -> tuple[str | None, str | None]:
        """(entry id, url) of a finding, or (None, None) for kb.yaml's style rules and blanks."""
        url = self._links.get((rule, message))
        if url:
            return self._entry_of_url.get(url), url
        if rule == EXAMPLE_VALUE.id:
            match = _EXAMPLE_IN.search(message)
            entry = self._by_title.get(match.group(1)) if match else None
            if entry is not None:
                return entry.id, self.link(entry)
        return None, None

    def title(self, entry_id: str | None) -> str | None:
        entry = self.entries.get(entry_id or "")
        return entry.title if entry else None

    def follow_up(self) -> tuple[str | None, str | None]:
        """The entry a broken follow-up promise goes against: a standard (an entry that says how to
        work rather than what to say) on the follow-up situation, else any entry on it."""
        on_it = [entry for entry in self.entries.values() if entry.situation == FOLLOW_UP_SITUATION]
        on_it.sort(key=lambda entry: kind_of(entry).guidance)
        return (on_it[0].id, self.link(on_it[0])) if on_it else (None, None)
