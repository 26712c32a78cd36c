"""`kind: script`: a call or chat script as steps, with branches where the customer's answer decides."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from kbtool.format import exportshapes as x
from kbtool.format.common import CUSTOMER_SAYS, CUSTOMER_SAYS_HELP, KEYWORDS
from kbtool.format.kinds.base import (
    PRACTICE,
    CheckOffer,
    Choice,
    Drill,
    Fill,
    Hint,
    Kind,
    Moment,
    Pool,
    Question,
    Unit,
    example_offers,
    hint,
    humanise,
    same_wording,
    spread,
    wordings,
)
from kbtool.format.types import Bool, Field, ListOf, Obj, Text, slug, template
from kbtool.format.vocab import SLUG
from kbtool.model import Entry, TextRef


@dataclass(eq=False)
class Option:
    when: str
    next: str
    practice: Hint = field(default_factory=Hint)


@dataclass(eq=False)
class Step:
    id: str
    say: str
    note: str = ""
    next: str | None = None
    options: list[Option] = field(default_factory=list)
    end: bool = False
    keywords: list[str] = field(default_factory=list)
    practice: Hint = field(default_factory=Hint)
    customer_says: list[str] = field(default_factory=list)


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
    PRACTICE,
))
STEP = Obj("step", (
    Field("id", slug(""), True, "Step id, unique within the script."),
    Field("say", template("What to say."), True),
    Field("note", template("Guidance for the agent, not said aloud."), False),
    Field("next", slug(""), False, "The step that follows (default: the next one listed)."),
    Field("options", ListOf(OPTION, min_items=1), False, "Branches: where the call goes depending on the answer."),
    Field("end", Bool("The call ends after this step."), False),
    Field("keywords", KEYWORDS, False, "Words staff or customers use for this step (search finds it by them)."),
    Field("customer_says", CUSTOMER_SAYS, False, CUSTOMER_SAYS_HELP),
    PRACTICE,
))
FIELDS = (Field("steps", ListOf(STEP, min_items=1), True, "The steps of the script, in order."),)


def build(data: dict[str, Any], common: dict[str, Any]) -> Script:
    return Script(**common, steps=[
        Step(s["id"], s["say"], s.get("note", ""), s.get("next"),
             [Option(o["when"], o["next"], hint(o)) for o in s.get("options", []) if "when" in o and "next" in o],
             s.get("end", False), s.get("keywords", []), hint(s), s.get("customer_says", []))
        for s in data.get("steps", []) if "id" in s and "say" in s
    ])


def units(entry: Script, fill: Fill) -> Iterator[Unit]:
    for i, step in enumerate(entry.steps):
        notes = ([f"Note: {fill(step.note)}"] if step.note else []) + [
            f"If {o.when}: go to {o.next}" for o in step.options]
        yield Unit(step.id, "step", humanise(step.id), fill(step.say),
                   (fill(step.note), *(o.when for o in step.options), entry.summary),
                   tuple(notes), ("steps", i, "say"), (*step.keywords, *entry.keywords),
                   (*step.customer_says, *entry.customer_says))


def export(entry: Script, item: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return {"steps": [{**item(s.id), "say": s.say, "note": s.note, "next": s.next,
                       "options": [{"when": o.when, "next": o.next} for o in s.options], "end": s.end,
                       "keywords": list(s.keywords), "customer_says": list(s.customer_says)}
                      for s in entry.steps]}


def review_texts(entry: Script) -> dict[str, str]:
    return {s.id: s.say + "".join(f"\n-> {o.when}: {o.next}" for o in s.options) +
            (f"\n-> {s.next}" if s.next else "") + "".join(f"\ncustomer says: {c}" for c in s.customer_says)
            for s in entry.steps}


# Steps a "what comes next" question offers besides the right one, in scripts without branches.
OTHER_STEPS = 2
# How far "where this branch leads" follows the call before it stops describing.
LEADS_DEPTH = 3


def _leads_to(entry: Script, step_id: str) -> str:
    """Where the call goes from `step_id`, in words: the steps that follow until the next choice or the end."""
    index = {s.id: i for i, s in enumerate(entry.steps)}
    names, current, seen = [], step_id, set()
    while current in index and current not in seen and len(names) < LEADS_DEPTH:
        seen.add(current)
        names.append(f"\u201c{humanise(current)}\u201d")
        after = entry.successors(index[current])
        if len(after) != 1:
            ending = ", where the conversation ends" if not after else ", then another choice"
            return " \u2192 ".join(names) + ending
        current = after[0]
    return " \u2192 ".join(names) + (" \u2192 \u2026" if current in index and current not in seen else "")


# Choices a call-flow question offers: the branches' steps, then other steps of the same flow.
FLOW_CHOICES = 4


def _heard(step: Step, hint_: Hint) -> tuple[str, ...]:
    return wordings(hint_.customer, more=step.customer_says)


def moments(entry: Script, fill: Fill) -> list[Moment]:
    return [Moment(entry.id, s.id, humanise(s.id), fill(s.say), heard[0])
            for s in entry.steps if (heard := _heard(s, s.practice))]


def _where(entry: Script, other: str, here: int) -> str:
    order = {s.id: k for k, s in enumerate(entry.steps)}
    return "earlier" if order[other] < here else "later"


def drills(entry: Script, fill: Fill, pool: Pool) -> list[Drill]:
    """Walk the call: at each branching step, what you just said and what the customer says back
    (the branch's practice hint, or what customers say when its step is the right one); pick the
    next step from the branches' steps and other steps of the same flow. The branch's `when` is
    the answer's explanation, not the question: it would give the answer away. A script without
    branches asks what comes next at each step instead."""
    steps = {s.id: s for s in entry.steps}
    questions = []
    branching = any(s.options for s in entry.steps)
    for i, step in enumerate(entry.steps):
        targets = list(dict.fromkeys(o.next for o in step.options if o.next in steps))
        if branching and len(targets) > 1:
            for j, option in enumerate(step.options):
                if option.next not in steps:
                    continue
                qid = f"{step.id}.{j}"
                choices = []
                for target in targets:
                    taken = next(o for o in step.options if o.next == target)
                    if target == option.next:
                        explain = f"When {_lower(option.when)}, the script goes to {_leads_to(entry, target)}."
                    else:
                        explain = (f"That step is for when {_lower(taken.when)}: it leads to "
                                   f"{_leads_to(entry, target)}.")
                    choices.append(Choice(fill(steps[target].say), target == option.next, explain, entry.id, target))
                texts = [c.text for c in choices]
                others = [s for s in entry.steps if s.id not in targets and s.id != step.id]
                for other in spread(others, f"{entry.id}/{qid}", lambda s: s.id):
                    if len(choices) >= FLOW_CHOICES:
                        break
                    if not any(same_wording(fill(other.say), t) for t in texts):
                        texts.append(fill(other.say))
                        choices.append(Choice(fill(other.say), False,
                                              f"That is \u201c{humanise(other.id)}\u201d, which comes "
                                              f"{_where(entry, other.id, i)} in the call.", entry.id, other.id))
                heard = _heard(steps[option.next], option.practice)
                questions.append(Question(qid, step.id, "What do you say next?",
                                          tuple(spread(choices, qid, lambda c: c.text)),
                                          scene=option.practice.scene or ("" if heard else option.when),
                                          customer=heard[0] if heard else "", said=fill(step.say), heard=heard[1:]))
        elif not branching:
            after = entry.successors(i)
            if len(after) != 1 or after[0] not in steps:
                continue
            right = steps[after[0]]
            others = [s for s in entry.steps if s.id not in (step.id, right.id)]
            others = spread(others, f"{entry.id}/{step.id}", lambda s: s.id)[:OTHER_STEPS]
            choices = [Choice(fill(right.say), True, f"\u201c{humanise(right.id)}\u201d comes next."
                              + (f" {fill(right.note)}" if right.note else ""), entry.id, right.id)]
            for other in others:
                choices.append(Choice(fill(other.say), False,
                                      f"That is \u201c{humanise(other.id)}\u201d, which comes "
                                      f"{_where(entry, other.id, i)} in the call.", entry.id, other.id))
            heard = _heard(right, step.practice)
            if others:
                questions.append(Question(step.id, right.id, "What do you say next?",
                                          tuple(spread(choices, step.id, lambda c: c.text)),
                                          scene=step.practice.scene, customer=heard[0] if heard else "",
                                          said=fill(step.say), heard=heard[1:]))
    return [Drill("flow", entry.title, tuple(questions))] if questions else []


def _lower(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


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
    # What customers say when this step is the right one, in their own words (search finds it by them):
    # customer_says:
    #   - "no, that's everything, thanks"
"""

KIND = Kind(
    name="script", label="Scripts", singular="Script", folder="scripts", source_folder="scripts_library/scripts",
    fields=FIELDS, entry_class=Script, build=build, units=units, export=export, review_texts=review_texts,
    skeleton=SKELETON, unit_kinds=("step",), unit_labels={"step": "Script step"}, unit_boosts={"step": 1.15}, conversation=True, items_field="steps", drills=drills, moments=moments,
    check_offers=check_offers,
    export_schema={
        "steps": {"type": "array", "items": x.obj({
            **x.ITEM, **x.CUSTOMER_SAYS, "say": x.text("What to say (template text)."), "note": x.text("Guidance for the agent."),
            "next": x.nullable("The step that follows; null means the next one listed.", pattern=SLUG),
            "options": {"type": "array", "items": x.obj({"when": x.text(), "next": x.text(pattern=SLUG)})},
            "end": {"type": "boolean", "description": "The call ends after this step."}})},
    },
)
