"""Content format v1 declared once as data: it drives type checking, the JSON Schema and the docs.

`convert()` walks a node tree against a declared type and returns plain Python values plus the
position of every value, reporting each mismatch as a Problem instead of raising.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from kbtool.problems import Level, Problem
from kbtool.source.loader import Mapping, Node, Scalar, Sequence

SLUG = r"^[a-z0-9][a-z0-9-]*$"
VARIABLE_NAME = r"^[a-z_][a-z0-9_]*$"
KINDS = ("standard", "script", "letter", "phrases")
STATUSES = ("draft", "approved", "retired")
CHANNELS = ("phone", "email", "chat", "in_person", "social", "sms", "letter")
BUILTIN_SITUATIONS: dict[str, str] = {
    "greeting": "Opening a conversation on any channel.",
    "complaint": "A customer is unhappy and tells us so.",
    "delivery-delay": "An order is late or will be late.",
    "follow-up": "Keeping the customer informed until the case is closed.",
    "pricing": "Prices, promotions and price mismatches.",
    "apology": "Saying sorry for something we got wrong.",
    "escalation": "Passing a case to someone with more authority or expertise.",
    "closing": "Ending a conversation well.",
    "feedback": "Asking for, receiving and acting on feedback.",
    "refund": "Returning a customer's money.",
}
# Placeholders every template may use without declaring them.
BUILTIN_VARIABLES: dict[str, str] = {
    "customer_name": "The customer's name, as they gave it.",
    "agent_name": "Your own first name.",
}
BUILTIN_VARIABLE_EXAMPLES = {"customer_name": "Ms Patel", "agent_name": "Sam"}

MISSING: Any = object()


@dataclass(frozen=True)
class Text:
    """A string. `template` marks fields shown to staff that may hold {{ placeholders }}."""

    description: str = ""
    pattern: str | None = None
    pattern_rule: str = "invalid-value"
    pattern_hint: str = ""
    enum: tuple[str, ...] | None = None
    vocabulary: str | None = None  # named vocabulary resolved at run time (kb.yaml extends it)
    date: bool = False
    template: bool = False
    one_line: bool = False


@dataclass(frozen=True)
class Bool:
    description: str = ""


@dataclass(frozen=True)
class ListOf:
    item: Type
    description: str = ""
    min_items: int = 0


@dataclass(frozen=True)
class Field:
    name: str
    type: Type
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Obj:
    name: str
    fields: tuple[Field, ...]
    description: str = ""

    def field_map(self) -> dict[str, Field]:
        cached = _FIELD_MAPS.get(id(self))
        if cached is None:
            cached = _FIELD_MAPS[id(self)] = {f.name: f for f in self.fields}
        return cached


_FIELD_MAPS: dict[int, dict[str, Field]] = {}


@dataclass(frozen=True)
class MapOf:
    value: Type
    key_pattern: str = VARIABLE_NAME
    key_hint: str = ""
    description: str = ""


@dataclass(frozen=True)
class OneOf:
    """A scalar string or an object (kb.yaml situations may be a description or more)."""

    options: tuple[Type, ...]
    description: str = ""


Type = Text | Bool | ListOf | Obj | MapOf | OneOf

_SLUG_HINT = "use lower-case letters, digits and hyphens, starting with a letter or digit"


def slug(description: str) -> Text:
    return Text(description, pattern=SLUG, pattern_rule="invalid-slug", pattern_hint=_SLUG_HINT)


def template(description: str, one_line: bool = False) -> Text:
    return Text(description, template=True, one_line=one_line)


STRINGS = ListOf(Text())
TEMPLATES = ListOf(template(""))

COMMON_FIELDS = (
    Field("kind", Text(enum=KINDS), True, "What the entry is: standard, script, letter or phrases."),
    Field("id", slug(""), True, "Unique id across the knowledge base; also the page address."),
    Field("title", Text(one_line=True), True, "The title shown to staff."),
    Field("summary", Text(one_line=True), False, "One line saying what the entry is for."),
    Field("owner", Text(one_line=True), True, "The person who maintains the entry."),
    Field("status", Text(enum=STATUSES), True, "draft, approved or retired (retired entries are not published)."),
    Field("review_by", Text(date=True), True, "The date by which the owner reviews the entry (YYYY-MM-DD)."),
    Field("channels", ListOf(Text(enum=CHANNELS), min_items=1), True, "Where the entry applies."),
    Field("situation", Text(vocabulary="situation"), False, "The situation from the vocabulary."),
    Field("tags", ListOf(Text(one_line=True)), False, "Free-form tags for the site's tag index."),
    Field("related", ListOf(slug("")), False, "Ids of related entries."),
)

RULE = Obj("rule", (
    Field("id", slug(""), True, "Rule id, unique within the standard."),
    Field("text", template("The rule, as an instruction."), True),
    Field("why", Text(), False, "Why the rule exists."),
    Field("do", TEMPLATES, False, "Examples of doing it right."),
    Field("dont", TEMPLATES, False, "Examples of getting it wrong."),
))
TARGET = Obj("target", (
    Field("metric", Text(one_line=True), True, "What is measured, such as 'First response'."),
    Field("channel", Text(enum=CHANNELS), False, "The channel the target applies to."),
    Field("within", Text(one_line=True), True, "The service level, such as '4h' or '3 rings'."),
))
OPTION = Obj("option", (
    Field("when", Text(one_line=True), True, "The customer's answer or the situation that takes this branch."),
    Field("next", slug(""), True, "The step this branch leads to."),
))
STEP = Obj("step", (
    Field("id", slug(""), True, "Step id, unique within the script."),
    Field("say", template("What to say."), True),
    Field("note", template("Guidance for the agent, not said aloud."), False),
    Field("next", slug(""), False, "The step that follows (default: the next one listed)."),
    Field("options", ListOf(OPTION, min_items=1), False, "Branches: where the call goes depending on the answer."),
    Field("end", Bool("The call ends after this step."), False),
))
VARIABLE = Obj("variable", (
    Field("description", Text(one_line=True), True, "What the value is, for whoever fills it in."),
    Field("example", Text(), True, "An example value, used for the filled-in preview."),
    Field("required", Bool(), False, "Whether a value must be given (default true)."),
))
PHRASE = Obj("phrase", (
    Field("id", slug(""), True, "Phrase id, unique within the set."),
    Field("say", template("The sentence to say or write."), True),
    Field("avoid", TEMPLATES, False, "What people say instead that goes wrong."),
    Field("why", Text(), False, "Why this wording works."),
))

KIND_FIELDS: dict[str, tuple[Field, ...]] = {
    "standard": (
        Field("rules", ListOf(RULE, min_items=1), True, "The rules of the standard."),
        Field("targets", ListOf(TARGET), False, "Measurable service levels."),
        Field("procedure", ListOf(template(""), min_items=1), False, "Ordered steps of the process."),
    ),
    "script": (Field("steps", ListOf(STEP, min_items=1), True, "The steps of the script, in order."),),
    "letter": (
        Field("subject", template("Subject line.", one_line=True), True),
        Field("body", template("The letter body."), True),
        Field("variables", MapOf(VARIABLE, key_hint="use lower_case_with_underscores"), True,
              "The letter's own placeholders."),
    ),
    "phrases": (Field("phrases", ListOf(PHRASE, min_items=1), True, "The phrases."),),
}

ENTRY_TYPES: dict[str, Obj] = {
    kind: Obj(kind, COMMON_FIELDS + extra) for kind, extra in KIND_FIELDS.items()
}
# Used when `kind` is missing or wrong: common fields are still checked, other keys are not.
COMMON_ENTRY = Obj("entry", COMMON_FIELDS)

STYLE_RULE = Obj("style rule", (
    Field("text", Text(one_line=True), True, "The wording to flag (case-insensitive)."),
    Field("why", Text(), False, "Why it is flagged; shown as the hint."),
))
KB_CONFIG = Obj("kb.yaml", (
    Field("name", Text(one_line=True), False, "The knowledge base's name, used as the site title."),
    Field("site_url", Text(one_line=True), False, "The published site's address, for links from search."),
    Field("variables", MapOf(Text(), key_hint="use lower_case_with_underscores"), False,
          "Organisation-wide placeholder values, such as company_name and support_phone."),
    Field("situations", MapOf(Text(one_line=True), key_pattern=SLUG, key_hint=_SLUG_HINT), False,
          "Situations added to the built-in vocabulary, each with a description."),
    Field("synonyms", ListOf(ListOf(Text(one_line=True), min_items=2)), False,
          "Groups of words that search treats as the same."),
    Field("style", Obj("style", (
        Field("builtin", Bool(), False, "Keep the built-in style rules (default true)."),
        Field("phrases", ListOf(STYLE_RULE), False, "Wording to flag in any staff-facing text."),
        Field("letter_words", ListOf(STYLE_RULE), False, "Over-promising words to flag in letters."),
    )), False, "Style rules reported as warnings."),
    Field("start_here", ListOf(slug("")), False, "Reading order for new hires (entry ids)."),
    Field("review_period_days", Text(pattern=r"^[1-9][0-9]{0,3}$", pattern_hint="a whole number of days"),
          False, "How far ahead `kbtool new` sets review_by."),
    Field("search", Obj("search", (
        Field("log_misses", Bool(), False, "Log searches that found nothing (default true)."),
    )), False, "Search settings."),
))


@dataclass
class Conversion:
    """Collects the problems found while converting one file (positions come from its nodes)."""

    path: str
    vocabularies: dict[str, tuple[str, ...]]
    problems: list[Problem] = field(default_factory=list)

    def report(self, node: Node | Scalar, rule: str, message: str, hint: str = "",
               level: Level = Level.ERROR) -> None:
        self.problems.append(Problem(self.path, node.line, node.column, level, rule, message, hint))


def did_you_mean(value: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _describe(node: Node) -> str:
    if type(node) is Mapping:
        return "a mapping"
    if type(node) is Sequence:
        return "a list"
    return "a value"


def _type_name(t: Type) -> str:
    if isinstance(t, Text):
        return "text"
    if isinstance(t, Bool):
        return "true or false"
    if isinstance(t, ListOf):
        return "a list"
    if isinstance(t, OneOf):
        return " or ".join(_type_name(o) for o in t.options)
    return "a mapping"


def label_of(ptr: tuple[Any, ...]) -> str:
    """A readable name for a value's place: ('steps', 2, 'say') -> 'steps[3].say'."""
    out = ""
    for part in ptr:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        elif part != "#key":
            out += f".{part}" if out else str(part)
    return out


def convert(node: Node, t: Type, conv: Conversion, ptr: tuple[Any, ...], label: str = "") -> Any:
    """Convert `node` to a Python value of type `t`; MISSING when it cannot be used.

    `label` is computed from `ptr` only when a problem is reported: this runs for every value
    of every file, so the happy path does as little as possible.
    """
    return _CONVERTERS[type(t)](node, t, conv, ptr)


def _convert_bool(node: Node, t: Bool, conv: Conversion, ptr: tuple[Any, ...]) -> Any:
    if type(node) is Scalar and node.style is None and node.value in ("true", "false", "True", "False"):
        return node.value in ("true", "True")
    conv.report(node, "wrong-type", f"'{label_of(ptr)}' must be true or false", "write true or false (without quotes)")
    return MISSING


def _convert_list(node: Node, t: ListOf, conv: Conversion, ptr: tuple[Any, ...]) -> Any:
    if type(node) is not Sequence:
        hint = f"write it as a list: [{node.value}]" if type(node) is Scalar and node.value else \
            "write it as a list, one '- item' per line"
        conv.report(node, "wrong-type", f"'{label_of(ptr)}' must be a list, found {_describe(node)}", hint)
        return MISSING
    if len(node.items) < t.min_items:
        conv.report(node, "required-field", f"'{label_of(ptr)}' must not be empty", "add at least one item")
    out = []
    item_type = t.item
    convert_item = _CONVERTERS[type(item_type)]
    for index, item in enumerate(node.items):
        value = convert_item(item, item_type, conv, ptr + (index,))
        if value is not MISSING:
            out.append(value)
    return out


def _convert_map(node: Node, t: MapOf, conv: Conversion, ptr: tuple[Any, ...]) -> Any:
    if type(node) is not Mapping:
        conv.report(node, "wrong-type", f"'{label_of(ptr)}' must be a mapping of name: value, found {_describe(node)}")
        return MISSING
    result = {}
    for key, (key_node, value_node) in node.items.items():
        if not re.match(t.key_pattern, key):
            conv.report(key_node, "invalid-name", f"'{key}' is not a valid name in '{label_of(ptr)}'", t.key_hint)
            continue
        value = convert(value_node, t.value, conv, ptr + (key,))
        if value is not MISSING:
            result[key] = value
    return result


def _convert_one_of(node: Node, t: OneOf, conv: Conversion, ptr: tuple[Any, ...]) -> Any:
    for option in t.options:
        if isinstance(option, Text) and type(node) is Scalar:
            return convert(node, option, conv, ptr)
        if isinstance(option, Obj) and type(node) is Mapping:
            return convert(node, option, conv, ptr)
    conv.report(node, "wrong-type", f"'{label_of(ptr)}' must be {_type_name(t)}")
    return MISSING


def convert_object(node: Node, t: Obj, conv: Conversion, ptr: tuple[Any, ...], label: str = "",
                   check_unknown: bool = True) -> Any:
    if type(node) is not Mapping:
        conv.report(node, "wrong-type", f"'{label_of(ptr) or t.name}' must be a mapping of fields, "
                    f"found {_describe(node)}", "write 'field: value' lines indented under it")
        return MISSING
    fields = t.field_map()
    result: dict[str, Any] = {}
    unknown: list[str] = []
    for key, (key_node, value_node) in node.items.items():
        spec = fields.get(key)
        if spec is None:
            unknown.append(key)
            if check_unknown:
                conv.report(key_node, "unknown-field", f"unknown field '{key}' in {t.name}",
                            did_you_mean(key, list(fields)) or f"allowed fields: {', '.join(fields)}")
            continue
        value_ptr = ptr + (key,)
        if type(value_node) is Scalar and value_node.value is None:
            if spec.required:
                conv.report(value_node, "required-field", f"'{label_of(value_ptr)}' is empty",
                            f"give {t.name} a {key}: {spec.description}".rstrip(": "))
            continue
        value = _CONVERTERS[type(spec.type)](value_node, spec.type, conv, value_ptr)
        if value is not MISSING:
            result[key] = value
    if len(result) + len(unknown) < len(fields):
        for spec in t.fields:
            if not spec.required or spec.name in node.items:
                continue
            # A misspelt required field is reported once, as the unknown field with its suggestion.
            if check_unknown and unknown and difflib.get_close_matches(spec.name, unknown, n=1, cutoff=0.6):
                continue
            conv.report(node, "required-field", f"{t.name} is missing the required field '{spec.name}'",
                        f"add '{spec.name}:' ({spec.description})" if spec.description else f"add '{spec.name}:'")
    return result


def _convert_obj(node: Node, t: Obj, conv: Conversion, ptr: tuple[Any, ...]) -> Any:
    return convert_object(node, t, conv, ptr)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _convert_text(node: Node, t: Text, conv: Conversion, ptr: tuple[Any, ...]) -> Any:
    if type(node) is not Scalar:
        conv.report(node, "wrong-type", f"'{label_of(ptr)}' must be text, found {_describe(node)}",
                    'if the text contains ": " or starts with "[" or "{", put it in double quotes')
        return MISSING
    value = node.value
    if value is None:
        conv.report(node, "required-field", f"'{label_of(ptr)}' is empty")
        return MISSING
    if t.one_line and "\n" in value.strip():
        conv.report(node, "wrong-type", f"'{label_of(ptr)}' must be a single line")
        return MISSING
    if t.enum is not None or t.vocabulary is not None:
        choices = t.enum if t.enum is not None else conv.vocabularies.get(t.vocabulary, ())  # type: ignore[arg-type]
        if value not in choices:
            hint = did_you_mean(value, choices) or f"allowed values: {', '.join(choices)}"
            if t.vocabulary:
                hint += f" (add new {t.vocabulary}s under '{t.vocabulary}s:' in kb.yaml)"
            name = next((p for p in reversed(ptr) if isinstance(p, str)), "value")
            conv.report(node, "unknown-value", f"'{value}' is not a valid {name}", hint)
            return MISSING
    if t.pattern is not None and not re.match(t.pattern, value):
        conv.report(node, t.pattern_rule, f"'{value}' is not a valid {label_of(ptr)}", t.pattern_hint)
        return MISSING
    if t.date:
        try:
            if not _DATE.match(value):
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            conv.report(node, "invalid-date", f"'{value}' is not a date", "write the date as YYYY-MM-DD")
            return MISSING
    return value


_CONVERTERS: dict[type, Any] = {
    Text: _convert_text, Bool: _convert_bool, ListOf: _convert_list, MapOf: _convert_map, OneOf: _convert_one_of,
    Obj: _convert_obj,
}


# ---- JSON Schema -------------------------------------------------------------------------


def json_schema_of(t: Type, vocabularies: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    if isinstance(t, Text):
        out: dict[str, Any] = {"type": "string"}
        if t.description:
            out["description"] = t.description
        choices = t.enum or (vocabularies.get(t.vocabulary) if t.vocabulary else None)
        if choices:
            out["enum"] = list(choices)
        if t.pattern:
            out["pattern"] = t.pattern
        if t.date:
            out["format"] = "date"
            out["pattern"] = r"^\d{4}-\d{2}-\d{2}$"
        return out
    if isinstance(t, Bool):
        return {"type": "boolean", **({"description": t.description} if t.description else {})}
    if isinstance(t, ListOf):
        out = {"type": "array", "items": json_schema_of(t.item, vocabularies)}
        if t.min_items:
            out["minItems"] = t.min_items
        return out
    if isinstance(t, MapOf):
        return {"type": "object", "propertyNames": {"pattern": t.key_pattern},
                "additionalProperties": json_schema_of(t.value, vocabularies)}
    if isinstance(t, OneOf):
        return {"anyOf": [json_schema_of(o, vocabularies) for o in t.options]}
    props = {}
    for f in t.fields:
        prop = json_schema_of(f.type, vocabularies)
        if f.description:
            prop["description"] = f.description
        props[f.name] = prop
    out = {"type": "object", "properties": props, "additionalProperties": False}
    required = [f.name for f in t.fields if f.required]
    if required:
        out["required"] = required
    return out


def entry_json_schema(situations: tuple[str, ...]) -> dict[str, Any]:
    """The JSON Schema of one entry file, for editors (yaml-language-server) and other tools."""
    vocab = {"situation": situations}
    branches = []
    for kind, obj in ENTRY_TYPES.items():
        sub = json_schema_of(obj, vocab)
        sub["properties"]["kind"] = {"const": kind, "description": "What the entry is."}
        if kind != "standard":
            sub["required"] = [*sub["required"], "situation"]
        branches.append({"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                         "then": sub})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://kbtool.example/schema/entry-v1.json",
        "title": "kbtool entry (format v1)",
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": list(KINDS)}},
        "allOf": branches,
    }


def kb_json_schema() -> dict[str, Any]:
    schema = json_schema_of(KB_CONFIG, {})
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "kbtool kb.yaml (format v1)"
    return schema
