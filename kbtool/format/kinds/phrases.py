"""`kind: phrases`: phrase formulas for one situation: what to say, what to avoid, and why."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
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
    Moment,
    Pitfall,
    Pool,
    Question,
    Snippet,
    Unit,
    close_moments,
    example_offers,
    hint,
    humanise,
    rotated,
    same_wording,
    spread,
    wordings,
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
# When the customer's words set the moment: the wording to avoid, and lines for other moments.
OWN_AVOID = 1
OTHER_MOMENTS = 2


def pitfalls(entry: PhraseSet, fill: Fill) -> list[Pitfall]:
    return [Pitfall(entry.id, p.id, humanise(p.id), fill(text), p.why)
            for p in entry.phrases for text in p.avoid]


def _wordings(phrase: Phrase) -> tuple[str, ...]:
    return wordings(phrase.practice.customer, more=phrase.customer_says)


def moments(entry: PhraseSet, fill: Fill) -> list[Moment]:
    return [Moment(entry.id, p.id, humanise(p.id), fill(p.say), heard[0])
            for p in entry.phrases if (heard := _wordings(p))]


def drills(entry: PhraseSet, fill: Fill, pool: Pool) -> list[Drill]:
    """The customer says something; what do you say? The options are the phrase's line, its wording
    to avoid, and lines from the same situation that fit other moments (this set's first, as its
    moments are written to be told apart). A phrase with no customer wording asks which wording to
    use at its moment, against its own avoid texts and others on the same situation."""
    questions = []
    own_moments = moments(entry, fill)
    for phrase in entry.phrases:
        right = fill(phrase.say)
        heard = _wordings(phrase)
        texts = [right]
        wrong: list[Choice] = []
        avoid_reason = phrase.why or "The phrase set lists it as a wording to avoid."
        own_avoid = [Choice(fill(text), False, f"This is the wording to avoid here. {avoid_reason}") for text in phrase.avoid]
        salt = f"{entry.id}/{phrase.id}"
        lent: list[Choice] = []
        if heard:
            mine = [phrase.say, *heard]
            others = (m for m in rotated(pool.moments, salt) if m.entry != entry.id)
            for moment in itertools.chain(rotated(own_moments, salt), others):
                if len(lent) == OTHER_MOMENTS:
                    break
                if (moment.entry, moment.item) == (entry.id, phrase.id) or close_moments(mine, [moment.say, moment.customer]):
                    continue
                lent.append(Choice(moment.say, False,
                                   f"That line is for another moment (\u201c{moment.title}\u201d), when the "
                                   f"customer says \u201c{moment.customer}\u201d.", moment.entry, moment.item))
        borrowed = (Choice(p.text, False, f"A wording to avoid, from \u201c{p.title}\u201d: "
                                          f"{p.why or 'it is listed as a wording to avoid.'}", p.entry, p.item)
                    for p in rotated(pool.pitfalls, salt) if (p.entry, p.item) != (entry.id, phrase.id))
        # The customer's words set the moment: one wording to avoid, then lines for other moments.
        # Without them, the moment is only named, so only wordings to avoid are fair wrong answers.
        order = (own_avoid[:OWN_AVOID], lent, own_avoid[OWN_AVOID:], borrowed) if heard else (own_avoid, borrowed)
        for choice in itertools.chain(*order):
            if len(wrong) == WRONG_CHOICES:
                break
            if choice.text.strip() and not any(same_wording(choice.text, seen) for seen in texts):
                texts.append(choice.text)
                wrong.append(choice)
        if not wrong:
            continue
        choices = [Choice(right, True, phrase.why or "This is the wording the phrase set recommends."), *wrong]
        if heard:
            question = Question(phrase.id, phrase.id, "What do you say?", tuple(spread(choices, phrase.id, lambda c: c.text)),
                                scene=phrase.practice.scene, customer=heard[0], heard=heard[1:])
        else:
            question = Question(phrase.id, phrase.id, "Which wording would you use?",
                                tuple(spread(choices, phrase.id, lambda c: c.text)),
                                scene=phrase.practice.scene or humanise(phrase.id))
        questions.append(question)
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
    drills=drills, pitfalls=pitfalls, moments=moments,
    export_schema={
        "phrases": {"type": "array", "items": x.obj({
            **x.ITEM, **x.CUSTOMER_SAYS, "say": x.text("The sentence to say or write (template text)."),
            "avoid": x.texts("What people say instead that goes wrong."), "why": x.text("Why it works.")})},
    },
)
