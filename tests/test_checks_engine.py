"""The check engine: rules kb.yaml turns off cost nothing, and their problems never show."""

from __future__ import annotations

from kbtool.checks import duplicates, run_checks
from kbtool.model import Entry
from kbtool.pipeline import check
from tests.conftest import write_kb

PHRASE_SET = """\
kind: phrases
id: {id}
title: Set {id}
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [phone]
situation: greeting
phrases:
  - id: same
    say: We will look into this for you today.
"""


def knowledge_base(root, rules: str = ""):
    files = {f"scripts_library/phrases/set-{n}.yaml": PHRASE_SET.format(id=f"set-{n}") for n in range(6)}
    kb = check(write_kb(root, files, "rules:\n" + rules if rules else None)).kb
    assert kb.config.rules or not rules
    return kb


def positions_looked_up(kb, monkeypatch) -> tuple[list, int]:
    calls = []
    real = Entry.pos
    monkeypatch.setattr(Entry, "pos", lambda self, *ptr: calls.append(ptr) or real(self, *ptr))
    problems = run_checks(kb)
    return problems, len(calls)


def test_a_rule_that_is_on_reports_with_positions(tmp_path, monkeypatch):
    problems, looked_up = positions_looked_up(knowledge_base(tmp_path), monkeypatch)
    assert [p.rule for p in problems].count("duplicate-text") == 5
    assert all(p.line > 0 for p in problems if p.rule == "duplicate-text") and looked_up >= 5


def test_a_check_whose_rules_are_all_off_does_not_run(tmp_path, monkeypatch):
    rules = "".join(f"  {rule.id}: off\n" for rule in duplicates.RULES)
    kb = knowledge_base(tmp_path, rules)
    ran = []
    monkeypatch.setattr(duplicates, "check", lambda kb: ran.append(1) or iter(()))
    run_checks(kb)
    assert ran == []


def test_a_rule_that_is_off_looks_up_no_position(tmp_path, monkeypatch):
    kb = knowledge_base(tmp_path, "  duplicate-text: off\n")
    problems, looked_up = positions_looked_up(kb, monkeypatch)
    on_problems, on_looked_up = positions_looked_up(knowledge_base(tmp_path / "on"), monkeypatch)
    assert looked_up < on_looked_up - 4
    assert not [p for p in check(kb.root).problems if p.rule == "duplicate-text"]
