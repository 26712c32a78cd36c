"""Skeletons for new entries: valid from the first save, with the schema modeline for editors."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

from kbtool.assemble import build_entry
from kbtool.fileops import atomic_write_text
from kbtool.format.jsonschema import entry_json_schema, kb_json_schema
from kbtool.format.kinds import REGISTRY
from kbtool.format.vocab import SLUG
from kbtool.pipeline import rule_ids
from kbtool.problems import KbError
from kbtool.reading.loader import load_bytes

# Each kind's folder and body come from its declaration (kbtool/format/kinds/).
FOLDERS = {name: kind.source_folder for name, kind in REGISTRY.items()}


def git_user_name(cwd: Path) -> str:
    """The author's name from git config, so new entries name a real owner."""
    try:
        out = subprocess.run(["git", "config", "user.name"], cwd=cwd, capture_output=True, text=True, timeout=5,
                             errors="replace")
        # A name the format would refuse (a control character, say) is skipped, not written.
        if out.returncode == 0 and out.stdout.strip() and unwritable(out.stdout.strip()) is None:
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        user = getpass.getuser()
        return user if unwritable(user) is None else "unknown"
    except (KeyError, OSError):
        return "unknown"


# What a one-line text field may hold: YAML's printable characters, less the ones the loader
# refuses (bidi overrides) or reads as line breaks (NEL, U+2028, U+2029). Lone surrogates are
# what invalid UTF-8 in an argument decodes to.
_UNWRITABLE = re.compile(
    r"[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u202a-\u202e\u2066-\u2069\u2028\u2029]")
MAX_TITLE_CHARS = 500


def unwritable(text: str) -> str | None:
    """Why `text` cannot be a one-line field of a new entry, or None when it can."""
    bad = _UNWRITABLE.search(text)
    if bad is not None:
        char = bad.group()
        what = "invalid UTF-8" if "\ud800" <= char <= "\udfff" else f"the character U+{ord(char):04X}"
        return f"it contains {what}; use one line of plain text"
    if len(text) > MAX_TITLE_CHARS:
        return f"it is {len(text):,} characters long; the limit is {MAX_TITLE_CHARS:,}"
    return None


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def skeleton(kind: str, entry_id: str, title: str, owner: str, review_by: dt.date, situation: str | None,
             schema_path: str) -> str:
    lines = [
        f"# yaml-language-server: $schema={schema_path}",
        f"kind: {kind}",
        f"id: {entry_id}",
        f"title: {_quote(title)}",
        "summary: One line saying when staff use this.",
        f"owner: {_quote(owner)}",
        "status: draft",
        f'review_by: "{review_by.isoformat()}"',
        "channels: [phone, email]",
        "# What customers say when this entry is the answer, in their own words (search finds it by them,",
        "# and the page shows them as \"You might hear\"):",
        "# customer_says:",
        "#   - \"I was promised a call back and nobody rang\"",
    ]
    if situation:
        lines.append(f"situation: {situation}")
    return "\n".join(lines) + "\n" + REGISTRY[kind].skeleton.format()


def create_entry(root: Path, kind: str, entry_id: str, title: str | None, owner: str | None,
                 review_days: int, situation: str | None, existing_ids: set[str]) -> Path:
    """Write a new entry file and return its path; never overwrites anything."""
    if kind not in FOLDERS:
        raise KbError(f"unknown kind '{kind}'; use one of: {', '.join(FOLDERS)}")
    if not re.fullmatch(SLUG, entry_id):
        raise KbError(f"{entry_id!r} is not a valid id: use lower-case letters, digits and hyphens")
    for option, value in (("--title", title), ("--owner", owner)):
        why = unwritable(value) if value else None
        if why is not None:
            raise KbError(f"{option} cannot be used: {why}")
    if entry_id in existing_ids:
        raise KbError(f"an entry with id '{entry_id}' already exists; ids are unique across the knowledge base")
    folder = root / FOLDERS[kind]
    path = folder / f"{entry_id}.yaml"
    if path.exists():
        raise KbError(f"{path} already exists; not overwriting it")
    depth = FOLDERS[kind].count("/") + 1
    schema_path = "../" * depth + "schema/entry.schema.json"
    review_by = dt.date.today() + dt.timedelta(days=review_days)
    text = skeleton(kind, entry_id, title or entry_id.replace("-", " ").capitalize(), owner or git_user_name(root),
                    review_by, situation, schema_path)
    _refuse_invalid(text, path.name, situation)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{entry_id}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        # link() fails if the name exists, so a file created meanwhile is never replaced.
        os.link(tmp, path)
    except FileExistsError:
        raise KbError(f"{path} already exists; not overwriting it") from None
    finally:
        os.unlink(tmp)
    return path


def write_missing_schema(root: Path, situations: tuple[str, ...]) -> list[Path]:
    """Write ROOT/schema/entry.schema.json and kb.schema.json where missing, so the modelines of a
    new entry and of a copied kb.yaml point at files that exist in a knowledge base that never ran
    `kbtool schema`.

    Returns the paths written. Existing files are never replaced here (`kbtool schema` refreshes
    them); a folder that cannot be written only costs the editor hints.
    """
    schemas = {
        "entry.schema.json": lambda: json.dumps(entry_json_schema(situations), indent=2, ensure_ascii=False),
        "kb.schema.json": lambda: json.dumps(kb_json_schema(rule_ids()), indent=2),
    }
    written = []
    for name, text in schemas.items():
        path = root / "schema" / name
        if path.exists():
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, text() + "\n")
        except OSError:
            continue
        written.append(path)
    return written


def _refuse_invalid(text: str, name: str, situation: str | None) -> None:
    """The second wall behind the checks above: the skeleton goes through the loader and the format
    before it is written, so `kbtool new` never leaves a file that `kbtool validate` refuses."""
    source = load_bytes(text.encode("utf-8"), name)
    problems = list(source.problems)
    if source.root is not None:
        problems += build_entry(source, {"situation": (situation,) if situation else ()})[1]
    if problems:
        first = problems[0]
        raise KbError(f"the new entry would not validate (line {first.line}: {first.message}); not writing it")
