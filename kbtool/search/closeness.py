"""Whether a hit is a close match for the query: how much of the query's weight it really holds.

Each word typed (but the words of the question itself, `FUNCTION_WORDS`) is a slot weighing its
rarity: the idf of the word, or of its correction; a word nothing holds and nothing corrects
weighs most. A hit holds a slot in full when it holds the word typed, for less when it holds it
only through a synonym or only once corrected. A hit is close when it holds at least CLOSE_AT of
the query's weight: an off-topic question that ranks something through a corrected or expanded
word stays weak. The site's box decides the same way, step for step
(kbtool/assets/kbsearch/kbsearch-engine.js: `credits`, `coverage`, `isClose`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from kbtool.search.weights import (
    CLOSE_AT,
    CORRECTED_CREDIT,
    FUNCTION_WORDS,
    LONG_WORD,
    UNLIKELY_CORRECTION_CREDIT,
)
from kbtool.search.whoosh_engine import edit_distance

Leaf = tuple[object, float]  # (what to look for, the credit a hit holding it gets)


@dataclass
class Slot:
    """One word of the query that a close hit should hold, and the leaves that hold it."""

    word: str
    weight: float
    leaves: list[Leaf]


def is_slot(word: str) -> bool:
    """Whether a typed word is one a close hit must hold (not a word of the question itself)."""
    return word not in FUNCTION_WORDS


def corrected_credit(word: str, correction: str) -> float:
    """What a corrected word counts for: a typo of a long word keeps its first letter and is one
    edit away (two from six letters), as the index's own corrections are; any other is a guess."""
    allowed = 1 if len(word) < 6 else 2
    likely = (len(word) >= LONG_WORD and word[:1] == correction[:1]
              and edit_distance(word, correction, allowed) <= allowed)
    return CORRECTED_CREDIT if likely else UNLIKELY_CORRECTION_CREDIT


def weight(document_frequency: int, documents: int) -> float:
    """A word's weight: Whoosh's idf of the word as typed, among the documents searched."""
    return math.log(documents / (document_frequency + 1)) + 1 if documents else 1.0


def credits(slots: Sequence[Slot], docnums: Iterable[int],
            holding: Callable[[object, list[int]], set[int]]) -> dict[int, list[float]]:
    """For each of `docnums`, the credit it gets for each slot (0 when it holds none of its leaves).

    `holding(leaf, docs)` says which of `docs` hold a leaf. Leaves are tried best credit first,
    and a document stops being asked about a slot once nothing can raise its credit there.
    """
    docs = list(dict.fromkeys(docnums))
    out: dict[int, list[float]] = {doc: [] for doc in docs}
    for slot in slots:
        best = dict.fromkeys(docs, 0.0)
        for leaf, credit in sorted(slot.leaves, key=lambda lc: -lc[1]):
            asking = [d for d in docs if best[d] < credit]
            if not asking:
                break
            for doc in holding(leaf, asking):
                best[doc] = credit
        for doc in docs:
            out[doc].append(best[doc])
    return out


def share(slots: Sequence[Slot], held: Sequence[float]) -> float:
    """The share of the query's weight that per-slot credits `held` amount to (0 to 1)."""
    total = 0.0
    for slot in slots:
        # Added one by one, as the browser does: sum() compensates its rounding from Python 3.12.
        total += slot.weight
    if not total:
        return 0.0
    value = 0.0
    for slot, credit in zip(slots, held, strict=True):
        value += slot.weight * credit
    return value / total


def coverage(slots: Sequence[Slot], docnums: Iterable[int],
             holding: Callable[[object, list[int]], set[int]]) -> dict[int, float]:
    """The share of the query's weight each of `docnums` holds (0 to 1)."""
    return {doc: share(slots, held) for doc, held in credits(slots, docnums, holding).items()}


def holds_at_least(held: Sequence[float], other: Sequence[float]) -> bool:
    """True when `held` holds every slot `other` holds, each at least as well."""
    return all(mine >= theirs for mine, theirs in zip(held, other, strict=True))


def unknown_weight(documents: int) -> float:
    """The weight of a word nothing holds and nothing corrects: the most a word can weigh. (Less,
    0.5 or 0.75 of it, answered more off-topic questions and no more staff queries.)"""
    return weight(0, documents)


def is_close(share: float) -> bool:
    return share >= CLOSE_AT - 1e-9
