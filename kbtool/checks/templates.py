"""Placeholders and template safety: every {{ name }} resolves, every declared variable is used,
and nothing beyond the allowed template constructs appears."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kbtool.checks.base import RuleDoc
from kbtool.format.types import did_you_mean
from kbtool.model import Entry, KnowledgeBase
from kbtool.problems import Level, Problem
from kbtool.templating import analyse

TEMPLATE_SYNTAX = RuleDoc(
    "template-syntax", Level.ERROR, "A {{ placeholder }} or {% if %} block is malformed.",
    bad="say: Thanks for calling {{ company_name }", good="say: Thanks for calling {{ company_name }}",
)
TEMPLATE_FORBIDDEN = RuleDoc(
    "template-forbidden", Level.ERROR,
    "The template uses something beyond placeholders, if/else and the text filters default, title, upper, lower, "
    "trim, capitalize (loops, attribute access, arithmetic, macros...). Templates are written by many people and "
    "rendered for customers, so only the harmless subset is allowed.",
    bad="body: \"{{ ''.__class__.__mro__ }}\"", good="body: \"Dear {{ customer_name | title }},\"",
)
TEMPLATE_TOO_LARGE = RuleDoc(
    "template-too-large", Level.ERROR, "A template text is longer than the limit (50,000 characters).",
)
UNDECLARED_PLACEHOLDER = RuleDoc(
    "undeclared-placeholder", Level.ERROR,
    "A placeholder is used but has no value: declare it in the letter's `variables`, or in kb.yaml's `variables` "
    "for values shared by the whole team. customer_name and agent_name are built in.",
    bad="body: Your order {{ order_no }} ships today.\nvariables: {}",
    good="body: Your order {{ order_no }} ships today.\nvariables:\n  order_no:\n    description: Order number\n"
         "    example: FH-1234",
)
UNUSED_VARIABLE = RuleDoc(
    "unused-variable", Level.WARNING, "A letter declares a variable that neither its subject nor its body uses.",
    bad="subject: Your refund\nvariables:\n  amount: {description: Amount, example: '£20'}",
    good="subject: Your refund of {{ amount }}",
)
RULES = (TEMPLATE_SYNTAX, TEMPLATE_FORBIDDEN, TEMPLATE_TOO_LARGE, UNDECLARED_PLACEHOLDER, UNUSED_VARIABLE)
_BY_ID = {r.id: r for r in RULES}


def locate(entry: Entry, ptr: tuple[Any, ...], template_line: int, needle: str = "") -> tuple[int, int]:
    """Map a line inside a template to the YAML file's line and column."""
    line, column = entry.pos(*ptr)
    start = entry.source.line_text(line)
    block = start[column - 1:column] in ("|", ">")
    target = line + template_line if block else line + template_line - 1
    text = entry.source.line_text(target)
    if needle:
        found = text.find(needle, column - 1 if target == line else 0)
        if found >= 0:
            return target, found + 1
    if target != line:
        return target, len(text) - len(text.lstrip()) + 1
    return line, column


def check(kb: KnowledgeBase) -> Iterator[Problem]:
    shared = kb.config.known_variables()
    for entry in kb.entries:
        known = shared | set(entry.variables)
        used: set[str] = set()
        for ref in entry.texts():
            if not ref.template:
                continue
            placeholders, issues = analyse(ref.text)
            for issue in issues:
                rule = _BY_ID[issue.rule]
                line, column = locate(entry, ref.ptr, issue.line, issue.needle)
                yield Problem(entry.path, line, column, rule.level, rule.id, issue.message, issue.hint)
            for placeholder in placeholders:
                used.add(placeholder.name)
                if placeholder.name not in known:
                    line, column = locate(entry, ref.ptr, placeholder.line, placeholder.name)
                    where = "the entry's variables or kb.yaml's"
                    hint = did_you_mean(placeholder.name, sorted(known))
                    yield Problem(entry.path, line, column, UNDECLARED_PLACEHOLDER.level, UNDECLARED_PLACEHOLDER.id,
                                  f"placeholder '{placeholder.name}' is not declared",
                                  hint or f"declare '{placeholder.name}' in {where}")
        for name in entry.variables:
            if name not in used:
                line, column = entry.pos("variables", name, "#key")
                yield Problem(entry.path, line, column, UNUSED_VARIABLE.level, UNUSED_VARIABLE.id,
                              f"variable '{name}' is declared but not used in the entry's texts",
                              f"use {{{{ {name} }}}} in the entry or remove the declaration")
