"""The searchable units of a knowledge base, produced once for every search that reads them.

One document per phrase, script step, standard rule, letter and standard, each with the text
to say (kb.yaml values filled in), the words around it, where it lives in the YAML and on the
site. The terminal index (Whoosh) and the site's search index are both built from this list,
so they cannot disagree about what exists or where it links.
"""

from __future__ import annotations

from dataclasses import dataclass

from kbtool.format.kinds import REGISTRY
from kbtool.model import KnowledgeBase
from kbtool.publish.urls import SiteAddress
from kbtool.templating import render_lenient


@dataclass(frozen=True)
class Document:
    entry: str              # entry id
    item: str | None        # item id (phrase, step, rule), None for the entry as a whole
    kind: str               # phrase, step, rule, letter, standard
    entry_kind: str         # the entry's kind (phrases, script, ...)
    title: str              # "Entry title: Item name", or the entry title
    say: str                # the text to say, values filled in
    context: tuple[str, ...]
    topic: str              # tags and situation, as words
    keywords: tuple[str, ...]
    customer_says: tuple[str, ...]  # what a customer says when this is the answer
    channels: tuple[str, ...]
    situation: str
    tags: tuple[str, ...]
    notes: tuple[str, ...]
    entry_title: str
    path: str               # the YAML file, relative to the knowledge base
    line: int               # the line of the text in that file
    url: str                # where it opens (absolute with site_url, else under the built site folder)


def documents(kb: KnowledgeBase, address: SiteAddress) -> list[Document]:
    """Every published entry's searchable units, in file order."""
    variables = dict(kb.config.variables)

    def fill(text: str) -> str:
        return render_lenient(text, variables) if text else ""

    out: list[Document] = []
    for entry in kb.entries:
        if not entry.published:
            continue
        # Channels stay out of the words: "phone" in a query means the topic, not every phone entry.
        topic = " ".join([*entry.tags, entry.situation or ""]).replace("-", " ").strip()
        for unit in REGISTRY[entry.kind].units(entry, fill):
            title = entry.title if unit.item is None else f"{entry.title}: {unit.title}"
            out.append(Document(
                entry=entry.id, item=unit.item, kind=unit.kind, entry_kind=entry.kind, title=title, say=unit.say,
                context=tuple(c for c in unit.context if c), topic=topic, keywords=unit.keywords,
                customer_says=unit.customer_says,
                channels=tuple(entry.channels), situation=entry.situation or "", tags=tuple(entry.tags),
                notes=unit.notes, entry_title=entry.title, path=entry.path, line=entry.pos(*unit.ptr)[0],
                url=address.url(entry, unit.item),
            ))
    return out
