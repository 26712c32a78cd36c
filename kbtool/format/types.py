"""The format's type language (Text, ListOf, Obj...) and the converter that checks a node tree against it.

`convert()` walks a node tree against a declared type and returns plain Python values plus the
position of every value, reporting each mismatch as a Problem instead of raising.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from kbtool.format.vocab import SLUG, VARIABLE_NAME
from kbtool.problems import Level, Problem
from kbtool.reading.loader import Mapping, Node, Scalar, Sequence
from kbtool.reading.rules import (
    INVALID_DATE,
    INVALID_NAME,
    INVALID_SLUG,
    INVALID_VALUE,
    REQUIRED_FIELD,
    UNKNOWN_FIELD,
    UNKNOWN_VALUE,
    WRONG_TYPE,
)

MISSING: Any = object()


@dataclass(frozen=True)
class Text:
    """A string. `template` marks fields shown to staff that may hold {{ placeholders }}."""

    description: str = ""
    pattern: str | None = None
    pattern_rule: str = INVALID_VALUE.id
    pattern_hint: str = ""
    enum: tuple[str, ...] | None = None
    vocabulary: str | None = None  # named vocabulary resolved at run time (kb.yaml extends it)
    date: bool = False
    template: bool = False
    one_line: bool = False
    # A whole number written plainly (180, not "180"): YAML tools and the JSON Schema see an integer.
    integer: bool = False


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
    key_vocabulary: str | None = None  # keys must come from this named vocabulary (rule ids, say)


@dataclass(frozen=True)
class OneOf:
    """A scalar string or an object (kb.yaml situations may be a description or more)."""

    options: tuple[Type, ...]
    description: str = ""


Type = Text | Bool | ListOf | Obj | MapOf | OneOf

_SLUG_HINT = "use lower-case letters, digits and hyphens, starting with a letter or digit"


def slug(description: str) -> Text:
    return Text(description, pattern=SLUG, pattern_rule=INVALID_SLUG.id, pattern_hint=_SLUG_HINT)


def template(description: str, one_line: bool = False) -> Text:
    return Text(description, template=True, one_line=one_line)


@dataclass
class Conversion:
    """Collects the problems found while converting one file (positions come from its nodes)."""

    path: str
    vocabularies: dict[str, tuple[str, ...]]
    problems: list[Problem] = field(default_factory=list)

    def report(self, node: Node | Scalar, rule: str, message: str, hint: str = "",
               level: Level = Level.ERROR) -> None:
        self.problems.append(Problem(self.path, node.line, node.column, level, rule, message, hint))


def closest(value: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """The choice `value` is probably a misspelling of, or None.

    difflib's ratio misses two swapped letters in a short name (`di` for `id`: 0.5), so a
    choice that is `value` with one pair of neighbours swapped counts too.
    """
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    if close:
        return close[0]
    for choice in choices:
        if len(choice) == len(value) > 1 and sorted(choice) == sorted(value):
            differ = [i for i, (a, b) in enumerate(zip(value, choice, strict=True)) if a != b]
            if len(differ) == 2 and differ[1] == differ[0] + 1:
                return choice
    return None


def did_you_mean(value: str, choices: tuple[str, ...] | list[str]) -> str:
    close = closest(value, choices)
    return f"did you mean '{close}'?" if close else ""


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
    conv.report(node, WRONG_TYPE.id, f"'{label_of(ptr)}' must be true or false", "write true or false (without quotes)")
    return MISSING


def _convert_list(node: Node, t: ListOf, conv: Conversion, ptr: tuple[Any, ...]) -> Any:
    if type(node) is not Sequence:
        hint = f"write it as a list: [{node.value}]" if type(node) is Scalar and node.value else \
            "write it as a list, one '- item' per line"
        conv.report(node, WRONG_TYPE.id, f"'{label_of(ptr)}' must be a list, found {_describe(node)}", hint)
        return MISSING
    if len(node.items) < t.min_items:
        conv.report(node, REQUIRED_FIELD.id, f"'{label_of(ptr)}' must not be empty", "add at least one item")
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
        conv.report(node, WRONG_TYPE.id, f"'{label_of(ptr)}' must be a mapping of name: value, found {_describe(node)}")
        return MISSING
    result = {}
    for key, (key_node, value_node) in node.items.items():
        if not re.fullmatch(t.key_pattern, key):
            conv.report(key_node, INVALID_NAME.id, f"'{key}' is not a valid name in '{label_of(ptr)}'", t.key_hint)
            continue
        if t.key_vocabulary is not None:
            choices = conv.vocabularies.get(t.key_vocabulary, ())
            if key not in choices:
                conv.report(key_node, UNKNOWN_VALUE.id, f"'{key}' is not a known {t.key_vocabulary}",
                            did_you_mean(key, choices) or f"see the {t.key_vocabulary}s in the mentors' guide")
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
    conv.report(node, WRONG_TYPE.id, f"'{label_of(ptr)}' must be {_type_name(t)}")
    return MISSING


def convert_object(node: Node, t: Obj, conv: Conversion, ptr: tuple[Any, ...], label: str = "",
                   check_unknown: bool = True) -> Any:
    if type(node) is not Mapping:
        conv.report(node, WRONG_TYPE.id, f"'{label_of(ptr) or t.name}' must be a mapping of fields, "
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
                conv.report(key_node, UNKNOWN_FIELD.id, f"unknown field '{key}' in {t.name}",
                            did_you_mean(key, list(fields)) or f"allowed fields: {', '.join(fields)}")
            continue
        value_ptr = ptr + (key,)
        if type(value_node) is Scalar and value_node.value is None:
            if spec.required:
                conv.report(value_node, REQUIRED_FIELD.id, f"'{label_of(value_ptr)}' is empty",
                            f"give {t.name} a {key}: {spec.description}".rstrip(": "))
                _stand_in_empty(spec, result)
            continue
        value = _CONVERTERS[type(spec.type)](value_node, spec.type, conv, value_ptr)
        if value is not MISSING:
            result[key] = value
    if check_unknown and unknown:
        _stand_in_misspelt(node, t, conv, ptr, unknown, result)
    if len(node.items) - len(unknown) < len(fields):
        for spec in t.fields:
            if not spec.required or spec.name in node.items or spec.name in result:
                continue
            # A misspelt required field is reported once, as the unknown field with its suggestion.
            if check_unknown and unknown and closest(spec.name, unknown):
                continue
            conv.report(node, REQUIRED_FIELD.id, f"{t.name} is missing the required field '{spec.name}'",
                        f"add '{spec.name}:' ({spec.description})" if spec.description else f"add '{spec.name}:'")
            _stand_in_empty(spec, result)
    return result


# Stand-ins: the value a field has for the checks that follow when its own problem is already
# reported. A step whose `say` is misspelt or missing is still a step: without a stand-in the
# kind drops it, and every `next` pointing at it becomes a second, wrong problem.


def _stand_in_misspelt(node: Mapping, t: Obj, conv: Conversion, ptr: tuple[Any, ...], unknown: list[str],
                       result: dict[str, Any]) -> None:
    """Read a misspelt key's value as the field its unknown-field hint names (`says:` as `say:`).

    Only a value that converts cleanly stands in, and its problems are not reported: the
    unknown-field error is the one problem, and the rest of the entry is checked as meant.
    """
    fields = t.field_map()
    for key in unknown:
        close = closest(key, list(fields))
        if close is None or close in node.items or close in result:
            continue
        spec = fields[close]
        value_node = node.items[key][1]
        if type(value_node) is Scalar and value_node.value is None:
            continue
        trial = Conversion(conv.path, conv.vocabularies)
        value = _CONVERTERS[type(spec.type)](value_node, spec.type, trial, ptr + (spec.name,))
        if value is not MISSING and not trial.problems:
            result[spec.name] = value


def _stand_in_empty(spec: Field, result: dict[str, Any]) -> None:
    """An empty text for a missing or empty required text that only carries words (a step's `say`).

    Ids, references, dates and fixed values get none: an empty id or `next` would be a new,
    wrong problem of its own.
    """
    kind = spec.type
    if spec.name in result or not isinstance(kind, Text):
        return
    if kind.pattern is None and kind.enum is None and kind.vocabulary is None and not kind.date and not kind.integer:
        result[spec.name] = ""


def _convert_obj(node: Node, t: Obj, conv: Conversion, ptr: tuple[Any, ...]) -> Any:
    return convert_object(node, t, conv, ptr)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _convert_text(node: Node, t: Text, conv: Conversion, ptr: tuple[Any, ...]) -> Any:
    if type(node) is not Scalar:
        conv.report(node, WRONG_TYPE.id, f"'{label_of(ptr)}' must be text, found {_describe(node)}",
                    'if the text contains ": " or starts with "[" or "{", put it in double quotes')
        return MISSING
    value = node.value
    if value is None:
        conv.report(node, REQUIRED_FIELD.id, f"'{label_of(ptr)}' is empty")
        return MISSING
    if t.integer and node.style is not None:
        conv.report(node, WRONG_TYPE.id, f"'{label_of(ptr)}' must be a whole number, without quotes",
                    f"write {value.strip()} without quotes" if value.strip().isdigit() else "write a whole number")
        return MISSING
    if t.one_line and "\n" in value.strip():
        conv.report(node, WRONG_TYPE.id, f"'{label_of(ptr)}' must be a single line")
        return MISSING
    if t.enum is not None or t.vocabulary is not None:
        choices = t.enum if t.enum is not None else conv.vocabularies.get(t.vocabulary, ())  # type: ignore[arg-type]
        if value not in choices:
            hint = did_you_mean(value, choices) or f"allowed values: {', '.join(choices)}"
            if t.vocabulary:
                hint += f" (add new {t.vocabulary}s under '{t.vocabulary}s:' in kb.yaml)"
            name = next((p for p in reversed(ptr) if isinstance(p, str)), "value")
            conv.report(node, UNKNOWN_VALUE.id, f"'{value}' is not a valid {name}", hint)
            return MISSING
    if t.pattern is not None and not re.fullmatch(t.pattern, value):
        conv.report(node, t.pattern_rule, f"'{value}' is not a valid {label_of(ptr)}", t.pattern_hint)
        return MISSING
    if t.date:
        try:
            if not _DATE.fullmatch(value):
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            conv.report(node, INVALID_DATE.id, f"'{value}' is not a date", "write the date as YYYY-MM-DD")
            return MISSING
    return value


_CONVERTERS: dict[type, Any] = {
    Text: _convert_text, Bool: _convert_bool, ListOf: _convert_list, MapOf: _convert_map, OneOf: _convert_one_of,
    Obj: _convert_obj,
}


