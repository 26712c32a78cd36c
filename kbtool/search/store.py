"""The search index on disk: builds in their own folders, swapped in atomically, and kept fresh.

Each build goes to a fresh folder under ROOT/.kbtool/ that one symbolic-link rename makes
current, so a search running during a rebuild always reads a complete index; retired builds are
removed after a grace period. Engine-neutral: it stores folders and their metadata only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kbtool.reading.layout import CONTENT_DIRS, content_files, has_knowledge_base

CACHE_DIR = ".kbtool"
CURRENT = "index"  # the symbolic link (or, where links are unavailable, pointer file) naming the live build
META_FILE = "kbtool-meta.json"
# What files and folders the build's signature covered, so freshness is checked without a walk.
MANIFEST_FILE = "kbtool-files.json"
FORMAT_VERSION = 3
# A search resolves the link once, then reads that folder; an old build is deleted only after it
# has been retired this long, far longer than any query takes.
GRACE_SECONDS = 120.0
# Builds that crashed half-way leave a .build-* folder; anything this old is abandoned.
ABANDONED_BUILD_SECONDS = 3600.0
# Files besides the entries whose change makes the index stale (kb.yaml values, the URL style).
CONFIG_FILES = ("kb.yaml", "mkdocs.yml", "mkdocs.yaml")
# What a usable metadata file holds, with the type of each value: anything else means rebuild.
_META_SHAPE: dict[str, type | tuple[type, ...]] = {
    "format": int, "signature": str, "documents": int, "log_misses": bool, "synonyms": list,
}


class NoKnowledgeBase(Exception):
    """The root holds no knowledge base, so no index folder is made there."""


def cache_dir(root: Path) -> Path:
    return Path(root) / CACHE_DIR


@dataclass(frozen=True)
class Fingerprint:
    """The content signature plus the manifest that lets a later check confirm it without a walk.

    `files` are the paths (relative to the root) the signature covers, in its order; `folders`
    holds each content folder's modification time as it was before being listed, `tops` each
    top-level content folder's (None where there was none), and `stats` a hash of every file's
    size and modification time, which is cheaper to recompute than the signature itself.
    """

    signature: str
    files: tuple[str, ...]
    folders: dict[str, int]
    tops: dict[str, int | None]
    stats: int


def _top_times(root: Path) -> dict[str, int | None]:
    times: dict[str, int | None] = {}
    for top in CONTENT_DIRS:
        try:
            times[top] = os.stat(root / top).st_mtime_ns
        except OSError:
            times[top] = None
    return times


def _stat_all(root: Path, names: Iterable[str]) -> list[os.stat_result | None]:
    """Stat each file (following links), None where it is missing; one folder handle per folder.

    Stat-ing a name relative to an open folder spares the kernel the walk down the whole path:
    a third less time at 10,000 files.
    """
    base = str(root)
    found: list[os.stat_result | None] = []
    by_folder = os.stat in os.supports_dir_fd
    handle, handle_for = -1, None
    try:
        for name in names:
            folder, _, leaf = name.rpartition("/")
            try:
                if by_folder and folder:
                    if folder != handle_for:
                        if handle >= 0:
                            os.close(handle)
                            handle = -1
                        handle_for = folder
                        handle = os.open(os.path.join(base, folder), os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
                    found.append(os.stat(leaf, dir_fd=handle))
                else:
                    found.append(os.stat(os.path.join(base, name)))
            except OSError:
                found.append(None)
    finally:
        if handle >= 0:
            os.close(handle)
    return found


def _stamp(st: os.stat_result) -> tuple[int, int, int, int]:
    # Size and modification time as before, plus the inode (a file replaced by rename, even with
    # its old time kept) and the change time, which no tool can set back (an in-place rewrite
    # that restores the old modification time, `cp -p`, `rsync -t`).
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns


def _stats_hash(stats: list[os.stat_result | None]) -> int:
    # Built-in hashes of ints are the same in every process (unlike strings'), so this can be stored.
    return hash(tuple(_stamp(st) if st is not None else (-1,) for st in stats))


def fingerprint(root: Path) -> Fingerprint:
    """Walk the content folders once: the signature, and the manifest that spares later walks."""
    root = Path(root)
    tops = _top_times(root)
    folders: dict[str, int] = {}
    files = tuple([path.relative_to(root).as_posix() for path in content_files(root, folders)] + list(CONFIG_FILES))
    stats = _stat_all(root, files)
    lines = [f"{name}\0{_stamp(st)}\n" for name, st in zip(files, stats, strict=True) if st is not None]
    signature = hashlib.sha1("".join(lines).encode("utf-8", "surrogateescape"), usedforsecurity=False).hexdigest()
    return Fingerprint(signature, files, folders, tops, _stats_hash(stats))


def content_signature(root: Path) -> str:
    """A fingerprint of every YAML file's name, size, times and inode: changes when content does."""
    return fingerprint(root).signature


def write_manifest(folder: Path, found: Fingerprint) -> None:
    """Store `found`'s manifest beside a build, replaced atomically (readers see the old or the new)."""
    data = {"signature": found.signature, "files": list(found.files), "folders": found.folders,
            "tops": found.tops, "stats": found.stats}
    temp = folder / f".{MANIFEST_FILE}-{os.getpid()}-{time.time_ns()}"
    temp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    os.replace(temp, folder / MANIFEST_FILE)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest stored beside the build in `folder`, or None when it is missing or not ours."""
    try:
        data = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(data, dict) and isinstance(data.get("signature"), str)
            and isinstance(data.get("files"), list) and all(isinstance(name, str) for name in data["files"])
            and isinstance(data.get("folders"), dict) and all(isinstance(t, int) for t in data["folders"].values())
            and isinstance(data.get("tops"), dict) and isinstance(data.get("stats"), int)):
        return None
    return data


def quick_check(root: Path, manifest: dict[str, Any]) -> bool:
    """True when the files are provably as `manifest` recorded them, decided without a walk.

    False means a walk must decide: a content folder's modification time moved (a file added,
    removed or renamed there, or an editor saving by replacing the file), or a file's size or
    modification time did. The folders unchanged, the set of files is the recorded one, and one
    stat of each of those files (no listing, no sorting) is compared with the recorded sizes and
    times. A file rewritten in place keeps its folder's time but not its own, so it is still seen.
    """
    root = Path(root)
    base = str(root)
    try:
        if _top_times(root) != manifest["tops"]:
            return False
        for name, mtime in manifest["folders"].items():
            if os.stat(os.path.join(base, name)).st_mtime_ns != mtime:
                return False
    except OSError:
        return False
    return _stats_hash(_stat_all(root, manifest["files"])) == manifest["stats"]


@contextmanager
def new_build(root: Path) -> Iterator[Path]:
    """A fresh folder to write a build into; on success it becomes the current build."""
    if not has_knowledge_base(root):
        # Never leave a .kbtool/ folder in / or wherever --root pointed by mistake.
        raise NoKnowledgeBase(f"no knowledge base in {root}: there is no kb.yaml, standards/ or scripts_library/")
    cache = cache_dir(root)
    cache.mkdir(parents=True, exist_ok=True)
    stamp = f"{time.time_ns()}-{os.getpid()}"
    building = cache / f".build-{stamp}"
    building.mkdir()
    try:
        yield building
        final = cache / f"index-{stamp}"
        os.rename(building, final)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    _make_current(cache, final.name)
    remove_old_builds(cache)


def write_meta(folder: Path, meta: dict[str, Any]) -> None:
    (folder / META_FILE).write_text(json.dumps({"format": FORMAT_VERSION, **meta}), encoding="utf-8")


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def usable_meta(data: Any) -> bool:
    """True when `data` is metadata this kbtool wrote: right version, every key of the right type.

    Searches read the synonym groups and kind names straight from here, so their insides are
    checked too: a hand-edited or damaged file means a rebuild, never a crash mid-search.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        return False
    if not all(isinstance(data.get(key), kind) and not (kind is int and isinstance(data.get(key), bool))
               for key, kind in _META_SHAPE.items()):
        return False
    if not all(_strings(group) for group in data["synonyms"]):
        return False
    kinds = data.get("kinds", {})
    return isinstance(kinds, dict) and all(_strings(units) for units in kinds.values())


def index_writable(root: Path) -> bool:
    """Whether a new build can be written under `root` (not on a read-only checkout)."""
    cache = cache_dir(root)
    return os.access(cache if cache.is_dir() else root, os.W_OK | os.X_OK)


def current_build(root: Path, opener: Callable[[Path, dict[str, Any]], Any]) -> Any:
    """`opener(folder, meta)` for the current build, or None when there is none usable.

    A build retired and removed between reading the link and opening it is retried; `opener`
    raising for the build the link still names is passed on.
    """
    cache = cache_dir(Path(root))
    for attempt in range(3):
        folder = _current_folder(cache)
        if folder is None:
            return None
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            return None
        if not usable_meta(meta):
            return None
        try:
            return opener(folder, meta)
        except Exception:
            if attempt == 2 or _current_folder(cache) == folder:
                raise
    return None


def _make_current(cache: Path, folder: str) -> None:
    """Point the current link at `folder` in one atomic rename; readers see the old or the new build."""
    link = cache / CURRENT
    if link.is_dir() and not link.is_symlink():
        # A real folder where the link belongs (copied by hand, say): move it aside to be cleaned up.
        os.rename(link, cache / f"index-0-moved-{time.time_ns()}")
    temp = cache / f".{CURRENT}-{time.time_ns()}-{os.getpid()}"
    try:
        os.symlink(folder, temp)
    except (OSError, NotImplementedError):
        # No symbolic links (Windows without the privilege): a pointer file replaced atomically.
        temp.write_text(folder, encoding="utf-8")
    os.replace(temp, link)


def _current_folder(cache: Path) -> Path | None:
    link = cache / CURRENT
    try:
        name = os.readlink(link)
    except FileNotFoundError:
        return None
    except OSError:
        try:
            name = link.read_text(encoding="utf-8").strip()
        except OSError:
            return None
    return cache / name


def remove_old_builds(cache: Path, grace: float = GRACE_SECONDS, now: float | None = None) -> list[Path]:
    """Delete builds retired longer than `grace` seconds ago; mark newly retired ones. Returns what went."""
    now = time.time() if now is None else now
    current = _current_folder(cache)
    removed: list[Path] = []
    try:
        children = list(cache.iterdir())
    except OSError:
        return removed
    for child in children:
        if child.name.startswith(".build-"):
            try:
                if now - child.stat().st_mtime > ABANDONED_BUILD_SECONDS:
                    shutil.rmtree(child, ignore_errors=True)
                    removed.append(child)
            except OSError:
                pass
            continue
        if not child.name.startswith("index-") or (current is not None and child.name == current.name):
            continue
        marker = child / ".retired"
        try:
            retired_at = marker.stat().st_mtime
        except FileNotFoundError:
            # The grace period starts when a build stops being current, not when it was made.
            try:
                marker.touch()
            except OSError:
                pass
            continue
        except OSError:
            continue
        if now - retired_at > grace:
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
    return removed
