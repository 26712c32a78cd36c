"""`kind: script`: a call or chat script as steps, with branches where the customer's answer decides."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from kbtool.format import exportshapes as x
from kbtool.format.common import KEYWORDS
from kbtool.format.kinds.base import CheckOffer, Fill, Kind, Unit, example_offers, humanise
from kbtool.format.types import Bool, Field, ListOf, Obj, Text, slug, template
from kbtool.format.vocab import SLUG
from kbtool.model import Entry, TextRef


@dataclass(eq=False)
class Option:
    when: str
    next: str


@dataclass(eq=False)
class Step:
    id: str
    say: str
    note: str = ""
    next: str | None = None
    options: list[Option] = field(default_factory=list)
    end: bool = False
    keywords: list[str] = field(default_factory=list)


@dataclass(eq=False)
class Script(Entry):
    kind: ClassVar[str] = "script"
    steps: list[Step] = field(default_factory=list)

    def _texts(self) -> Iterator[TextRef]:
        yield from super()._texts()
        for i, step in enumerate(self.steps):
            yield TextRef(("steps", i, "say"), "say", step.say, True, True)
            if step.note:
                yield TextRef(("steps", i, "note"), "note", step.note, True, True)
            for j, option in enumerate(step.options):
                yield TextRef(("steps", i, "options", j, "when"), "when", option.when, False, True)

    def items(self) -> list[Any]:
        return list(self.steps)

    def flow(self) -> list[Any]:
        return list(self.steps)

    def successors(self, index: int) -> list[str]:
        """Where the call can go after step `index`: its branches, its `next`, or the step below."""
        step = self.steps[index]
        if step.options:
            return [o.next for o in step.options]
        if step.next:
            return [step.next]
        if step.end or index + 1 >= len(self.steps):
            return []
        return [self.steps[index + 1].id]

    def flow_edges(self) -> list[tuple[str, str, str]]:
        """Edges of the call flow (from, to, label), for diagrams."""
        ids = {s.id for s in self.steps}
        edges = []
        for i, step in enumerate(self.steps):
            if step.options:
                edges.extend((step.id, o.next, o.when) for o in step.options if o.next in ids)
            else:
                edges.extend((step.id, nxt, "") for nxt in self.successors(i) if nxt in ids)
        return edges


OPTION = Obj("option", (
    Field("when", Text(one_line=True), True, "The customer's answer or the situation that takes this branch."),
    Field("next", slug(""), True, "The step this branch leads to."),
))
STEP = Obj("step", (
    Field("id", slug(""), True, "Step id, unique within the script."),
    Field("say", template("What to say."), True),
    Field("note", template("Guidance for the agent, not said aloud."), False),
    Field("next", slug(""), False, "The step that follows (default: the next one listed)."),
    Field("options", ListOf(OPTION, min_items=1), False, "Branches: where the call goes depending on the answer."),
    Field("end", Bool("The call ends after this step."), False),
    Field("keywords", KEYWORDS, False, "Words staff or customers use for this step (search finds it by them)."),
))
FIELDS = (Field("steps", ListOf(STEP, min_items=1), True, "The steps of the script, in order."),)


def build(data: dict[str, Any], common: dict[str, Any]) -> Script:
    return Script(**common, steps=[
        Step(s["id"], s["say"], s.get("note", ""), s.get("next"),
             [Option(o["when"], o["next"]) for o in s.get("options", []) if "when" in o and "next" in o],
             s.get("end", False), s.get("keywords", []))
        for s in data.get("steps", []) if "id" in s and "say" in s
    ])


def units(entry: Script, fill: Fill) -> Iterator[Unit]:
    for i, step in enumerate(entry.steps):
        notes = ([f"Note: {fill(step.note)}"] if step.note else []) + [
            f"If {o.when}: go to {o.next}" for o in step.options]
        yield Unit(step.id, "step", humanise(step.id), fill(step.say),
                   (fill(step.note), *(o.when for o in step.options), entry.summary),
                   tuple(notes), ("steps", i, "say"), (*step.keywords, *entry.keywords))


def export(entry: Script, item: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return {"steps": [{**item(s.id), "say": s.say, "note": s.note, "next": s.next,
                       "options": [{"when": o.when, "next": o.next} for o in s.options], "end": s.end,
                       "keywords": list(s.keywords)}
                      for s in entry.steps]}


def review_texts(entry: Script) -> dict[str, str]:
    return {s.id: s.say + "".join(f"\n-> {o.when}: {o.next}" for o in s.options) +
            (f"\n-> {s.next}" if s.next else "") for s in entry.steps}


def check_offers(entry: Script) -> list[CheckOffer]:
    # A script's first step opens the conversation and its ending steps close it.
    last = {s.id for i, s in enumerate(entry.steps) if not entry.successors(i)}
    return [CheckOffer("approved", s.say, s.id, place="first" if i == 0 else "last" if s.id in last else "middle")
            for i, s in enumerate(entry.steps)] + example_offers(entry)


SKELETON = """\
steps:
  - id: open
    say: "Thank you for calling, this is {{{{ agent_name }}}}. How can I help?"
  - id: close
    say: "Is there anything else I can help with today?"
"""

KIND = Kind(
    name="script", label="Scripts", singular="Script", folder="scripts", source_folder="scripts_library/scripts",
    fields=FIELDS, entry_class=Script, build=build, units=units, export=export, review_texts=review_texts,
    skeleton=SKELETON, unit_kinds=("step",), conversation=True, items_field="steps",
    check_offers=check_offers,
    export_schema={
        "steps": {"type": "array", "items": x.obj({
            **x.ITEM, "say": x.text("What to say (template text)."), "note": x.text("Guidance for the agent."),
            "next": x.nullable("The step that follows; null means the next one listed.", pattern=SLUG),
            "options": {"type": "array", "items": x.obj({"when": x.text(), "next": x.text(pattern=SLUG)})},
            "end": {"type": "boolean", "description": "The call ends after this step."}})},
    },
)
