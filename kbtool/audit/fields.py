"""The fields every input shares, read one way: a help desk's word for a channel, ISO 8601 times,
conversation ids and authors."""

from __future__ import annotations

import datetime as dt
import re

from kbtool.audit.records import AUTHORS, BadInput, Message
from kbtool.format.vocab import CHANNELS

# What help desks and spreadsheets call kbtool's channels: Zendesk's via types ("voice", "web",
# "native_messaging"), Freshdesk's source names, and the words people type in a CSV.
CHANNEL_WORDS: dict[str, str] = {
    **{channel: channel for channel in CHANNELS},
    "voice": "phone", "call": "phone", "telephone": "phone", "talk": "phone", "voicemail": "phone",
    "phone_call": "phone",
    "e_mail": "email", "mail": "email", "web": "email", "web_form": "email", "portal": "email",
    "outbound_email": "email", "feedback_widget": "email", "web_widget": "email",
    "live_chat": "chat", "livechat": "chat", "webchat": "chat", "messaging": "chat", "native_messaging": "chat",
    "chat_transcript": "chat", "whatsapp": "chat", "messenger": "chat", "facebook_messenger": "chat",
    "twitter": "social", "facebook": "social", "instagram": "social", "instagram_dm": "social",
    "social_media": "social", "any_channel": "social",
    "text": "sms", "text_message": "sms",
    "in_person": "in_person", "showroom": "in_person", "store": "in_person", "shop": "in_person",
    "walk_in": "in_person", "counter": "in_person",
    "post": "letter",
}
_SEPARATORS = re.compile(r"[\s\-/]+")
TIME_HINT = "write times as ISO 8601, e.g. 2024-05-02T14:05:00Z or 2024-05-02 14:05"


def channel_of(word: object) -> str | None:
    """kbtool's channel for a help desk's word, else the word itself (lower case), else None."""
    if word is None:
        return None
    key = _SEPARATORS.sub("_", str(word).strip().lower())
    if not key:
        return None
    return CHANNEL_WORDS.get(key, key)


def parse_time(value: str) -> dt.datetime | None:
    """An ISO 8601 date or date and time ("Z" and offsets included), or None when it is not one."""
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def time_text(value: object) -> str | None:
    """The time as written when it reads as ISO 8601; None when empty. Raises ValueError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or parse_time(value) is None:
        raise ValueError(f"'{value}' is not an ISO 8601 time")
    return value.strip()


def day_of(at: str | None) -> dt.date | None:
    """The calendar day of a time already checked by time_text (None stays None)."""
    if at is None:
        return None
    parsed = parse_time(at)
    return parsed.date() if parsed else None


def conversation_id(value: object) -> str | None:
    """A conversation's id as text: ids are strings or whole numbers; anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def author_of(value: object) -> str | None:
    """AGENT or CUSTOMER for the `author` field (any case), else None."""
    if isinstance(value, str) and value.strip().lower() in AUTHORS:
        return value.strip().lower()
    return None



ROW_HINT = ("each message needs conversation, author (agent or customer) and text; agent, channel and at "
            "(ISO 8601) are optional")


def message_from(row: dict[str, object], path: str, line: int) -> Message | BadInput:
    """One message of a JSON Lines or CSV file, or what is wrong with it."""
    conversation = conversation_id(row.get("conversation"))
    if conversation is None:
        return BadInput(path, line, "no 'conversation': each message names its conversation's id", ROW_HINT)
    author = author_of(row.get("author"))
    if author is None:
        given = row.get("author")
        what = "no 'author'" if given in (None, "") else f"'author' is {given!r}, not agent or customer"
        return BadInput(path, line, what, ROW_HINT)
    text = row.get("text")
    if text is None:
        text = ""
    if not isinstance(text, str):
        return BadInput(path, line, "'text' is not text", ROW_HINT)
    try:
        at = time_text(row.get("at"))
    except ValueError as exc:
        return BadInput(path, line, f"'at': {exc}", TIME_HINT)
    agent = row.get("agent")
    name = agent.strip() if isinstance(agent, str) and agent.strip() else None
    return Message(conversation, author, text, path, line, name if author == "agent" else None,
                   channel_of(row.get("channel")), at)
