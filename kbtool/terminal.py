"""Text that is safe to print to a terminal: control characters and bidi overrides made visible.

Content and customer values are printed to staff terminals by search, find and render, and file
names, keys and values by every problem report and error message; an escape sequence in them
could retitle the window, clear the screen or hide text. Everything printed goes through here.
"""

from __future__ import annotations

import re

# Surrogates are what invalid UTF-8 in an argument or file name decodes to; printed raw they
# crash the output stream's encoder, so they are shown as \udcxx like the rest.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# For one-line records (a problem's path, message, hint): a newline there would print a forged
# record, so tabs and line breaks are shown as escapes too.
_UNSAFE_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_for_terminal(text: str, one_line: bool = False) -> str:
    """Replace characters a terminal would act on with a visible escape (\\x1b, \\u202e).

    Line breaks and tabs are kept unless `one_line`, when they become \\n, \\r and \\t.
    """
    return (_UNSAFE_ONE_LINE if one_line else _UNSAFE).sub(_visible, text)
