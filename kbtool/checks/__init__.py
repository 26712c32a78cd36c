"""The registry of checks: each module documents its rules and yields problems for a knowledge base."""

from __future__ import annotations

from types import ModuleType

from kbtool.assemble import paused_gc
from kbtool.checks import avoided, duplicates, flow, ids, references, review_dates, style, templates
from kbtool.checks.base import rules_off
from kbtool.model import KnowledgeBase
from kbtool.problems import Level, Problem, RuleDoc
from kbtool.reading import rules as reading_rules

# Order matters only for reading the docs; problems are sorted by position afterwards.
CHECKS: tuple[ModuleType, ...] = (ids, references, flow, templates, review_dates, style, avoided, duplicates)


def all_rules() -> list[RuleDoc]:
    """Every rule a report can show, in documentation order."""
    rules = list(reading_rules.RULES)
    for module in CHECKS:
        rules.extend(module.RULES)
    return rules


def fixed_rules() -> frozenset[str]:
    """Rules a team may not lower or turn off: format errors the model is built around."""
    return frozenset(rule.id for rule in reading_rules.RULES if rule.level is Level.ERROR)


def run_checks(kb: KnowledgeBase) -> list[Problem]:
    """Every check's problems. A check whose rules kb.yaml all turned off does not run; for one
    with some rules off, their problems are made without looking up a position (dropped later)."""
    off = frozenset(rule for rule, level in kb.config.rules.items() if level == "off") - fixed_rules()
    problems: list[Problem] = []
    with rules_off(off):
        for module in CHECKS:
            if module.RULES and all(rule.id in off for rule in module.RULES):
                continue
            problems.extend(module.check(kb))
    return problems


def validate(kb: KnowledgeBase) -> list[Problem]:
    """All problems of a loaded knowledge base, loading and checking alike, sorted by position."""
    with paused_gc():
        return sorted(set(kb.problems + run_checks(kb)))
