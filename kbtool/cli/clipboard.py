"""Copying a text to the system clipboard with whatever tool the desktop has."""

from __future__ import annotations

import os
import shutil
import subprocess


def clipboard_commands() -> list[list[str]]:
    """Clipboard programs that can work here, best first (no Python dependency needed)."""
    candidates: list[list[str]] = []
    if os.environ.get("WAYLAND_DISPLAY"):
        candidates.append(["wl-copy"])
    if os.environ.get("DISPLAY"):
        candidates += [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    candidates += [["pbcopy"], ["clip.exe"]]
    return [c for c in candidates if shutil.which(c[0])]


def copy_to_clipboard(text: str) -> str | None:
    """Put `text` on the clipboard; returns the program used, or None when no clipboard exists."""
    for command in clipboard_commands():
        try:
            subprocess.run(command, input=text.encode("utf-8"), check=True, timeout=5,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            continue
        return command[0]
    return None


NO_CLIPBOARD = ("no clipboard found (install wl-clipboard on Wayland, xclip or xsel on X11); "
                "the text is printed above, copy it from there")
