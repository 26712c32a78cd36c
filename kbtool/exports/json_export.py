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
from kbtool.format.types import BUILTIN_VARIABLE_EXAMPLES, BUILTIN_VARIABLES, CHANNELS, KINDS, SLUG, STATUSES
from kbtool.model import Entry, KnowledgeBase, Letter, PhraseSet, Script, Standard
from kbtool.publish.urls import entry_src
from kbtool.site.text import anchor
from kbtool.source.layout import page_url
from kbtool.templating import analyse

FORMAT = "kbtool-export"
# Bump when a field is renamed or removed or its meaning changes; adding fields keeps version 1
# (importers must ignore fields they do not know). docs/export-format.md keeps the history.
VERSION = 1
SCHEMA_ID = "https://kbtool.example/schema/export-v1.json"


def _page(entry: Entry) -> str:
    # The site's own URL rule (directory URLs, MkDocs' default), so links land on real pages.
    return page_url(entry_src(entry), directory_urls=True)


def _url(site_url: str, page: str, fragment: str = "") -> str | None:
    if not site_url:
        return None
    return site_url.rstrip("/") + "/" + page + (f"#{fragment}" if fragment else "")


def _item(entry: Entry, item_id: str, site_url: str) -> dict[str, Any]:
    frag = anchor(item_id)
    return {"id": item_id, "anchor": frag, "url": _url(site_url, _page(entry), frag)}


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


def entry_document(entry: Entry, site_url: str) -> dict[str, Any]:
    """One entry with every field of format v1, plus where it lives on the site."""
    page = _page(entry)
    placeholders, conditions = _placeholders(entry)
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
        "related": list(entry.related),
        "source": entry.path,
        "page": page,
        "url": _url(site_url, page),
        "placeholders": placeholders,
        "uses_conditions": conditions,
    }
    if isinstance(entry, Standard):
        doc["rules"] = [{**_item(entry, r.id, site_url), "text": r.text, "why": r.why, "do": list(r.do),
                         "dont": list(r.dont)} for r in entry.rules]
        doc["targets"] = [{"metric": t.metric, "channel": t.channel, "within": t.within} for t in entry.targets]
        doc["procedure"] = list(entry.procedure)
    elif isinstance(entry, Script):
        doc["steps"] = [{**_item(entry, s.id, site_url), "say": s.say, "note": s.note, "next": s.next,
                         "options": [{"when": o.when, "next": o.next} for o in s.options], "end": s.end}
                        for s in entry.steps]
    elif isinstance(entry, Letter):
        doc["subject"] = entry.subject
        doc["body"] = entry.body
        doc["variables"] = {name: {"description": v.description, "example": v.example, "required": v.required}
                            for name, v in entry.variables.items()}
    elif isinstance(entry, PhraseSet):
        doc["phrases"] = [{**_item(entry, p.id, site_url), "say": p.say, "avoid": list(p.avoid), "why": p.why}
                          for p in entry.phrases]
    return doc


def export_document(kb: KnowledgeBase) -> dict[str, Any]:
    """The whole export: published (not retired) entries, in file order, with the kb.yaml values.

    No timestamp: the same knowledge base gives the same bytes, so exports diff cleanly.
    """
    config = kb.config
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
        "entries": [entry_document(e, config.site_url) for e in kb.published()],
    }


def export_text(kb: KnowledgeBase) -> str:
    """The export as JSON text: UTF-8 as written (no \\u escapes), nothing HTML-escaped."""
    return json.dumps(export_document(kb), indent=2, ensure_ascii=False) + "\n"


# ---- JSON Schema of the export ----------------------------------------------------------


def _str(description: str = "", **extra: Any) -> dict[str, Any]:
    return {"type": "string", **({"description": description} if description else {}), **extra}


def _nullable(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": ["string", "null"], "description": description, **extra}


def _strings(description: str = "") -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, **({"description": description} if description else {})}


def _obj(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties, "required": list(properties),
                           "additionalProperties": False}
    if description:
        out["description"] = description
    return out


_ITEM = {
    "id": _str("The item's id, unique within its entry.", pattern=SLUG),
    "anchor": _str("The HTML id of the item's heading on the entry's page."),
    "url": _nullable("The item's address on the published site (null without kb.yaml site_url)."),
}

_COMMON = {
    "kind": {"enum": list(KINDS), "description": "standard, script, letter or phrases."},
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
    "related": {"type": "array", "items": _str(pattern=SLUG), "description": "Ids of related entries."},
    "source": _str("The YAML file the entry comes from, relative to the knowledge-base root."),
    "page": _str("The entry's page, relative to the site root."),
    "url": _nullable("The entry's address on the published site (null without kb.yaml site_url)."),
    "placeholders": _strings("Placeholder names the entry's texts use, in order of first use."),
    "uses_conditions": {"type": "boolean",
                        "description": "True when a text holds {% if %} conditions (see the format docs)."},
}

_KIND_FIELDS: dict[str, dict[str, Any]] = {
    "standard": {
        "rules": {"type": "array", "items": _obj({
            **_ITEM, "text": _str("The rule (template text)."), "why": _str("Why the rule exists."),
            "do": _strings("Examples of doing it right (template texts)."),
            "dont": _strings("Examples of getting it wrong (template texts).")})},
        "targets": {"type": "array", "items": _obj({
            "metric": _str("What is measured."), "channel": {"enum": [*CHANNELS, None]},
            "within": _str("The service level, such as 4h.")})},
        "procedure": _strings("Ordered steps (template texts)."),
    },
    "script": {
        "steps": {"type": "array", "items": _obj({
            **_ITEM, "say": _str("What to say (template text)."), "note": _str("Guidance for the agent."),
            "next": _nullable("The step that follows; null means the next one listed.", pattern=SLUG),
            "options": {"type": "array", "items": _obj({"when": _str(), "next": _str(pattern=SLUG)})},
            "end": {"type": "boolean", "description": "The call ends after this step."}})},
    },
    "letter": {
        "subject": _str("Subject line (template text)."),
        "body": _str("The letter body (template text)."),
        "variables": {"type": "object", "propertyNames": {"pattern": r"^[a-z_][a-z0-9_]*$"},
                      "additionalProperties": _obj({"description": _str(), "example": _str(),
                                                    "required": {"type": "boolean"}}),
                      "description": "The letter's own placeholders."},
    },
    "phrases": {
        "phrases": {"type": "array", "items": _obj({
            **_ITEM, "say": _str("The sentence to say or write (template text)."),
            "avoid": _strings("What people say instead that goes wrong."), "why": _str("Why it works.")})},
    },
}


def export_json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of what `export_document` returns; committed as schema/export.schema.json."""
    entry_kinds = []
    for kind, extra in _KIND_FIELDS.items():
        branch = _obj({**_COMMON, **extra})
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
