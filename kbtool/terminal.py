"""Text that is safe to print to a terminal: control characters and bidi overrides made visible.

Content and customer values are printed to staff terminals by search, find and render; an
escape sequence in them could retitle the window, clear the screen or hide text.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_for_terminal(text: str) -> str:
    """Replace characters a terminal would act on with a visible escape (\\x1b, \\u202e)."""
    return _UNSAFE.sub(_visible, text)
