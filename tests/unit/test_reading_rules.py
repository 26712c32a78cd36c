"""kbtool.reading.rules: every rule reading and converting can break is declared once, listed in RULES
with a unique id and a summary, and the errors among them are the rules kb.yaml may not lower."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from kbtool.checks import all_rules, fixed_rules
from kbtool.format.vocab import SLUG
from kbtool.pipeline import apply_levels
from kbtool.problems import Level, Problem, RuleDoc
from kbtool.reading import rules

DECLARED = {name: value for name, value in vars(rules).items() if isinstance(value, RuleDoc)}
ERRORS = [rule.id for rule in rules.RULES if rule.level is Level.ERROR]
WARNINGS = [rule.id for rule in rules.RULES if rule.level is Level.WARNING]


def test_every_declared_rule_is_listed_once():
    assert len(rules.RULES) == len(set(rules.RULES))
    assert set(DECLARED.values()) == set(rules.RULES)


def test_ids_are_unique_slugs():
    ids = [rule.id for rule in rules.RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(SLUG, rule_id) for rule_id in ids)


def test_each_rule_has_a_summary_sentence_and_a_good_example_beside_a_bad_one():
    for rule in rules.RULES:
        assert rule.summary.strip() and rule.summary[0].isupper() and rule.summary.endswith("."), rule.id
        assert bool(rule.bad) == bool(rule.good), rule.id


def test_reading_rules_come_first_in_the_guide_and_no_check_reuses_their_ids():
    every = [rule.id for rule in all_rules()]
    assert every[:len(rules.RULES)] == [rule.id for rule in rules.RULES]
    assert len(every) == len(set(every))


def test_the_fixed_rules_are_exactly_the_reading_errors():
    assert fixed_rules() == frozenset(ERRORS)
    assert set(WARNINGS) == {"bidi-control", "no-content"}


def team_levels(levels: dict[str, str]) -> SimpleNamespace:
    """What apply_levels reads of a knowledge base: kb.yaml's levels, and where each is written."""
    return SimpleNamespace(config=SimpleNamespace(rules=levels, pos=lambda *ptr: (4, 3)))


def problem(rule_id: str, level: Level = Level.ERROR) -> Problem:
    return Problem("standards/x.yaml", 7, 1, level, rule_id, "message", "hint")


@pytest.mark.parametrize("wanted", ["warning", "off"])
def test_no_reading_error_can_be_lowered_in_kb_yaml(wanted):
    for rule_id in ERRORS:
        out = apply_levels([problem(rule_id)], team_levels({rule_id: wanted}))
        assert out == sorted([problem(rule_id), Problem(
            "kb.yaml", 4, 3, Level.ERROR, rules.INVALID_VALUE.id,
            f"rule '{rule_id}' guards the file format and cannot be set to '{wanted}'",
            "remove the line: format errors always stop a build")]), rule_id


def test_a_reading_error_set_to_error_is_fine():
    assert apply_levels([problem("yaml-syntax")], team_levels({"yaml-syntax": "error"})) == [problem("yaml-syntax")]


@pytest.mark.parametrize("rule_id", WARNINGS)
def test_a_reading_warning_may_be_raised_or_turned_off(rule_id):
    raised = apply_levels([problem(rule_id, Level.WARNING)], team_levels({rule_id: "error"}))
    assert [(p.rule, p.level) for p in raised] == [(rule_id, Level.ERROR)]
    assert apply_levels([problem(rule_id, Level.WARNING)], team_levels({rule_id: "off"})) == []
