"""The conversation checks: every agent message held against the knowledge base with `kbtool
check`'s engine, plus what only a whole conversation shows (a greeting in the first agent
message, a closing in the last, a timed promise followed by no agent message).

Messages arrive one at a time and may interleave across conversations; each conversation keeps a
few fields of state (counts, its last agent message's closing finding, its open promise), never
its messages, so memory grows with the number of conversations and findings, not with the text.
Customer messages are counted and never checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kbtool.audit.entries import EntryIndex
from kbtool.audit.fields import parse_time
from kbtool.audit.promises import find_promise
from kbtool.audit.records import AGENT, Conversation, Finding, Message
from kbtool.audit.rules import NO_FOLLOW_UP
from kbtool.format.vocab import CHANNELS
from kbtool.review import Checker
from kbtool.review.rules import MISSING_CLOSING, MISSING_GREETING


def _utc(at: str | None) -> dt.datetime | None:
    """A time as naive UTC, so times with and without an offset compare."""
    parsed = parse_time(at) if at else None
    if parsed is not None and parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


@dataclass(slots=True)
class _Open:
    """One conversation's state while its messages arrive."""

    order: int
    channel: str | None
    at: str | None
    messages: int = 0
    agent_messages: int = 0
    findings: int = 0
    agents: dict[str | None, None] = field(default_factory=dict)
    closing: Finding | None = None        # the last agent message's missing closing, if it lacks one
    promise: Finding | None = None        # the last agent message's timed promise, if it made one
    due: dt.datetime | None = None        # when that promise falls due at the latest


@dataclass
class Audited:
    """What the checks found: findings in conversation order, one record per conversation, and
    the counts the report gives beside them."""

    findings: list[Finding]
    conversations: list[Conversation]
    messages: int
    agent_messages: int
    left_out: int = 0                 # conversations started before --since
    promises_not_due: int = 0         # timed promises the export ends before
    by_agent: dict[str | None, int] = field(default_factory=dict)  # agent messages per agent


class Auditor:
    """Feed it messages in each conversation's order; `finish()` gives what was found."""

    def __init__(self, checker: Checker, entries: EntryIndex, levels: dict[str, str],
                 since: dt.date | None = None) -> None:
        self.checker = checker
        self.entries = entries
        self.since = since
        self.open: dict[str, _Open] = {}
        self.skipped: set[str] = set()
        self.findings: list[Finding] = []
        self.latest: dt.datetime | None = None
        self.by_agent: dict[str | None, int] = {}
        self.follow_up_level = levels.get(NO_FOLLOW_UP.id, NO_FOLLOW_UP.level.value)
        self.follow_up_entry = entries.follow_up() if self.follow_up_level != "off" else (None, None)

    def add(self, message: Message) -> None:
        when = _utc(message.at)
        if when is not None and (self.latest is None or when > self.latest):
            self.latest = when
        state = self.open.get(message.conversation)
        if state is None:
            if message.conversation in self.skipped:
                return
            if self.since is not None:
                day = when.date() if when else None
                if day is None or day < self.since:
                    self.skipped.add(message.conversation)
                    return
            state = self.open[message.conversation] = _Open(len(self.open), message.channel, message.at)
        state.messages += 1
        if state.channel is None:
            state.channel = message.channel
        if message.author != AGENT:
            return
        state.agent_messages += 1
        state.agents.setdefault(message.agent)
        self.by_agent[message.agent] = self.by_agent.get(message.agent, 0) + 1
        self._check(message, state, when)

    def _finding(self, message: Message, index: int, rule: str, level: str, text: str, hint: str,
                 entry: tuple[str | None, str | None]) -> Finding:
        return Finding(message.conversation, index, message.agent, message.channel, message.at, rule, text, hint,
                       entry[0], entry[1], level, message.path, message.line)

    def _check(self, message: Message, state: _Open, when: dt.datetime | None) -> None:
        index = state.messages
        channel = message.channel if message.channel in CHANNELS else None
        first = state.agent_messages == 1
        state.closing = None
        seen: set[tuple[str, str]] = set()
        for problem in self.checker.check(message.text, message.path, channel):
            if problem.rule == MISSING_CLOSING.id:
                state.closing = self._finding(message, index, problem.rule, problem.level.value, problem.message,
                                              problem.hint, self.entries.of(problem.rule, problem.message))
                continue
            if problem.rule == MISSING_GREETING.id and not first:
                continue
            # The same wording twice in one message is one thing to coach, not two.
            key = (problem.rule, problem.message)
            if key in seen:
                continue
            seen.add(key)
            self._add(state, self._finding(message, index, problem.rule, problem.level.value, problem.message,
                                           problem.hint, self.entries.of(problem.rule, problem.message)))
        state.promise, state.due = None, None
        if self.follow_up_level != "off":
            promise = find_promise(message.text)
            if promise is not None:
                entry, url = self.follow_up_entry
                hint = "keep the promise: write again by then, even with no news yet, or say when you will"
                state.promise = self._finding(
                    message, index, NO_FOLLOW_UP.id, self.follow_up_level,
                    f'promised to come back to the customer "{promise.when}" and no agent wrote again in '
                    "this conversation", hint + (f" (see {url})" if url else ""), (entry, url))
                state.due = when + promise.within if when else None

    def _add(self, state: _Open, finding: Finding) -> None:
        state.findings += 1
        self.findings.append(finding)

    def finish(self) -> Audited:
        """Close every conversation: the last agent message's closing, promises left unkept."""
        not_due = 0
        for state in self.open.values():
            if state.closing is not None:
                self._add(state, state.closing)
            if state.promise is not None:
                if state.due is not None and self.latest is not None and state.due > self.latest:
                    not_due += 1
                else:
                    self._add(state, state.promise)
        order = {conversation: state.order for conversation, state in self.open.items()}
        self.findings.sort(key=lambda f: (order[f.conversation], f.message))
        conversations = [Conversation(conversation, state.channel, state.at, tuple(state.agents), state.messages,
                                      state.agent_messages, state.findings)
                         for conversation, state in self.open.items()]
        return Audited(self.findings, conversations, sum(c.messages for c in conversations),
                       sum(c.agent_messages for c in conversations), len(self.skipped), not_due, self.by_agent)
