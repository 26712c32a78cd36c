"""kbtool.checks.flow: a script's call flow, one rule and one branch of the check at a time.

Each test writes one script, loads it, and runs only the flow check on it.
"""

from __future__ import annotations

import textwrap

from conftest import write_kb

from kbtool.assemble import load_knowledge_base
from kbtool.checks import flow

HEAD = """\
kind: script
id: late-call
title: Late delivery
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [phone]
situation: delivery-delay
steps:
"""


def flow_problems(tmp_path, steps: str) -> list[tuple[int, int, str, str, str]]:
    """(line, column, rule, message, hint) of the flow check on a script with these steps, written
    under `steps:` as a mentor would (two spaces in); the first step is on line 10."""
    root = write_kb(tmp_path, {"scripts_library/scripts/late-call.yaml": HEAD + textwrap.indent(textwrap.dedent(steps), "  ")}, None)
    kb = load_knowledge_base(root)
    return [(p.line, p.column, p.rule, p.message, p.hint) for p in flow.check(kb)]


def rules_of(tmp_path, steps: str) -> list[str]:
    return [rule for _, _, rule, _, _ in flow_problems(tmp_path, steps)]


def test_steps_run_in_order_to_the_last(tmp_path):
    assert flow_problems(tmp_path, """\
      - id: greet
        say: Hello.
      - id: close
        say: Bye.
    """) == []


# -- unknown-step -----------------------------------------------------------------------------------------

def test_an_option_to_a_missing_step_lists_the_steps_when_nothing_is_close(tmp_path):
    assert flow_problems(tmp_path, """\
      - id: ask
        say: Is it late?
        options:
          - {when: late, next: late}
          - {when: lost, next: zzz}
      - id: late
        say: It comes Thursday.
    """) == [(14, 28, "unknown-step", "option 'lost' goes to 'zzz', which is not a step of this script",
              "steps: ask, late")]


def test_a_misspelt_jump_suggests_the_step_and_does_not_make_it_unreachable(tmp_path):
    assert flow_problems(tmp_path, """\
      - id: ask
        say: Is it late?
        next: anwser
      - id: other
        say: Other.
        end: true
      - id: answer
        say: Thursday.
    """) == [(12, 11, "unknown-step", "step 'ask' goes to 'anwser', which is not a step of this script",
              "did you mean 'answer'?"),
             (13, 9, "unreachable-step", "step 'other' cannot be reached from the first step",
              "point a 'next' or an option at it, or remove it")]


# -- conflicting-flow -------------------------------------------------------------------------------------

def test_two_of_next_options_and_end_conflict_at_the_second(tmp_path):
    assert flow_problems(tmp_path, """\
      - id: ask
        say: Is it late?
        options:
          - {when: late, next: late}
        end: true
      - id: late
        say: Thursday.
    """) == [(14, 10, "conflicting-flow", "step 'ask' sets both options and end", "keep only one")]
    problems = flow_problems(tmp_path, """\
      - id: ask
        say: Is it late?
        next: late
        options:
          - {when: late, next: late}
      - id: late
        say: Thursday.
    """)
    assert [(line, rule, message) for line, _, rule, message, _ in problems] == [
        (14, "conflicting-flow", "step 'ask' sets both next and options")]  # the options' first line


# -- unreachable-step ---------------------------------------------------------------------------------------

def test_a_step_after_an_end_or_skipped_by_next_is_unreachable(tmp_path):
    assert flow_problems(tmp_path, """\
      - id: greet
        say: Hello.
        end: true
      - id: orphan
        say: Nobody hears this.
    """) == [(13, 9, "unreachable-step", "step 'orphan' cannot be reached from the first step",
              "point a 'next' or an option at it, or remove it")]
    assert rules_of(tmp_path, """\
      - id: greet
        say: Hello.
        next: close
      - id: skipped
        say: Never said.
      - id: close
        say: Bye.
    """) == ["unreachable-step"]


# -- dead-end -------------------------------------------------------------------------------------------------

def test_a_branch_running_into_another_branch_is_a_dead_end(tmp_path):
    assert flow_problems(tmp_path, """\
      - id: ask
        say: Is it late or lost?
        options:
          - {when: late, next: late}
          - {when: lost, next: lost}
      - id: late
        say: It arrives Thursday.
      - id: lost
        say: I'll send another.
    """) == [(15, 9, "dead-end", "step 'late' has no next, options or end, so the call runs on into 'lost', which "
              "starts another branch",
              "add 'next: <step>' where this branch continues, or 'end: true' if the call ends here")]


def test_a_branch_running_into_a_step_no_option_names_is_fine(tmp_path):
    assert flow_problems(tmp_path, """\
      - id: ask
        say: Is it late or lost?
        options:
          - {when: late, next: late}
          - {when: lost, next: lost}
      - id: late
        say: It arrives Thursday.
      - id: sorry
        say: Sorry about that.
        end: true
      - id: lost
        say: I'll send another.
    """) == []


def test_a_step_before_any_branch_may_run_into_a_branch_target(tmp_path):
    # The opening runs into 'check', which an option later returns to: that is the flow, not a leak.
    assert flow_problems(tmp_path, """\
      - id: greet
        say: Hello.
      - id: check
        say: Is it late?
        options:
          - {when: again, next: check}
          - {when: done, next: close}
      - id: close
        say: Bye.
    """) == []


# -- flow-cycle -------------------------------------------------------------------------------------------------

def test_a_loop_with_no_way_out_is_a_warning_at_its_first_step(tmp_path):
    assert flow_problems(tmp_path, """\
      - id: greet
        say: Hello.
      - id: a
        say: A.
        next: b
      - id: b
        say: B.
        next: a
    """) == [(12, 9, "flow-cycle", "the flow can loop: a -> b -> a", "make sure at least one option leaves the loop")]
    problems = flow_problems(tmp_path, """\
      - id: hold
        say: Please hold.
        next: hold
    """)
    assert [(rule, message) for _, _, rule, message, _ in problems] == [("flow-cycle", "the flow can loop: hold -> hold")]


def test_an_ask_again_loop_with_a_way_out_is_not_a_cycle(tmp_path):
    assert flow_problems(tmp_path, """\
      - id: ask
        say: Can you read me the number?
        options:
          - {when: not clear, next: ask}
          - {when: got it, next: close}
      - id: close
        say: Thanks.
    """) == []


# -- what the model could not build ------------------------------------------------------------------------------

def test_a_branch_without_next_stops_the_flow_being_judged(tmp_path):
    # The option without `next` has its own required-field problem; guessing where it goes would
    # report 'late' as unreachable.
    assert flow_problems(tmp_path, """\
      - id: ask
        say: Is it late?
        options:
          - {when: late}
          - {when: fine, next: close}
      - id: late
        say: Thursday.
        end: true
      - id: close
        say: Bye.
    """) == []


def test_a_conflict_is_still_reported_when_the_flow_cannot_be_judged(tmp_path):
    assert rules_of(tmp_path, """\
      - id: ask
        say: Is it late?
        options:
          - {when: late}
          - {when: fine, next: close}
        end: true
      - id: late
        say: Thursday.
      - id: close
        say: Bye.
    """) == ["conflicting-flow"]


def test_a_misspelt_next_is_read_as_next_for_the_flow(tmp_path):
    # `nxet: close` stands in for `next: close` (its unknown-field problem is the loader's), so the
    # step it skips is unreachable, as the mentor meant the flow.
    assert rules_of(tmp_path, """\
      - id: greet
        say: Hello.
        nxet: close
      - id: skipped
        say: Never said.
      - id: close
        say: Bye.
    """) == ["unreachable-step"]


def test_only_scripts_have_a_flow(tmp_path):
    from conftest import PHRASES

    root = write_kb(tmp_path, {"scripts_library/phrases/greetings.yaml": PHRASES}, None)
    assert list(flow.check(load_knowledge_base(root))) == []
