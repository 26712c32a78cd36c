"""Contributor-written templates: checked against an allowlist, then rendered in Jinja2's sandbox.

Templates are checked before anything renders them: only placeholders, if/else, a few text
filters and comparisons are allowed, so `{{ ''.__class__ }}` or `{{ 'a' * 10**10 }}` is a
validation error at its line and never runs. Most texts hold only plain `{{ name }}`
placeholders; those skip Jinja entirely, which keeps validating 10,000 entries fast.

Filling is bounded too: a 10 KB value used a thousand times would make 10 MB of text, so every
render path counts what it produces against a `Budget` and stops before going over it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SIMPLE_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
ANY_TEMPLATE_SYNTAX = re.compile(r"\{[{%#]|[}%#]\}")
ALLOWED_FILTERS = frozenset({"default", "title", "upper", "lower", "trim", "capitalize"})
MAX_OUTPUT_CHARS = 100_000
# All the filled texts of one entry (a page, or its search hits) together: each text may be under
# MAX_OUTPUT_CHARS and still add up, since a 1 MiB file holds thousands of texts.
MAX_ENTRY_OUTPUT_CHARS = 1_000_000
MAX_TEMPLATE_CHARS = 50_000


@dataclass(frozen=True)
class TemplateIssue:
    """A problem inside one template; `line` is 1-based within the template text."""

    line: int
    rule: str
    message: str
    hint: str = ""
    needle: str = ""  # text to look for on that line, to point at the column


@dataclass(frozen=True)
class Placeholder:
    name: str
    line: int  # 1-based within the template


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def analyse(text: str) -> tuple[list[Placeholder], list[TemplateIssue]]:
    """Placeholders a template uses, and anything in it that is not allowed."""
    if "{" not in text and "%}" not in text and "}}" not in text:
        return [], []
    stripped = SIMPLE_PLACEHOLDER.sub("", text)
    if not ANY_TEMPLATE_SYNTAX.search(stripped):
        return [Placeholder(m.group(1), _line_of(text, m.start())) for m in SIMPLE_PLACEHOLDER.finditer(text)], []
    return _analyse_with_jinja(text)


def _environment() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.globals.clear()
    # Only the allowlisted filters exist, so nothing else can be reached even by mistake.
    env.filters = {name: env.filters[name] for name in ALLOWED_FILTERS}
    env.tests = {name: env.tests[name] for name in ("defined", "undefined", "none")}
    return env


_ENV: Any = None


def environment() -> Any:
    global _ENV
    if _ENV is None:
        _ENV = _environment()
    return _ENV


def _analyse_with_jinja(text: str) -> tuple[list[Placeholder], list[TemplateIssue]]:
    from jinja2 import TemplateSyntaxError, nodes

    if len(text) > MAX_TEMPLATE_CHARS:
        return [], [TemplateIssue(1, "template-too-large", f"the text is {len(text):,} characters; "
                                  f"templates are limited to {MAX_TEMPLATE_CHARS:,}")]
    try:
        tree = environment().parse(text)
    except TemplateSyntaxError as exc:
        return [], [TemplateIssue(exc.lineno or 1, "template-syntax", f"template syntax error: {exc.message}",
                                  "placeholders are written {{ name }}; conditions {% if name %}...{% endif %}")]
    except RecursionError:
        return [], [TemplateIssue(1, "template-forbidden", "the template nests too deeply")]
    placeholders: list[Placeholder] = []
    issues: list[TemplateIssue] = []
    allowed = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.If, nodes.Filter,
               nodes.Const, nodes.Not, nodes.And, nodes.Or, nodes.Compare, nodes.Operand, nodes.Test,
               nodes.CondExpr)
    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        line = getattr(node, "lineno", 1) or 1
        if depth > 30:
            issues.append(TemplateIssue(line, "template-forbidden", "the template nests too deeply"))
            continue
        if not isinstance(node, allowed):
            issues.append(_forbidden(node, line))
            continue
        if isinstance(node, nodes.Name):
            if node.ctx != "load":
                issues.append(TemplateIssue(line, "template-forbidden", "templates cannot assign values"))
                continue
            placeholders.append(Placeholder(node.name, line))
        elif isinstance(node, nodes.Filter):
            if node.name not in ALLOWED_FILTERS:
                issues.append(TemplateIssue(line, "template-forbidden", f"the filter '{node.name}' is not allowed",
                                            f"allowed filters: {', '.join(sorted(ALLOWED_FILTERS))}", node.name))
                continue
            if node.kwargs or node.dyn_args or node.dyn_kwargs:
                issues.append(TemplateIssue(line, "template-forbidden", "filters take plain text arguments only"))
                continue
        elif isinstance(node, nodes.Const):
            if not isinstance(node.value, (str, bool)) and node.value is not None:
                issues.append(TemplateIssue(line, "template-forbidden",
                                            "numbers and arithmetic are not allowed in templates",
                                            "write the number as text outside the {{ }}"))
                continue
            if isinstance(node.value, str) and len(node.value) > 1000:
                issues.append(TemplateIssue(line, "template-forbidden", "a text constant is too long"))
                continue
        elif isinstance(node, nodes.Operand) and node.op not in ("eq", "ne"):
            issues.append(TemplateIssue(line, "template-forbidden", f"the comparison '{node.op}' is not allowed",
                                        "compare with == or != only"))
            continue
        elif isinstance(node, nodes.Test) and node.name not in ("defined", "undefined", "none"):
            issues.append(TemplateIssue(line, "template-forbidden", f"the test '{node.name}' is not allowed"))
            continue
        for child in node.iter_child_nodes():
            stack.append((child, depth + 1))
    placeholders.sort(key=lambda p: p.line)
    issues.sort(key=lambda i: i.line)
    return placeholders, issues


_NODE_WORDS = {
    "For": "loops ({% for %})", "Macro": "macros", "CallBlock": "call blocks", "Call": "function calls",
    "Getattr": "attribute access (a.b)", "Getitem": "item access (a[b])", "Assign": "assignments ({% set %})",
    "AssignBlock": "assignments ({% set %})", "Include": "includes", "Import": "imports",
    "FromImport": "imports", "Extends": "template inheritance", "Block": "blocks", "Mul": "arithmetic",
    "Add": "arithmetic", "Sub": "arithmetic", "Div": "arithmetic", "FloorDiv": "arithmetic", "Mod": "arithmetic",
    "Pow": "arithmetic", "Neg": "arithmetic", "Pos": "arithmetic", "List": "lists", "Dict": "dictionaries",
    "Tuple": "tuples", "Concat": "joining with ~", "Slice": "slices", "With": "with blocks", "FilterBlock": "filter blocks",
    "Scope": "scopes", "ExprStmt": "expression statements", "Continue": "loop control", "Break": "loop control",
}


def _forbidden(node: Any, line: int) -> TemplateIssue:
    name = type(node).__name__
    what = _NODE_WORDS.get(name, f"'{name}' constructs")
    return TemplateIssue(line, "template-forbidden", f"{what} are not allowed in templates",
                         "use {{ name }} placeholders, {% if %}, and the filters default, title, upper, lower, trim")


class RenderError(Exception):
    """A template could not be filled (an undefined value, a forbidden construct, output too large)."""


class Budget:
    """Characters rendering may still produce; share one across the texts of a page or entry.

    Every render takes the smaller of MAX_OUTPUT_CHARS and what is left here, so neither one
    text nor many texts together can expand past their bound.
    """

    def __init__(self, chars: int = MAX_ENTRY_OUTPUT_CHARS) -> None:
        self.remaining = chars

    def limit(self) -> int:
        return min(MAX_OUTPUT_CHARS, self.remaining)

    def spend(self, chars: int) -> None:
        self.remaining = max(0, self.remaining - chars)


def _plain(text: str) -> bool:
    """True when the text holds only {{ name }} placeholders (no Jinja needed to fill it)."""
    return not ANY_TEMPLATE_SYNTAX.search(SIMPLE_PLACEHOLDER.sub("", text))


class OutputTooLarge(RenderError):
    """The filled text would pass its limit; raised before the text is built."""

    def __init__(self, size: int, limit: int) -> None:
        # With Jinja the count stops at the piece that crossed the limit, so `size` is a floor.
        super().__init__(f"the filled text would be at least {size:,} characters; the limit is {limit:,}")
        self.size = size
        self.limit = limit


def _plain_size(text: str, values: dict[str, str], lenient: bool) -> int:
    # Known from the placeholders and the values' lengths before any text is built, so an
    # oversized expansion costs nothing.
    size = len(text)
    for match in SIMPLE_PLACEHOLDER.finditer(text):
        name = match.group(1)
        if name in values:
            size += len(str(values[name])) - (match.end() - match.start())
        elif not lenient:
            raise RenderError(f"'{name}' has no value")
    return size


def _fill_plain(text: str, values: dict[str, str], limit: int, lenient: bool) -> str:
    size = _plain_size(text, values, lenient)
    if size > limit:
        raise OutputTooLarge(size, limit)
    if lenient:
        return SIMPLE_PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)
    return SIMPLE_PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)


def _fill_jinja(text: str, values: dict[str, str], limit: int) -> str:
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError

    # Rendered as a stream and counted piece by piece: the output is never built past the limit.
    pieces: list[str] = []
    size = 0
    try:
        for piece in environment().from_string(text).generate(**values):
            size += len(piece)
            if size > limit:
                raise OutputTooLarge(size, limit)
            pieces.append(piece)
    except SecurityError as exc:
        raise RenderError(f"refused by the sandbox: {exc}") from None
    except TemplateError as exc:
        raise RenderError(str(exc.message or exc)) from None
    return "".join(pieces)


def render(text: str, values: dict[str, str], budget: Budget | None = None) -> str:
    """Fill a template. Callers have validated it; the sandbox and limits are the second wall.

    Raises RenderError when the filled text would pass MAX_OUTPUT_CHARS or what `budget` has left.
    """
    if "{" not in text:
        # Nothing expands: the text is as long as the file made it, which the loader bounds.
        return text
    limit = budget.limit() if budget is not None else MAX_OUTPUT_CHARS
    _, issues = analyse(text)
    if issues:
        raise RenderError(issues[0].message)
    out = _fill_plain(text, values, limit, False) if _plain(text) else _fill_jinja(text, values, limit)
    if budget is not None:
        budget.spend(len(out))
    return out


def render_lenient(text: str, values: dict[str, str], budget: Budget | None = None) -> str:
    """Fill what is known and leave unknown placeholders as written (for search and previews).

    A text that cannot be filled, or would fill past the limit, stays as written: its size is
    then the file's own, which the loader already bounds.
    """
    if "{" not in text:
        return text
    limit = budget.limit() if budget is not None else MAX_OUTPUT_CHARS
    try:
        if _plain(text):
            out = _fill_plain(text, values, limit, True)
        else:
            out = render(text, values, Budget(limit))
    except RenderError:
        return text
    if budget is not None:
        budget.spend(len(out))
    return out


def expanded_size(text: str, values: dict[str, str], limit: int = MAX_OUTPUT_CHARS, exact: bool = False) -> int:
    """How long `text` is once filled with `values` (unknown placeholders as written), at most `limit` + 1.

    Plain {{ name }} texts are counted exactly without building them. Texts with if/else or
    filters are bounded from above (every placeholder filled, case changes tripling a value, as
    Unicode's can) and rendered, counting, only when that bound passes `limit` or `exact` is asked:
    compiling every letter's template would make validating 10,000 entries seconds slower.
    A template that cannot be filled counts as written (other rules report why).
    """
    if "{" not in text:
        return len(text)
    try:
        if _plain(text):
            return min(_plain_size(text, values, True), limit + 1)
        if not exact:
            placeholders, _ = analyse(text)
            bound = len(text) + sum(3 * len(str(values.get(p.name, ""))) for p in placeholders)
            if bound <= limit:
                return bound
        return len(render(text, values, Budget(limit)))
    except OutputTooLarge:
        return limit + 1
    except RenderError:
        return len(text)
