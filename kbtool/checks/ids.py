"""Ids: unique across the knowledge base, unique within an entry, and matching the file name."""

from __future__ import annotations

from collections.abc import Iterator

from kbtool.checks.base import at
from kbtool.format.kinds import REGISTRY
from kbtool.model import Entry, KnowledgeBase
from kbtool.problems import Level, Problem, RuleDoc

DUPLICATE_ID = RuleDoc(
    "duplicate-id", Level.ERROR, "Two entries use the same id; ids name pages and links, so they must be unique.",
    bad="# standards/greeting.yaml\nid: greeting\n# scripts_library/scripts/greeting.yaml\nid: greeting",
    good="# standards/greeting.yaml\nid: greeting-standard\n# scripts_library/scripts/greeting.yaml\nid: phone-greeting",
)
DUPLICATE_ITEM_ID = RuleDoc(
    "duplicate-item-id", Level.ERROR, "Two rules, steps or phrases in one entry share an id.",
    bad="phrases:\n  - id: thanks\n    say: Thanks for waiting.\n  - id: thanks\n    say: Thanks for holding.",
    good="phrases:\n  - id: thanks-waiting\n    say: Thanks for waiting.\n  - id: thanks-holding\n    say: Thanks for holding.",
)
ID_FILENAME = RuleDoc(
    "id-filename", Level.WARNING, "The file name should be the entry id, so a mentor finds the file from the page.",
    bad="# standards/greet.yaml\nid: first-contact", good="# standards/first-contact.yaml\nid: first-contact",
)
RULES = (DUPLICATE_ID, DUPLICATE_ITEM_ID, ID_FILENAME)


def check(kb: KnowledgeBase) -> Iterator[Problem]:
    first_seen: dict[str, Entry] = {}  # id -> the entry that has it; lines looked up when reported
    for entry in kb.entries:
        if entry.id in first_seen:
            first = first_seen[entry.id]
            path, first_line, line = first.path, first.pos("id")[0], entry.pos("id")[0]
            yield at(entry, ("id",), DUPLICATE_ID,
                     f"id '{entry.id}' is also used by {path}:{first_line}",
                     f"rename one of them: {path}:{first_line} and {entry.path}:{line}")
        else:
            first_seen[entry.id] = entry
        stem = entry.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if stem != entry.id:
            yield at(entry, ("id",), ID_FILENAME, f"the file is named '{stem}' but the id is '{entry.id}'",
                     f"rename the file to {entry.id}.yaml or change the id")
        seen: dict[str, int] = {}
        field = REGISTRY[entry.kind].items_field
        if field is None:
            continue
        for index, item in enumerate(entry.items()):
            if item.id in seen:
                first_line = entry.pos(field, seen[item.id], "id")[0]
                yield at(entry, (field, index, "id"), DUPLICATE_ITEM_ID,
                         f"{field[:-1]} id '{item.id}' is used twice in this entry (first on line {first_line})",
                         "give each item its own id")
            else:
                seen[item.id] = index
