"""Freshdesk tickets with their conversations, as the Tickets and Conversations APIs return them.

Accepted: one ticket with its conversations (`GET /api/v2/tickets/ID?include=conversations`), a
list of such tickets or `{"tickets": [...], "agents": [...]}` (the agents of `GET /api/v2/agents`
give replies their names), JSON Lines of tickets, or one ticket's conversations alone
(`GET /api/v2/tickets/ID/conversations`, a list; each names its `ticket_id`). The ticket's
description is its first message (the customer's, or the agent's on an outbound email); a
conversation with `incoming: false` and `private: false` is an agent's reply, `incoming: true` a
customer's, and private notes are not messages. The ticket's `source` is the channel.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from kbtool.audit.fields import TIME_HINT, channel_of, conversation_id, time_text
from kbtool.audit.jsondoc import JsonError, records
from kbtool.audit.records import AGENT, CUSTOMER, BadInput, Message, ReadOptions
from kbtool.imports.helpdesk_text import html_to_text

SHAPE_HINT = ("save GET /api/v2/tickets/ID?include=conversations for each ticket (a list of them, or "
              "{\"tickets\": [...], \"agents\": [...]}), or GET /api/v2/tickets/ID/conversations")
# Freshdesk's ticket `source` codes (API v2): 1 email, 2 portal, 3 phone, 5 Twitter, 6 Facebook,
# 7 chat, 9 feedback widget, 10 outbound email.
SOURCES = {1: "email", 2: "email", 3: "phone", 5: "social", 6: "social", 7: "chat", 9: "email", 10: "email"}
OUTBOUND_EMAIL = 10


SAVED_HINT = "save the API's responses exactly as they came (curl ... -o file.json); was the file cut short?"


def is_record(value: Any) -> bool:
    return isinstance(value, dict) and "id" in value and any(
        k in value for k in ("conversations", "description_text", "description", "ticket_id"))


def read(stream: IO[bytes], path: str, options: ReadOptions) -> Iterator[Message | BadInput]:
    agents_of: dict[int, dict[Any, str]] = {}
    try:
        for key, line, record, members in records(stream, ("tickets",), is_record):
            if id(members) not in agents_of:
                agents_of[id(members)] = _agents(members)
            agents = agents_of[id(members)]
            if key is None and isinstance(record, dict) and not is_record(record):
                if "tickets" in record:
                    yield BadInput(path, 1, '"tickets" must be a list', SHAPE_HINT)
                else:
                    yield BadInput(path, line, "this is not a Freshdesk ticket or conversation export", SHAPE_HINT)
                return
            if isinstance(record, dict) and "ticket_id" in record and "conversations" not in record:
                yield from _replies(record.get("ticket_id"), [record], agents, None, path, line)
            else:
                yield from _ticket(record, agents, path, line)
    except JsonError as exc:
        yield BadInput(path, exc.line, exc.message, SHAPE_HINT if "JSON" not in exc.message else SAVED_HINT)


def _agents(members: dict[str, Any]) -> dict[Any, str]:
    found: dict[Any, str] = {}
    agents = members.get("agents")
    for agent in agents if isinstance(agents, list) else ():
        if isinstance(agent, dict) and "id" in agent:
            contact = agent.get("contact")
            name = contact.get("name") if isinstance(contact, dict) else agent.get("name")
            if isinstance(name, str) and name.strip():
                found[agent["id"]] = name.strip()
    return found


def _name(user_id: Any, agents: dict[Any, str]) -> str | None:
    if user_id in agents:
        return agents[user_id]
    return None if user_id is None else f"Freshdesk agent {user_id}"


def _ticket(ticket: Any, agents: dict[Any, str], path: str, line: int) -> Iterator[Message | BadInput]:
    if not isinstance(ticket, dict):
        yield BadInput(path, line, "a ticket is not an object", SHAPE_HINT)
        return
    conversation = conversation_id(ticket.get("id"))
    if conversation is None:
        yield BadInput(path, line, "a ticket without an id", SHAPE_HINT)
        return
    source = ticket.get("source")
    channel = SOURCES.get(source) if isinstance(source, int) else channel_of(source)
    description = _text(ticket, "description_text", "description")
    if description is not None:
        try:
            at = time_text(ticket.get("created_at"))
        except ValueError as exc:
            yield BadInput(path, line, f"ticket {conversation}: created_at {exc}", TIME_HINT)
            return
        outbound = source == OUTBOUND_EMAIL
        yield Message(conversation, AGENT if outbound else CUSTOMER, description, path, line,
                      _name(ticket.get("responder_id"), agents) if outbound else None, channel, at)
    replies = ticket.get("conversations", [])
    if not isinstance(replies, list):
        yield BadInput(path, line, f"the conversations of ticket {conversation} are not a list", SHAPE_HINT)
        return
    yield from _replies(ticket.get("id"), replies, agents, channel, path, line)


def _replies(ticket_id: Any, replies: list[Any], agents: dict[Any, str], channel: str | None, path: str,
             line: int) -> Iterator[Message | BadInput]:
    conversation = conversation_id(ticket_id)
    if conversation is None:
        yield BadInput(path, line, "a conversation without a ticket_id", SHAPE_HINT)
        return
    for n, reply in enumerate(replies, 1):
        if not isinstance(reply, dict):
            yield BadInput(path, line, f"conversation {n} of ticket {conversation} is not an object", SHAPE_HINT)
            return
        if reply.get("private") is True:
            continue  # a note between agents
        text = _text(reply, "body_text", "body")
        if text is None:
            yield BadInput(path, line, f"conversation {n} of ticket {conversation} has no text (body_text or body)",
                           SHAPE_HINT)
            return
        try:
            at = time_text(reply.get("created_at"))
        except ValueError as exc:
            yield BadInput(path, line, f"conversation {n} of ticket {conversation}: created_at {exc}", TIME_HINT)
            return
        agent = reply.get("incoming") is False
        yield Message(conversation, AGENT if agent else CUSTOMER, text, path, line,
                      _name(reply.get("user_id"), agents) if agent else None, channel, at)


def _text(record: dict[str, Any], plain: str, html: str) -> str | None:
    if isinstance(record.get(plain), str):
        return record[plain]
    if isinstance(record.get(html), str):
        return html_to_text(record[html])[0]
    return None
