"""Synonym groups (kb.yaml's and the service lexicon's) as stems: what a query's words expand to.

The terminal's query planner and the site's index both read the table from here, so a word
expands to the same alternatives in the terminal and in the browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kbtool.search.whoosh_engine import stems, surface_words

Groups = tuple[tuple[str, ...], ...]
Member = tuple[str, ...]


@dataclass(frozen=True)
class SynonymTable:
    """For each synonym (as stems), its alternatives: every other member of every group holding it.

    A member in several groups (kb.yaml's and the lexicon's "late") expands to all of them, so
    the team's groups extend the lexicon instead of hiding it.
    """

    alternatives: dict[Member, tuple[Member, ...]]
    longest: int
    stems: frozenset[str]


@lru_cache(maxsize=8)
def analysed_synonyms(groups: Groups) -> tuple[tuple[Member, ...], ...]:
    """Each group's members as stems, the unusable ones left out, groups of fewer than two dropped.

    Stored with each index build, so a cold search need not stem the lexicon's thousand members
    (25 ms of its CPU) before it can plan a query.
    """
    analysed: list[tuple[Member, ...]] = []
    for group in groups:
        members: list[Member] = []
        for member in group:
            found = tuple(stems(member))
            if len(found) < min(2, len(member.split())):
                # "in person" is just "person" once stop words go; as a synonym it would capture
                # every query mentioning a person, so such members are left out.
                continue
            if found and found not in members:
                members.append(found)
        if len(members) >= 2:
            analysed.append(tuple(members))
    return tuple(analysed)


@lru_cache(maxsize=8)
def synonym_table(groups: Groups) -> SynonymTable:
    """The table of `groups` as written (kb.yaml's `synonyms` plus the lexicon's)."""
    return table_of(analysed_synonyms(groups))


def table_of(analysed: tuple[tuple[Member, ...], ...]) -> SynonymTable:
    """The table of groups already analysed (as an index build stores them)."""
    alternatives: dict[Member, dict[Member, None]] = {}
    for members in analysed:
        for member in members:
            known = alternatives.setdefault(member, {})
            known.update(dict.fromkeys(m for m in members if m != member))
    table = {member: tuple(alts) for member, alts in alternatives.items()}
    return SynonymTable(table, max((len(m) for m in table), default=0),
                        frozenset(stem for member in table for stem in member))


@lru_cache(maxsize=8)
def synonym_words(groups: Groups) -> frozenset[str]:
    """Every word of every member as typed: spelling corrections are drawn from these too."""
    return frozenset(word for group in groups for member in group for word in surface_words(member))
