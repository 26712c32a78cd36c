"""Where a knowledge base keeps its files.

Imports nothing heavy, so `kbtool search` can check whether its index is fresh without loading
the YAML machinery.
"""

from __future__ import annotations

import os
from pathlib import Path

CONTENT_DIRS = ("standards", "scripts_library")
CONFIG_FILE = "kb.yaml"


def has_knowledge_base(root: Path) -> bool:
    """True when `root` holds a kb.yaml or a content folder, so commands may read it and keep
    their index there; `--root /` or a mistyped folder holds neither."""
    root = Path(root)
    return (root / CONFIG_FILE).is_file() or any((root / name).is_dir() for name in CONTENT_DIRS)


def content_files(root: Path, folder_times: dict[str, int] | None = None) -> list[Path]:
    """Every entry file under the content folders, sorted so reports are stable.

    With `folder_times`, each folder read is recorded there (its path relative to `root` ->
    its modification time, taken before it is listed), so a later check can tell that no
    file was added, removed or renamed without walking again (`kbtool.search.store`).

    A link to a folder is followed when it leads inside the knowledge base to a folder not
    read yet (a team may link a shared folder in). Any other link to a folder (outside the
    root, or to a folder already read) is listed itself, so the loader reports it: skipping
    it would drop content without a word, and following it could walk the whole disk or
    loop. Links to files are listed like files; the loader checks where they lead.
    """
    root = Path(root)
    real_root = os.path.realpath(root)
    prefix = real_root.rstrip(os.sep) + os.sep
    walked: set[str] = set()
    found: list[Path] = []
    links: list[Path] = []
    for top in CONTENT_DIRS:
        base = root / top
        if base.is_symlink():
            if base.is_dir():
                links.append(base)
        elif base.is_dir():
            _walk(base, os.path.join(real_root, top), walked, found, links, folder_times, root)
    # Real folders are read first, so a link to one of them is what gets reported, not the folder.
    position = 0
    while position < len(links):
        link = links[position]
        position += 1
        real = os.path.realpath(link)
        if not real.startswith(prefix) or _already_read(real, walked, real_root):
            found.append(link)
        else:
            _walk(link, real, walked, found, links, folder_times, root)
    return sorted(found)


def _already_read(real: str, walked: set[str], real_root: str) -> bool:
    while len(real) > len(real_root):
        if real in walked:
            return True
        real = os.path.dirname(real)
    return False


def _walk(base: Path, real_base: str, walked: set[str], found: list[Path], links: list[Path],
          folder_times: dict[str, int] | None = None, root: Path | None = None) -> None:
    """Read one folder tree without following links; links to folders are queued in `links`."""
    pending = [(base, real_base)]
    while pending:
        folder, real = pending.pop()
        if real in walked:
            found.append(folder)
            continue
        walked.add(real)
        try:
            if folder_times is not None and root is not None:
                # Stat before listing: a file added in between makes the recorded time stale,
                # which only costs a walk later, never a missed file.
                folder_times[folder.relative_to(root).as_posix()] = os.stat(folder).st_mtime_ns
            with os.scandir(folder) as entries:
                children = sorted(entries, key=lambda entry: entry.name)
        except OSError:
            found.append(folder)  # an unreadable folder: the loader says why
            continue
        for entry in children:
            if entry.name.startswith("."):
                continue
            try:
                is_link = entry.is_symlink()
                is_folder = entry.is_dir()  # follows a link
            except OSError:
                is_link, is_folder = False, False
            if is_folder and is_link:
                links.append(Path(entry.path))
            elif is_folder:
                pending.append((Path(entry.path), os.path.join(real, entry.name)))
            elif entry.name.endswith((".yaml", ".yml")):
                found.append(Path(entry.path))
