"""One build at a time per site folder: an exclusive lock file beside it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from kbtool.builders.errors import BuildLocked


@contextlib.contextmanager
def build_lock(site_dir: Path) -> Iterator[Path]:
    """Hold an exclusive lock for `site_dir`; fail at once with a clear message if it is taken."""
    lock_path = site_dir.parent / f".{site_dir.name}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path, "a+")  # noqa: SIM115 - held for the whole build
    try:
        try:
            import fcntl  # lazy: POSIX only; Windows has msvcrt instead

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - Windows: msvcrt locks a byte range instead
            import msvcrt  # lazy: Windows only

            try:
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            except OSError as exc:
                raise BlockingIOError from exc
    except BlockingIOError:
        handle.close()
        raise BuildLocked(f"another kbtool build is already writing {site_dir} (lock file {lock_path}); "
                          "wait for it to finish, then run the build again") from None
    try:
        yield lock_path
    finally:
        handle.close()  # closing releases the lock
