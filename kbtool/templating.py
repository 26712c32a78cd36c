"""Contributor-written templates: checked against an allowlist, then rendered in Jinja2's sandbox.

Templates are checked before anything renders them: only placeholders, if/else, a few text
filters and comparisons are allowed, so `{{ ''.__class__ }}` or `{{ 'a' * 10**10 }}` is a
validation error at its line and never runs. Most texts hold only plain `{{ name }}`
placeholders; those skip Jinja entirely, which keeps validating 10,000 entries fast.

Filling is bounded too: a 10 KB value used a thousand times would make 10 MB of text, so every
render path counts what it produces against a `Budget` and stops before going over it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from kbtool.problems import Level, RuleDoc

SIMPLE_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
ANY_TEMPLATE_SYNTAX = re.compile(r"\{[{%#]|[}%#]\}")
ALLOWED_FILTERS = frozenset({"default", "title", "upper", "lower", "trim", "capitalize"})
MAX_OUTPUT_CHARS = 100_000
# All the filled texts of one entry (a page, or its search hits) together: each text may be under
# MAX_OUTPUT_CHARS and still add up, since a 1 MiB file holds thousands of texts.
MAX_ENTRY_OUTPUT_CHARS = 1_000_000
MAX_TEMPLATE_CHARS = 50_000


# The rules a template can break, declared here where they are found; checks/templates.py reports them.
TEMPLATE_SYNTAX = RuleDoc(
    "template-syntax", Level.ERROR,
    "A {{ placeholder }} or {% if %} block is malformed: a brace missing or one too many, a blank's name "
    "written as two words, a condition without its {% endif %}. The braces would reach the customer as written.",
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
    "template-too-large", Level.ERROR,
    f"A template is longer than {MAX_TEMPLATE_CHARS:,} characters, or fills to more than {MAX_OUTPUT_CHARS:,} "
    f"(all of an entry's texts together: {MAX_ENTRY_OUTPUT_CHARS:,}) with kb.yaml's values and the examples. "
    "A long kb.yaml value used many times multiplies: pages, search hits and letters would be megabytes.",
    bad="# kb.yaml: terms: <a 10,000-character text>\nsay: \"{{ terms }} {{ terms }} ... (used 20 times)\"",
    good="# kb.yaml: terms_url: fernleaf-home.example/terms\nsay: \"Our terms are at {{ terms_url }}.\"",
)

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


@dataclass(frozen=True)
class ForeignPlaceholder:
    """Another tool's placeholder left in a text: kbtool would send it to the customer as written."""

    start: int  # offsets in the text
    end: int
    written: str  # as it appears: "#{ticket.customer.firstname}"
    name: str  # the name inside it: "ticket.customer.firstname"


# Placeholder styles of other tools that kbtool's templates leave as plain text: Zammad's and
# Ruby's #{...}, [[name]], %name% (three characters or more, so a URL's %E2%80 is not one), and
# {name} or ${name} (one brace: {{ }} is kbtool's own). Every repeat is bounded, so the search
# is linear in the text.
_FOREIGN_PLACEHOLDER = re.compile(
    r"#\{[ \t]{0,5}([^{}\n]{1,200}?)[ \t]{0,5}\}"
    r"|\[\[[ \t]{0,5}([A-Za-z_][A-Za-z0-9_. -]{0,80}?)[ \t]{0,5}\]\]"
    r"|(?<!\{)%([A-Za-z_][A-Za-z0-9_.]{2,80})%(?!\})"
    r"|(?:\$|(?<![{$]))\{[ \t]{0,5}([A-Za-z_][A-Za-z0-9_]{0,60}(?:\.[A-Za-z0-9_]{1,60}){0,8})[ \t]{0,5}\}(?!\})"
)


def foreign_placeholders(text: str) -> list[ForeignPlaceholder]:
    """Placeholders written in another tool's style (`#{ticket.customer.firstname}`, `[[name]]`,
    `%name%`, `{name}`), which kbtool never fills and would show the customer as written.

    kbtool's own `{{ name }}` is not one; `{{ ticket.requester.name }}` is refused by the
    template rules instead. Used by `kbtool validate` (the foreign-placeholder rule) and open to
    imports and `kbtool check`, so every path agrees on what counts.
    """
    if not any(mark in text for mark in ("{", "[[", "%")):
        return []
    return [ForeignPlaceholder(m.start(), m.end(), m.group(), next(g for g in m.groups() if g is not None))
            for m in _FOREIGN_PLACEHOLDER.finditer(text)]


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def analyse(text: str) -> tuple[list[Placeholder], list[TemplateIssue]]:
    """Placeholders a template uses, and anything in it that is not allowed."""
    if "{" not in text and "%}" not in text and "}}" not in text:
        return [], []
    if "{{{" in text or "}}}" in text:
        # `{{{ name }}}` holds a plain placeholder, so without this the extra braces would be
        # filled around the value and sent to the customer.
        return [], [_brace_too_many(text)]
    stripped = SIMPLE_PLACEHOLDER.sub("", text)
    if not ANY_TEMPLATE_SYNTAX.search(stripped):
        return [Placeholder(m.group(1), _line_of(text, m.start())) for m in SIMPLE_PLACEHOLDER.finditer(text)], []
    return _analyse_with_jinja(text)


def _environment() -> Any:
    # lazy: Jinja2 loads only for a text with more than plain {{ name }} blanks (and never for kbtool search)
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
    # lazy: Jinja2 loads only for a text that needs it
    from jinja2 import TemplateSyntaxError, nodes

    if len(text) > MAX_TEMPLATE_CHARS:
        return [], [TemplateIssue(1, TEMPLATE_TOO_LARGE.id, f"the text is {len(text):,} characters; "
                                  f"templates are limited to {MAX_TEMPLATE_CHARS:,}")]
    misnamed = _misnamed_blank(text)
    if misnamed is not None:
        return [], [misnamed]
    try:
        tree = environment().parse(text)
    except TemplateSyntaxError as exc:
        return [], [explain_syntax_error(text, exc.lineno or 1, str(exc.message or ""))]
    except RecursionError:
        return [], [TemplateIssue(1, TEMPLATE_FORBIDDEN.id, "the template nests too deeply")]
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
            issues.append(TemplateIssue(line, TEMPLATE_FORBIDDEN.id, "the template nests too deeply"))
            continue
        if not isinstance(node, allowed):
            dotted = _dotted_name(node)
            if dotted:
                issues.append(TemplateIssue(line, TEMPLATE_FORBIDDEN.id, f"{{{{ {dotted} }}}} is another tool's "
                                            "placeholder, not a kbtool blank: a blank is one name",
                                            FOREIGN_HINT, dotted))
                continue
            issues.append(_forbidden(node, line))
            continue
        if isinstance(node, nodes.TemplateData) and ("}}" in node.data or "%}" in node.data):
            stray = _stray_closing(text, line, node.data)
            if stray is not None:
                issues.append(stray)
        if isinstance(node, nodes.Name):
            if node.ctx != "load":
                issues.append(TemplateIssue(line, TEMPLATE_FORBIDDEN.id, "templates cannot assign values"))
                continue
            placeholders.append(Placeholder(node.name, line))
        elif isinstance(node, nodes.Filter):
            if node.name not in ALLOWED_FILTERS:
                issues.append(TemplateIssue(line, TEMPLATE_FORBIDDEN.id, f"the filter '{node.name}' is not allowed",
                                            f"allowed filters: {', '.join(sorted(ALLOWED_FILTERS))}", node.name))
                continue
            if node.kwargs or node.dyn_args or node.dyn_kwargs:
                issues.append(TemplateIssue(line, TEMPLATE_FORBIDDEN.id, "filters take plain text arguments only"))
                continue
        elif isinstance(node, nodes.Const):
            if not isinstance(node.value, (str, bool)) and node.value is not None:
                issues.append(TemplateIssue(line, TEMPLATE_FORBIDDEN.id,
                                            "numbers and arithmetic are not allowed in templates",
                                            "write the number as text outside the {{ }}"))
                continue
            if isinstance(node.value, str) and len(node.value) > 1000:
                issues.append(TemplateIssue(line, TEMPLATE_FORBIDDEN.id, "a text constant is too long"))
                continue
        elif isinstance(node, nodes.Operand) and node.op not in ("eq", "ne"):
            issues.append(TemplateIssue(line, TEMPLATE_FORBIDDEN.id, f"the comparison '{node.op}' is not allowed",
                                        "compare with == or != only"))
            continue
        elif isinstance(node, nodes.Test) and node.name not in ("defined", "undefined", "none"):
            issues.append(TemplateIssue(line, TEMPLATE_FORBIDDEN.id, f"the test '{node.name}' is not allowed"))
            continue
        for child in node.iter_child_nodes():
            stack.append((child, depth + 1))
    placeholders.sort(key=lambda p: p.line)
    issues.sort(key=lambda i: i.line)
    return placeholders, issues


SYNTAX_HINT = "blanks are written {{ name }}; conditions {% if name %}...{% endif %}"
NAME_HINT = "names use lower-case letters, digits and underscores"
# A blank written as words (`{{ new date }}`) or with hyphens (`{{ new-date }}`, which Jinja would
# read as a subtraction) instead of one name: the mentor meant the name with underscores.
_WORDS_BLANK = re.compile(r"\{\{[ \t]*([A-Za-z_][A-Za-z0-9_]*(?:(?:[ \t]+|[ \t]*-[ \t]*)[A-Za-z0-9_]+)+)[ \t]*\}\}")
_WORD_GAP = re.compile(r"[ \t]*-[ \t]*|[ \t]+")
_OPENING = re.compile(r"\{\{|\{%")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ONE_BRACE_SHORT = re.compile(r"\{\{[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}")
_OPENING_BRACE_SHORT = re.compile(r"(?<!\{)\{[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}")
_CONDITION_WORDS = ("if", "elif", "else", "endif")
# Words of the template language: a text using one of them is an expression, judged by Jinja.
_KEYWORDS = frozenset({"and", "or", "not", "in", "is", "if", "else", "elif", "endif", "true", "false", "none",
                       "True", "False", "None"})


def _issue_at(text: str, start: int, end: int, message: str, hint: str) -> TemplateIssue:
    """A template-syntax issue pointing at text[start:end] (its first line gives the column)."""
    shown = text[start:end].split("\n", 1)[0]
    return TemplateIssue(_line_of(text, start), TEMPLATE_SYNTAX.id, message, hint, shown)


def _misnamed_blank(text: str) -> TemplateIssue | None:
    """The first blank named with several words (`{{ new date }}`, `{{ new-date }}`), if any."""
    if "{{" not in text:
        return None
    for match in _WORDS_BLANK.finditer(text):
        words = _WORD_GAP.split(match.group(1))
        if _KEYWORDS.intersection(words):
            continue
        name = "_".join(words).lower()
        what = "'-'" if "-" in match.group(1) else "a space"
        return _issue_at(text, match.start(), match.end(),
                         f"a blank's name can't contain {what}: did you mean {{{{ {name} }}}}?",
                         f"write {{{{ {name} }}}} (and declare '{name}' if it is new); {NAME_HINT}")
    return None


def explain_syntax_error(text: str, line: int, jinja_message: str) -> TemplateIssue:
    """Jinja's syntax error in `text` as a mentor would say it, at the blank or condition it is about.

    The `{{ }}` blanks and `{% %}` conditions are read one by one to find the first that is not
    whole: a blank missing a brace or never closed, an empty one, a condition Jinja does not know
    or without its `{% endif %}`. What none of them explains keeps Jinja's words at Jinja's line.
    """
    found = _first_malformed(text, line)
    if found is not None:
        return found
    return TemplateIssue(line, TEMPLATE_SYNTAX.id, f"template syntax error: {jinja_message}", SYNTAX_HINT)


def _first_malformed(text: str, error_line: int) -> TemplateIssue | None:
    """The first blank or condition that is not whole. Jinja read every line before `error_line`
    without complaint, so pieces there are only checked for braces and if/endif pairs (string
    work), and asked of Jinja one by one only from that line on: a 50,000-character text of
    blanks costs milliseconds, not a parse per blank."""
    ifs: list[tuple[int, int]] = []  # where each open {% if %} starts and ends
    position = 0
    line = 1
    while (opening := _OPENING.search(text, position)) is not None:
        start = opening.start()
        line += text.count("\n", position, start)
        is_blank = opening.group() == "{{"
        following = _OPENING.search(text, start + 2)
        limit = following.start() if following is not None else len(text)
        close = text.find("}}" if is_blank else "%}", start + 2, limit)
        if close < 0:
            return _unclosed(text, start, limit, is_blank)
        end = close + 2
        inner = text[start + 2:close].strip()
        ask_jinja = line >= error_line
        issue = (_bad_blank(text, start, end, inner, ask_jinja) if is_blank
                 else _bad_condition(text, start, end, inner, ifs, ask_jinja))
        if issue is not None:
            return issue
        line += text.count("\n", start, end)
        position = end
    if ifs:
        start, end = ifs[-1]
        return _issue_at(text, start, end, f"{text[start:end]} has no {{% endif %}} after it",
                         "add {% endif %} where the text that depends on it ends")
    return None


def _unclosed(text: str, start: int, limit: int, is_blank: bool) -> TemplateIssue:
    if is_blank:
        short = _ONE_BRACE_SHORT.match(text, start, limit)
        if short is not None:
            return _issue_at(text, start, short.end(), f"the blank {short.group()} is missing a closing brace: "
                             f"write {{{{ {short.group(1)} }}}}", "a blank opens with {{ and closes with }}")
        name = _NAME.match(text[start + 2:limit].lstrip())
        return _issue_at(text, start, start + 2, "a blank opened with {{ is never closed: write "
                         f"{{{{ {name.group() if name else 'name'} }}}}", "a blank opens with {{ and closes with }}")
    line_end = text.find("\n", start, limit)
    end = line_end if line_end >= 0 else limit
    return _issue_at(text, start, end, f"the condition {text[start:end].rstrip()} is not closed with %}}",
                     "conditions are written {% if name %}...{% endif %}")


def _bad_blank(text: str, start: int, end: int, inner: str, ask_jinja: bool) -> TemplateIssue | None:
    written = text[start:end]
    if _NAME.fullmatch(inner) is not None and inner not in _KEYWORDS:
        return None
    if not inner:
        return _issue_at(text, start, end, "an empty blank {{ }}: write the blank's name between the braces",
                         "for example {{ customer_name }}")
    if inner.startswith("{") or inner.endswith("{"):
        name = _NAME.search(inner)
        return _issue_at(text, start, end, f"{written} has a brace too many: write "
                         f"{{{{ {name.group() if name else 'name'} }}}}", "a blank opens with {{ and closes with }}")
    if inner in _KEYWORDS:
        return _issue_at(text, start, end, f"'{inner}' can't be a blank's name: templates use it in conditions",
                         f"name the blank differently, such as {{{{ {inner.lower()}_value }}}}")
    if ask_jinja and not _parses(written):
        return _issue_at(text, start, end, f"{written} is not a blank: a blank is one name between the braces",
                         f"blanks are written {{{{ name }}}}; {NAME_HINT}")
    return None


def _bad_condition(text: str, start: int, end: int, inner: str, ifs: list[tuple[int, int]],
                   ask_jinja: bool) -> TemplateIssue | None:
    written = text[start:end]
    word_match = _NAME.match(inner.strip("-+ \t"))
    word = word_match.group() if word_match else ""
    if word in ("if", "elif") and ask_jinja:
        test = inner.strip("-+ \t")[len(word):]
        if not _parses("{% if" + test + " %}{% endif %}"):
            misnamed = _misnamed_blank("{{" + test + " }}")
            if misnamed is not None:
                return _issue_at(text, start, end, misnamed.message, misnamed.hint)
            return _issue_at(text, start, end, f"the condition {written} cannot be read",
                             "conditions are written {% if name %}, {% if name == 'text' %} or {% if not name %}")
    if word == "if":
        ifs.append((start, end))
        return None
    if word in ("elif", "else", "endif"):
        if not ifs:
            return _issue_at(text, start, end, f"{written} has no {{% if %}} before it",
                             "add the {% if name %} it belongs to, or remove it")
        if word == "endif":
            ifs.pop()
        return None
    if not ask_jinja or _parses(written) or _parses(f"{written}{{% end{word} %}}"):
        return None  # a construct Jinja knows (for, set...): the allowlist says whether it may be used
    if inner and not any(c.isspace() for c in inner) and ("." in inner or "," in inner):
        # Help Scout writes {%customer.firstName,fallback=there%}.
        return _issue_at(text, start, end, f"{written} is another tool's placeholder, not a kbtool blank",
                         FOREIGN_HINT)
    close = difflib.get_close_matches(word, _CONDITION_WORDS, n=1, cutoff=0.6)
    hint = f"did you mean {{% {close[0]} %}}?" if close else "conditions are written {% if name %}...{% endif %}"
    return _issue_at(text, start, end, f"{written} is not a condition templates know", hint)


def _parses(text: str) -> bool:
    # lazy: Jinja2 loads only for a text that needs it
    from jinja2 import TemplateSyntaxError

    try:
        environment().parse(text)
    except TemplateSyntaxError:
        return False
    except RecursionError:
        return True  # too deep to read here; the allowlist reports that
    return True


def _brace_too_many(text: str) -> TemplateIssue:
    """The blank around the first `{{{` or `}}}` of `text`, said plainly."""
    found = [i for i in (text.find("{{{"), text.find("}}}")) if i >= 0]
    at = min(found)
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    line_end = len(text) if line_end < 0 else line_end
    if text.startswith("{{{", at):
        start = at
        close = text.find("}}", at + 3, line_end)
        end = close + 2 if close >= 0 else at + 3
    else:
        opening = text.rfind("{{", line_start, at)
        start = opening if opening >= 0 else at
        end = at + 3
    while start > line_start and text[start - 1] == "{":
        start -= 1
    while end < line_end and text[end] == "}":
        end += 1
    name = _NAME.search(text, start, line_end)
    return _issue_at(text, start, end, f"{text[start:end]} has a brace too many: write "
                     f"{{{{ {name.group() if name else 'name'} }}}}", "a blank opens with {{ and closes with }}")


def _stray_closing(text: str, node_line: int, data: str) -> TemplateIssue | None:
    """A `}}` or `%}` in plain text: the blank or condition lost its opening brace, and the
    braces would reach the customer as written."""
    at = min((i for i in (data.find("}}"), data.find("%}")) if i >= 0), default=-1)
    if at < 0:
        return None
    line = node_line + data.count("\n", 0, at)
    short = None
    for match in _OPENING_BRACE_SHORT.finditer(data):
        if match.end() - 2 == at:
            short = match
            break
    if short is not None:
        return TemplateIssue(line, TEMPLATE_SYNTAX.id, f"the blank {short.group()} is missing an opening brace: "
                             f"write {{{{ {short.group(1)} }}}}", "a blank opens with {{ and closes with }}",
                             short.group())
    closer = data[at:at + 2]
    opener = "{{" if closer == "}}" else "{%"
    return TemplateIssue(line, TEMPLATE_SYNTAX.id, f"{closer} without its {opener}: the braces would be shown as "
                         "written", f"open it with {opener}, or remove {closer}", closer)


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


FOREIGN_HINT = ("use kbtool's blank for it, such as {{ customer_name }}, or declare one in the entry's "
                "variables (lower-case letters, digits and underscores)")


def _dotted_name(node: Any) -> str:
    """`ticket.requester.name` for a chain of attribute look-ups on a name (a help desk's
    placeholder), else ""."""
    # lazy: Jinja2 loads only for a text that needs it
    from jinja2 import nodes

    parts: list[str] = []
    while isinstance(node, nodes.Getattr):
        parts.append(node.attr)
        node = node.node
    if not parts or not isinstance(node, nodes.Name):
        return ""
    return ".".join([node.name, *reversed(parts)])


def _forbidden(node: Any, line: int) -> TemplateIssue:
    name = type(node).__name__
    what = _NODE_WORDS.get(name, f"'{name}' constructs")
    return TemplateIssue(line, TEMPLATE_FORBIDDEN.id, f"{what} are not allowed in templates",
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
    # lazy: Jinja2 loads only for a text that needs it
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
