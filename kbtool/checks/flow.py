"""Script call flows: every jump lands on a real step, every step is reachable, no branch leaks.

Steps are read in order: a step without `next` or `options` continues to the one below,
`end: true` stops the call there. A branch that forgets its `next` would run on into the
following step; when that step starts another branch, the caller hears the wrong script.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kbtool.checks.base import RuleDoc, at
from kbtool.format.types import did_you_mean
from kbtool.model import KnowledgeBase
from kbtool.problems import Level, Problem

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
            yield from _check_script(entry)


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
    seen = {script.steps[0].id}
    todo = [0]
    while todo:
        index = todo.pop()
        for target in script.successors(index):
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
