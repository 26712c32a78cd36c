"""Transcripts as `kbtool check` reads them: `Agent:` / `Customer:` turns (any staff name, an
optional time), one conversation per file. Each turn is a message; a line without a label goes on
with the turn above it, and unlabelled text after a blank line is the staff's, as `kbtool check`
reads it (another paragraph of an agent's turn). Quoted email lines (`> ...`) are the customer's.

The conversation's id is the file's path inside the folder given (or as given, for a file). The
channel is a channel's name in the file's name or its folder's (`chat-0142.txt`,
`phone/0142.txt`), else `--channel`; the date is a YYYY-MM-DD in the file's path, if any.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import IO, Any

from kbtool.audit.fields import channel_of
from kbtool.audit.records import AGENT, CUSTOMER, BadInput, Message, ReadOptions
from kbtool.format.vocab import CHANNELS

_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_WORDS = re.compile(r"[a-z]+(?:[-_ ][a-z]+)?")


class Speakers:
    """Who opens a turn, read with the labels and patterns of `kbtool check`'s compiled rules, so
    the audit and `kbtool check` split a transcript the same way."""

    def __init__(self, rules: dict[str, Any]) -> None:
        self.speaker = re.compile(rules["speaker"])
        self.quoted = re.compile(rules["quoted"])
        self.customers = frozenset(rules["customerLabels"])
        self.agents = frozenset(rules["agentLabels"])

    def label(self, line: str) -> tuple[str | None, str | None, int]:
        """(AGENT or CUSTOMER or None, the agent's name when the label is one, where the words start)."""
        match = self.speaker.match(line)
        if not match:
            return None, None, 0
        label = match.group(1)
        first = label.split(" ")[0].lower()
        if first in self.customers:
            return CUSTOMER, None, match.end()
        if first in self.agents:
            return AGENT, None, match.end()
        if all(word[:1].isupper() for word in label.split(" ")):
            return AGENT, label, match.end()
        return None, None, 0


def channel_in(path: str) -> str | None:
    """A channel named in the file's name or its folders' (nearest first), e.g. chat-0142.txt."""
    for part in reversed(PurePath(path).parts):
        stem = PurePath(part).stem.lower()
        for word in _WORDS.findall(stem):
            for candidate in (word, word.split("-")[0].split("_")[0].split(" ")[0]):
                channel = channel_of(candidate)
                if channel in CHANNELS:
                    return channel
    return None


def date_in(path: str) -> str | None:
    match = _DATE.search(path)
    return match.group(0) if match else None


def read(stream: IO[bytes], path: str, options: ReadOptions) -> Iterator[Message | BadInput]:
    data = stream.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield BadInput(path, data.count(b"\n", 0, exc.start) + 1, "the file is not UTF-8 text",
                       "save the transcript as UTF-8")
        return
    if options.rules is None:
        raise ValueError("transcripts are read with the compiled rules' speaker labels")
    speakers = Speakers(options.rules)
    channel = channel_in(path) or options.channel
    at = date_in(path)
    conversation = options.name or path
    turn: list[str] = []
    author, name, start = None, None, 0

    def done() -> Iterator[Message]:
        if turn and author is not None:
            yield Message(conversation, author, "\n".join(turn), path, start, name if author == AGENT else None,
                          channel, at)

    gap = False
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), 1):
        if not line.strip():
            gap = bool(turn)
            continue
        if speakers.quoted.match(line):
            if author != CUSTOMER:
                yield from done()
                turn, author, name, start = [], CUSTOMER, None, number
            turn.append(line)
            gap = False
            continue
        who, label_name, at_column = speakers.label(line)
        # Unlabelled text after a blank line is the staff's (as `kbtool check` reads it): another
        # paragraph of an agent's turn, or a new agent message after the customer's.
        if who is not None or author is None or (gap and author == CUSTOMER):
            yield from done()
            turn, author, name, start = [], who or AGENT, label_name, number
        elif gap:
            turn.append("")
        turn.append(line[at_column:].strip() if who is not None else line)
        gap = False
    yield from done()
