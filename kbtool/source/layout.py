"""Where a knowledge base keeps its files.

Imports nothing heavy, so `kbtool search` can check whether its index is fresh without loading
the YAML machinery.
"""

from __future__ import annotations

import os
from pathlib import Path

CONTENT_DIRS = ("standards", "scripts_library")
CONFIG_FILE = "kb.yaml"


def content_files(root: Path) -> list[Path]:
    """Every entry file under the content folders, sorted so reports are stable."""
    found: list[Path] = []
    for top in CONTENT_DIRS:
        base = root / top
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            found.extend(Path(dirpath) / name for name in filenames
                         if name.endswith((".yaml", ".yml")) and not name.startswith("."))
    return sorted(found)
