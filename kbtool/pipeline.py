"""The one load-and-check: every command, `kbtool serve` and the MkDocs plugin start here.

`check(root)` reads the knowledge base, runs every rule, applies kb.yaml's rule levels and
returns the model with its problems. Nothing else loads or validates, so all consumers see the
same entries and the same problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbtool.assemble import load_knowledge_base
from kbtool.audit.rules import RULES as CONVERSATION_RULES
from kbtool.checks import all_rules, fixed_rules, validate
from kbtool.matching import words
from kbtool.model import KnowledgeBase
from kbtool.problems import Level, Problem
from kbtool.reading.rules import INVALID_VALUE
from kbtool.review.rules import RULES as REPLY_RULES


@dataclass
class Checked:
    """A loaded knowledge base and all its problems, levels as the team configured them."""

    kb: KnowledgeBase
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level is Level.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level is Level.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def files_checked(self) -> int:
        return len(self.kb.files) + (1 if self.kb.config.source is not None else 0)


def rule_ids() -> tuple[str, ...]:
    """The rule ids kb.yaml's `rules:` may set: every check's, those `kbtool check` reports on replies
    and transcripts (its own, beside the content rules it shares) and the one `kbtool audit` adds."""
    ids = [rule.id for rule in all_rules()]
    return tuple(ids + [rule.id for rule in (*REPLY_RULES, *CONVERSATION_RULES) if rule.id not in ids])


def check(root: Path | str, reuse: Any = None) -> Checked:
    """Load and validate the knowledge base at `root`. Raises KbError only for an unusable root.

    `reuse` is a `kbtool.assemble.LoadCache` a long-running caller keeps between runs.
    """
    kb = load_knowledge_base(root, {"rule": rule_ids()}, reuse)
    problems = apply_levels(validate(kb), kb)
    # The checks share split texts through this cache; what comes after them (pages, indexes)
    # does not, and at 10,000 entries it held some 50 MB for the rest of a build.
    words.cache_clear()
    return Checked(kb, problems)


def apply_levels(problems: list[Problem], kb: KnowledgeBase) -> list[Problem]:
    """Each rule's level as kb.yaml's `rules:` sets it (`off` drops its problems).

    The engine, not the rule, stamps the level, as yamllint does. Format errors guard what
    the model can be built from, so they may be raised but never lowered or switched off.
    """
    levels = kb.config.rules
    if not levels:
        return problems
    fixed = fixed_rules()
    out: list[Problem] = []
    refused: set[str] = set()
    for problem in problems:
        wanted = levels.get(problem.rule)
        if wanted is None:
            out.append(problem)
        elif problem.rule in fixed and wanted != "error":
            refused.add(problem.rule)
            out.append(problem)
        elif wanted != "off":
            out.append(Problem(problem.path, problem.line, problem.column, Level(wanted), problem.rule,
                               problem.message, problem.hint))
    for rule in sorted(set(levels) & fixed):
        if levels[rule] != "error":
            line, column = kb.config.pos("rules", rule, "#key")
            out.append(Problem("kb.yaml", line, column, Level.ERROR, INVALID_VALUE.id,
                               f"rule '{rule}' guards the file format and cannot be set to '{levels[rule]}'",
                               "remove the line: format errors always stop a build"))
    return sorted(out)
