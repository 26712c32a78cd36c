"""GitHub saved replies kept in a repository's `.github/replies.yml`, as issue-reply tools read it:

    replies:
      - name: Needs reproduction
        body: |
          Thanks for the report, {{ author }}! ...

Read with kbtool's own safe YAML loader, so anchors, tags and huge files are refused as they are
in entries. A reply may carry `category` (or `folder`) to group it; otherwise all go in one set.
"""

from __future__ import annotations

from kbtool.imports.common import InputProblem, InputProblems, Read, Reply, Source, decode
from kbtool.imports.helpdesk_text import clean
from kbtool.reading.loader import Mapping, Scalar, Sequence, load_bytes
from kbtool.reading.rules import NOT_A_MAPPING

SHAPE_HINT = "the file holds `replies:`, a list of items with `name:` and `body:`"


def read(data: bytes, path: str) -> Read:
    # The size limit and UTF-8 check, with their messages. Control characters typed into the file
    # are removed as from any other source; written as escapes ("\e"), the loader names their line.
    text = decode(data, path)
    source = load_bytes(clean(text).encode("utf-8"), path)
    if source.problems:
        first = source.problems[0]
        if first.rule == NOT_A_MAPPING.id:
            raise InputProblem(path, first.line, "the top level must be a mapping holding `replies:`", SHAPE_HINT)
        raise InputProblem(path, first.line, first.message, first.hint)
    root = source.root
    assert isinstance(root, Mapping)
    if "replies" not in root.items:
        raise InputProblem(path, root.line, "there is no `replies:` list", SHAPE_HINT)
    key, replies = root.items["replies"]
    if not isinstance(replies, Sequence):
        raise InputProblem(path, key.line, "`replies:` must be a list", SHAPE_HINT)
    found = Read([])
    problems: list[InputProblem] = []
    for n, item in enumerate(replies.items, 1):
        if not isinstance(item, Mapping):
            problems.append(InputProblem(path, item.line, f"reply {n} is not a mapping", SHAPE_HINT))
            continue
        values = {}
        for name in ("name", "body", "category", "folder"):
            if name in item.items:
                node = item.items[name][1]
                if not isinstance(node, Scalar):
                    problems.append(InputProblem(path, node.line, f"`{name}:` of reply {n} must be text"))
                    continue
                values[name] = node.value or ""
        if not values.get("name", "").strip():
            problems.append(InputProblem(path, item.line, f"reply {n} has no `name:`", SHAPE_HINT))
            continue
        if not values.get("body", "").strip():
            found.notes.append((item.line, f"'{values['name']}' has no body; skipped"))
            continue
        found.replies.append(Reply(values["name"], values["body"], item.line,
                                   values.get("category") or values.get("folder") or ""))
    if problems:
        raise InputProblems(problems)
    return found


SOURCE = Source("github", "GitHub", "category", ("email",), read)
