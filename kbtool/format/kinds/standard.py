"""`kind: standard`: rules with the why, do/don't examples, targets and a procedure."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from kbtool.format import exportshapes as x
from kbtool.format.common import KEYWORDS, TEMPLATES
from kbtool.format.kinds.base import CheckOffer, Fill, Kind, Unit, example_offers, humanise
from kbtool.format.types import Field, ListOf, Obj, Text, slug, template
from kbtool.format.vocab import CHANNELS
from kbtool.model import Entry, TextRef


@dataclass(eq=False)
class Rule:
    id: str
    text: str
    why: str = ""
    do: list[str] = field(default_factory=list)
    dont: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)


@dataclass(eq=False)
class Target:
    metric: str
    within: str
    channel: str | None = None


@dataclass(eq=False)
class Standard(Entry):
    kind: ClassVar[str] = "standard"
    rules: list[Rule] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    procedure: list[str] = field(default_factory=list)

    def _texts(self) -> Iterator[TextRef]:
        yield from super()._texts()
        for i, rule in enumerate(self.rules):
            yield TextRef(("rules", i, "text"), "text", rule.text, True, True)
            if rule.why:
                yield TextRef(("rules", i, "why"), "why", rule.why, False, True)
            for j, text in enumerate(rule.do):
                yield TextRef(("rules", i, "do", j), "do", text, True, True)
            for j, text in enumerate(rule.dont):
                yield TextRef(("rules", i, "dont", j), "dont", text, True, False)
        for i, text in enumerate(self.procedure):
            yield TextRef(("procedure", i), "procedure", text, True, True)

    def items(self) -> list[Any]:
        return list(self.rules)


RULE = Obj("rule", (
    Field("id", slug(""), True, "Rule id, unique within the standard."),
    Field("text", template("The rule, as an instruction."), True),
    Field("why", Text(), False, "Why the rule exists."),
    Field("do", TEMPLATES, False, "Examples of doing it right."),
    Field("dont", TEMPLATES, False, "Examples of getting it wrong."),
    Field("keywords", KEYWORDS, False, "Words staff or customers use for this rule (search finds it by them)."),
))
TARGET = Obj("target", (
    Field("metric", Text(one_line=True), True, "What is measured, such as 'First response'."),
    Field("channel", Text(enum=CHANNELS), False, "The channel the target applies to."),
    Field("within", Text(one_line=True), True, "The service level, such as '4h' or '3 rings'."),
))
FIELDS = (
    Field("rules", ListOf(RULE, min_items=1), True, "The rules of the standard."),
    Field("targets", ListOf(TARGET), False, "Measurable service levels."),
    Field("procedure", ListOf(template(""), min_items=1), False, "Ordered steps of the process."),
)


def build(data: dict[str, Any], common: dict[str, Any]) -> Standard:
    return Standard(
        **common,
        rules=[Rule(r["id"], r["text"], r.get("why", ""), r.get("do", []), r.get("dont", []), r.get("keywords", []))
               for r in data.get("rules", []) if "id" in r and "text" in r],
        targets=[Target(t["metric"], t["within"], t.get("channel"))
                 for t in data.get("targets", []) if "metric" in t and "within" in t],
        procedure=data.get("procedure", []),
    )


def units(entry: Standard, fill: Fill) -> Iterator[Unit]:
    procedure = tuple(fill(p) for p in entry.procedure)
    yield Unit(None, "standard", entry.title, entry.summary or entry.title,
               procedure + tuple(t.metric for t in entry.targets),
               tuple(f"Rule: {fill(r.text)}" for r in entry.rules), ("title",), tuple(entry.keywords),
               tuple(entry.customer_says))
    for i, rule in enumerate(entry.rules):
        notes = (([f"Why: {rule.why}"] if rule.why else []) + [f"Do: {fill(d)}" for d in rule.do]
                 + [f"Don't: {fill(d)}" for d in rule.dont])
        yield Unit(rule.id, "rule", humanise(rule.id), fill(rule.text),
                   (rule.why, *(fill(d) for d in rule.do), *(fill(d) for d in rule.dont)),
                   tuple(notes), ("rules", i, "text"), (*rule.keywords, *entry.keywords),
                   tuple(entry.customer_says))


def export(entry: Standard, item: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return {
        "rules": [{**item(r.id), "text": r.text, "why": r.why, "do": list(r.do), "dont": list(r.dont),
                   "keywords": list(r.keywords)} for r in entry.rules],
        "targets": [{"metric": t.metric, "channel": t.channel, "within": t.within} for t in entry.targets],
        "procedure": list(entry.procedure),
    }


def review_texts(entry: Standard) -> dict[str, str]:
    return {r.id: "\n".join([r.text, *(f"do: {d}" for d in r.do), *(f"don't: {d}" for d in r.dont)])
            for r in entry.rules}


def check_offers(entry: Standard) -> list[CheckOffer]:
    # A rule's `dont` examples are wordings to avoid; its first `do` (else the rule) says what instead.
    return [CheckOffer("avoid", d, r.id, r.do[0] if r.do else r.text, r.why)
            for r in entry.rules for d in r.dont] + example_offers(entry)


SKELETON = """\
rules:
  - id: first-rule
    text: Say what staff must do, as an instruction.
    why: Say why it matters to the customer.
    do:
      - "An example of getting it right."
    dont:
      - "An example of getting it wrong."
"""

KIND = Kind(
    name="standard", label="Standards", singular="Standard", folder="standards", source_folder="standards",
    fields=FIELDS, entry_class=Standard, build=build, units=units, export=export, review_texts=review_texts,
    skeleton=SKELETON, unit_kinds=("rule", "standard"),
    unit_labels={"rule": "Rule", "standard": "Standard"}, unit_boosts={"rule": 0.9, "standard": 0.8}, requires_situation=False, guidance=False,
    items_field="rules", check_offers=check_offers,
    export_schema={
        "rules": {"type": "array", "items": x.obj({
            **x.ITEM, "text": x.text("The rule (template text)."), "why": x.text("Why the rule exists."),
            "do": x.texts("Examples of doing it right (template texts)."),
            "dont": x.texts("Examples of getting it wrong (template texts).")})},
        "targets": {"type": "array", "items": x.obj({
            "metric": x.text("What is measured."), "channel": {"enum": [*CHANNELS, None]},
            "within": x.text("The service level, such as 4h.")})},
        "procedure": x.texts("Ordered steps (template texts)."),
    },
)
