"""The knowledge base as Python objects: the Entry every kind builds on, kb.yaml's settings, the whole.

Every entry keeps the file it came from (its text; the node tree is parsed again on demand), so
any later check, page or search hit can point at the exact line to edit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from kbtool.format.vocab import BUILTIN_SITUATIONS, BUILTIN_VARIABLES
from kbtool.problems import Problem
from kbtool.reading.loader import SourceFile, locate

Pointer = tuple[Any, ...]


class TextRef(NamedTuple):
    """One piece of text inside an entry, with what it is for.

    `role` is the field name (say, avoid, dont, body...). `template` says placeholders are
    allowed; `guidance` says the text shows what to do (style rules apply), as opposed to
    `avoid`/`dont` texts, which exist to show what not to say.
    """

    ptr: Pointer
    role: str
    text: str
    template: bool
    guidance: bool


@dataclass(eq=False)
class Entry:
    kind: ClassVar[str] = ""
    id: str
    title: str
    owner: str
    status: str
    review_by: dt.date | None
    channels: list[str]
    situation: str | None
    summary: str
    tags: list[str]
    related: list[str]
    source: SourceFile
    # Blanks the entry's texts may use beyond kb.yaml's (a letter's order number, say).
    variables: dict[str, Variable] = field(default_factory=dict)
    keywords: list[str] = field(default_factory=list)
    customer_says: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.source.path

    def pos(self, *ptr: Any) -> tuple[int, int]:
        """Line and column of the value at `ptr`, or of its nearest enclosing value.

        Kept once asked: the search documents ask for every item's line, and `kbtool serve`
        keeps unedited entries between rebuilds, so their files are not parsed again each time.
        """
        known = self.__dict__.get("_positions")
        if known is None:
            known = self.__dict__["_positions"] = {}
        found = known.get(ptr)
        if found is None:
            found = known[ptr] = locate(self.source.root, ptr)
        return found

    @property
    def published(self) -> bool:
        return self.status != "retired"

    def texts(self) -> list[TextRef]:
        """Every text of the entry with its place and role, computed once per entry.

        The template, style, phrasebook and duplicate checks, search and exports all walk
        these; building them once instead of per check saves a tenth of validation time.
        """
        cached = self.__dict__.get("_texts")
        if cached is None:
            cached = self.__dict__["_texts"] = list(self._texts())
        return cached

    def _texts(self) -> Iterator[TextRef]:
        yield TextRef(("title",), "title", self.title, False, True)
        if self.summary:
            yield TextRef(("summary",), "summary", self.summary, False, True)

    def items(self) -> list[Any]:
        """The entry's addressable parts (rules, steps, phrases), in order."""
        return []

    def flow(self) -> list[Any]:
        """The steps of a call flow, for entries that have one (the flow checks walk these)."""
        return []

    def example_values(self) -> dict[str, str]:
        """The entry's own blanks filled with their examples, for previews."""
        return {name: v.example for name, v in self.variables.items()}


@dataclass(eq=False)
class Variable:
    description: str
    example: str
    required: bool = True


@dataclass(frozen=True)
class StyleRule:
    text: str
    why: str = ""


DEFAULT_STYLE_PHRASES = (
    StyleRule("that's our policy", "Hiding behind policy ends the conversation; explain what you can do instead."),
    StyleRule("calm down", "Telling someone to calm down tells them their feelings are wrong and escalates."),
    StyleRule("if I do that for you I'll have to do it for everyone",
              "The customer asked for help, not a lesson in fairness; say what you can do."),
    StyleRule("you're wrong", "Arguing to win loses the customer; say what you found instead."),
)
DEFAULT_LETTER_WORDS = (
    StyleRule("guarantee", "Promise only what you control; say what you will do and by when."),
    StyleRule("always", "Absolutes break; describe the usual case and the real date."),
    StyleRule("immediately", "Give a specific time you can keep instead."),
)


@dataclass
class KbConfig:
    """Settings from kb.yaml, with defaults for everything (a root needs no kb.yaml)."""

    name: str = "Service standards"
    site_url: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    situations: dict[str, str] = field(default_factory=lambda: dict(BUILTIN_SITUATIONS))
    synonyms: list[list[str]] = field(default_factory=list)
    style_phrases: list[StyleRule] = field(default_factory=lambda: list(DEFAULT_STYLE_PHRASES))
    letter_words: list[StyleRule] = field(default_factory=lambda: list(DEFAULT_LETTER_WORDS))
    start_here: list[str] = field(default_factory=list)
    feedback: str = ""  # an issue-tracker URL or a mailto: address for "Tell the mentors"
    review_period_days: int = 180
    log_misses: bool = True
    lexicon: bool = True  # the built-in service lexicon joins kb.yaml's synonyms in search
    semantic_site: bool = False  # the site's search ranks by meaning too (the [semantic] extra)
    # Rule id -> "off", "warning" or "error": the team's levels over each rule's default.
    rules: dict[str, str] = field(default_factory=dict)
    source: SourceFile | None = None

    def pos(self, *ptr: Any) -> tuple[int, int]:
        return locate(self.source.root if self.source else None, ptr)

    def known_variables(self) -> set[str]:
        """Placeholders any template may use: kb.yaml variables and the built-ins."""
        return set(self.variables) | set(BUILTIN_VARIABLES)


@dataclass
class KnowledgeBase:
    root: Path
    config: KbConfig
    entries: list[Entry]
    problems: list[Problem]
    files: list[str] = field(default_factory=list)
    # Ids of files that failed to load (their own problems say why) -> the file: not reported again
    # as missing wherever they are referenced.
    unloaded: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id: dict[str, Entry] = {}
        for entry in self.entries:
            self.by_id.setdefault(entry.id, entry)

    def published(self) -> list[Entry]:
        return [e for e in self.entries if e.published]

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e.kind == kind]
