"""What a change does, in content terms: entries added, removed, retitled, re-statused, and the
rules, steps and phrases added, removed or reworded, with old and new text."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kbtool.assemble import MAX_ENTRIES
from kbtool.format.kinds import REGISTRY
from kbtool.model import Entry, KnowledgeBase
from kbtool.pipeline import Checked, check
from kbtool.problems import KbError, Level
from kbtool.reading.layout import CONFIG_FILE, CONTENT_DIRS
from kbtool.reading.loader import MAX_FILE_BYTES
from kbtool.reading.rules import NO_CONTENT

TRACKED_FIELDS = ("summary", "owner", "situation", "channels", "review_by", "tags", "related", "keywords",
                  "customer_says")


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


@dataclass
class InvalidFile:
    """A file with validation errors at the base or the head: its entries are not compared."""

    path: str
    side: str  # base | head
    errors: int
    first: str  # the first error, as line:column message

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "side": self.side, "errors": self.errors, "first": self.first}


@dataclass
class ContentDiff:
    """What `kbtool diff` reports: the base it compared with, the changes, and the invalid files."""

    revision: str
    changes: list[EntryChange]
    invalid: list[InvalidFile] = field(default_factory=list)


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def item_texts(entry: Entry) -> dict[str, str]:
    """The reviewable text of each rule, step or phrase (or a letter's parts), keyed by its id."""
    return REGISTRY[entry.kind].review_texts(entry)


def compare(old: KnowledgeBase, new: KnowledgeBase, skip_paths: Iterable[str] = ()) -> list[EntryChange]:
    """Entry-level changes from `old` to `new`, leaving out entries whose file is in `skip_paths`.

    An invalid file's model holds only what could be read, so comparing it would show missing
    fields as changes; such files are reported as invalid instead.
    """
    skip = frozenset(skip_paths)
    old_by_id = {i: e for i, e in old.by_id.items() if e.path not in skip}
    new_by_id = {i: e for i, e in new.by_id.items() if e.path not in skip}
    # An id whose file is invalid on either side is left out on both, so it is neither "added" nor "removed".
    hidden = {e.id for e in old.by_id.values() if e.path in skip} | {e.id for e in new.by_id.values() if e.path in skip}
    old_by_id = {i: e for i, e in old_by_id.items() if i not in hidden}
    new_by_id = {i: e for i, e in new_by_id.items() if i not in hidden}
    changes: list[EntryChange] = []
    for entry_id, entry in sorted(new_by_id.items()):
        before = old_by_id.get(entry_id)
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
    for entry_id, entry in sorted(old_by_id.items()):
        if entry_id not in new_by_id:
            changes.append(EntryChange(entry_id, entry.kind, entry.title, entry.path, "removed",
                                       old_status=entry.status))
    return changes


def _git_bytes(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run git (pathspecs taken literally, no pager, no prompts); its failure is a KbError."""
    env = {**os.environ, "GIT_LITERAL_PATHSPECS": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat"}
    try:
        out = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, timeout=120, env=env)
    except (OSError, subprocess.SubprocessError) as exc:
        raise KbError(f"cannot run git: {exc}") from None
    if out.returncode != 0:
        message = (out.stderr or out.stdout).decode("utf-8", "replace").strip()
        raise KbError(f"git {' '.join(args[:2])} failed: {message}")
    return out.stdout


def _git(root: Path, *args: str) -> str:
    return _git_bytes(root, *args).decode("utf-8", "surrogateescape")


def default_base(root: Path) -> str:
    """The merge base with the main branch, as a pull request would be compared."""
    for branch in ("main", "origin/main", "master", "origin/master"):
        try:
            return _git(root, "merge-base", "HEAD", branch).strip()
        except KbError:
            continue
    names = branches(root)
    if not names:
        raise KbError(f"nothing to compare with: {NO_COMMITS}")
    raise KbError(f"no branch 'main' or 'master' to compare with ({_listed(names)}); name a base, "
                  f"for example: kbtool diff {names[0]}")


def branches(root: Path) -> list[str]:
    """The repository's branch names: local ones, then remote ones (origin/main)."""
    try:
        listing = _git(root, "for-each-ref", "--format=%(refname)", "refs/heads", "refs/remotes")
    except KbError:
        return []
    local = sorted(ref.removeprefix("refs/heads/") for ref in listing.splitlines() if ref.startswith("refs/heads/"))
    remote = sorted(ref.removeprefix("refs/remotes/") for ref in listing.splitlines()
                    if ref.startswith("refs/remotes/") and not ref.endswith("/HEAD"))
    return local + remote


NO_COMMITS = "the repository has no commits yet (commit the knowledge base, then compare)"


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return f"branches: {shown}"


def _resolve(root: Path, revision: str) -> str:
    """The commit `revision` names; a name git does not know is a KbError listing the branches."""
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").strip()
    except KbError:
        pass
    try:
        _git(root, "rev-parse", "--verify", "--quiet", revision)
    except KbError:
        # git's own words here are "Needed a single revision", which names neither the problem nor a fix.
        looks_like_branch = not any(c in revision for c in "~^:@{") and revision != "HEAD"
        what = "branch" if looks_like_branch else "revision"
        names = branches(root)
        raise KbError(f"no {what} '{revision}' ({_listed(names)})" if names else
                      f"no {what} '{revision}': {NO_COMMITS}") from None
    raise KbError(f"'{revision}' is not a commit; name a branch, a tag or a commit") from None


def _listed_blobs(listing: bytes, prefix: bytes) -> list[tuple[bytes, int, bytes]]:
    """(object id, size, path below the knowledge base) of each regular file in `ls-tree -r -z -l` output."""
    blobs = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, oid, size = meta.split()
        # Links and submodules are not content; a link in git holds a path, not an entry.
        if kind != b"blob" or mode not in (b"100644", b"100755"):
            continue
        if not name.startswith(prefix):
            raise KbError(f"git listed {name!r}, which is not under the knowledge base's folder")
        if not size.isdigit():  # git prints a placeholder when it cannot read the object
            raise KbError(f"git cannot read {os.fsdecode(name)} (object {oid.decode()} is missing or damaged)")
        blobs.append((oid, int(size), name[len(prefix):]))
    return blobs


def _safe_target(into: Path, name: bytes) -> Path:
    """Where a listed file goes in the temporary folder; anything that would land outside it is refused."""
    relative = os.fsdecode(name)
    target = into / relative
    if not relative or os.path.isabs(relative) or ".." in Path(relative).parts \
            or not target.resolve().is_relative_to(into.resolve()):
        raise KbError(f"refusing to write {relative!r} from git: it is outside the temporary folder")
    return target


def _read_blobs(top: Path, oids: list[bytes]) -> list[bytes]:
    """The contents of `oids`, read by one `git cat-file --batch`; a missing object is a KbError."""
    if not oids:
        return []
    out = _git_bytes(top, "cat-file", "--batch", stdin=b"".join(oid + b"\n" for oid in oids))
    contents = []
    position = 0
    for oid in oids:
        end = out.find(b"\n", position)
        header = out[position:end].split() if end >= 0 else []
        if len(header) != 3 or header[1] != b"blob":
            raise KbError(f"git could not read object {oid.decode()} ({b' '.join(header).decode()})")
        size = int(header[2])
        if end + 1 + size > len(out):
            raise KbError(f"git stopped while reading object {oid.decode()}")
        contents.append(out[end + 1:end + 1 + size])
        position = end + 1 + size + 1
    return contents


def checkout_revision(root: Path, revision: str, into: Path) -> None:
    """Write the knowledge base's files as they were at `revision` into the folder `into`."""
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip()).resolve()
    relative = root.resolve().relative_to(top).as_posix()
    prefix = b"" if relative == "." else os.fsencode(relative) + b"/"
    paths = [os.fsdecode(prefix) + p for p in (*CONTENT_DIRS, CONFIG_FILE)]
    # -z: names exactly as stored (git quotes non-ASCII names otherwise); -l: sizes, so an
    # oversized file is never read; --full-tree: names from the top, whatever the cwd.
    listing = _git_bytes(top, "ls-tree", "-r", "-z", "-l", "--full-tree", revision, "--", *paths)
    blobs = _listed_blobs(listing, prefix)
    if len(blobs) > MAX_ENTRIES:
        raise KbError(f"{len(blobs):,} files at {revision}; the limit is {MAX_ENTRIES:,}")
    targets = [_safe_target(into, name) for _, _, name in blobs]
    small = [(oid, target) for (oid, size, _), target in zip(blobs, targets, strict=True) if size <= MAX_FILE_BYTES]
    for (_, size, _), target in zip(blobs, targets, strict=True):
        if size > MAX_FILE_BYTES:
            # A sparse file of the same size: the loader reports it as too large without reading it.
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as handle:
                handle.truncate(size)
    for (_, target), data in zip(small, _read_blobs(top, [oid for oid, _ in small]), strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _invalid_files(checked: Checked, side: str) -> list[InvalidFile]:
    by_path: dict[str, list[Any]] = {}
    for problem in checked.problems:
        if problem.level is not Level.ERROR:
            continue
        if side == "base" and problem.rule == NO_CONTENT.id:
            continue  # a base from before the knowledge base existed is simply empty
        by_path.setdefault(problem.path, []).append(problem)
    return [InvalidFile(path, side, len(found), f"{found[0].line}:{found[0].column} {found[0].message}")
            for path, found in sorted(by_path.items())]


def diff_against(root: Path, base: str | None) -> ContentDiff:
    """Compare the working tree's knowledge base with the one at `base` (default: the merge base with main)."""
    try:
        _git(root, "rev-parse", "--git-dir")
    except KbError:
        raise KbError(f"{root} is not in a git repository; kbtool diff compares the content with a git "
                      "revision (run it inside the knowledge base's checkout)") from None
    if base is not None and base.startswith("-"):
        raise KbError(f"'{base}' is not a revision")
    revision = base or default_base(root)
    commit = _resolve(root, revision)
    with tempfile.TemporaryDirectory(prefix="kbtool-diff-") as tmp:
        checkout_revision(root, commit, Path(tmp))
        old = check(Path(tmp))
        new = check(root)
        invalid = _invalid_files(old, "base") + _invalid_files(new, "head")
        changes = compare(old.kb, new.kb, {item.path for item in invalid})
        return ContentDiff(revision, changes, invalid)


def _quote_block(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.splitlines())


# Markdown punctuation that could start markup: escaped with a backslash, which shows nothing.
_MD_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+!|~=:-])")
# @mentions and bare addresses GitHub turns into links: a zero-width space stops both.
_MENTION = re.compile(r"@(?=[\w-])")
_AUTOLINK = re.compile(r"(?i)(www)(\.)|(://)")


def _md(text: str) -> str:
    """Contributor text as Markdown that renders as exactly that text: no image, link, mention or HTML.

    Pull-request descriptions render Markdown, and a reviewer must see what the content says,
    not a tracking image, a disguised link or a notification sent to someone.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_PUNCTUATION.sub(r"\\\1", text)
    text = _MENTION.sub("@\u200b", text)
    return _AUTOLINK.sub(lambda m: (m.group(1) + "\u200b" + m.group(2)) if m.group(1) else ":\u200b//", text)


def _inline(text: str) -> str:
    """_md for one line: a line break in a title must not start a new Markdown block."""
    return _md(" ".join(str(text).split()))


def _code(text: str) -> str:
    """A code span that holds `text` whatever backticks it contains (code spans make no links)."""
    text = " ".join(str(text).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def format_markdown(revision: str, changes: list[EntryChange], invalid: Iterable[InvalidFile] = ()) -> str:
    invalid = list(invalid)
    since = _code(revision[:12] if re.fullmatch(r"[0-9a-f]{40,64}", revision) else revision)
    lines: list[str] = []
    if invalid:
        lines += ["## Invalid content", "",
                  "These files have validation errors, so their entries are not compared "
                  "(run `kbtool validate` to see every error):", ""]
        for item in invalid:
            where = f"at BASE ({since})" if item.side == "base" else "at HEAD (this change)"
            count = f"{item.errors} error{'s' * (item.errors != 1)}"
            lines.append(f"- {_code(item.path)} is invalid {where}: {count}; first: {_inline(item.first)}")
        lines.append("")
    if not changes:
        return "\n".join([*lines, f"No content changes since {since}."]).rstrip() + "\n"
    counts = {k: sum(1 for c in changes if c.change == k) for k in ("added", "removed", "changed")}
    lines += [f"## Knowledge base changes since {since}", "",
              f"{counts['added']} added, {counts['changed']} changed, {counts['removed']} removed.", ""]
    for c in changes:
        head = f"### {c.change.capitalize()} {_inline(c.kind)}: {_inline(c.title)} ({_code(c.id)})"
        lines += [head, "", f"File: {_code(c.path)}", ""]
        if c.old_title:
            lines.append(f"- Retitled from \"{_inline(c.old_title)}\"")
        if c.old_status and c.new_status:
            lines.append(f"- Status: {_inline(c.old_status)} → {_inline(c.new_status)}")
        for name, (a, b) in c.fields.items():
            lines.append(f"- {name}: {_inline(str(_plain(a)))} → {_inline(str(_plain(b)))}")
        for item in c.items:
            if c.change == "added":
                continue
            lines.append(f"- {item.change.capitalize()} {_code(item.item)}")
            if item.old is not None:
                lines += ["", "  Before:", "", _indent(_quote_block(_md(item.old)))]
            if item.new is not None:
                lines += ["", "  After:" if item.old is not None else "", "", _indent(_quote_block(_md(item.new)))]
            lines.append("")
        if c.change == "added":
            lines.append(f"- {len(c.items)} item(s): " + ", ".join(_code(i.item) for i in c.items))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
