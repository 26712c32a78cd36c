"""Freshdesk canned responses, as its API returns them.

Accepted: the responses of a folder (`GET /api/v2/canned_response_folders/ID/responses`, a list),
one folder with its responses (`GET /api/v2/canned_response_folders/ID`), a list of such folders,
or `{"folders": [...], "responses": [...]}`, the folder list and all responses saved together so
each response finds its folder's name through `folder_id`.
"""

from __future__ import annotations

from typing import Any

from kbtool.imports.common import InputProblem, InputProblems, JsonLines, Read, Reply, Source, load_json

SHAPE_HINT = ("save the response of GET /api/v2/canned_response_folders/ID/responses (a list of "
              "{\"title\", \"content_html\", \"folder_id\"}), or see docs/import-export.md for the other shapes")
RESPONSE_KEYS = ("responses", "canned_responses")


def read(data: bytes, path: str) -> Read:
    doc, text = load_json(data, path)
    folders: dict[Any, str] = {}
    responses: list[tuple[Any, str]] = []  # (response, folder name if known from nesting)
    if isinstance(doc, dict) and ("folders" in doc or "responses" in doc):
        for folder in _list(doc.get("folders", []), "folders", text, path):
            if isinstance(folder, dict) and "id" in folder and isinstance(folder.get("name"), str):
                folders[folder["id"]] = folder["name"]
        responses = [(r, "") for r in _list(doc.get("responses", []), "responses", text, path)]
    elif isinstance(doc, dict) and any(k in doc for k in RESPONSE_KEYS):
        responses = _folder(doc, text, path)
    elif isinstance(doc, list):
        for item in doc:
            if isinstance(item, dict) and "title" not in item and any(k in item for k in RESPONSE_KEYS):
                responses.extend(_folder(item, text, path))
            else:
                responses.append((item, ""))
    else:
        raise InputProblem(path, 1, "this is not a Freshdesk canned responses export", SHAPE_HINT)
    found = Read([])
    problems: list[InputProblem] = []
    lines = JsonLines(text)
    for n, (response, folder) in enumerate(responses, 1):
        line = _line(lines, response)
        try:
            reply = _reply(response, n, line, path, folder or _folder_name(response, folders))
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


def _folder(folder: dict[str, Any], text: str, path: str) -> list[tuple[Any, str]]:
    key = next(k for k in RESPONSE_KEYS if k in folder)
    name = folder.get("name") if isinstance(folder.get("name"), str) else ""
    return [(r, name) for r in _list(folder[key], key, text, path)]


def _folder_name(response: Any, folders: dict[Any, str]) -> str:
    if isinstance(response, dict) and isinstance(response.get("folder"), str):
        return response["folder"]  # kbtool's own export names the folder
    if isinstance(response, dict) and "folder_id" in response:
        return folders.get(response["folder_id"], f"Folder {response['folder_id']}")
    return ""


def _line(lines: JsonLines, response: Any) -> int:
    if isinstance(response, dict):
        for key in ("id", "title"):
            if isinstance(response.get(key), (str, int)):
                found = lines.find(key, response[key])
                if found:
                    return found
    return 1


def _reply(response: Any, n: int, line: int, path: str, folder: str) -> Reply | None:
    if not isinstance(response, dict):
        raise InputProblem(path, line, f"canned response {n} is not an object", SHAPE_HINT)
    title = response.get("title")
    if not isinstance(title, str) or not title.strip():
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
