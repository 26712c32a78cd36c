"""Zendesk tickets with their comments, as the Tickets and Ticket Comments APIs return them.

Accepted: `{"tickets": [...]}` (`GET /api/v2/tickets.json`, `include=users` optional) with each
ticket's comments (`GET /api/v2/tickets/{id}/comments.json`) saved in it as `"comments"`; a list
of such tickets; one ticket saved with its comments (`{"ticket": {...}, "comments": [...]}`); or
JSON Lines, one ticket with its comments per line. Public comments are messages; internal notes
(`"public": false`) are not. With the users sideloaded (`include=users`) an author whose role is
agent or admin is the agent, by name; without them the requester is the customer and every other
author an agent, known by id. The ticket's `via.channel` is the conversation's channel.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from kbtool.audit.fields import TIME_HINT, channel_of, conversation_id, time_text
from kbtool.audit.jsondoc import JsonError, records
from kbtool.audit.records import AGENT, CUSTOMER, BadInput, Message, ReadOptions
from kbtool.imports.helpdesk_text import html_to_text

SHAPE_HINT = ('save GET /api/v2/tickets.json?include=users and put each ticket\'s comments '
              '(GET /api/v2/tickets/ID/comments.json) in it as "comments": {"tickets": [{"id": ..., '
              '"comments": [...]}], "users": [...]}')
AGENT_ROLES = ("agent", "admin")


SAVED_HINT = "save the API's responses exactly as they came (curl ... -o file.json); was the file cut short?"


def is_ticket(value: Any) -> bool:
    return isinstance(value, dict) and "comments" in value and "id" in value


def read(stream: IO[bytes], path: str, options: ReadOptions) -> Iterator[Message | BadInput]:
    users_of: dict[int, dict[Any, tuple[str | None, str | None]]] = {}
    try:
        for key, line, record, members in records(stream, ("tickets",), is_ticket):
            if id(members) not in users_of:
                users_of[id(members)] = _users(members)
            users = users_of[id(members)]
            if key is None and isinstance(record, dict) and not is_ticket(record):
                one = _one(record, path)
                if isinstance(one, BadInput):
                    yield one
                    return
                record, users = one
            yield from _ticket(record, users, path, line)
    except JsonError as exc:
        yield BadInput(path, exc.line, exc.message, SHAPE_HINT if "JSON" not in exc.message else SAVED_HINT)


def _one(document: dict[str, Any], path: str) -> tuple[dict[str, Any], dict[Any, Any]] | BadInput:
    """A document without a tickets list: one ticket saved beside its comments, or a wrong file."""
    if isinstance(document.get("ticket"), dict):
        ticket = dict(document["ticket"])
        ticket.setdefault("comments", document.get("comments"))
        return ticket, _users(document)
    if "tickets" in document:
        return BadInput(path, 1, '"tickets" must be a list', SHAPE_HINT)
    if "comments" in document:
        return BadInput(path, 1, "these are comments without their ticket: the file does not say which "
                                       "ticket they belong to", SHAPE_HINT)
    return BadInput(path, 1, "this is not a Zendesk ticket export: there is no \"tickets\" list", SHAPE_HINT)


def _users(members: dict[str, Any]) -> dict[Any, tuple[str | None, str | None]]:
    """Sideloaded users by id: (name, role)."""
    found: dict[Any, tuple[str | None, str | None]] = {}
    users = members.get("users")
    for user in users if isinstance(users, list) else ():
        if isinstance(user, dict) and "id" in user:
            name, role = user.get("name"), user.get("role")
            found[user["id"]] = (name if isinstance(name, str) and name.strip() else None,
                                 role if isinstance(role, str) else None)
    return found


def _ticket(ticket: Any, users: dict[Any, tuple[str | None, str | None]], path: str, line: int
            ) -> Iterator[Message | BadInput]:
    if not isinstance(ticket, dict):
        yield BadInput(path, line, "a ticket is not an object", SHAPE_HINT)
        return
    conversation = conversation_id(ticket.get("id"))
    if conversation is None:
        yield BadInput(path, line, "a ticket without an id", SHAPE_HINT)
        return
    comments = ticket.get("comments")
    if not isinstance(comments, list):
        yield BadInput(path, line, f"ticket {conversation} has no \"comments\" list",
                       f"save GET /api/v2/tickets/{conversation}/comments.json's comments in the ticket "
                       "as \"comments\"")
        return
    via = ticket.get("via")
    channel = channel_of(via.get("channel")) if isinstance(via, dict) else None
    requester = ticket.get("requester_id")
    for n, comment in enumerate(comments, 1):
        if not isinstance(comment, dict):
            yield BadInput(path, line, f"comment {n} of ticket {conversation} is not an object", SHAPE_HINT)
            return
        if comment.get("public") is False:
            continue  # an internal note: no customer read it
        author_id = comment.get("author_id")
        name, role = users.get(author_id, (None, None))
        agent = role in AGENT_ROLES if role else author_id != requester
        text = _text(comment)
        if text is None:
            yield BadInput(path, line, f"comment {n} of ticket {conversation} has no text (plain_body, body or "
                                       "html_body)", SHAPE_HINT)
            return
        try:
            at = time_text(comment.get("created_at"))
        except ValueError as exc:
            yield BadInput(path, line, f"comment {n} of ticket {conversation}: created_at {exc}", TIME_HINT)
            return
        if agent and name is None and author_id is not None:
            name = f"Zendesk user {author_id}"
        yield Message(conversation, AGENT if agent else CUSTOMER, text, path, line, name if agent else None,
                      channel, at)


def _text(comment: dict[str, Any]) -> str | None:
    for key in ("plain_body", "body"):
        if isinstance(comment.get(key), str):
            return comment[key]
    if isinstance(comment.get("html_body"), str):
        return html_to_text(comment["html_body"])[0]
    return None
