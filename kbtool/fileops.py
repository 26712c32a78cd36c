"""Writing files so that a reader never sees half of one (temp file in the same folder, then rename),
and the check that keeps commands from writing over files kbtool did not write."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path


def _new_file_mode(path: Path) -> int:
    """The mode the written file should have: the replaced file's, else what open() would give.

    mkstemp makes its file readable by the owner only; without this an export, schema or
    draft would silently lose the permissions the user's file had.
    """
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    mode = _new_file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


# How much of an existing file is read to recognise it as kbtool's own output; every marker
# kbtool writes sits at the start, so this is only for files whose mark may come late.
PEEK_BYTES = 64 * 1024


class WouldOverwrite(Exception):
    """Writing would replace a file kbtool did not write; the caller may pass force to do it anyway."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def read_prefix(path: Path, limit: int) -> bytes:
    """At most `limit` bytes from the start of a regular file.

    Opened without blocking and checked on the open descriptor, so a named pipe or device
    where a file was expected is an OSError, never a hang or an endless read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        chunks: list[bytes] = []
        left = limit
        while left > 0:
            chunk = os.read(fd, min(left, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def refuse_overwrite(path: Path, is_own_output: Callable[[bytes], bool], *, force: bool = False,
                     peek: int = PEEK_BYTES) -> None:
    """Raise WouldOverwrite when `path` holds something kbtool did not write, unless `force`.

    A missing file is fine; an existing one must be a regular file that `is_own_output`
    recognises from its first `peek` bytes. A command that writes where the user points it
    must never silently replace their README or their export of something else.
    """
    if force:
        return
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return  # nothing there (or a dangling link, which the rename replaces, not follows)
    if stat.S_ISDIR(mode):
        raise WouldOverwrite(path, "it is a folder")
    if not stat.S_ISREG(mode):
        raise WouldOverwrite(path, "it is not a regular file")
    try:
        head = read_prefix(path, peek)
    except OSError as exc:
        raise WouldOverwrite(path, f"it cannot be read to check who wrote it ({exc.strerror or exc})") from None
    if not is_own_output(head):
        raise WouldOverwrite(path, "it exists and kbtool did not write it")
