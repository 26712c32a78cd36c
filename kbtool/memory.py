"""Handing freed memory back to the operating system during long builds.

A 10,000-entry build allocates and frees tens of thousands of page-sized strings. glibc keeps the
freed space in its heap, where it fragments, so the process's resident size climbed by some
100 MB while the pages it held stayed the same. `malloc_trim` returns the free parts; elsewhere
(macOS, musl, Windows) this is a no-op and the build only uses more memory than it needs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _trim() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def release_free_memory(collect: bool = False) -> None:
    """Return free heap memory to the system (after a garbage collection when `collect`)."""
    if collect:
        gc.collect()
    trim = _trim()
    if trim is not None:
        trim(0)
