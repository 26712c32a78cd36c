"""The site folder a build replaces: only a kbtool build, swapped in whole, the last one kept for rollback.

A build writes a new site beside the old one; `swap_into_place` renames it in and keeps the
old one as `.SITE.previous`, and `rollback` swaps them back. A folder kbtool did not build (user
files, a mistyped --site-dir, the home folder) is never renamed or deleted.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from kbtool.builders.errors import SiteError, UnsafeSiteDir
from kbtool.builders.lock import build_lock
from kbtool.reading.layout import CONTENT_DIRS


def previous_dir(site_dir: Path) -> Path:
    return site_dir.parent / f".{site_dir.name}.previous"


# Every build writes this file into its site, so a later build knows the folder is its own to
# replace. A folder without it (user files, a mistyped --site-dir) is never renamed or deleted.
SITE_MARKER = ".kbtool-site"
_MARKER_TEXT = "This folder was built by `kbtool build`; the next build replaces it.\n"
# Sites built before the marker existed are recognised by the asset kbtool's MkDocs plugin
# writes into every site it builds, so upgrading kbtool does not lock a team out of its site.
_LEGACY_SIGNS = ("index.html", "assets/kbtool/iframe-worker.js")


def mark_site(folder: Path) -> None:
    """Mark a freshly built site as kbtool's own, so the next build may replace it."""
    (folder / SITE_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")


def is_kbtool_site(folder: Path) -> bool:
    """True when `folder` is a site kbtool built (it carries the marker, or the legacy signs)."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    if (folder / SITE_MARKER).is_file():
        return True
    return all((folder / sign).is_file() for sign in _LEGACY_SIGNS)


def _is_empty_folder(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is None
    except OSError:
        return False


def _protected(site_dir: Path, root: Path | None) -> str | None:
    """Why `site_dir` may never be replaced, whatever it holds; None when it may be."""
    if site_dir == Path(site_dir.anchor):
        return "it is the root of the file system"
    try:
        home = Path.home().resolve()
    except (OSError, RuntimeError):  # no home folder (some service accounts)
        home = None
    if home is not None and home.is_relative_to(site_dir):
        return "it is your home folder" if home == site_dir else "it holds your home folder"
    if root is not None:
        root = root.resolve()
        if root == site_dir:
            return "it is the knowledge base's root folder"
        if root.is_relative_to(site_dir):
            return "it holds the knowledge base"
        for name in CONTENT_DIRS:
            if site_dir.is_relative_to(root / name):
                return f"it is inside the content folder {name}/"
    return None


def check_site_dir(site_dir: Path, root: Path | None = None) -> None:
    """Raise UnsafeSiteDir unless a build may put its site at `site_dir`.

    Allowed: a missing or empty folder, or a site kbtool built. Never the file-system root,
    the home folder, the knowledge base's root or anything in its content folders.
    """
    site_dir = Path(os.path.abspath(site_dir))
    if site_dir.is_symlink():
        raise UnsafeSiteDir(f"refusing to use {site_dir} as the site folder: it is a symbolic link; "
                            "pass the folder it points to as --site-dir")
    site_dir = site_dir.resolve()
    why = _protected(site_dir, root)
    if why is not None:
        raise UnsafeSiteDir(f"refusing to use {site_dir} as the site folder: {why}, and a build replaces "
                            "its site folder completely; pass a separate --site-dir such as ROOT/site")
    if not site_dir.exists():
        return
    if not site_dir.is_dir():
        raise UnsafeSiteDir(f"refusing to use {site_dir} as the site folder: it is a file, not a folder")
    if not _is_empty_folder(site_dir) and not is_kbtool_site(site_dir):
        raise UnsafeSiteDir(f"refusing to replace {site_dir}: it holds files kbtool did not build (there is no "
                            f"{SITE_MARKER} file in it), and a build replaces its site folder completely; "
                            "pass an empty or new folder as --site-dir")


def _remove_previous(previous: Path) -> None:
    """Delete the rollback copy, which only a kbtool build may have left there."""
    if not (previous.exists() or previous.is_symlink()):
        return
    if previous.is_symlink() or not previous.is_dir() or not (
            _is_empty_folder(previous) or is_kbtool_site(previous)):
        raise UnsafeSiteDir(f"refusing to delete {previous}: kbtool keeps the previous build there, but this "
                            f"is not one (there is no {SITE_MARKER} file in it); move it elsewhere and build again")
    shutil.rmtree(previous)


def swap_into_place(new: Path, site_dir: Path, root: Path | None = None) -> Path | None:
    """Move the checked build to `site_dir`, keeping the old one as the rollback copy.

    Refuses (UnsafeSiteDir) to touch a `site_dir` or rollback copy that is not kbtool's own.
    """
    if not (new / SITE_MARKER).is_file():
        raise SiteError(f"{new} is not a finished kbtool build (no {SITE_MARKER} file)")
    check_site_dir(site_dir, root)
    previous = previous_dir(site_dir)
    _remove_previous(previous)
    had_site = site_dir.exists()
    if had_site:
        os.rename(site_dir, previous)
    try:
        os.rename(new, site_dir)
    except BaseException:
        if had_site and not site_dir.exists():
            os.rename(previous, site_dir)
        raise
    return previous if had_site else None


def rollback(site_dir: Path, root: Path | None = None) -> Path:
    """Swap the previous build back in (and the current one out, so rollback can be undone)."""
    site_dir = site_dir.resolve()
    previous = previous_dir(site_dir)
    if not previous.is_dir():
        raise SiteError(f"there is no previous build of {site_dir} to roll back to")
    check_site_dir(site_dir, root)
    if previous.is_symlink() or not is_kbtool_site(previous):
        raise UnsafeSiteDir(f"refusing to roll back to {previous}: it is not a kbtool build (there is no "
                            f"{SITE_MARKER} file in it)")
    with build_lock(site_dir):
        parking = site_dir.parent / f".{site_dir.name}.rollback-{os.getpid()}"
        if site_dir.exists():
            os.rename(site_dir, parking)
        os.rename(previous, site_dir)
        if parking.exists():
            os.rename(parking, previous)
    return site_dir
