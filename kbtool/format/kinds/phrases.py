"""`kind: phrases`: phrase formulas for one situation: what to say, what to avoid, and why."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from kbtool.format import exportshapes as x
from kbtool.format.common import CUSTOMER_SAYS, CUSTOMER_SAYS_HELP, KEYWORDS, TEMPLATES
from kbtool.format.kinds.base import (
    PRACTICE,
    CheckOffer,
    Choice,
    Drill,
    Fill,
    Hint,
    Kind,
    Pitfall,
    Question,
    Snippet,
    Unit,
    example_offers,
    hint,
    humanise,
    rotated,
    same_wording,
    spread,
)
from kbtool.format.types import Field, ListOf, Obj, Text, slug, template
from kbtool.model import Entry, TextRef


@dataclass(eq=False)
class Phrase:
    id: str
    say: str
    avoid: list[str] = field(default_factory=list)
    why: str = ""
    keywords: list[str] = field(default_factory=list)
    practice: Hint = field(default_factory=Hint)
    customer_says: list[str] = field(default_factory=list)


@dataclass(eq=False)
class PhraseSet(Entry):
    kind: ClassVar[str] = "phrases"
    phrases: list[Phrase] = field(default_factory=list)

    def _texts(self) -> Iterator[TextRef]:
        yield from super()._texts()
        for i, phrase in enumerate(self.phrases):
            yield TextRef(("phrases", i, "say"), "say", phrase.say, True, True)
            for j, text in enumerate(phrase.avoid):
                yield TextRef(("phrases", i, "avoid", j), "avoid", text, True, False)
            if phrase.why:
                yield TextRef(("phrases", i, "why"), "why", phrase.why, False, True)

    def items(self) -> list[Any]:
        return list(self.phrases)


PHRASE = Obj("phrase", (
    Field("id", slug(""), True, "Phrase id, unique within the set."),
    Field("say", template("The sentence to say or write."), True),
    Field("avoid", TEMPLATES, False, "What people say instead that goes wrong."),
    Field("why", Text(), False, "Why this wording works."),
    Field("keywords", KEYWORDS, False, "Words staff or customers use for this phrase (search finds it by them)."),
    Field("customer_says", CUSTOMER_SAYS, False, CUSTOMER_SAYS_HELP),
    PRACTICE,
))
FIELDS = (Field("phrases", ListOf(PHRASE, min_items=1), True, "The phrases."),)


def build(data: dict[str, Any], common: dict[str, Any]) -> PhraseSet:
    return PhraseSet(**common, phrases=[
        Phrase(p["id"], p["say"], p.get("avoid", []), p.get("why", ""), p.get("keywords", []), hint(p),
               p.get("customer_says", []))
        for p in data.get("phrases", []) if "id" in p and "say" in p
    ])


def units(entry: PhraseSet, fill: Fill) -> Iterator[Unit]:
    for i, phrase in enumerate(entry.phrases):
        notes = [f"Avoid: {fill(a)}" for a in phrase.avoid] + ([f"Why: {phrase.why}"] if phrase.why else [])
        yield Unit(phrase.id, "phrase", humanise(phrase.id), fill(phrase.say),
                   (*(fill(a) for a in phrase.avoid), phrase.why, entry.summary),
                   tuple(notes), ("phrases", i, "say"), (*phrase.keywords, *entry.keywords),
                   (*phrase.customer_says, *entry.customer_says))


def export(entry: PhraseSet, item: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return {"phrases": [{**item(p.id), "say": p.say, "avoid": list(p.avoid), "why": p.why,
                         "keywords": list(p.keywords), "customer_says": list(p.customer_says)}
                        for p in entry.phrases]}


def review_texts(entry: PhraseSet) -> dict[str, str]:
    return {p.id: p.say + "".join(f"\navoid: {a}" for a in p.avoid)
            + "".join(f"\ncustomer says: {c}" for c in p.customer_says) for p in entry.phrases}


def check_offers(entry: PhraseSet) -> list[CheckOffer]:
    offers = []
    for p in entry.phrases:
        offers.append(CheckOffer("approved", p.say, p.id))
        offers.extend(CheckOffer("avoid", a, p.id, p.say, p.why) for a in p.avoid)
    return offers + example_offers(entry)


def snippets(entry: PhraseSet) -> list[Snippet]:
    return [Snippet(entry, p.id, f"{entry.title}: {p.id.replace('-', ' ')}", (p.say,)) for p in entry.phrases]


# Four choices: enough to make the reader think, few enough to read on a phone.
WRONG_CHOICES = 3


def pitfalls(entry: PhraseSet, fill: Fill) -> list[Pitfall]:
    return [Pitfall(entry.id, p.id, humanise(p.id), fill(text), p.why)
            for p in entry.phrases for text in p.avoid]


def drills(entry: PhraseSet, fill: Fill, pool: Sequence[Pitfall]) -> list[Drill]:
    """Pick the approved wording: the phrase's own `avoid` texts come first, then wordings other
    phrases on the same situation say to avoid (plausible, and wrong for a reason the reader sees)."""
    questions = []
    for phrase in entry.phrases:
        right = fill(phrase.say)
        own = [Pitfall(entry.id, phrase.id, humanise(phrase.id), fill(text), phrase.why) for text in phrase.avoid]
        others = (p for p in rotated(pool, f"{entry.id}/{phrase.id}") if not (p.entry == entry.id and p.item == phrase.id))
        wrong: list[Pitfall] = []
        for candidate in itertools.chain(own, others):
            if len(wrong) == WRONG_CHOICES:
                break
            if candidate.text.strip() and not any(same_wording(candidate.text, seen)
                                                  for seen in [right, *(w.text for w in wrong)]):
                wrong.append(candidate)
        if not wrong:
            continue
        choices = [Choice(right, True, phrase.why or "This is the wording the phrase set recommends.")]
        for pitfall in wrong:
            reason = pitfall.why or "The phrase set lists it as a wording to avoid."
            if (pitfall.entry, pitfall.item) != (entry.id, phrase.id):
                reason = f"Avoid this one (from \u201c{pitfall.title}\u201d): {reason}"
            choices.append(Choice(pitfall.text, False, reason))
        scene = phrase.practice.scene or humanise(phrase.id)
        questions.append(Question(phrase.id, phrase.id, "Which wording would you use?",
                                  tuple(spread(choices, phrase.id, lambda c: c.text)),
                                  scene=scene, customer=phrase.practice.customer))
    return [Drill("phrase", entry.title, tuple(questions))] if questions else []


SKELETON = """\
phrases:
  - id: first-phrase
    say: "The sentence staff should say."
    avoid:
      - "What people tend to say instead."
    why: Why the first wording works better.
    # What customers say when this is the right line, in their own words (search finds it by them):
    # customer_says:
    #   - "my parcel still hasn't turned up"
"""

KIND = Kind(
    name="phrases", label="Phrases", singular="Phrase set", folder="phrases", source_folder="scripts_library/phrases",
    fields=FIELDS, entry_class=PhraseSet, build=build, units=units, export=export, review_texts=review_texts,
    skeleton=SKELETON, unit_kinds=("phrase",), unit_labels={"phrase": "Phrase"}, unit_boosts={"phrase": 1.25}, snippets=snippets, items_field="phrases", check_offers=check_offers,
    drills=drills, pitfalls=pitfalls,
    export_schema={
        "phrases": {"type": "array", "items": x.obj({
            **x.ITEM, **x.CUSTOMER_SAYS, "say": x.text("The sentence to say or write (template text)."),
            "avoid": x.texts("What people say instead that goes wrong."), "why": x.text("Why it works.")})},
    },
)
