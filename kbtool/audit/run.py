"""The whole audit: read the inputs, check every agent message and conversation, summarise.

One pass over the input, message by message. Bad input is collected like problems are elsewhere:
reading goes on to find every bad line (up to MAX_PROBLEMS), and an audit with any is not
summarised, as an import with any writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kbtool.audit.conversations import Audited, Auditor
from kbtool.audit.entries import EntryIndex, Link
from kbtool.audit.inputs import read_inputs
from kbtool.audit.pseudonyms import Pseudonyms
from kbtool.audit.records import BadInput, ReadOptions
from kbtool.audit.summary import Summary, summarise
from kbtool.model import KnowledgeBase
from kbtool.review import Checker, compile_rules

# Enough to show what is wrong with a file; a file with more is the wrong file.
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class AuditOptions:
    """How to read and what to keep: a forced input format, the channel of inputs that name none,
    the first day of conversations to audit, and whether agents' names become pseudonyms."""

    input: str | None = None
    channel: str | None = None
    since: dt.date | None = None
    anonymise: bool = False


@dataclass
class Audit:
    """An audit's result: what was found and its summaries, or the input's problems."""

    audited: Audited | None
    summary: Summary | None
    entries: EntryIndex
    problems: list[BadInput] = field(default_factory=list)
    more_problems: int = 0


def audit(paths: Iterable[Path], kb: KnowledgeBase, url: Link, options: AuditOptions = AuditOptions(),
          progress: Callable[[int], None] | None = None) -> Audit:
    """Audit the conversations in `paths` against `kb`; `url(entry, item)` is where findings link.

    `progress(bytes_read)` is called now and then while reading, for a progress bar.
    """
    entries = EntryIndex(kb, url)
    rules = compile_rules(kb, entries.link)
    entries.learn(rules)
    auditor = Auditor(Checker(rules), entries, kb.config.rules, options.since)
    pseudonyms = Pseudonyms() if options.anonymise else None
    problems: list[BadInput] = []
    more = 0
    for item in read_inputs(paths, ReadOptions(options.channel, rules), options.input, progress):
        if isinstance(item, BadInput):
            if len(problems) < MAX_PROBLEMS:
                problems.append(item)
            else:
                more += 1
        elif not problems:  # once the input is bad nothing is reported, so nothing more is checked
            auditor.add(pseudonyms.message(item) if pseudonyms else item)
    if problems:
        return Audit(None, None, entries, problems, more)
    audited = auditor.finish()
    return Audit(audited, summarise(audited, entries.title), entries)
