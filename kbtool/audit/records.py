"""The records an audit passes along: one message as an export holds it, one finding (the JSON
contract), and one line of input that cannot be read."""

from __future__ import annotations

from dataclasses import dataclass

AGENT = "agent"
CUSTOMER = "customer"
AUTHORS = (AGENT, CUSTOMER)

# The finding record, field for field as `--format json` and `--format csv` write it: a contract
# with whatever reads the audit, so fields are added with a new version, never renamed.
FINDING_FIELDS = ("conversation", "message", "agent", "channel", "at", "rule", "message_text", "hint", "entry",
                  "url")


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a conversation, in the order the export gives them.

    `author` is AGENT or CUSTOMER; `agent` is the agent's name on agent messages (None when the
    export does not say); `channel` is one of kbtool's channels when the export's word for it is
    known, else the export's own word, else None; `at` is the ISO 8601 time as written. `path`
    and `line` are where the message starts in the input, for problems and for `kbtool check`.
    """

    conversation: str
    author: str
    text: str
    path: str
    line: int
    agent: str | None = None
    channel: str | None = None
    at: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing an agent message breaks, as the report and its JSON give it.

    `message` is the message's 1-based place in its conversation, counting every message;
    `entry` and `url` are the standard or phrase set it breaks and its page (None for kb.yaml's
    style rules and for blanks). `level` is the rule's level; `path` and `line` are where the
    message is in the input (neither is part of the JSON record).
    """

    conversation: str
    message: int
    agent: str | None
    channel: str | None
    at: str | None
    rule: str
    message_text: str
    hint: str
    entry: str | None
    url: str | None
    level: str = "warning"
    path: str = ""
    line: int = 0

    def record(self) -> dict[str, object]:
        """The JSON record: exactly FINDING_FIELDS, in that order."""
        return {name: getattr(self, name) for name in FINDING_FIELDS}


@dataclass(frozen=True, slots=True)
class BadInput:
    """Input that cannot be audited: the file, the line, what is wrong and how to fix it."""

    path: str
    line: int
    message: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Conversation:
    """What the summaries need of one conversation once it is checked: kept small, since an audit
    holds one per conversation."""

    id: str
    channel: str | None
    at: str | None                 # its first message's time
    agents: tuple[str | None, ...]  # who wrote in it, in order of first message
    messages: int
    agent_messages: int
    findings: int


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What a reader may need beyond the file: the channel for inputs that do not name one, the
    compiled rules of `kbtool check` (their speaker labels, so transcripts are read as it reads
    them), and the file's name within the folder it was found in (a transcript's conversation id)."""

    channel: str | None = None
    rules: dict[str, object] | None = None
    name: str | None = None
