"""Skeletons for new entries: valid from the first save, with the schema modeline for editors."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re
import subprocess
import tempfile
from pathlib import Path

from kbtool.format.kinds import REGISTRY
from kbtool.format.vocab import SLUG
from kbtool.problems import KbError

# Each kind's folder and body come from its declaration (kbtool/format/kinds/).
FOLDERS = {name: kind.source_folder for name, kind in REGISTRY.items()}


def git_user_name(cwd: Path) -> str:
    """The author's name from git config, so new entries name a real owner."""
    try:
        out = subprocess.run(["git", "config", "user.name"], cwd=cwd, capture_output=True, text=True, timeout=5)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


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
        raise KbError(f"'{entry_id}' is not a valid id: use lower-case letters, digits and hyphens")
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
                    review_by, situation if kind != "standard" else situation, schema_path)
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
