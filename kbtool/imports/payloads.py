"""The way back: phrase sets as the payloads Zendesk's and Freshdesk's APIs accept for creating
macros and canned responses, with kbtool's blanks written as the help desk's placeholders.

The inverse of the import's mapping (kbtool/imports/helpdesk_text.py), so importing an export gives back
the same texts. kb.yaml's values are filled in (the help desk does not know them); a blank the
help desk has no placeholder for is reported, and kept as `{{name}}` for a person to replace.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from kbtool.imports.helpdesk_text import KNOWN_PLACEHOLDERS

# kbtool blank -> the help desk's placeholder path. Built-ins first; the rest follow the import
# table, so each blank goes back to the placeholder it most often came from.
PLACEHOLDERS: dict[str, dict[str, str]] = {
    "zendesk": {
        "customer_name": "ticket.requester.first_name", "agent_name": "current_user.first_name",
        "customer_last_name": "ticket.requester.last_name", "customer_email": "ticket.requester.email",
        "ticket_number": "ticket.id", "ticket_subject": "ticket.title", "ticket_link": "ticket.url",
        "customer_company": "ticket.organization.name", "company_name": "ticket.brand.name",
        "rating_link": "satisfaction.rating_url",
    },
    "freshdesk": {
        "customer_name": "ticket.requester.firstname", "agent_name": "ticket.agent.name",
        "customer_last_name": "ticket.requester.lastname", "customer_email": "ticket.requester.email",
        "ticket_number": "ticket.id", "ticket_subject": "ticket.subject", "ticket_link": "ticket.url",
        "customer_company": "ticket.company.name", "company_name": "helpdesk_name",
    },
}
_FILTERS = {"upper": "upcase", "lower": "downcase", "trim": "strip", "capitalize": "capitalize"}
_OUTPUT = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*((?:\|\s*[a-z]+\s*)*)\}\}")
_IF = re.compile(r"\{%\s*if\s+(not\s+)?([a-z_][a-z0-9_]*)\s*%\}")
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-]+)+")


@dataclass
class Payload:
    """One macro or canned response to create, and what could not be written the help desk's way."""

    entry_id: str
    item: str
    body: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def to_desk(text: str, desk: str, entry: Any, kb_values: dict[str, str]) -> tuple[str, list[str]]:
    """`text` with kbtool's placeholders as `desk`'s, kb.yaml's values filled in; and notes."""
    notes: list[str] = []
    table = PLACEHOLDERS[desk]

    def path_of(name: str) -> str | None:
        if name in table:
            return table[name]
        variable = entry.variables.get(name)
        # A blank the import made from an unknown placeholder keeps that placeholder as its example.
        if variable is not None and _PATH.fullmatch(variable.example) and variable.example.lower() \
                not in KNOWN_PLACEHOLDERS:
            return variable.example
        return None

    def output(match: re.Match[str]) -> str:
        name, filters = match.group(1), [f.strip() for f in match.group(2).split("|") if f.strip()]
        if name in kb_values and name not in entry.variables:
            return kb_values[name]
        path = path_of(name)
        if path is None:
            notes.append(f"'{name}' has no {desk} placeholder: replace {{{{{name}}}}} in {desk} by hand")
            path = name
        liquid = [_FILTERS[f] for f in filters if f in _FILTERS]
        return "{{" + " | ".join([path, *liquid]) + "}}"

    def condition(match: re.Match[str]) -> str:
        negated, name = match.group(1), match.group(2)
        path = path_of(name) or name
        return f"{{% {'unless' if negated else 'if'} {path} %}}"

    converted = _IF.sub(condition, text)
    converted = re.sub(r"\{%\s*else\s*%\}", "{% else %}", converted)
    # Liquid closes `unless` with endunless; kbtool's `if not` closes with endif.
    converted = _close_conditions(converted)
    return _OUTPUT.sub(output, converted), notes


def _close_conditions(text: str) -> str:
    out: list[str] = []
    stack: list[str] = []
    for piece in re.split(r"(\{%\s*(?:if|unless)\b[^%]*%\}|\{%\s*endif\s*%\})", text):
        if re.fullmatch(r"\{%\s*(if|unless)\b[^%]*%\}", piece):
            stack.append("endunless" if piece.split()[1] == "unless" else "endif")
        elif re.fullmatch(r"\{%\s*endif\s*%\}", piece):
            piece = f"{{% {stack.pop() if stack else 'endif'} %}}"
        out.append(piece)
    return "".join(out)


def as_html(text: str) -> str:
    """Plain text as the HTML a help desk's editor keeps: a <p> per paragraph, <br> per line break."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "".join("<p>" + "<br>".join(html.escape(line, quote=False) for line in p.split("\n")) + "</p>"
                   for p in paragraphs)


def _title(entry: Any, phrase: Any) -> str:
    # An imported phrase keeps its help-desk title as its first keyword.
    return phrase.keywords[0] if phrase.keywords else phrase.id.replace("-", " ").capitalize()


def payloads(kb: Any, desk: str) -> list[Payload]:
    """Every published phrase of `kb` as `desk`'s creation payload, in file order.

    Zendesk: the body of POST /api/v2/macros, `{"macro": {"title": "Set::Phrase", "actions":
    [{"field": "comment_value", "value": text}]}}` (the set's title is the macro's category).
    Freshdesk: the body of POST /api/v2/canned_responses, `{"title", "content_html", "folder"}`,
    where `folder` names the folder whose id the posting script puts in `folder_id`.
    """
    out: list[Payload] = []
    values = {str(k): str(v) for k, v in kb.config.variables.items()}
    # Help desks hold replies to paste, which are the phrase kind's; this asks for it by name.
    for entry in kb.of_kind("phrases"):
        if not entry.published:
            continue
        for phrase in entry.phrases:
            text, notes = to_desk(phrase.say, desk, entry, values)
            title = _title(entry, phrase)
            if desk == "zendesk":
                body: dict[str, Any] = {"macro": {"title": f"{entry.title}::{title}", "actions": [
                    {"field": "comment_value", "value": text}]}}
            else:
                body = {"title": title, "content_html": as_html(text), "folder": entry.title}
            out.append(Payload(entry.id, phrase.id, body, notes))
    return out
