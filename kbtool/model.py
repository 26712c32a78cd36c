"""The knowledge base as Python objects: Standard, Script, Letter, PhraseSet and their settings.

Every entry keeps the node tree of the file it came from, so any later check, page or search
hit can point at the exact line to edit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from kbtool.format.types import BUILTIN_SITUATIONS, BUILTIN_VARIABLES
from kbtool.problems import Problem
from kbtool.source.loader import SourceFile, locate

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

    @property
    def path(self) -> str:
        return self.source.path

    def pos(self, *ptr: Any) -> tuple[int, int]:
        """Line and column of the value at `ptr`, or of its nearest enclosing value."""
        return locate(self.source.root, ptr)

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


@dataclass(eq=False)
class Rule:
    id: str
    text: str
    why: str = ""
    do: list[str] = field(default_factory=list)
    dont: list[str] = field(default_factory=list)


@dataclass(eq=False)
class Target:
    metric: str
    within: str
    channel: str | None = None


@dataclass(eq=False)
class Standard(Entry):
    kind: ClassVar[str] = "standard"
    rules: list[Rule] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    procedure: list[str] = field(default_factory=list)

    def _texts(self) -> Iterator[TextRef]:
        yield from super()._texts()
        for i, rule in enumerate(self.rules):
            yield TextRef(("rules", i, "text"), "text", rule.text, True, True)
            if rule.why:
                yield TextRef(("rules", i, "why"), "why", rule.why, False, True)
            for j, text in enumerate(rule.do):
                yield TextRef(("rules", i, "do", j), "do", text, True, True)
            for j, text in enumerate(rule.dont):
                yield TextRef(("rules", i, "dont", j), "dont", text, True, False)
        for i, text in enumerate(self.procedure):
            yield TextRef(("procedure", i), "procedure", text, True, True)

    def items(self) -> list[Any]:
        return list(self.rules)


@dataclass(eq=False)
class Option:
    when: str
    next: str


@dataclass(eq=False)
class Step:
    id: str
    say: str
    note: str = ""
    next: str | None = None
    options: list[Option] = field(default_factory=list)
    end: bool = False


@dataclass(eq=False)
class Script(Entry):
    kind: ClassVar[str] = "script"
    steps: list[Step] = field(default_factory=list)

    def _texts(self) -> Iterator[TextRef]:
        yield from super()._texts()
        for i, step in enumerate(self.steps):
            yield TextRef(("steps", i, "say"), "say", step.say, True, True)
            if step.note:
                yield TextRef(("steps", i, "note"), "note", step.note, True, True)
            for j, option in enumerate(step.options):
                yield TextRef(("steps", i, "options", j, "when"), "when", option.when, False, True)

    def items(self) -> list[Any]:
        return list(self.steps)

    def successors(self, index: int) -> list[str]:
        """Where the call can go after step `index`: its branches, its `next`, or the step below."""
        step = self.steps[index]
        if step.options:
            return [o.next for o in step.options]
        if step.next:
            return [step.next]
        if step.end or index + 1 >= len(self.steps):
            return []
        return [self.steps[index + 1].id]


@dataclass(eq=False)
class Variable:
    description: str
    example: str
    required: bool = True


@dataclass(eq=False)
class Letter(Entry):
    kind: ClassVar[str] = "letter"
    subject: str = ""
    body: str = ""
    variables: dict[str, Variable] = field(default_factory=dict)

    def _texts(self) -> Iterator[TextRef]:
        yield from super()._texts()
        yield TextRef(("subject",), "subject", self.subject, True, True)
        yield TextRef(("body",), "body", self.body, True, True)


@dataclass(eq=False)
class Phrase:
    id: str
    say: str
    avoid: list[str] = field(default_factory=list)
    why: str = ""


@dataclass(eq=False)
class PhraseSet(Entry):
    kind: ClassVar[str] = "phrases"
    phrases: list[Phrase] = field(default_factory=list)

    def _texts(self) -> Iterator[TextRef]:
        yield from super()._texts()
        for i, phrase in enumerate(self.phrases):
            yield TextRef(("phrases", i, "say"), "say", phrase.say, True, True)
            for j, text in enumerate(phrase.avoid):
                yield TextRef(("phrases", i, "avoid", j), "avoid", text, True, False)
            if phrase.why:
                yield TextRef(("phrases", i, "why"), "why", phrase.why, False, True)

    def items(self) -> list[Any]:
        return list(self.phrases)


ENTRY_CLASSES: dict[str, type[Entry]] = {
    cls.kind: cls for cls in (Standard, Script, Letter, PhraseSet)
}


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
    review_period_days: int = 180
    log_misses: bool = True
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

    def __post_init__(self) -> None:
        self.by_id: dict[str, Entry] = {}
        for entry in self.entries:
            self.by_id.setdefault(entry.id, entry)

    def published(self) -> list[Entry]:
        return [e for e in self.entries if e.published]

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e.kind == kind]
