"""The mentors' guide: how to change content, and a format and rule reference generated from the
code that enforces them, so the guide cannot drift from the validator."""

from __future__ import annotations

from kbtool.checks import all_rules
from kbtool.format.common import KB_CONFIG
from kbtool.format.kinds import ENTRY_TYPES, REGISTRY
from kbtool.format.types import Bool, Field, ListOf, MapOf, Obj, OneOf, Text, Type
from kbtool.model import KbConfig
from kbtool.site.escaping import heading

WORKFLOW = """\
## Changing the knowledge base

1. Create a branch, then start a new entry from a skeleton that already validates:
   `kbtool new phrases refund-wording --title "Refund wording"` (kinds: standard, script, letter, phrases).
   It is written as a draft, owned by you (from `git config user.name`), with a review date ahead.
2. Edit the YAML. Editors with the YAML language server (VS Code's YAML extension, for example)
   read the `# yaml-language-server: $schema=...` first line and complete and check fields as you type.
3. Run `kbtool validate`. Every problem names the file, line and column, the rule id and a hint.
   `--strict` also fails on warnings, as CI does.
4. Run `kbtool diff` and paste its summary into the pull-request description: reviewers see which
   phrases, rules and steps changed, with the old and new wording.
5. Set `status: approved` once a second mentor has reviewed it. `status: retired` takes an entry
   off the site and out of search without deleting its history.

`kbtool report` lists reviews due by owner, drafts and coverage gaps for the weekly review.
"""


def esc(text: str) -> str:
    """Contributor text (kb.yaml's style rules and situations) for a Markdown table cell: inert."""
    return str(heading(text))


def _type_words(t: Type) -> str:
    if isinstance(t, Text):
        if t.enum:
            return "one of " + ", ".join(f"`{v}`" for v in t.enum)
        if t.vocabulary:
            return f"a {t.vocabulary} from the vocabulary"
        if t.date:
            return "date `YYYY-MM-DD`"
        if t.pattern and "a-z0-9" in t.pattern:
            return "id (slug)"
        return "text with {{ placeholders }}" if t.template else "text"
    if isinstance(t, Bool):
        return "`true` or `false`"
    if isinstance(t, ListOf):
        inner = _type_words(t.item)
        return f"list of {inner}" + (" (at least one)" if t.min_items else "")
    if isinstance(t, MapOf):
        return f"mapping of name → {_type_words(t.value)}"
    if isinstance(t, OneOf):
        return " or ".join(_type_words(o) for o in t.options)
    return f"{t.name} (see below)"


def _field_table(fields: tuple[Field, ...]) -> list[str]:
    lines = ["| Field | Required | Type | Meaning |", "|---|---|---|---|"]
    for f in fields:
        meaning = f.description or getattr(f.type, "description", "")
        lines.append(f"| `{f.name}` | {'yes' if f.required else ''} | {_type_words(f.type)} | {meaning} |")
    return lines


def _nested(t: Type, seen: dict[str, Obj]) -> None:
    if isinstance(t, Obj):
        if t.name not in seen:
            seen[t.name] = t
            for f in t.fields:
                _nested(f.type, seen)
    elif isinstance(t, ListOf):
        _nested(t.item, seen)
    elif isinstance(t, MapOf):
        _nested(t.value, seen)


def format_reference() -> str:
    lines = ["## Format reference (v1)", "",
             "Every `*.yaml` file under `standards/` and `scripts_library/` holds one entry. "
             "Values are read as the text you wrote: `no`, `012` and `2027-01-01` stay text.", ""]
    for kind, obj in ENTRY_TYPES.items():
        lines += [f"### `kind: {kind}`", "", *_field_table(obj.fields), ""]
        if REGISTRY[kind].requires_situation:
            lines += ["`situation` is required for this kind.", ""]
        nested: dict[str, Obj] = {}
        for f in obj.fields:
            _nested(f.type, nested)
        for name, sub in nested.items():
            lines += [f"#### {kind}: each {name}", "", *_field_table(sub.fields), ""]
    lines += ["### `kb.yaml`", "", *_field_table(KB_CONFIG.fields), ""]
    return "\n".join(lines)


def rules_reference() -> str:
    lines = ["## Rules", "", "Errors fail `kbtool validate`; warnings fail it only with `--strict`.", "",
             "A team sets its own level for any rule in kb.yaml, as `off`, `warning` or `error`:", "",
             "```yaml", "rules:", "  style-phrase: off      # we write our own style guide", "  stale-review: error    # "
             "a late review blocks the build", "```", "",
             "Format errors (the rules whose default is error in the first group below) can be raised but not "
             "lowered: kbtool cannot build a page from a file it cannot read.", ""]
    for rule in all_rules():
        lines += [f"### `{rule.id}` ({rule.level.value})", "", rule.summary, ""]
        if rule.bad:
            lines += ["Reported:", "", "```yaml", rule.bad, "```", ""]
        if rule.good:
            lines += ["Fixed:", "", "```yaml", rule.good, "```", ""]
    return "\n".join(lines)


def style_reference(config: KbConfig) -> str:
    lines = ["## Style rules", "",
             "Checked in what customers hear or read (`say`, `do` examples, letter subject and body), "
             "never in `avoid` and `dont` texts. Every `avoid` phrasing in a phrase set is also checked "
             "against all scripts, letters, phrases and `do` examples.", "",
             "| Wording to avoid | Why |", "|---|---|"]
    lines += [f"| {esc(r.text)} | {esc(r.why)} |" for r in config.style_phrases]
    lines += ["", "Over-promising words flagged in letters:", "", "| Word | Why |", "|---|---|"]
    lines += [f"| {esc(r.text)} | {esc(r.why)} |" for r in config.letter_words]
    lines += ["", "## Situations", "", "| Situation | Meaning |", "|---|---|"]
    lines += [f"| `{esc(k)}` | {esc(v)} |" for k, v in config.situations.items()]
    return "\n".join(lines) + "\n"


def mentors_guide_markdown(config: KbConfig) -> str:
    """The whole mentors' guide page as Markdown."""
    return "\n".join(["# Mentors' guide", "", WORKFLOW, format_reference(), style_reference(config),
                      rules_reference()])
