"""Placeholders and template safety: every {{ name }} resolves, every declared variable is used,
nothing beyond the allowed template constructs appears, and no other tool's placeholder is left."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kbtool.format.types import did_you_mean
from kbtool.format.vocab import BUILTIN_VARIABLE_EXAMPLES
from kbtool.model import Entry, KnowledgeBase
from kbtool.problems import Level, Problem, RuleDoc
from kbtool.templating import (
    MAX_ENTRY_OUTPUT_CHARS,
    MAX_OUTPUT_CHARS,
    TEMPLATE_FORBIDDEN,
    TEMPLATE_SYNTAX,
    TEMPLATE_TOO_LARGE,
    Placeholder,
    analyse,
    expanded_size,
    foreign_placeholders,
)

UNDECLARED_PLACEHOLDER = RuleDoc(
    "undeclared-placeholder", Level.ERROR,
    "A placeholder is used but has no value: declare it in the entry's `variables` (any kind may declare its "
    "blanks: a letter, a phrase set, a script, a standard), or in kb.yaml's `variables` for values shared by the "
    "whole team. customer_name and agent_name are built in.",
    bad="body: Your order {{ order_no }} ships today.\nvariables: {}",
    good="body: Your order {{ order_no }} ships today.\nvariables:\n  order_no:\n    description: Order number\n"
         "    example: FH-1234",
)
UNUSED_VARIABLE = RuleDoc(
    "unused-variable", Level.WARNING,
    "An entry declares a variable that none of its texts uses (a letter's subject and body, a phrase's say and "
    "avoid, a step's say and note, a rule's text and examples).",
    bad="subject: Your refund\nvariables:\n  amount: {description: Amount, example: '£20'}",
    good="subject: Your refund of {{ amount }}",
)
FOREIGN_PLACEHOLDER = RuleDoc(
    "foreign-placeholder", Level.WARNING,
    "A text holds another tool's placeholder (Zammad's `#{ticket.customer.firstname}`, `[[name]]`, `%name%`, "
    "`{name}`), usually left by a copy or an import. kbtool never fills it, so the customer would read it as "
    "written: use kbtool's blank, `{{ name }}`.",
    bad="say: Hello #{ticket.customer.firstname}, thanks for waiting.",
    good="say: Hello {{ customer_name }}, thanks for waiting.",
)
RULES = (TEMPLATE_SYNTAX, TEMPLATE_FORBIDDEN, TEMPLATE_TOO_LARGE, UNDECLARED_PLACEHOLDER, UNUSED_VARIABLE,
         FOREIGN_PLACEHOLDER)
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
    # The values pages and previews fill in: the built-ins' examples, kb.yaml's, the entry's examples.
    shared_values = {**BUILTIN_VARIABLE_EXAMPLES, **kb.config.variables}
    for entry in kb.entries:
        known = shared | set(entry.variables)
        used: set[str] = set()
        values = {**shared_values, **entry.example_values()} if entry.variables else shared_values
        fillable: list[tuple[Any, list[Placeholder]]] = []
        # A text that did not parse names no blanks we can trust, so "declared but not used"
        # would be a second, wrong problem (the blank it misspells is the declared one).
        unparsed = False
        for ref in entry.texts():
            yield from _foreign(entry, ref)
            if not ref.template:
                continue
            placeholders, issues = analyse(ref.text)
            unparsed = unparsed or any(issue.rule == TEMPLATE_SYNTAX.id for issue in issues)
            for issue in issues:
                rule = _BY_ID[issue.rule]
                line, column = locate(entry, ref.ptr, issue.line, issue.needle)
                yield Problem(entry.path, line, column, rule.level, rule.id, issue.message, issue.hint)
            if placeholders and not issues:
                fillable.append((ref, placeholders))
            for placeholder in placeholders:
                used.add(placeholder.name)
                if placeholder.name not in known:
                    line, column = locate(entry, ref.ptr, placeholder.line, placeholder.name)
                    where = "the entry's variables or kb.yaml's"
                    hint = did_you_mean(placeholder.name, sorted(known))
                    yield Problem(entry.path, line, column, UNDECLARED_PLACEHOLDER.level, UNDECLARED_PLACEHOLDER.id,
                                  f"placeholder '{placeholder.name}' is not declared",
                                  hint or f"declare '{placeholder.name}' in {where}")
        yield from _expansions(entry, fillable, values)
        for name in entry.variables if not unparsed else ():
            if name not in used:
                line, column = entry.pos("variables", name, "#key")
                yield Problem(entry.path, line, column, UNUSED_VARIABLE.level, UNUSED_VARIABLE.id,
                              f"variable '{name}' is declared but not used in the entry's texts",
                              f"use {{{{ {name} }}}} in the entry or remove the declaration")


def _foreign(entry: Entry, ref: Any) -> Iterator[Problem]:
    """Another tool's placeholders in any of the entry's texts, each at its own line and column."""
    for found in foreign_placeholders(ref.text):
        line, column = locate(entry, ref.ptr, ref.text.count("\n", 0, found.start) + 1, found.written)
        blank = _blank_for(found.name)
        hint = (f"write {{{{ {blank} }}}} instead: kbtool fills it in every text" if blank in _BUILTIN_BLANKS else
                f"write a blank instead, such as {{{{ {blank} }}}}, declared in the entry's variables or kb.yaml's")
        yield Problem(entry.path, line, column, FOREIGN_PLACEHOLDER.level, FOREIGN_PLACEHOLDER.id,
                      f"{found.written} is another tool's placeholder: kbtool does not fill it, so the customer "
                      "would read it as written", hint)


# Help-desk names for the two blanks every template has, as their placeholders spell them.
_BUILTIN_BLANKS = {"customer_name": ("customer", "requester", "firstname", "first", "name", "contact"),
                   "agent_name": ("agent", "assignee", "owner", "user", "staff")}


def _blank_for(name: str) -> str:
    """The kbtool blank a foreign placeholder's name most likely means."""
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
    for blank, hints in _BUILTIN_BLANKS.items():
        if any(word in hints for word in words[:-1]) or (len(words) == 1 and words[0] in hints):
            return blank
    return "_".join(words[-2:]) if len(words) > 1 else (words[0] if words else "name")


def _expansions(entry: Entry, fillable: list[tuple[Any, list[Placeholder]]], values: dict[str, str]) -> Iterator[Problem]:
    """Texts that fill past MAX_OUTPUT_CHARS, and the text that takes the entry past MAX_ENTRY_OUTPUT_CHARS."""
    sizes = [expanded_size(ref.text, values, MAX_OUTPUT_CHARS) for ref, _ in fillable]
    for (ref, placeholders), size in zip(fillable, sizes, strict=True):
        if size > MAX_OUTPUT_CHARS:
            yield _too_large(entry, ref.ptr, placeholders, values, True)
    if sum(sizes) <= MAX_ENTRY_OUTPUT_CHARS:
        return
    # Rare: the quick sizes may be upper bounds, so count exactly before blaming a text.
    filled = 0
    for ref, placeholders in fillable:
        size = expanded_size(ref.text, values, MAX_ENTRY_OUTPUT_CHARS, exact=True)
        if filled + size > MAX_ENTRY_OUTPUT_CHARS:
            if size <= MAX_OUTPUT_CHARS:
                yield _too_large(entry, ref.ptr, placeholders, values, False)
            return
        filled += size


def _too_large(entry: Entry, ptr: tuple[Any, ...], placeholders: list[Placeholder], values: dict[str, str],
               alone: bool) -> Problem:
    """The text fills past its own limit (`alone`), or takes its entry's texts together past theirs.

    Only the text that crosses the entry's limit is reported, so one long value used in every
    text gives one problem, not one per text.
    """
    if alone:
        message = f"with kb.yaml's values and the examples this text fills to over {MAX_OUTPUT_CHARS:,} characters"
    else:
        message = (f"with kb.yaml's values and the examples the entry's texts fill to over "
                   f"{MAX_ENTRY_OUTPUT_CHARS:,} characters by here")
    longest, name = max(((len(values[p.name]), p.name) for p in placeholders if p.name in values), default=(0, ""))
    hint = f"'{name}' is {longest:,} characters: shorten it or use it less often" if name else "shorten the text"
    line, column = entry.pos(*ptr)
    return Problem(entry.path, line, column, TEMPLATE_TOO_LARGE.level, TEMPLATE_TOO_LARGE.id, message, hint)
