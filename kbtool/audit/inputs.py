"""Where an audit's messages come from: the registry of input formats, which format a file is
(told from its content; `--input` forces one), and the files of a folder, read in turn."""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from kbtool import jsontext
from kbtool.audit import csvfile, freshdesk, jsonl, transcripts, zendesk
from kbtool.audit.records import BadInput, Message, ReadOptions

Reader = Callable[[IO[bytes], str, ReadOptions], Iterator[Message | BadInput]]


@dataclass(frozen=True)
class Input:
    """One input format: its name for `--input`, what people call it, and its reader."""

    name: str
    label: str
    read: Reader


INPUTS: dict[str, Input] = {i.name: i for i in (
    Input("jsonl", "JSON Lines messages", jsonl.read),
    Input("csv", "CSV messages", csvfile.read),
    Input("zendesk", "Zendesk tickets with comments", zendesk.read),
    Input("freshdesk", "Freshdesk tickets with conversations", freshdesk.read),
    Input("transcripts", "Agent:/Customer: transcripts", transcripts.read),
)}
# In a folder, only these files are read (a README beside the exports is not a transcript).
FOLDER_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv", ".txt")
HEAD_BYTES = 64 * 1024
# Keys only one help desk's export uses, to tell a JSON document's source from its first 64 KB.
_MARKS = {
    "zendesk": ("comments", "author_id", "plain_body", "html_body", "public", "via"),
    "freshdesk": ("conversations", "body_text", "incoming", "description_text", "ticket_id", "private"),
}
_KEY = re.compile(r'"([A-Za-z_]+)"\s*:')
ROW_KEYS = ("conversation", "author", "text")
DETECT_HINT = "name the format with --input " + "|".join(INPUTS)


def detect(head: bytes) -> str | None:
    """Which input the start of a file is, or None when it cannot be told."""
    text = head.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
    # "[09:02] Customer: ..." opens a transcript, not a JSON list: exports are lists of objects.
    if text.startswith("{") or re.match(r"\[\s*[{\]]", text):
        try:
            first = jsontext.loads(text.split("\n", 1)[0])
        except json.JSONDecodeError:
            first = None
        if isinstance(first, dict) and all(key in first for key in ROW_KEYS):
            return "jsonl"
        keys = set(_KEY.findall(text))
        if all(key in keys for key in ROW_KEYS[:2]):
            return "jsonl"  # messages whose first line is broken: the reader says where
        scores = {name: sum(mark in keys for mark in marks) for name, marks in _MARKS.items()}
        best = max(scores, key=lambda name: scores[name])
        if scores[best] and list(scores.values()).count(scores[best]) == 1:
            return best
        return None
    header = {cell.strip().strip('"') for cell in re.split(r"[,;\t]", text.split("\n", 1)[0].lower())}
    # Two of the columns are enough to say it is meant as messages; the reader names what is missing.
    if len(header & {*ROW_KEYS, *csvfile.OPTIONAL}) >= 2:
        return "csv"
    return "transcripts"


def files(paths: Iterable[Path]) -> Iterator[tuple[Path, str]]:
    """Every file to read, with its name: files as given, and a folder's files (recursively, in
    name order) named by their path inside the folder."""
    for path in paths:
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.suffix.lower() in FOLDER_SUFFIXES
                     and not any(part.startswith(".") for part in p.relative_to(path).parts) and p.is_file()]
            for file in sorted(found):
                yield file, file.relative_to(path).as_posix()
        else:
            yield path, str(path)


class Counted:
    """A binary file that tells `progress` how many bytes of the whole audit have been read."""

    def __init__(self, raw: IO[bytes], done: int, progress: Callable[[int], None] | None) -> None:
        self.raw = raw
        self.done = done
        self.progress = progress
        self.reported = done

    def _add(self, size: int) -> None:
        self.done += size
        # Every megabyte is often enough for a progress bar and costs nothing per line.
        if self.progress and self.done - self.reported >= 1 << 20:
            self.reported = self.done
            self.progress(self.done)

    def __iter__(self) -> Iterator[bytes]:
        for line in self.raw:
            self._add(len(line))
            yield line

    def readline(self) -> bytes:
        line = self.raw.readline()
        self._add(len(line))
        return line

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self._add(len(data))
        return data


def read_inputs(paths: Iterable[Path], options: ReadOptions, forced: str | None = None,
                progress: Callable[[int], None] | None = None) -> Iterator[Message | BadInput]:
    """Every message of every file, in file order, and a BadInput for anything that cannot be read."""
    done = 0
    for path, name in files(paths):
        shown = str(path)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        except OSError as exc:
            yield BadInput(shown, 1, f"cannot read the file: {exc.strerror or exc}")
            continue
        with os.fdopen(fd, "rb") as raw:
            if not stat.S_ISREG(os.fstat(raw.fileno()).st_mode):
                yield BadInput(shown, 1, "not a regular file")
                continue
            format_name = forced or detect(raw.read(HEAD_BYTES))
            raw.seek(0)
            if format_name is None:
                yield BadInput(shown, 1, "cannot tell which export this is (JSON without the keys of a Zendesk "
                                         "or Freshdesk export)", DETECT_HINT)
                continue
            stream = Counted(raw, done, progress)
            yield from INPUTS[format_name].read(stream, shown, replace(options, name=name))  # type: ignore[arg-type]
            done = stream.done
            if progress:
                progress(done)


def total_bytes(paths: Iterable[Path]) -> int:
    """The size of everything read_inputs will read, for a progress bar."""
    total = 0
    for path, _ in files(paths):
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total
