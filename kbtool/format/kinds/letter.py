"""`kind: letter`: an email or letter template with its own declared blanks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from kbtool.format import exportshapes as x
from kbtool.format.common import VARIABLES
from kbtool.format.kinds.base import Fill, Kind, Snippet, Unit
from kbtool.format.types import Field, template
from kbtool.model import Entry, TextRef


@dataclass(eq=False)
class Letter(Entry):
    kind: ClassVar[str] = "letter"
    subject: str = ""
    body: str = ""

    def _texts(self) -> Iterator[TextRef]:
        yield from super()._texts()
        yield TextRef(("subject",), "subject", self.subject, True, True)
        yield TextRef(("body",), "body", self.body, True, True)


FIELDS = (
    Field("subject", template("Subject line.", one_line=True), True),
    Field("body", template("The letter body."), True),
    Field("variables", VARIABLES, True, "The letter's own placeholders."),
)


def build(data: dict[str, Any], common: dict[str, Any]) -> Letter:
    return Letter(**common, subject=data.get("subject", ""), body=data.get("body", ""))


def units(entry: Letter, fill: Fill) -> Iterator[Unit]:
    yield Unit(None, "letter", entry.title, f"Subject: {fill(entry.subject)}\n\n{fill(entry.body).strip()}",
               (entry.summary, *(v.description for v in entry.variables.values())),
               (f"Fill it in: kbtool render letter {entry.id}",), ("subject",), tuple(entry.keywords),
               tuple(entry.customer_says))


def export(entry: Letter, item: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return {"subject": entry.subject, "body": entry.body}


def review_texts(entry: Letter) -> dict[str, str]:
    return {"subject": entry.subject, "body": entry.body,
            **{f"variable {k}": f"{v.description} (e.g. {v.example})" for k, v in entry.variables.items()}}


def snippets(entry: Letter) -> list[Snippet]:
    # A text expander leaves the cursor where the text ends, so no trailing blank lines.
    return [Snippet(entry, None, f"Letter: {entry.title}", (entry.subject, entry.body.rstrip("\n")))]


SKELETON = """\
subject: "About your order {{{{ order_number }}}}"
body: |
  Dear {{{{ customer_name }}}},

  Write the letter here.

  Kind regards,
  {{{{ agent_name }}}}
variables:
  order_number:
    description: The order number as the customer sees it.
    example: FH-100234
"""

KIND = Kind(
    name="letter", label="Letters", singular="Letter", folder="letters", source_folder="scripts_library/letters",
    fields=FIELDS, entry_class=Letter, build=build, units=units, export=export, review_texts=review_texts,
    skeleton=SKELETON, unit_kinds=("letter",), unit_labels={"letter": "Letter"}, unit_boosts={"letter": 1.0}, snippets=snippets,
    export_schema={
        "subject": x.text("Subject line (template text)."),
        "body": x.text("The letter body (template text)."),
    },
)
