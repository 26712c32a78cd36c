"""Zendesk macros, as its macros API returns them (`GET /api/v2/macros.json`).

The reply is the macro's `comment_value` action (plain text, or `["channel:all", text]` in older
accounts) or its `comment_value_html`; a title `Returns::Refund approved` is the macro
"Refund approved" in the category "Returns".
"""

from __future__ import annotations

from typing import Any

from kbtool.imports.common import (
    ID_TYPES,
    InputProblem,
    InputProblems,
    JsonLines,
    Read,
    Reply,
    Source,
    expect,
    load_json,
)

SHAPE_HINT = 'save the response of GET /api/v2/macros.json, which looks like {"macros": [{"title": ..., "actions": [...]}]}'


def read(data: bytes, path: str) -> Read:
    doc, text = load_json(data, path)
    if isinstance(doc, dict) and isinstance(doc.get("macro"), dict):
        macros: Any = [doc["macro"]]
    elif isinstance(doc, dict) and "macros" in doc:
        macros = doc["macros"]
    else:
        raise InputProblem(path, 1, "this is not a Zendesk macros export: there is no \"macros\" list", SHAPE_HINT)
    if not isinstance(macros, list):
        raise InputProblem(path, JsonLines(text).find("macros", macros) or 1, "\"macros\" must be a list",
                           SHAPE_HINT)
    found = Read([])
    problems: list[InputProblem] = []
    lines = JsonLines(text)
    for n, macro in enumerate(macros, 1):
        line = _line(lines, macro) or 1
        try:
            reply = _reply(macro, n, line, path)
        except InputProblem as problem:
            problems.append(problem)
            continue
        if reply is None:
            title = macro.get("title", f"macro {n}")
            found.notes.append((line, f"'{title}' has no reply text (it only sets ticket fields); skipped"))
        elif macro["active"] is False:
            found.notes.append((line, f"'{macro['title']}' is inactive in Zendesk; skipped"))
        else:
            found.replies.append(reply)
    if problems:
        raise InputProblems(problems)
    next_page = expect(doc.get("next_page"), (str, type(None)), "\"next_page\"", path,
                       lines.find("next_page", doc.get("next_page")) or 1, SHAPE_HINT) if isinstance(doc, dict) else None
    if next_page:
        found.notes.append((1, "this file is one page of the macros list: fetch next_page too and import "
                               "each page"))
    return found


def _line(lines: JsonLines, macro: Any) -> int:
    if isinstance(macro, dict):
        for key in ("id", "title"):
            if key in macro:
                found = lines.find(key, macro[key])
                if found:
                    return found
    return 0


def _reply(macro: Any, n: int, line: int, path: str) -> Reply | None:
    if not isinstance(macro, dict):
        raise InputProblem(path, line, f"macro {n} is not an object", SHAPE_HINT)
    expect(macro.get("id"), ID_TYPES, f"the \"id\" of macro {n}", path, line, SHAPE_HINT)
    title = expect(macro.get("title"), (str, type(None)), f"the \"title\" of macro {n}", path, line, SHAPE_HINT)
    if title is None or not title.strip():
        raise InputProblem(path, line, f"macro {n} has no title", "every macro needs a \"title\" text")
    macro["active"] = expect(macro.get("active", True), (bool, type(None)), f"the \"active\" of '{title}'", path,
                             line, SHAPE_HINT)
    actions = macro.get("actions", [])
    if not isinstance(actions, list):
        raise InputProblem(path, line, f"the actions of '{title}' are not a list", SHAPE_HINT)
    plain = html = None
    for action in actions:
        if not isinstance(action, dict) or not isinstance(action.get("field"), str):
            raise InputProblem(path, line, f"an action of '{title}' is not a {{\"field\": ..., \"value\": ...}} object",
                               SHAPE_HINT)
        value = action.get("value")
        if action["field"] == "comment_value":
            # Older accounts store [channel, text]; the text is the last element.
            if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                value = value[-1]
            if not isinstance(value, str):
                raise InputProblem(path, line, f"the comment_value of '{title}' is not text", SHAPE_HINT)
            plain = value
        elif action["field"] == "comment_value_html":
            if not isinstance(value, str):
                raise InputProblem(path, line, f"the comment_value_html of '{title}' is not text", SHAPE_HINT)
            html = value
    if not (plain or "").strip() and not (html or "").strip():
        return None
    *category, name = [part.strip() for part in title.split("::")]
    is_html = not (plain or "").strip()
    return Reply(name or title, html if is_html else plain, line, " / ".join(p for p in category if p),  # type: ignore[arg-type]
                 html=is_html)


SOURCE = Source("zendesk", "Zendesk", "category", ("email",), read)
