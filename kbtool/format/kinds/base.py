"""What a kind declares: its fields, how its entry is built, what it publishes.

One `Kind` per kind of entry is the only place that knows a kind's shape. Pages, search
documents, exports, reviews and skeletons ask the declaration instead of branching on the kind,
so a fifth kind is its module plus its page template.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kbtool.format.types import Field, Obj, Text
from kbtool.model import Entry

Pointer = tuple[Any, ...]
Fill = Callable[[str], str]


def humanise(slug: str) -> str:
    """An id as words: 'ask-to-hold' -> 'Ask to hold'."""
    return slug.replace("-", " ").replace("_", " ").capitalize()


@dataclass(frozen=True)
class Unit:
    """One searchable unit of an entry: a phrase, a step, a rule, or the entry as a whole.

    `say` is the text staff read out or paste (kb.yaml values filled in); `context` are the
    words around it that help find it; `notes` are shown beside a hit (avoid, why, branches).
    """

    item: str | None
    kind: str
    title: str
    say: str
    context: tuple[str, ...]
    notes: tuple[str, ...]
    ptr: Pointer
    keywords: tuple[str, ...] = ()
    customer_says: tuple[str, ...] = ()


@dataclass(frozen=True)
class Snippet:
    """One thing a text expander can type: an item (`item` set) or the whole entry."""

    entry: Entry
    item: str | None
    label: str
    texts: tuple[str, ...]

    @property
    def item_id(self) -> str:
        return self.item if self.item is not None else self.entry.id


@dataclass(frozen=True)
class Choice:
    """One answer a drill offers: its text, whether it is the right one, and what the reader learns
    on picking it (the why for the right answer, what goes wrong or where it leads for the others).
    A line that belongs to another moment names where it does belong (`entry`, `item`), so the
    practice page can link to it."""

    text: str
    correct: bool
    explain: str
    entry: str = ""
    item: str = ""


@dataclass(frozen=True)
class Question:
    """One turn of a drill. `scene` sets the moment, `customer` is what the customer says (the
    content's `practice` hint or its first `customer_says`), `heard` the other ways customers say
    it (a question asked again comes back in other words), `said` what the agent has just said
    (call flows)."""

    id: str                      # stable within the entry, so progress survives rebuilds
    item: str                    # the item practised (its anchor on the entry page)
    prompt: str
    choices: tuple[Choice, ...]
    scene: str = ""
    customer: str = ""
    said: str = ""
    heard: tuple[str, ...] = ()


@dataclass(frozen=True)
class Drill:
    """The drill an entry yields: `style` tells the practice page how to present it
    ("phrase": pick the wording; "flow": walk the call and pick the next step)."""

    style: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Pitfall:
    """A wording the content says to avoid, with the reason: wrong answers for drills on the same situation."""

    entry: str
    item: str
    title: str
    text: str
    why: str


@dataclass(frozen=True)
class Moment:
    """A line the content gives for one moment of a conversation, with what the customer says then.

    For drills on the same situation it is a wrong answer that sounds right: a good line, for
    another moment. Only moments with a customer wording are lent, so the feedback can say when
    the line is the one to use.
    """

    entry: str
    item: str
    title: str
    say: str
    customer: str


@dataclass(frozen=True)
class Pool:
    """What the other entries on an entry's situation lend its drills as wrong answers."""

    pitfalls: Sequence[Pitfall] = ()
    moments: Sequence[Moment] = ()


@dataclass(frozen=True)
class Hint:
    """A `practice:` hint from the content: what the customer says, and the moment it happens."""

    customer: str = ""
    scene: str = ""


PRACTICE = Field("practice", Obj("practice", (
    Field("customer", Text(one_line=True), False, "What the customer says or writes at this moment (plain text)."),
    Field("scene", Text(one_line=True), False, "The moment, in one sentence, as the learner should picture it."),
), "Hints for the practice drills."), False,
    "Optional hints for the practice pages: drills work without them and read better with them.")


def hint(data: dict[str, Any]) -> Hint:
    """The `practice:` hint of an item (empty when the content gives none)."""
    given = data.get("practice") or {}
    return Hint(given.get("customer", ""), given.get("scene", ""))


def wordings(*texts: str, more: Sequence[str] = ()) -> tuple[str, ...]:
    """What customers say at a moment, each once, the practice hint first: what a drill quotes."""
    out: list[str] = []
    for text in (*texts, *more):
        text = " ".join(str(text).split())
        if text and not any(same_wording(text, seen) for seen in out):
            out.append(text)
    return tuple(out)


# Words too common to tell two moments apart.
_COMMON = frozenset("""about after again also been before being could didn does doesn done even from have haven
here just like make more much need only over really said same should some still than that their them then there
these they thing this those want were what when where which will with would your you're it's i've i'm can't
don't won't isn't that's there's""".split())


@lru_cache(maxsize=8192)
def _stems(text: str) -> frozenset[str]:
    # Cached: a situation's lines are compared with every other moment on it.
    out = set()
    for word in re.findall(r"[a-z']+", text.casefold()):
        if len(word) <= 3 or word in _COMMON:
            continue
        for ending in ("ing", "ed", "es", "s"):
            if word.endswith(ending) and len(word) - len(ending) >= 4:
                word = word[: -len(ending)]
                break
        out.add(word)
    return frozenset(out)


def close_moments(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two moments share enough words (two or more, common ones aside) that one moment's
    line might fairly answer the other's customer: such a line is no fair wrong answer."""
    return len(_stems("\n".join(a)) & _stems("\n".join(b))) >= 2


def same_wording(a: str, b: str) -> bool:
    """Two wordings a reader could not tell apart (case, spacing and punctuation aside)."""
    return _words(a) == _words(b)


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def spread(items: Sequence[Any], salt: str, key: Callable[[Any], str]) -> list[Any]:
    """`items` in an order that looks shuffled but is the same on every build (drills stay stable
    between builds, so progress kept in the browser still matches them)."""
    return sorted(items, key=lambda item: hashlib.sha1(f"{salt}\0{key(item)}".encode()).hexdigest())


def rotated(pool: Sequence[Any], salt: str) -> Iterator[Any]:
    """`pool` from a start that depends on `salt`, wrapping round, one item at a time.

    For picking a few distractors out of a situation's whole pool: the same on every build, like
    `spread`, but without hashing and sorting the pool for every question (that made drills grow
    with the square of the knowledge base).
    """
    if not pool:
        return
    start = int(hashlib.sha1(salt.encode()).hexdigest()[:8], 16) % len(pool)
    for i in range(len(pool)):
        yield pool[(start + i) % len(pool)]


@dataclass(frozen=True)
class CheckOffer:
    """What an entry gives `kbtool check` to hold a draft reply or transcript against.

    `role` is "avoid" (a wording to avoid; `instead` is the approved one, `why` the reason),
    "approved" (a wording the team gives staff; `place` is "first" or "last" when it opens or
    ends a conversation, "middle" when it does neither, "" when it may come anywhere) or "example"
    (a value a blank is filled with in previews, which must not reach a customer).
    """

    role: str
    text: str
    item: str | None = None
    instead: str = ""
    why: str = ""
    place: str = ""


def example_offers(entry: Entry) -> list[CheckOffer]:
    """Any kind's declared blanks: their example values must not be left in a real reply."""
    return [CheckOffer("example", v.example, name) for name, v in entry.variables.items() if v.example]


@dataclass(frozen=True)
class Kind:
    """A kind of entry, declared once."""

    name: str                   # `kind:` in the YAML
    label: str                  # plural, for navigation ("Phrases")
    singular: str               # "Phrase set"
    folder: str                 # the site folder of its pages
    source_folder: str          # where `kbtool new` puts its files
    fields: tuple[Field, ...]   # fields beyond the common ones
    entry_class: type[Entry]
    build: Callable[[dict[str, Any], dict[str, Any]], Entry]  # (converted data, common fields) -> entry
    units: Callable[[Entry, Fill], Iterator[Unit]]
    export: Callable[[Entry, Callable[[str], dict[str, Any]]], dict[str, Any]]  # (entry, item anchor+url)
    review_texts: Callable[[Entry], dict[str, str]]
    skeleton: str               # the YAML after the common fields, for `kbtool new`
    unit_kinds: tuple[str, ...]  # the unit kinds it yields (for `--kind` filters)
    # Each unit kind's label in results ("Script step") and its weight in the ranking: ready-to-say
    # kinds rank first when scores are otherwise close.
    unit_labels: dict[str, str] = field(default_factory=dict)
    unit_boosts: dict[str, float] = field(default_factory=dict)
    requires_situation: bool = True
    snippets: Callable[[Entry], list[Snippet]] = lambda entry: []
    # Gives staff the words to use (coverage counts it); standards say how to work instead.
    guidance: bool = True
    # Walks a conversation step by step (a channel's greeting is covered by one of these).
    conversation: bool = False
    # The YAML field holding the entry's items (rules, steps, phrases), for item-level positions.
    items_field: str | None = None
    # The JSON Schema of the kind's own fields in `kbtool export json` (kbtool/format/exportshapes.py).
    export_schema: dict[str, Any] = field(default_factory=dict)
    # What `kbtool check` and the "Check a reply" page hold a conversation against.
    check_offers: Callable[[Entry], list[CheckOffer]] = example_offers
    # The drills an entry yields for the practice pages, given what the entries on the same
    # situation lend as wrong answers (`Pool`); kinds that teach no wording yield none.
    drills: Callable[[Entry, Fill, Pool], list[Drill]] = lambda entry, fill, pool: []
    # The wordings to avoid an entry teaches: wrong answers for other entries' drills.
    pitfalls: Callable[[Entry, Fill], list[Pitfall]] = lambda entry, fill: []
    # The lines an entry gives for moments customers put into words: wrong answers that sound
    # right for other entries' drills.
    moments: Callable[[Entry, Fill], list[Moment]] = lambda entry, fill: []

    @property
    def template(self) -> str:
        """The page template's file name; a team may override it by name."""
        return f"{self.name}.md.j2"
