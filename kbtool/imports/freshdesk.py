"""Freshdesk canned responses, as its API returns them.

Accepted: the responses of a folder (`GET /api/v2/canned_response_folders/ID/responses`, a list),
one folder with its responses (`GET /api/v2/canned_response_folders/ID`), a list of such folders,
or `{"folders": [...], "responses": [...]}`, the folder list and all responses saved together so
each response finds its folder's name through `folder_id`.
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

SHAPE_HINT = ("save the response of GET /api/v2/canned_response_folders/ID/responses (a list of "
              "{\"title\", \"content_html\", \"folder_id\"}), or see docs/import-export.md for the other shapes")
RESPONSE_KEYS = ("responses", "canned_responses")


def read(data: bytes, path: str) -> Read:
    doc, text = load_json(data, path)
    lines = JsonLines(text)
    folders: dict[Any, str] = {}
    responses: list[tuple[Any, str]] = []  # (response, folder name if known from nesting)
    problems: list[InputProblem] = []
    if isinstance(doc, dict) and ("folders" in doc or "responses" in doc):
        for n, folder in enumerate(_list(doc.get("folders", []), "folders", text, path), 1):
            line = _line(lines, folder)
            try:
                expect(folder, (dict,), f"folder {n}", path, line, SHAPE_HINT)
                folder_id = expect(folder.get("id"), ID_TYPES, f"the \"id\" of folder {n}", path, line, SHAPE_HINT)
                name = expect(folder.get("name"), (str, type(None)), f"the \"name\" of folder {n}", path, line,
                              SHAPE_HINT)
            except InputProblem as problem:
                problems.append(problem)
                continue
            if folder_id is not None and name is not None:
                folders[folder_id] = name
        responses = [(r, "") for r in _list(doc.get("responses", []), "responses", text, path)]
    elif isinstance(doc, dict) and any(k in doc for k in RESPONSE_KEYS):
        responses = _folder(doc, text, path, lines)
    elif isinstance(doc, list):
        for item in doc:
            if isinstance(item, dict) and "title" not in item and any(k in item for k in RESPONSE_KEYS):
                responses.extend(_folder(item, text, path, lines))
            else:
                responses.append((item, ""))
    else:
        raise InputProblem(path, 1, "this is not a Freshdesk canned responses export", SHAPE_HINT)
    found = Read([])
    for n, (response, folder) in enumerate(responses, 1):
        line = _line(lines, response)
        try:
            reply = _reply(response, n, line, path, folder or _folder_name(response, folders, n, line, path))
        except InputProblem as problem:
            problems.append(problem)
            continue
        if reply is None:
            found.notes.append((line, f"'{response.get('title')}' has no text; skipped"))
        else:
            found.replies.append(reply)
    if problems:
        raise InputProblems(problems)
    return found


def _list(value: Any, name: str, text: str, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputProblem(path, JsonLines(text).find(name, value) or 1, f"\"{name}\" must be a list", SHAPE_HINT)
    return value


def _folder(folder: dict[str, Any], text: str, path: str, lines: JsonLines) -> list[tuple[Any, str]]:
    key = next(k for k in RESPONSE_KEYS if k in folder)
    name = expect(folder.get("name"), (str, type(None)), "the folder's \"name\"", path,
                  lines.find("name", folder.get("name")) or 1, SHAPE_HINT)
    return [(r, name or "") for r in _list(folder[key], key, text, path)]


def _folder_name(response: Any, folders: dict[Any, str], n: int, line: int, path: str) -> str:
    if not isinstance(response, dict):
        return ""  # _reply says what is wrong with it
    # kbtool's own export names the folder.
    name = expect(response.get("folder"), (str, type(None)), f"the \"folder\" of canned response {n}", path, line,
                  SHAPE_HINT)
    if name is not None:
        return name
    folder_id = expect(response.get("folder_id"), ID_TYPES, f"the \"folder_id\" of canned response {n}", path,
                       line, SHAPE_HINT)
    if folder_id is None:
        return ""
    return folders.get(folder_id, f"Folder {folder_id}")


def _line(lines: JsonLines, response: Any) -> int:
    if isinstance(response, dict):
        for key in ("id", "title", "name"):
            if key in response:
                found = lines.find(key, response[key])
                if found:
                    return found
    return 1


def _reply(response: Any, n: int, line: int, path: str, folder: str) -> Reply | None:
    if not isinstance(response, dict):
        raise InputProblem(path, line, f"canned response {n} is not an object", SHAPE_HINT)
    expect(response.get("id"), ID_TYPES, f"the \"id\" of canned response {n}", path, line, SHAPE_HINT)
    title = expect(response.get("title"), (str, type(None)), f"the \"title\" of canned response {n}", path, line,
                   SHAPE_HINT)
    if title is None or not title.strip():
        raise InputProblem(path, line, f"canned response {n} has no title", "every response needs a \"title\" text")
    html, plain = response.get("content_html"), response.get("content")
    for name, value in (("content_html", html), ("content", plain)):
        if value is not None and not isinstance(value, str):
            raise InputProblem(path, line, f"the {name} of '{title}' is not text", SHAPE_HINT)
    if (html or "").strip():
        return Reply(title, html, line, folder, html=True)
    if (plain or "").strip():
        return Reply(title, plain, line, folder)
    return None


SOURCE = Source("freshdesk", "Freshdesk", "folder", ("email",), read)
