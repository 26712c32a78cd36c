"""Building blocks for the JSON Schema of `kbtool export json`, shared by the kinds' declarations."""

from __future__ import annotations

from typing import Any

from kbtool.format.vocab import SLUG


def text(description: str = "", **extra: Any) -> dict[str, Any]:
    return {"type": "string", **({"description": description} if description else {}), **extra}


def nullable(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": ["string", "null"], "description": description, **extra}


def texts(description: str = "") -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, **({"description": description} if description else {})}


def obj(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties, "required": list(properties),
                           "additionalProperties": False}
    if description:
        out["description"] = description
    return out



ITEM = {
    "id": text("The item's id, unique within its entry.", pattern=SLUG),
    "anchor": text("The HTML id of the item's heading on the entry's page."),
    "url": nullable("The item's address on the published site (null without kb.yaml site_url)."),
    "keywords": texts("Words staff or customers use for the item."),
}
# Phrases and script steps are the items a customer's words lead to.
CUSTOMER_SAYS = {"customer_says": texts("What a customer says when the item is the right thing to say or do.")}
