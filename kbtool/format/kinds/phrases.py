"""`kind: phrases`: phrase formulas for one situation: what to say, what to avoid, and why."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from kbtool.format import exportshapes as x
from kbtool.format.common import KEYWORDS, TEMPLATES
from kbtool.format.kinds.base import CheckOffer, Fill, Kind, Snippet, Unit, example_offers, humanise
from kbtool.format.types import Field, ListOf, Obj, Text, slug, template
from kbtool.model import Entry, TextRef


@dataclass(eq=False)
class Phrase:
    id: str
    say: str
    avoid: list[str] = field(default_factory=list)
    why: str = ""
    keywords: list[str] = field(default_factory=list)


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
))
FIELDS = (Field("phrases", ListOf(PHRASE, min_items=1), True, "The phrases."),)


def build(data: dict[str, Any], common: dict[str, Any]) -> PhraseSet:
    return PhraseSet(**common, phrases=[
        Phrase(p["id"], p["say"], p.get("avoid", []), p.get("why", ""), p.get("keywords", []))
        for p in data.get("phrases", []) if "id" in p and "say" in p
    ])


def units(entry: PhraseSet, fill: Fill) -> Iterator[Unit]:
    for i, phrase in enumerate(entry.phrases):
        notes = [f"Avoid: {fill(a)}" for a in phrase.avoid] + ([f"Why: {phrase.why}"] if phrase.why else [])
        yield Unit(phrase.id, "phrase", humanise(phrase.id), fill(phrase.say),
                   (*(fill(a) for a in phrase.avoid), phrase.why, entry.summary),
                   tuple(notes), ("phrases", i, "say"), (*phrase.keywords, *entry.keywords))


def export(entry: PhraseSet, item: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return {"phrases": [{**item(p.id), "say": p.say, "avoid": list(p.avoid), "why": p.why,
                         "keywords": list(p.keywords)} for p in entry.phrases]}


def review_texts(entry: PhraseSet) -> dict[str, str]:
    return {p.id: p.say + "".join(f"\navoid: {a}" for a in p.avoid) for p in entry.phrases}


def check_offers(entry: PhraseSet) -> list[CheckOffer]:
    offers = []
    for p in entry.phrases:
        offers.append(CheckOffer("approved", p.say, p.id))
        offers.extend(CheckOffer("avoid", a, p.id, p.say, p.why) for a in p.avoid)
    return offers + example_offers(entry)


def snippets(entry: PhraseSet) -> list[Snippet]:
    return [Snippet(entry, p.id, f"{entry.title}: {p.id.replace('-', ' ')}", (p.say,)) for p in entry.phrases]


SKELETON = """\
phrases:
  - id: first-phrase
    say: "The sentence staff should say."
    avoid:
      - "What people tend to say instead."
    why: Why the first wording works better.
"""

KIND = Kind(
    name="phrases", label="Phrases", singular="Phrase set", folder="phrases", source_folder="scripts_library/phrases",
    fields=FIELDS, entry_class=PhraseSet, build=build, units=units, export=export, review_texts=review_texts,
    skeleton=SKELETON, unit_kinds=("phrase",), snippets=snippets, items_field="phrases", check_offers=check_offers,
    export_schema={
        "phrases": {"type": "array", "items": x.obj({
            **x.ITEM, "say": x.text("The sentence to say or write (template text)."),
            "avoid": x.texts("What people say instead that goes wrong."), "why": x.text("Why it works.")})},
    },
)
