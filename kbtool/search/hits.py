"""The records a search returns: one `Hit` per document found and the `Results` of a query.

Shared by the lexical ranking (kbtool.search.api), the ranking by meaning (kbtool.search.semantic)
and everything that shows hits, so none of them needs to import another for its records.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Hit:
    """One search result: the text to say, where it comes from and where to edit it.

    `close` says whether the hit is a close match for the query (kbtool.search.closeness): an
    agent may read out a close hit; a weak one is shown under its own heading, if at all.
    `more` are the entry's other matching items, folded under its best one (`group_by_entry`).
    """

    id: str
    item: str | None
    kind: str
    title: str
    text: str
    path: str
    line: int
    score: float
    url: str
    entry_title: str = ""
    channels: tuple[str, ...] = ()
    situation: str = ""
    tags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    close: bool = False
    coverage: float = 0.0
    more: tuple[Hit, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "item": self.item, "kind": self.kind, "title": self.title, "text": self.text,
                "path": self.path, "line": self.line, "score": _finite(self.score), "url": self.url,
                "channels": list(self.channels), "situation": self.situation, "tags": list(self.tags),
                "notes": list(self.notes), "close": self.close, "coverage": _finite(self.coverage),
                "more": [h.as_dict() for h in self.more]}

    def with_(self, **changes: Any) -> Hit:
        return replace(self, **changes)


def _finite(value: float) -> float:
    # JSON has no NaN or infinity: a damaged score file must not make `--json` output unparseable.
    return round(value, 4) if value == value and abs(value) != float("inf") else 0.0


@dataclass
class Results:
    """Hits plus how the query was understood: a spelling correction, whether fuzzy matching ran,
    and whether any hit is close (`close`); `truncated` when a pasted query was cut to size."""

    hits: list[Hit]
    query: str
    did_you_mean: str | None = None
    fuzzy: bool = False
    corrections: dict[str, str] = field(default_factory=dict)
    truncated: bool = False

    @property
    def close(self) -> bool:
        return any(hit.close for hit in self.hits)
