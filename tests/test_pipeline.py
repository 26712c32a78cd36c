"""kbtool.pipeline: the one load-and-check, and the rule levels kb.yaml's `rules:` sets over the defaults."""

from __future__ import annotations

import json

import pytest

from kbtool.checks import fixed_rules
from kbtool.pipeline import Checked, apply_levels, check
from kbtool.problems import KbError, Level, Problem
from tests.conftest import PHRASES

TODAY = "2026-06-01"
PHRASES_FILE = "scripts_library/phrases/greetings.yaml"
# Line 11 is the phrase's `say`; both wordings are on the built-in style list.
POLICY = PHRASES.replace("Good morning, you're through to {{ agent_name }} at {{ company_name }}.",
                         "Calm down, that's our policy.")
STALE = PHRASES.replace('review_by: "2030-01-01"', 'review_by: "2020-01-01"')
NO_OWNER = PHRASES.replace("owner: Sam Lee\n", "")
VARIABLES = "variables:\n  company_name: Acme Homeware\n"


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setenv("KBTOOL_TODAY", TODAY)


def kb_with(kb_root, phrases: str, rules: str = "") -> str:
    return str(kb_root({PHRASES_FILE: phrases}, kb_yaml=VARIABLES + rules))


def found(checked: Checked) -> list[tuple[str, int, str, str]]:
    return [(p.path, p.line, p.level.value, p.rule) for p in checked.problems]


def validate_json(cli, root: str):
    run = cli("validate", "--root", root, "--format", "json", env={"KBTOOL_TODAY": TODAY, "NO_COLOR": "1"})
    return run.code, json.loads(run.stdout)


# --- check() and Checked ---

def test_clean_knowledge_base(kb_root):
    checked = check(kb_with(kb_root, PHRASES))
    assert checked.problems == [] and checked.errors == [] and checked.warnings == []
    assert checked.ok
    assert [e.id for e in checked.kb.entries] == ["greetings"]
    assert checked.files_checked == 2  # the entry and kb.yaml


def test_files_checked_counts_files_that_built_no_entry(kb_root):
    phrases = PHRASES.replace("{{ company_name }}", "Acme")  # nothing to declare without kb.yaml
    root = kb_root({PHRASES_FILE: phrases, "standards/broken.yaml": "title: [unclosed\n"}, kb_yaml=None)
    checked = check(root)
    assert checked.files_checked == 2  # no kb.yaml; the broken file is counted all the same
    assert [e.id for e in checked.kb.entries] == ["greetings"]
    assert [p.rule for p in checked.errors] == ["yaml-syntax"]
    assert not checked.ok


def test_errors_and_warnings_split_by_level(kb_root):
    checked = check(kb_with(kb_root, POLICY.replace("owner: Sam Lee\n", "")))
    assert [p.rule for p in checked.errors] == ["required-field"]
    assert [p.rule for p in checked.warnings] == ["style-phrase", "style-phrase"]
    assert checked.problems == sorted(checked.errors + checked.warnings)
    assert not checked.ok


def test_warnings_alone_are_ok(kb_root):
    checked = check(kb_with(kb_root, STALE))
    assert [p.rule for p in checked.warnings] == ["stale-review"]
    assert checked.ok


def test_a_root_that_is_not_a_folder_raises(tmp_path):
    with pytest.raises(KbError, match="not a folder"):
        check(tmp_path / "missing")


def test_apply_levels_without_rules_keeps_problems(kb_root):
    checked = check(kb_with(kb_root, POLICY))
    assert apply_levels(list(checked.problems), checked.kb) == checked.problems


# --- kb.yaml `rules:` ---

def test_off_removes_the_rules_problems(kb_root):
    before = check(kb_with(kb_root, POLICY))
    assert [p.rule for p in before.problems] == ["style-phrase", "style-phrase"]
    after = check(kb_with(kb_root, POLICY, "rules:\n  style-phrase: off\n"))
    assert after.problems == []


def test_off_removes_only_that_rule(kb_root):
    checked = check(kb_with(kb_root, STALE.replace("Good morning,", "Calm down,"), "rules:\n  style-phrase: off\n"))
    assert [p.rule for p in checked.problems] == ["stale-review"]


def test_raising_to_error_fails_validate(cli, kb_root):
    root = kb_with(kb_root, STALE, "rules:\n  stale-review: error\n")
    checked = check(root)
    assert found(checked) == [(PHRASES_FILE, 6, "error", "stale-review")]
    assert not checked.ok
    code, problems = validate_json(cli, root)
    assert code == 1
    assert [(p["rule"], p["level"]) for p in problems] == [("stale-review", "error")]


def test_default_level_exits_0_for_the_same_warning(cli, kb_root):
    code, problems = validate_json(cli, kb_with(kb_root, STALE))
    assert code == 0
    assert [(p["rule"], p["level"]) for p in problems] == [("stale-review", "warning")]


def test_a_checks_error_may_be_lowered(cli, kb_root):
    phrases = PHRASES.replace("channels: [phone]\n", "channels: [phone]\nrelated: [missing]\n")
    root = kb_with(kb_root, phrases, "rules:\n  unknown-reference: warning\n")
    assert found(check(root)) == [(PHRASES_FILE, 8, "warning", "unknown-reference")]
    code, _ = validate_json(cli, root)
    assert code == 0


def test_level_keeps_message_hint_and_position(kb_root):
    default = check(kb_with(kb_root, STALE)).problems[0]
    raised = check(kb_with(kb_root, STALE, "rules:\n  stale-review: error\n")).problems[0]
    assert raised == Problem(default.path, default.line, default.column, Level.ERROR, default.rule,
                             default.message, default.hint)


def test_unknown_rule_id_is_reported_at_its_line_with_a_suggestion(kb_root):
    checked = check(kb_with(kb_root, POLICY, "rules:\n  stale-review: error\n  style-phrse: off\n"))
    problem = checked.errors[0]
    # kb.yaml: variables (lines 1-2), rules: (line 3), stale-review (4), style-phrse (5).
    assert (problem.path, problem.line, problem.column, problem.rule) == ("kb.yaml", 5, 3, "unknown-value")
    assert "style-phrse" in problem.message
    assert problem.hint == "did you mean 'style-phrase'?"
    # The misspelt line switches nothing off.
    assert [p.rule for p in checked.warnings] == ["style-phrase", "style-phrase"]


def test_unknown_rule_id_without_a_close_match_points_at_the_guide(kb_root):
    checked = check(kb_with(kb_root, PHRASES, "rules:\n  zzzz: off\n"))
    assert [(p.path, p.line, p.rule) for p in checked.problems] == [("kb.yaml", 4, "unknown-value")]
    assert "mentors' guide" in checked.problems[0].hint


@pytest.mark.parametrize("level", ["off", "warning"])
def test_format_rule_cannot_be_lowered(cli, kb_root, level):
    root = kb_with(kb_root, NO_OWNER, f"rules:\n  required-field: {level}\n")
    checked = check(root)
    assert found(checked) == [("kb.yaml", 4, "error", "invalid-value"),
                              (PHRASES_FILE, 1, "error", "required-field")]
    refused = checked.problems[0]
    assert refused.column == 3  # the key, not its value
    assert f"cannot be set to '{level}'" in refused.message
    code, _ = validate_json(cli, root)
    assert code == 1


def test_format_rule_is_refused_even_without_problems_of_its_kind(kb_root):
    checked = check(kb_with(kb_root, PHRASES, "rules:\n  yaml-syntax: off\n"))
    assert found(checked) == [("kb.yaml", 4, "error", "invalid-value")]


def test_format_rule_may_be_set_to_error(kb_root):
    checked = check(kb_with(kb_root, NO_OWNER, "rules:\n  required-field: error\n"))
    assert found(checked) == [(PHRASES_FILE, 1, "error", "required-field")]


def test_every_format_error_is_fixed():
    assert {"required-field", "yaml-syntax", "invalid-value", "unknown-value"} <= fixed_rules()
    assert "bidi-control" not in fixed_rules() and "no-content" not in fixed_rules()  # format warnings


def test_bad_level_value_is_an_error(cli, kb_root):
    root = kb_with(kb_root, POLICY, "rules:\n  style-phrase: loud\n")
    checked = check(root)
    errors = checked.errors
    assert [(p.path, p.line, p.column, p.rule) for p in errors] == [("kb.yaml", 4, 17, "unknown-value")]
    assert "loud" in errors[0].message
    assert "off, warning, error" in errors[0].hint
    # The bad line is ignored: the rule keeps its default level.
    assert [(p.rule, p.level) for p in checked.warnings] == [("style-phrase", Level.WARNING)] * 2
    code, _ = validate_json(cli, root)
    assert code == 1


def test_rules_must_be_a_mapping(kb_root):
    checked = check(kb_with(kb_root, PHRASES, "rules: [style-phrase]\n"))
    assert [(p.path, p.line, p.rule) for p in checked.problems] == [("kb.yaml", 3, "wrong-type")]


def test_a_broken_file_reports_only_its_own_problems(tmp_path):
    """One file that fails to load must not cascade: references to it are not reported again."""
    from tests.conftest import write_kb

    refs = ("kind: phrases\nid: {id}\ntitle: T\nowner: Sam Lee\nstatus: approved\nreview_by: 2030-01-01\n"
            "channels: [chat]\nsituation: greeting\nrelated: [broken-set]\nphrases:\n  - id: a\n    say: Hello.\n")
    files = {f"scripts_library/phrases/r{i}.yaml": refs.format(id=f"r{i}") for i in range(5)}
    files["scripts_library/phrases/broken-set.yaml"] = "kind: phrases\nid: broken-set\nphrases:\n\t- bad\n"
    files["kb.yaml"] = "name: T\nsituations:\n  greeting: Hello\nstart_here: [broken-set]\n"
    write_kb(tmp_path, files, kb_yaml=None)
    checked = check(tmp_path)
    paths = {p.path for p in checked.errors}
    assert paths == {"scripts_library/phrases/broken-set.yaml"}, checked.errors
    assert not [p for p in checked.problems if p.rule == "unknown-reference"]


def test_a_reference_to_an_id_nobody_has_is_still_reported(tmp_path):
    from tests.conftest import write_kb

    write_kb(tmp_path, {"scripts_library/phrases/r.yaml": (
        "kind: phrases\nid: r\ntitle: T\nowner: Sam Lee\nstatus: approved\nreview_by: 2030-01-01\n"
        "channels: [chat]\nsituation: greeting\nrelated: [nowhere]\nphrases:\n  - id: a\n    say: Hello.\n"),
        "kb.yaml": "name: T\nsituations:\n  greeting: Hello\n"}, kb_yaml=None)
    assert [p.rule for p in check(tmp_path).errors] == ["unknown-reference"]
