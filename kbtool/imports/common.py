"""What every import shares: the replies a reader found, the phrase sets made of them, and writing
those sets as new draft entries without ever replacing a file.

A reader (zendesk.py, freshdesk.py, github.py, csvfile.py) turns one file into `Reply` records or
`InputProblem`s; `plan()` groups the replies into phrase sets with unique ids and declared blanks;
`write()` creates the files. Planning reads nothing but the knowledge base and writes nothing, so a
dry run is the plan printed.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kbtool import jsontext
from kbtool.assemble import build_entry
from kbtool.checks import templates
from kbtool.fileops import read_prefix
from kbtool.format.kinds import REGISTRY
from kbtool.format.types import did_you_mean
from kbtool.imports.helpdesk_text import (
    Blank,
    clean,
    convert_placeholders,
    html_to_text,
    looks_like_html,
    one_line,
    slugify,
    tidy,
    unique,
)
from kbtool.model import KnowledgeBase
from kbtool.problems import KbError, Level
from kbtool.reading.loader import load_bytes
from kbtool.templating import foreign_placeholders

# An export bigger than this is not a help desk's replies; reading it would only use memory.
MAX_INPUT_BYTES = 20 * 1024 * 1024
# Phrases per file and characters per file, well inside the loader's 1 MiB per entry file.
MAX_PHRASES_PER_SET = 150
MAX_SET_CHARS = 400_000
# A reply longer than this is a document, not a phrase (and the template check's limit).
MAX_REPLY_CHARS = 50_000
DEFAULT_SITUATION = "follow-up"
MARK = "# kbtool-import:"


class InputProblem(Exception):
    """The input file cannot be imported: where, what, and how to fix it."""

    def __init__(self, path: str, line: int, message: str, hint: str = "") -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message
        self.hint = hint


class InputProblems(Exception):
    """Every problem found in one input file (nothing is written when there is any)."""

    def __init__(self, problems: list[InputProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Reply:
    """One canned reply as the source holds it; `line` is where it starts in the input file."""

    title: str
    text: str
    line: int
    group: str = ""           # the folder or category it belongs to
    html: bool = False        # `text` is HTML
    keywords: list[str] = field(default_factory=list)
    situation: str | None = None
    channels: list[str] = field(default_factory=list)
    customer_says: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Every source makes its replies here, so this is the one place a text from any of them is
        # made safe: a name on one line, a text with its line breaks, neither with control
        # characters or lone surrogates (which YAML, the loader and the terminal all refuse).
        self.title = one_line(self.title)
        self.text = clean(self.text)
        self.group = one_line(self.group)
        self.keywords = [k for k in (one_line(k) for k in self.keywords) if k]
        self.situation = one_line(self.situation) or None if self.situation is not None else None
        self.channels = [c for c in (one_line(c) for c in self.channels) if c]
        self.customer_says = [c for c in (one_line(c) for c in self.customer_says) if c]


@dataclass
class Read:
    """What a reader found: the replies, and notes on what it skipped or changed."""

    replies: list[Reply]
    notes: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    """One import source: its name on the command line, what it reads, and how."""

    name: str
    label: str            # "Zendesk"
    group_word: str       # what the source calls a group ("category", "folder")
    default_channels: tuple[str, ...]
    read: Callable[[bytes, str], Read]


@dataclass
class Options:
    owner: str
    review_by: dt.date
    situation: str | None = None        # None: guess from the group's name, else DEFAULT_SITUATION
    channels: tuple[str, ...] = ()       # empty: the source's default


@dataclass
class Phrase:
    id: str
    say: str
    keywords: list[str]
    line: int
    customer_says: list[str] = field(default_factory=list)


@dataclass
class PlannedSet:
    """One phrase set to create (or, with `existing`, one an earlier import already created)."""

    id: str
    title: str
    group: str
    path: Path
    phrases: list[Phrase]
    variables: dict[str, Blank]
    situation: str
    channels: list[str]
    text: str = ""
    existing: bool = False
    optional: set[str] = field(default_factory=set)  # blanks a condition tests: not required


@dataclass
class Plan:
    sets: list[PlannedSet]
    notes: list[tuple[int, str]]
    replies: int

    @property
    def new(self) -> list[PlannedSet]:
        return [s for s in self.sets if not s.existing]


_TYPE_WORDS = {str: "text", int: "a number", float: "a decimal number", bool: "true or false", list: "a list",
               dict: "an object", type(None): "null"}


def _json_type(value: Any) -> str:
    return _TYPE_WORDS.get(type(value), type(value).__name__)


def expect(value: Any, types: tuple[type, ...], what: str, path: str, line: int, hint: str = "") -> Any:
    """`value` when it is one of `types`, else an InputProblem naming the field and the type it
    must have. A reader checks each field it uses here, where it reads it, so a list where a help
    desk puts a number is a FILE:LINE message rather than a failure somewhere further on."""
    # JSON's true and false are Python ints too; a field wanting a number does not want them.
    if isinstance(value, types) and not (isinstance(value, bool) and bool not in types):
        return value
    # Null stands for a field left out, which is not worth naming as a choice.
    wanted = " or ".join(dict.fromkeys(_TYPE_WORDS.get(t, t.__name__) for t in types if t is not type(None)))
    raise InputProblem(path, line, f"{what} must be {wanted}, not {_json_type(value)}", hint)


ID_TYPES = (int, str, type(None))


def load_json(data: bytes, path: str) -> tuple[Any, str]:
    """The decoded JSON document and its text (for finding lines), or an InputProblem at its line."""
    text = decode(data, path)
    try:
        return jsontext.loads(text), text
    except json.JSONDecodeError as exc:
        raise InputProblem(path, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})",
                           "save the API's response exactly as it came (curl ... -o file.json)") from None
    except RecursionError:
        raise InputProblem(path, 1, "the JSON nests too deeply to be a help desk's export") from None


def decode(data: bytes, path: str) -> str:
    if len(data) > MAX_INPUT_BYTES:
        raise InputProblem(path, 1, f"the file is {len(data):,} bytes; the limit is {MAX_INPUT_BYTES:,}",
                           "split the export into several files and import each")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputProblem(path, line, "the file is not UTF-8 text",
                           "export or save it as UTF-8 (in a spreadsheet: CSV UTF-8)") from None


# A JSON string and, when it is a key, its value: a string, a number or literal, or the bracket
# that opens an object or array. Each string is read whole, so the scan never lands inside one
# (outside strings, valid JSON holds no quote); possessively, as a string has one reading.
_JSON_PAIR = re.compile(r'("[^"\\]*+(?:\\.[^"\\]*+)*+")(?:\s*:\s*("[^"\\]*+(?:\\.[^"\\]*+)*+"|[-+.\w]+|[\[{]))?')


def _typed(value: Any) -> tuple[str, Any]:
    """A JSON value as the line index holds it: with its type, since True == 1 == 1.0 in Python.
    Objects and arrays are known by their type alone."""
    return (type(value).__name__, None if isinstance(value, (dict, list)) else value)


def _decoded(token: str) -> Any:
    """A JSON token's value; the plain strings most tokens are skip the decoder."""
    if token in "[{":
        return {} if token == "{" else []
    if token[0] == '"' and "\\" not in token:
        return token[1:-1]
    return jsontext.loads(token)


class JsonLines:
    """Finds the line of `"key": value` in a JSON text, at or after the last one found.

    The standard JSON reader keeps no positions; a reply's id or title is as good as a position,
    since that is what a person looks for in the file. The first look-up of a key reads the text
    once and notes where the key stands with each value, decoded, so a title written with `\\u`
    escapes is found like any other, and each look-up after that is a dictionary and a bisection.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.places: dict[str, dict[tuple[str, Any], list[tuple[int, int]]]] = {}
        self.after = 0

    def _places(self, key: str) -> dict[tuple[str, Any], list[tuple[int, int]]]:
        """Where `"key": value` stands, by value: (offset, line) in file order."""
        if key not in self.places:
            found: dict[tuple[str, Any], list[tuple[int, int]]] = {}
            line, counted = 1, 0
            for match in _JSON_PAIR.finditer(self.text):
                if match.group(2) is None or _decoded(match.group(1)) != key:
                    continue
                line += self.text.count("\n", counted, match.start())
                counted = match.start()
                found.setdefault(_typed(_decoded(match.group(2))), []).append((counted, line))
            self.places[key] = found
        return self.places[key]

    def find(self, key: str, value: Any) -> int:
        """The line of `"key": value` at or after the last one found, else anywhere, else 0."""
        places = self._places(key).get(_typed(value))
        if not places:
            return 0
        at, line = places[bisect.bisect_left(places, self.after, key=lambda place: place[0]) % len(places)]
        self.after = at
        return line


def plan(source: Source, read: Read, path: str, root: Path, kb: Any, options: Options) -> Plan:
    """The phrase sets `read` becomes in the knowledge base at `root` (`kb`, loaded); writes nothing.

    Replies are grouped by the source's folder or category (or, for a CSV, by situation) in the
    order they first appear. Ids come from titles and are unique in file order, so the same file
    always gives the same ids: "Hello" and "hello" become `hello` and `hello-2`. A set's id also
    avoids every id in the knowledge base; a file an earlier import of the same group wrote is
    left alone (re-running an import never touches a mentor's edits).
    """
    notes = list(read.notes)
    shared = set(kb.config.variables)
    situations = kb.config.situations
    _check_situations(read, path, situations)
    folder = root / REGISTRY["phrases"].source_folder
    check_folder(root, folder)
    groups: dict[str, list[tuple[Reply, str, dict[str, Blank], set[str]]]] = {}
    for reply in read.replies:
        title = one_line(reply.title)
        if reply.html or looks_like_html(reply.text):
            # A plain text with tags in it (a CSV cell pasted from a help desk) goes the same way
            # as an HTML reply; its own line breaks are kept, where HTML's are only spacing.
            html = reply.text if reply.html else reply.text.replace("\r\n", "\n").replace("\n", "<br>")
            body, removed = html_to_text(html)
            if removed:
                notes.append((reply.line, f"'{title}': removed the content of <{'>, <'.join(sorted(removed))}> "
                                          "from the HTML"))
        else:
            body = tidy(reply.text)
        # Checked before the placeholders are converted too, so a reply far past the limit is skipped
        # without being read for them; conversion can lengthen a text ("{{a}}" -> "{{ a }}").
        if len(body) > MAX_REPLY_CHARS:
            notes.append((reply.line, f"'{title}': {_too_long(body)}"))
            continue
        converted = convert_placeholders(body, source.label, shared)
        notes.extend((reply.line, f"'{title}': {note}") for note in converted.notes)
        # The same detector `kbtool validate` warns with: what is left reaches no customer unseen.
        for found in dict.fromkeys(f.written for f in foreign_placeholders(converted.text)):
            notes.append((reply.line, f"'{title}': {found} looks like another tool's placeholder, which kbtool "
                                      "would send as written; replace it with a kbtool blank, written {{ name }}"))
        if not converted.text:
            notes.append((reply.line, f"'{title}': no text left to say; skipped"))
            continue
        if len(converted.text) > MAX_REPLY_CHARS:
            notes.append((reply.line, f"'{title}': {_too_long(converted.text)}"))
            continue
        reply.title = title
        groups.setdefault(reply.group, []).append((reply, converted.text, converted.blanks, converted.optional))

    set_ids = _SetIds(set(kb.by_id), folder)
    earlier = _earlier_imports(folder)
    sets: list[PlannedSet] = []
    for group, members in groups.items():
        label = one_line(group) or f"{source.label} replies"
        key = f"{source.name}:{label}"
        before = earlier.get(key, [])
        for entry_id, _ in before:
            sets.append(PlannedSet(entry_id, label, group, folder / f"{entry_id}.yaml", [], {}, "", [],
                                   existing=True))
        if any(digests is None for _, digests in before):
            continue  # made before imports recorded their replies: all of the group counts as imported
        # A paged export (Zendesk's 100 macros a page) brings a group's replies in several files:
        # the replies no earlier import of the group holds go to a new set beside its files.
        seen = set().union(*(digests for _, digests in before if digests is not None))
        fresh = [m for m in members if _digest(m[0]) not in seen]
        if before and fresh:
            notes.append((fresh[0][0].line, f"{len(fresh)} of the {len(members)} replies of the "
                                            f"{source.group_word} '{label}' are not in its earlier import "
                                            f"({', '.join(f'{i}.yaml' for i, _ in before)}): they go to a new set"))
        for part, chunk in enumerate(_chunks(fresh) if fresh else [], len(before)):
            title = f"{label} ({part + 1})" if part else label
            situation = _situation(options, chunk[0][0], group, situations)
            channels = _channels(options, source, [r for r, *_ in chunk])
            phrase_ids: set[str] = set()
            phrases = [Phrase(unique(slugify(r.title, "reply"), phrase_ids), text,
                              list(dict.fromkeys([r.title, *r.keywords])), r.line, list(dict.fromkeys(r.customer_says)))
                       for r, text, *_ in chunk]
            blanks: dict[str, Blank] = {}
            optional: set[str] = set()
            for _, _, used, tested in chunk:
                blanks.update(used)
                optional |= tested
            entry_id = set_ids.get(slugify(title, f"{source.name}-replies"))
            planned = PlannedSet(entry_id, title, group, folder / f"{entry_id}.yaml", phrases,
                                 dict(sorted(blanks.items())), situation, channels,
                                 optional=optional & set(blanks))
            planned.text = entry_yaml(planned, source, path, key, options, [_digest(r) for r, *_ in chunk])
            sets.append(planned)
    return Plan(sets, sorted(notes, key=lambda n: n[0]), len(read.replies))


def _too_long(text: str) -> str:
    return f"{len(text):,} characters is too long for a phrase (limit {MAX_REPLY_CHARS:,}); skipped"


def _check_situations(read: Read, path: str, situations: dict[str, str]) -> None:
    problems = []
    for reply in read.replies:
        if reply.situation and reply.situation not in situations:
            hint = did_you_mean(reply.situation, list(situations)) or \
                f"use one of: {', '.join(list(situations)[:8])}, ... (kb.yaml's `situations` adds more)"
            problems.append(InputProblem(path, reply.line, f"unknown situation '{reply.situation}'", hint))
    if problems:
        raise InputProblems(problems)


def _chunks(members: list[Any]) -> list[list[Any]]:
    chunks: list[list[Any]] = [[]]
    size = 0
    for member in members:
        if chunks[-1] and (len(chunks[-1]) >= MAX_PHRASES_PER_SET or size + len(member[1]) > MAX_SET_CHARS):
            chunks.append([])
            size = 0
        chunks[-1].append(member)
        size += len(member[1])
    return chunks


def _situation(options: Options, reply: Reply, group: str, situations: dict[str, str]) -> str:
    if reply.situation:
        return reply.situation
    if options.situation:
        return options.situation
    # A folder named like a situation ("Refunds", "Complaints") files its replies there.
    slug = slugify(group, "")
    for candidate in (slug, slug.removesuffix("s"), slug.removesuffix("es")):
        if candidate in situations:
            return candidate
    return DEFAULT_SITUATION


def _channels(options: Options, source: Source, replies: list[Reply]) -> list[str]:
    if options.channels:
        return list(options.channels)
    given = [c for r in replies for c in r.channels]
    return list(dict.fromkeys(given)) or list(source.default_channels)


class _SetIds:
    """Ids for new sets: `wanted`, `wanted-2`, `wanted-3`... the first one no entry and no file has.

    Many groups can want one id (names that differ only in punctuation, or in letters an id cannot
    hold). For each wanted id the next number to try is remembered: none below it is free any
    more, so the next group goes on from there instead of trying every number again.
    """

    def __init__(self, taken: set[str], folder: Path) -> None:
        self.taken = taken
        self.folder = folder
        self.tried: dict[str, int] = {}  # wanted -> the next number to try

    def get(self, wanted: str) -> str:
        n = self.tried.get(wanted, 1)
        while True:
            name = wanted if n == 1 else f"{wanted}-{n}"
            n += 1
            path = self.folder / f"{name}.yaml"
            if name not in self.taken and not (path.exists() or path.is_symlink()):
                self.tried[wanted] = n
                self.taken.add(name)
                return name


REPLIES_MARK = "# kbtool-import-replies:"


def _digest(reply: Reply) -> str:
    """A reply as the import knows it again in a later page or run: its group, title and text."""
    data = f"{reply.group}\0{reply.title}\0{reply.text}".encode("utf-8", "replace")
    return hashlib.blake2b(data, digest_size=6).hexdigest()


def _earlier_imports(folder: Path) -> dict[str, list[tuple[str, set[str] | None]]]:
    """By import key, the files earlier imports wrote in `folder`: their ids and the digests of
    the replies each holds (None for a file from before imports recorded them)."""
    found: dict[str, list[tuple[str, set[str] | None]]] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.yaml")):
        mark = _imported_as(path)
        if mark is not None:
            found.setdefault(mark[0], []).append((path.stem, mark[1]))
    return found


def _imported_as(path: Path) -> tuple[str, set[str] | None] | None:
    """The import key an earlier import left in the file's first lines, and the replies it recorded."""
    try:
        head = read_prefix(path, 16_384).decode("utf-8", "replace")
    except OSError:
        return None
    key: str | None = None
    for line in head.splitlines()[:8]:
        if line.startswith(MARK):
            key = line[len(MARK):].strip()
        elif line.startswith(REPLIES_MARK) and key is not None:
            return key, set(line[len(REPLIES_MARK):].split())
    return (key, None) if key is not None else None


class _Dumper(yaml.SafeDumper):
    """Multi-line texts as `|` blocks, so an imported reply reads like the reply it was."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _represent_str)


def entry_yaml(planned: PlannedSet, source: Source, path: str, key: str, options: Options,
               digests: list[str] | None = None) -> str:
    """The new entry file: a schema modeline, the import's mark, then the phrase set as YAML."""
    depth = REGISTRY["phrases"].source_folder.count("/") + 1
    where = f"{source.group_word} '{planned.group}'" if planned.group else "no " + source.group_word
    data: dict[str, Any] = {
        "kind": "phrases",
        "id": planned.id,
        "title": planned.title,
        "summary": f"Replies imported from {source.label} ({where}); review them before approving.",
        "owner": options.owner,
        "status": "draft",
        "review_by": options.review_by.isoformat(),
        "channels": planned.channels,
        "situation": planned.situation,
        "tags": ["imported", source.name],
    }
    if planned.variables:
        data["variables"] = {name: {"description": b.description, "example": b.example,
                                    **({"required": False} if name in planned.optional else {})}
                             for name, b in planned.variables.items()}
    data["phrases"] = [{"id": p.id, "say": p.say, "keywords": p.keywords,
                        **({"customer_says": p.customer_says} if p.customer_says else {})} for p in planned.phrases]
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000,
                     default_flow_style=False)
    header = (f"# yaml-language-server: $schema={'../' * depth}schema/entry.schema.json\n"
              f"# Imported by `kbtool import {source.name}` from {one_line(Path(path).name)}. Check each phrase,\n"
              "# its blanks, situation and channels, then set status: approved. The next lines let a\n"
              "# later import of the same file, or of another page of it, leave these replies as they are.\n"
              f"{MARK} {key}\n"
              + (f"{REPLIES_MARK} {' '.join(dict.fromkeys(digests))}\n" if digests else ""))
    return header + body


def refuse_invalid(planned: PlannedSet, kb: Any) -> None:
    """The second wall: a planned file goes through the loader, the format and the template rules
    before it is written, so an import never leaves a file `kbtool validate` calls an error."""
    source = load_bytes(planned.text.encode("utf-8"), planned.path.name)
    problems = list(source.problems)
    if source.root is not None:
        entry, more = build_entry(source, {"situation": tuple(kb.config.situations)})
        problems += more
        if entry is not None:
            alone = KnowledgeBase(root=kb.root, config=kb.config, entries=[entry], problems=[])
            problems += list(templates.check(alone))
    errors = [p for p in problems if p.level is Level.ERROR]
    if errors:
        first = errors[0]
        raise KbError(f"the imported entry {planned.path.name} would not validate (line {first.line}: "
                      f"{first.message}); nothing was written. Please report this with the input file.")


def write_new(path: Path, text: str) -> None:
    """Create `path` with `text`; never replaces a file, even one that appears meanwhile.

    The text goes to a temporary file in the same folder first; link() then gives it its name
    and fails if the name exists, so a reader never sees half a file and nothing is overwritten.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        mask = os.umask(0o022)
        os.umask(mask)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o666 & ~mask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
    finally:
        os.unlink(tmp)


# What write_new (and every other kbtool write, through tempfile.mkstemp) names its temporary file:
# a dot, the file's name, eight random characters, `.tmp`.
_TEMP_NAME = re.compile(r"\.[^/]+\.[a-z0-9_]{8}\.tmp")
# A temporary file this old belongs to a write that was killed: kbtool's own take milliseconds,
# so one another import is writing right now is never this old.
STALE_TEMP_SECONDS = 60


def remove_stale_temp_files(folder: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary files a killed write left in `folder` (only kbtool's naming, only
    regular files, only stale ones), so they are not committed by a later `git add -A`."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    now = time.time() if now is None else now
    for path in folder.iterdir():
        if not _TEMP_NAME.fullmatch(path.name):
            continue
        try:
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_TEMP_SECONDS:
                path.unlink()
                removed.append(path)
        except OSError:
            continue  # gone meanwhile, or not ours to remove: either way nothing to do
    return removed


def check_folder(root: Path, folder: Path) -> None:
    """Refuse a phrases folder the knowledge base would not read: a link (at any level below the
    root) to a folder outside it, or something that is not a folder. Checked before planning, so
    nothing is read or written through such a link."""
    real_root = root.resolve()
    at = root
    for part in folder.relative_to(root).parts:
        at = at / part
        shown = at.relative_to(root).as_posix()
        if at.is_symlink():
            target = at.resolve()
            if not target.is_relative_to(real_root):
                raise KbError(f"{shown} is a link to {target}, outside the knowledge base; kbtool validate "
                              "does not read there, so nothing was imported. Make it a real folder inside "
                              "the knowledge base (move the files in) and import again")
        if at.exists() and not at.is_dir():
            raise KbError(f"{shown} is a file, not a folder; nothing was imported. Move it aside and import again")


def write(planned: list[PlannedSet], kb: Any) -> list[Path]:
    """Check every new file, then create them all; an error in any means none is written."""
    for item in planned:
        refuse_invalid(item, kb)
    for folder in dict.fromkeys(item.path.parent for item in planned):
        remove_stale_temp_files(folder)
    written: list[Path] = []
    for item in planned:
        write_new(item.path, item.text)
        written.append(item.path)
    return written
