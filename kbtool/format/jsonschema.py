"""The format as JSON Schema, for editors (yaml-language-server) and other tools.

Emitted from the same declarations the validator checks against, so the two cannot disagree
(a test feeds the same files to both).
"""

from __future__ import annotations

from typing import Any

from kbtool.format.common import KB_CONFIG
from kbtool.format.kinds import ENTRY_TYPES, KIND_NAMES, REGISTRY
from kbtool.format.types import Bool, ListOf, MapOf, OneOf, Text, Type


def exact(pattern: str) -> str:
    """A pattern that must match the whole value in every schema tool.

    The validator uses re.fullmatch. In a schema, `$` ends the value for editors (ECMA-262) but
    also matches before a final newline for Python's jsonschema, so "welcome" plus a newline would pass as a
    slug; a lookahead for "no character follows" means the end of the value in both dialects.
    """
    return pattern[:-1] + r"(?![\s\S])" if pattern.endswith("$") and not pattern.endswith("\\$") else pattern


def json_schema_of(t: Type, vocabularies: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    if isinstance(t, Text):
        out: dict[str, Any] = {"type": "string"}
        if t.description:
            out["description"] = t.description
        choices = t.enum or (vocabularies.get(t.vocabulary) if t.vocabulary else None)
        if choices:
            out["enum"] = list(choices)
        if t.pattern:
            out["pattern"] = exact(t.pattern)
        if t.date:
            out["format"] = "date"
            out["pattern"] = exact(r"^\d{4}-\d{2}-\d{2}$")
        if t.integer:
            # Written plainly, YAML reads it as a number; the pattern's bounds become a range.
            out = {"type": "integer", "minimum": 1, "maximum": 9999,
                   **({"description": t.description} if t.description else {})}
        return out
    if isinstance(t, Bool):
        return {"type": "boolean", **({"description": t.description} if t.description else {})}
    if isinstance(t, ListOf):
        out = {"type": "array", "items": json_schema_of(t.item, vocabularies)}
        if t.min_items:
            out["minItems"] = t.min_items
        return out
    if isinstance(t, MapOf):
        names: dict[str, Any] = {"pattern": exact(t.key_pattern)}
        if t.key_vocabulary and vocabularies.get(t.key_vocabulary):
            names = {"enum": list(vocabularies[t.key_vocabulary])}
        return {"type": "object", "propertyNames": names,
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
        if REGISTRY[kind].requires_situation:
            sub["required"] = [*sub["required"], "situation"]
        branches.append({"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                         "then": sub})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://kbtool.example/schema/entry-v1.json",
        "title": "kbtool entry (format v1)",
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": list(KIND_NAMES)}},
        "allOf": branches,
    }


def kb_json_schema(rule_ids: tuple[str, ...] = ()) -> dict[str, Any]:
    schema = json_schema_of(KB_CONFIG, {"rule": rule_ids})
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "kbtool kb.yaml (format v1)"
    return schema
