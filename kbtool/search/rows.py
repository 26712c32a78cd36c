"""Results an agent can read out: one row per entry, the entry's opening item when only its own words
matched, close rows first, and the channel the agent is on before the others.
"""

from __future__ import annotations

from typing import Any

from kbtool.search import closeness
from kbtool.search.hits import Hit, Results
from kbtool.search.ranking import Run, hit_from_fields, hit_key, holding, run_ranked
from kbtool.search.search_index import SearchIndex
from kbtool.search.weights import ENTRY_FIELDS, ITEM_FIELDS, ROW_DEPTH, SPOKEN, WRITTEN_ONLY
from kbtool.search.whoosh_engine import Words


def search_rows(index: SearchIndex, query: str, *, prefer: str | None = None, limit: int = 5,
                **options: Any) -> Results:
    """What staff see: one row per entry, best first, close matches before weak ones.

    Each row is the entry's best hit with its other matching items in `more` (`group_by_entry`).
    With `prefer` (a channel), that channel's lines come first, and for a spoken channel,
    written-only templates come after spoken lines (`rank_by_channel`).
    """
    run = run_ranked(index, query, limit=max(limit, ROW_DEPTH), **options)
    rows = group_by_entry(run)
    rows = rank_by_channel(rows, prefer)
    run.results.hits = rows[:limit]
    return run.results


def group_by_entry(run: Run) -> list[Hit]:
    """One row per entry, in the order of each entry's best hit, its other hits in `more`.

    When the best hit holds the query's words only in what the whole entry shares (its title,
    tags, keywords), and the entry's opening step or first phrase holds them there too, the row
    opens with that opening item instead: the natural place to start reading out.
    """
    hits = run.results.hits
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.id, []).append(hit)
    openings = {}
    if run.docnums:
        for entry, members in groups.items():
            lead = members[0]
            doc = run.docnums.get(hit_key(lead))
            if doc is None:
                continue
            opening = run.reader.stored(doc).get("opening")
            if isinstance(opening, int) and opening != doc:
                openings[entry] = (doc, opening)
    swap: dict[str, Hit] = {}
    if openings:
        # The lead gives way to its entry's opening item only when it holds the query's words only
        # in the fields the whole entry shares, and the opening holds every one of them there too.
        leads = [d for d, _ in openings.values()]
        own = held_in(run, leads, ITEM_FIELDS)
        shared = [restricted(slot, ENTRY_FIELDS) for slot in run.slots]
        held = closeness.credits(shared, [d for pair in openings.values() for d in pair], holding(run.reader))
        for entry, (doc, opening) in openings.items():
            lead = groups[entry][0]
            if doc in own or not lead.coverage or not closeness.holds_at_least(held[opening], held[doc]):
                continue
            by_doc = {run.docnums.get(hit_key(h)): h for h in groups[entry]}
            first = by_doc.get(opening) or hit_from_fields(run.reader.stored(opening), lead.score)
            swap[entry] = first.with_(score=lead.score, coverage=lead.coverage, close=lead.close)
    rows = []
    for entry, members in groups.items():
        lead = swap.get(entry, members[0])
        more = tuple(h for h in members if hit_key(h) != hit_key(lead))
        rows.append(lead.with_(more=more))
    return rows


def restricted(slot: closeness.Slot, fields: tuple[str, ...]) -> closeness.Slot:
    leaves: list[closeness.Leaf] = []
    for leaf, credit in slot.leaves:
        assert isinstance(leaf, Words)
        leaves.append((Words(leaf.stems, tuple((f, w) for f, w in leaf.fields if f in fields)), credit))
    return closeness.Slot(slot.word, slot.weight, leaves)


def held_in(run: Run, docs: list[int], fields: tuple[str, ...]) -> set[int]:
    """Which of `docs` hold any of the query's words in `fields`."""
    found: set[int] = set()
    for slot in run.slots:
        for leaf, _credit in restricted(slot, fields).leaves:
            asking = [d for d in docs if d not in found]
            if not asking:
                return found
            assert isinstance(leaf, Words)
            found |= run.reader.containing(leaf, asking)
    return found


def rank_by_channel(rows: list[Hit], prefer: str | None) -> list[Hit]:
    """Close rows before weak ones; within each, the preferred channel's lines first (stable)."""

    def tier(hit: Hit) -> int:
        if not prefer:
            return 0
        if prefer in hit.channels:
            return 0
        if prefer in SPOKEN and hit.channels and set(hit.channels) <= WRITTEN_ONLY:
            return 2
        return 1

    return sorted(rows, key=lambda hit: (not hit.close, tier(hit)))


