"""The knowledge base as one documented, versioned JSON file, and that file's JSON Schema.

For help-desk macro systems and anything else that imports content: every published entry with
every field, texts exactly as written (placeholders and all, never HTML), item ids and the site
anchors they have. docs/export-format.md documents it; schema/export.schema.json is generated
from `export_json_schema()` here and a test keeps the two equal.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kbtool import __version__
from kbtool.format.exportshapes import nullable as _nullable
from kbtool.format.exportshapes import obj as _obj
from kbtool.format.exportshapes import text as _str
from kbtool.format.exportshapes import texts as _strings
from kbtool.format.kinds import KIND_NAMES, REGISTRY
from kbtool.format.vocab import BUILTIN_VARIABLE_EXAMPLES, BUILTIN_VARIABLES, CHANNELS, SLUG, STATUSES
from kbtool.model import Entry, KnowledgeBase
from kbtool.publish.urls import SiteAddress, anchor, site_address
from kbtool.templating import analyse

FORMAT = "kbtool-export"
# Bump when a field is renamed or removed or its meaning changes; adding fields keeps version 1
# (importers must ignore fields they do not know). docs/export-format.md keeps the history.
VERSION = 1
SCHEMA_ID = "https://kbtool.example/schema/export-v1.json"


def _placeholders(entry: Entry) -> tuple[list[str], bool]:
    """Placeholder names the entry's texts use, in order of first use, and whether any has {% %}."""
    names: list[str] = []
    conditions = False
    for ref in entry.texts():
        if not ref.template:
            continue
        conditions = conditions or "{%" in ref.text
        # analyse() orders by line only; order by position so names read as the text does.
        found = {p.name for p in analyse(ref.text)[0]}
        for name in sorted(found, key=lambda n: _first_use(ref.text, n)):
            if name not in names:
                names.append(name)
    return names, conditions


def _first_use(text: str, name: str) -> int:
    # Inside a {{ }} or {% %} tag only: the same word in the prose around it does not count.
    match = re.search(r"\{[{%][^}]*?\b" + re.escape(name) + r"\b", text)
    return match.start() if match else len(text)


def entry_document(entry: Entry, address: SiteAddress) -> dict[str, Any]:
    """One entry with every field of format v1, plus where it lives on the site."""
    placeholders, conditions = _placeholders(entry)

    def item(item_id: str) -> dict[str, Any]:
        return {"id": item_id, "anchor": anchor(item_id), "url": address.published_url(entry, item_id)}

    doc: dict[str, Any] = {
        "kind": entry.kind,
        "id": entry.id,
        "title": entry.title,
        "summary": entry.summary,
        "status": entry.status,
        "owner": entry.owner,
        "review_by": entry.review_by.isoformat() if entry.review_by else None,
        "channels": list(entry.channels),
        "situation": entry.situation,
        "tags": list(entry.tags),
        "keywords": list(entry.keywords),
        "customer_says": list(entry.customer_says),
        "related": list(entry.related),
        "source": entry.path,
        "page": address.page(entry),
        "url": address.published_url(entry),
        "placeholders": placeholders,
        "uses_conditions": conditions,
        "variables": {name: {"description": v.description, "example": v.example, "required": v.required}
                      for name, v in entry.variables.items()},
    }
    doc.update(REGISTRY[entry.kind].export(entry, item))
    return doc


def export_document(kb: KnowledgeBase, address: SiteAddress | None = None) -> dict[str, Any]:
    """The whole export: published (not retired) entries, in file order, with the kb.yaml values.

    No timestamp: the same knowledge base gives the same bytes, so exports diff cleanly.
    """
    config = kb.config
    address = address or site_address(kb.root, config.site_url)
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_by": f"kbtool {__version__}",
        "knowledge_base": {"name": config.name, "site_url": config.site_url or None},
        "variables": {
            "kb": {str(k): str(v) for k, v in config.variables.items()},
            "builtin": {name: {"description": desc, "example": BUILTIN_VARIABLE_EXAMPLES.get(name, "")}
                        for name, desc in BUILTIN_VARIABLES.items()},
        },
        "entries": [entry_document(e, address) for e in kb.published()],
    }


def export_text(kb: KnowledgeBase, address: SiteAddress | None = None) -> str:
    """The export as JSON text: UTF-8 as written (no \\u escapes), nothing HTML-escaped."""
    return json.dumps(export_document(kb, address), indent=2, ensure_ascii=False) + "\n"


# ---- JSON Schema of the export ----------------------------------------------------------


_VARIABLES = {"type": "object", "propertyNames": {"pattern": r"^[a-z_][a-z0-9_]*$"},
              "additionalProperties": _obj({"description": _str(), "example": _str(),
                                            "required": {"type": "boolean"}}),
              "description": "The entry's own placeholders (a letter's order number, say)."}

_COMMON = {
    "kind": {"enum": list(KIND_NAMES), "description": f"{', '.join(KIND_NAMES[:-1])} or {KIND_NAMES[-1]}."},
    "id": _str("Unique id across the knowledge base.", pattern=SLUG),
    "title": _str("The title shown to staff."),
    "summary": _str("One line on what the entry is for (may be empty)."),
    "status": {"enum": [s for s in STATUSES if s != "retired"],
               "description": "draft or approved; retired entries are not exported."},
    "owner": _str("Who maintains the entry."),
    "review_by": _nullable("Review date, YYYY-MM-DD.", pattern=r"^\d{4}-\d{2}-\d{2}$"),
    "channels": {"type": "array", "items": {"enum": list(CHANNELS)}, "description": "Where the entry applies."},
    "situation": _nullable("The situation from the knowledge base's vocabulary."),
    "tags": _strings("Free-form tags."),
    "keywords": _strings("Words staff or customers use for the entry."),
    "customer_says": _strings("What a customer says when the entry is the right thing to say or do."),
    "related": {"type": "array", "items": _str(pattern=SLUG), "description": "Ids of related entries."},
    "source": _str("The YAML file the entry comes from, relative to the knowledge-base root."),
    "page": _str("The entry's page, relative to the site root."),
    "url": _nullable("The entry's address on the published site (null without kb.yaml site_url)."),
    "placeholders": _strings("Placeholder names the entry's texts use, in order of first use."),
    "uses_conditions": {"type": "boolean",
                        "description": "True when a text holds {% if %} conditions (see the format docs)."},
    "variables": _VARIABLES,
}

def export_json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of what `export_document` returns; committed as schema/export.schema.json."""
    entry_kinds = []
    for kind, declared in REGISTRY.items():
        branch = _obj({**_COMMON, **declared.export_schema})
        branch["properties"]["kind"] = {"const": kind}
        branch["title"] = f"{kind} entry"
        entry_kinds.append(branch)
    schema = _obj({
        "format": {"const": FORMAT, "description": "Always kbtool-export: what this file is."},
        "version": {"const": VERSION, "description": "The export format version."},
        "generated_by": _str("The kbtool version that wrote the file."),
        "knowledge_base": _obj({"name": _str("The knowledge base's name (kb.yaml name)."),
                                "site_url": _nullable("The published site's address.")}),
        "variables": _obj({
            "kb": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "Organisation-wide values from kb.yaml: fill these in at import."},
            "builtin": {"type": "object", "additionalProperties": _obj({"description": _str(), "example": _str()}),
                        "description": "Placeholders every text may use, filled when the text is used."},
        }),
        "entries": {"type": "array", "items": {"oneOf": entry_kinds}},
    })
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "kbtool knowledge-base export (version 1)", **schema}


def schema_text() -> str:
    return json.dumps(export_json_schema(), indent=2, ensure_ascii=False) + "\n"
