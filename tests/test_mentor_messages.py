"""A mentor's everyday mistakes: each gives one plain message at the right place, and nothing else.

Every case is run through the CLI, as a mentor would meet it: the message alone has to lead to
the fix (file:line:col, plain words, a hint), errors exit 1 and nothing prints a traceback.
"""

from __future__ import annotations

import json

from tests.conftest import KB_YAML

LOANER = """\
kind: script
id: loaner-call
title: Loaner device
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [phone]
situation: greeting
steps:
  - id: open
    say: Thanks for calling {{ company_name }}. Do you need a loaner while we repair yours?
    options:
      - when: They need one
        next: loaner
      - when: They do not
        next: close
  - id: loaner
    say: I'll book a loaner device for you today.
    next: close
  - id: close
    say: Is there anything else I can help with today?
"""
LOANER_PATH = "scripts_library/scripts/loaner-call.yaml"


def problems_of(cli, root) -> tuple[int, list[dict]]:
    run = cli("validate", "--root", str(root), "--format", "json")
    return run.code, json.loads(run.stdout)


def only(cli, root) -> dict:
    """The one problem `root` has, after checking the CLI exits 1 for it."""
    code, found = problems_of(cli, root)
    assert len(found) == 1, found
    assert code == (1 if found[0]["level"] == "error" else 0)
    return found[0]


# -- 1. an item with its own problem still counts for the flow and reference checks --------------

def test_a_misspelt_field_in_a_step_is_the_one_problem(cli, kb_root):
    root = kb_root({LOANER_PATH: LOANER.replace("    say: I'll book", "    says: I'll book")})
    problem = only(cli, root)
    assert (problem["line"], problem["column"], problem["rule"]) == (18, 5, "unknown-field")
    assert problem["message"] == "unknown field 'says' in step" and problem["hint"] == "did you mean 'say'?"


def test_a_missing_or_empty_text_keeps_the_step_in_the_flow(cli, kb_root):
    root = kb_root({LOANER_PATH: LOANER.replace("    say: I'll book a loaner device for you today.\n", "")})
    problem = only(cli, root)
    assert (problem["line"], problem["rule"]) == (17, "required-field")
    assert "'say'" in problem["message"]
    root = kb_root({LOANER_PATH: LOANER.replace("    say: I'll book a loaner device for you today.", "    say:")})
    problem = only(cli, root)
    assert (problem["line"], problem["rule"], problem["message"]) == (18, "required-field", "'steps[2].say' is empty")


def test_a_step_id_with_two_letters_swapped_is_read_as_its_id(cli, kb_root):
    root = kb_root({LOANER_PATH: LOANER.replace("  - id: loaner", "  - di: loaner")})
    problem = only(cli, root)
    assert (problem["line"], problem["rule"], problem["hint"]) == (17, "unknown-field", "did you mean 'id'?")


def test_a_branch_or_step_the_model_cannot_build_stops_the_flow_being_judged(cli, kb_root):
    # Where the call goes without the branch's `next` cannot be known: "step 'loaner' cannot be
    # reached" would send the mentor to a step that is fine.
    root = kb_root({LOANER_PATH: LOANER.replace("        next: loaner\n", "")})
    problem = only(cli, root)
    assert (problem["line"], problem["rule"]) == (13, "required-field") and "'next'" in problem["message"]
    root = kb_root({LOANER_PATH: LOANER.replace("  - id: loaner", "  - id: Loaner")})
    assert only(cli, root)["rule"] == "invalid-slug"


def test_a_misspelt_jump_does_not_also_make_its_step_unreachable(cli, kb_root):
    root = kb_root({LOANER_PATH: LOANER.replace("        next: loaner", "        next: loanr")})
    problem = only(cli, root)
    assert (problem["line"], problem["column"], problem["rule"]) == (14, 15, "unknown-step")
    assert problem["hint"] == "did you mean 'loaner'?"


def test_a_misspelt_situation_is_reported_once(cli, kb_root):
    for value in ("greeting", "greting"):
        root = kb_root({LOANER_PATH: LOANER.replace("situation: greeting", f"situaton: {value}")})
        problem = only(cli, root)
        assert (problem["line"], problem["rule"], problem["hint"]) == (8, "unknown-field", "did you mean 'situation'?")


def test_a_misspelt_kb_yaml_section_does_not_make_every_placeholder_undeclared(cli, kb_root):
    root = kb_root({LOANER_PATH: LOANER}, kb_yaml=KB_YAML.replace("variables:", "variabels:"))
    problem = only(cli, root)
    assert (problem["path"], problem["rule"], problem["hint"]) == ("kb.yaml", "unknown-field",
                                                                  "did you mean 'variables'?")


def test_a_misspelt_value_that_would_not_convert_is_not_read_as_the_field(cli, kb_root):
    # `nxet: [close]` is a list where `next` takes a step id: reading it as `next` would add a
    # wrong-type error the mentor never wrote; it stays the one unknown-field problem.
    root = kb_root({LOANER_PATH: LOANER.replace("\n    next: close", "\n    nxet: [close]")})
    problem = only(cli, root)
    assert (problem["rule"], problem["hint"]) == ("unknown-field", "did you mean 'next'?")
