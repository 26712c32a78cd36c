"""Script call flows: every jump lands on a real step, every step is reachable, no branch leaks.

Steps are read in order: a step without `next` or `options` continues to the one below,
`end: true` stops the call there. A branch that forgets its `next` would run on into the
following step; when that step starts another branch, the caller hears the wrong script.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kbtool.checks.base import at
from kbtool.format.kinds import ENTRY_TYPES, REGISTRY
from kbtool.format.types import Obj, closest, did_you_mean
from kbtool.model import KnowledgeBase
from kbtool.problems import Level, Problem, RuleDoc
from kbtool.reading.loader import Mapping, Sequence

UNKNOWN_STEP = RuleDoc(
    "unknown-step", Level.ERROR, "`next` names a step that is not in this script.",
    bad="- id: check\n  say: One moment while I look.\n  next: anwser", good="  next: answer",
)
UNREACHABLE_STEP = RuleDoc(
    "unreachable-step", Level.ERROR, "No path from the first step reaches this step, so nobody will ever say it.",
    bad="- id: ask\n  say: Is it late?\n  next: close\n- id: orphan\n  say: Nobody reaches this.\n- id: close\n  say: Bye.",
    good="- id: ask\n  say: Is it late?\n  options:\n    - when: late\n      next: late\n    - when: fine\n      next: close",
)
DEAD_END = RuleDoc(
    "dead-end", Level.ERROR,
    "A step that is not the last has no `next`, `options` or `end`, and runs on into a step that starts another "
    "branch.",
    bad="- id: ask\n  options:\n    - {when: late, next: late}\n    - {when: lost, next: lost}\n"
        "- id: late\n  say: It arrives Thursday.\n- id: lost\n  say: I'll send another.",
    good="- id: late\n  say: It arrives Thursday.\n  next: close",
)
CONFLICTING_FLOW = RuleDoc(
    "conflicting-flow", Level.ERROR, "A step sets more than one of `next`, `options` and `end`.",
    bad="- id: close\n  say: Bye.\n  next: greet\n  end: true", good="- id: close\n  say: Bye.\n  end: true",
)
FLOW_CYCLE = RuleDoc(
    "flow-cycle", Level.WARNING,
    "The flow can loop forever: no branch leaves the loop ('ask again' loops with a way out are fine).",
    bad="- id: a\n  next: b\n- id: b\n  next: a", good="- id: b\n  options:\n    - {when: again, next: a}\n"
    "    - {when: done, next: close}",
)
RULES = (UNKNOWN_STEP, UNREACHABLE_STEP, DEAD_END, CONFLICTING_FLOW, FLOW_CYCLE)


def check(kb: KnowledgeBase) -> Iterator[Problem]:
    for entry in kb.entries:
        if entry.flow():
            found = list(_check_script(entry))
            if any(p.rule != CONFLICTING_FLOW.id for p in found) and not _flow_complete(entry):
                # A step or branch the model could not build (no id, no `next`) has its own
                # problem; where the call goes around it cannot be judged, and guessing would
                # report steps that are there as missing or unreachable.
                found = [p for p in found if p.rule == CONFLICTING_FLOW.id]
            yield from found


def _flow_complete(script: Any) -> bool:
    """True when every step and branch in the file made it into the model as written.

    Not so when a step or a branch was left out (no id, no `next`), or a step's `next`,
    `options` or `end` is misspelt with a value that could not be read as it.
    """
    root = script.source.root
    written = root.items.get("steps") if type(root) is Mapping else None
    if written is None or type(written[1]) is not Sequence:
        return True
    steps = written[1].items
    if len(steps) != len(script.steps):
        return False
    fields = list(_step_fields(script))
    for node, step in zip(steps, script.steps, strict=True):
        if type(node) is not Mapping:
            continue
        options = node.items.get("options")
        if options is not None and type(options[1]) is Sequence and len(options[1].items) != len(step.options):
            return False
        for key in node.items:
            meant = closest(key, fields) if key not in fields else None
            if meant in _FLOW_FIELDS and not getattr(step, meant):
                return False
    return True


_FLOW_FIELDS = ("next", "options", "end")


def _step_fields(script: Any) -> tuple[str, ...]:
    """The fields a step of this kind declares (read from the kind, which knows its own format)."""
    items = ENTRY_TYPES[script.kind].field_map().get(REGISTRY[script.kind].items_field)
    step_type = getattr(getattr(items, "type", None), "item", None)
    return tuple(step_type.field_map()) if isinstance(step_type, Obj) else _FLOW_FIELDS


def _check_script(script: Any) -> Iterator[Problem]:
    ids = [s.id for s in script.steps]
    known = set(ids)
    branch_targets = {o.next for s in script.steps for o in s.options}
    for index, step in enumerate(script.steps):
        set_fields = [name for name, on in (("next", step.next), ("options", step.options), ("end", step.end)) if on]
        if len(set_fields) > 1:
            yield at(script, ("steps", index, set_fields[1]), CONFLICTING_FLOW,
                     f"step '{step.id}' sets both {set_fields[0]} and {set_fields[1]}", "keep only one")
        if step.next and step.next not in known:
            yield at(script, ("steps", index, "next"), UNKNOWN_STEP,
                     f"step '{step.id}' goes to '{step.next}', which is not a step of this script",
                     did_you_mean(step.next, ids) or f"steps: {', '.join(ids)}")
        for j, option in enumerate(step.options):
            if option.next not in known:
                yield at(script, ("steps", index, "options", j, "next"), UNKNOWN_STEP,
                         f"option '{option.when}' goes to '{option.next}', which is not a step of this script",
                         did_you_mean(option.next, ids) or f"steps: {', '.join(ids)}")
        is_last = index == len(script.steps) - 1
        falls_through = not (step.next or step.options or step.end or is_last)
        if falls_through and script.steps[index + 1].id in branch_targets and _in_branch(script, index):
            following = script.steps[index + 1].id
            yield at(script, ("steps", index, "id"), DEAD_END,
                     f"step '{step.id}' has no next, options or end, so the call runs on into '{following}', "
                     "which starts another branch",
                     "add 'next: <step>' where this branch continues, or 'end: true' if the call ends here")
    reachable = _reachable(script, known)
    for index, step in enumerate(script.steps):
        if step.id not in reachable:
            yield at(script, ("steps", index, "id"), UNREACHABLE_STEP,
                     f"step '{step.id}' cannot be reached from the first step",
                     "point a 'next' or an option at it, or remove it")
    cycle = _find_cycle(script, known)
    if cycle:
        index = ids.index(cycle[0])
        yield at(script, ("steps", index, "id"), FLOW_CYCLE, f"the flow can loop: {' -> '.join(cycle)}",
                 "make sure at least one option leaves the loop")


def _in_branch(script: Any, index: int) -> bool:
    """True when the step at `index` lies inside a branch (a branch target or a step after one)."""
    branch_targets = {o.next for s in script.steps for o in s.options}
    for i in range(index, -1, -1):
        if script.steps[i].id in branch_targets:
            return True
        if script.steps[i].options:
            return False
    return False


def _reachable(script: Any, known: set[str]) -> set[str]:
    position = {s.id: i for i, s in enumerate(script.steps)}
    ids = list(position)
    seen = {script.steps[0].id}
    todo = [0]
    while todo:
        index = todo.pop()
        for target in script.successors(index):
            if target not in known:
                # A misspelt jump is reported once, with the step it meant as the hint; that
                # step is reached through it, not reported again as unreachable.
                target = closest(target, ids) or target
            if target in known and target not in seen:
                seen.add(target)
                todo.append(position[target])
    return seen


def _can_finish(script: Any, known: set[str]) -> set[str]:
    """Steps from which some path reaches a step that ends the call (one with nowhere to go next)."""
    before: dict[str, list[str]] = {}
    done = set()
    for index, step in enumerate(script.steps):
        following = [t for t in script.successors(index) if t in known]
        if not following:
            done.add(step.id)
        for target in following:
            before.setdefault(target, []).append(step.id)
    todo = list(done)
    while todo:
        for earlier in before.get(todo.pop(), []):
            if earlier not in done:
                done.add(earlier)
                todo.append(earlier)
    return done


def _find_cycle(script: Any, known: set[str]) -> list[str] | None:
    """A loop the call cannot leave. An "ask again" loop with a branch out of it is fine, so only
    steps from which no path reaches the end of the call are searched."""
    position = {s.id: i for i, s in enumerate(script.steps)}
    state: dict[str, int] = {s: 2 for s in _can_finish(script, known)}  # 1 = on the current path, 2 = done
    for start in script.steps:
        if start.id in state:
            continue
        path = [start.id]
        iters = [iter(script.successors(position[start.id]))]
        state[start.id] = 1
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iters.pop()
                continue
            if nxt not in known:
                continue
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                iters.append(iter(script.successors(position[nxt])))
    return None
