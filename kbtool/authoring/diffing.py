"""What a change does, in content terms: entries added, removed, retitled, re-statused, and the
rules, steps and phrases added, removed or reworded, with old and new text."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbtool.format.kinds import REGISTRY
from kbtool.model import Entry, KnowledgeBase
from kbtool.problems import KbError
from kbtool.source.kb import CONFIG_FILE, CONTENT_DIRS, load_knowledge_base

TRACKED_FIELDS = ("summary", "owner", "situation", "channels", "review_by", "tags", "related")


@dataclass
class ItemChange:
    change: str  # added | removed | reworded
    item: str
    old: str | None = None
    new: str | None = None


@dataclass
class EntryChange:
    id: str
    kind: str
    title: str
    path: str
    change: str  # added | removed | changed
    old_title: str | None = None
    old_status: str | None = None
    new_status: str | None = None
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    items: list[ItemChange] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "title": self.title, "path": self.path, "change": self.change,
            "old_title": self.old_title, "old_status": self.old_status, "new_status": self.new_status,
            "fields": {k: {"old": _plain(a), "new": _plain(b)} for k, (a, b) in self.fields.items()},
            "items": [vars(i) for i in self.items],
        }


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def item_texts(entry: Entry) -> dict[str, str]:
    """The reviewable text of each rule, step or phrase (or a letter's parts), keyed by its id."""
    return REGISTRY[entry.kind].review_texts(entry)


def compare(old: KnowledgeBase, new: KnowledgeBase) -> list[EntryChange]:
    changes: list[EntryChange] = []
    for entry_id, entry in sorted(new.by_id.items()):
        before = old.by_id.get(entry_id)
        if before is None:
            changes.append(EntryChange(entry_id, entry.kind, entry.title, entry.path, "added",
                                       new_status=entry.status,
                                       items=[ItemChange("added", k, None, v) for k, v in item_texts(entry).items()]))
            continue
        change = EntryChange(entry_id, entry.kind, entry.title, entry.path, "changed")
        if before.title != entry.title:
            change.old_title = before.title
        if before.status != entry.status:
            change.old_status, change.new_status = before.status, entry.status
        for name in TRACKED_FIELDS:
            a, b = getattr(before, name), getattr(entry, name)
            if a != b:
                change.fields[name] = (a, b)
        old_items, new_items = item_texts(before), item_texts(entry)
        for key, text in new_items.items():
            if key not in old_items:
                change.items.append(ItemChange("added", key, None, text))
            elif old_items[key] != text:
                change.items.append(ItemChange("reworded", key, old_items[key], text))
        for key, text in old_items.items():
            if key not in new_items:
                change.items.append(ItemChange("removed", key, text, None))
        if change.old_title or change.old_status or change.fields or change.items:
            changes.append(change)
    for entry_id, entry in sorted(old.by_id.items()):
        if entry_id not in new.by_id:
            changes.append(EntryChange(entry_id, entry.kind, entry.title, entry.path, "removed",
                                       old_status=entry.status))
    return changes


def _git(root: Path, *args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise KbError(f"cannot run git: {exc}") from None
    if out.returncode != 0:
        raise KbError(f"git {' '.join(args)} failed: {out.stderr.strip() or out.stdout.strip()}")
    return out.stdout


def default_base(root: Path) -> str:
    """The merge base with the main branch, as a pull request would be compared."""
    for branch in ("main", "origin/main", "master", "origin/master"):
        try:
            return _git(root, "merge-base", "HEAD", branch).strip()
        except KbError:
            continue
    raise KbError("no main branch to compare with; name a base, for example: kbtool diff HEAD~1")


def load_at_revision(root: Path, revision: str, into: Path) -> KnowledgeBase:
    """Check the knowledge base's files out of git at `revision` into a folder and load them."""
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    prefix = root.resolve().relative_to(top.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    paths = [prefix + p for p in (*CONTENT_DIRS, CONFIG_FILE)]
    listing = _git(top, "ls-tree", "-r", "--name-only", revision, "--", *paths)
    for name in listing.splitlines():
        data = subprocess.run(["git", "show", f"{revision}:{name}"], cwd=top, capture_output=True, timeout=30).stdout
        target = into / name[len(prefix):]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return load_knowledge_base(into)


def diff_against(root: Path, base: str | None) -> tuple[str, list[EntryChange]]:
    try:
        _git(root, "rev-parse", "--git-dir")
    except KbError:
        raise KbError(f"{root} is not in a git repository; kbtool diff compares the content with a git "
                      "revision (run it inside the knowledge base's checkout)") from None
    revision = base or default_base(root)
    _git(root, "rev-parse", "--verify", f"{revision}^{{commit}}")
    with tempfile.TemporaryDirectory() as tmp:
        old = load_at_revision(root, revision, Path(tmp))
        new = load_knowledge_base(root)
        return revision, compare(old, new)


def _quote_block(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.splitlines())


def _md(text: str) -> str:
    # Pull-request descriptions render Markdown; keep contributor text from becoming markup.
    return text.replace("\\", "\\\\").replace("<", "&lt;").replace(">", "&gt;").replace("`", "\\`").replace("*", "\\*")


def format_markdown(revision: str, changes: list[EntryChange]) -> str:
    if not changes:
        return f"No content changes since `{revision[:12]}`.\n"
    counts = {k: sum(1 for c in changes if c.change == k) for k in ("added", "removed", "changed")}
    lines = [f"## Knowledge base changes since `{revision[:12]}`", "",
             f"{counts['added']} added, {counts['changed']} changed, {counts['removed']} removed.", ""]
    for c in changes:
        head = f"### {c.change.capitalize()} {c.kind}: {_md(c.title)} (`{c.id}`)"
        lines += [head, "", f"File: `{c.path}`", ""]
        if c.old_title:
            lines.append(f"- Retitled from \"{_md(c.old_title)}\"")
        if c.old_status and c.new_status:
            lines.append(f"- Status: {c.old_status} → {c.new_status}")
        for name, (a, b) in c.fields.items():
            lines.append(f"- {name}: {_md(str(_plain(a)))} → {_md(str(_plain(b)))}")
        for item in c.items:
            if c.change == "added":
                continue
            lines.append(f"- {item.change.capitalize()} `{item.item}`")
            if item.old is not None:
                lines += ["", "  Before:", "", _indent(_quote_block(_md(item.old)))]
            if item.new is not None:
                lines += ["", "  After:" if item.old is not None else "", "", _indent(_quote_block(_md(item.new)))]
            lines.append("")
        if c.change == "added":
            lines.append(f"- {len(c.items)} item(s): " + ", ".join(f"`{i.item}`" for i in c.items))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
