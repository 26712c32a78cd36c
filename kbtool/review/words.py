"""Words as `kbtool check` compares them: positioned tokens, contractions spelled out, crude stems.

The site's "Check a reply" page runs a JavaScript port of these few functions
(kbtool/assets/review/check.js); the tables it needs travel in the page's data (`tables()`), so
the two read a text the same way. Change one, change the other: a browser test compares them.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# ASCII letters and digits with inner apostrophes; the same class as the JS port's regex.
TOKEN = re.compile(r"[A-Za-z0-9]+(?:['\u2019\u2018\u02bc][A-Za-z0-9]+)*")
_APOSTROPHES = re.compile(r"[\u2019\u2018\u02bc]")
WILDCARD = "*"

# Words that carry little meaning on their own: adding, dropping or swapping one is a "small word
# change" (half the cost of a content word), so "have a really nice day" still reads as the
# avoided "have a nice day".
FUNCTION_WORDS = frozenset("""
a an the i you we it is are am was were be been being to of in on for at as and or but that this these those
your yours my our me us they them their he she his her its can could will would shall should may might must
do does did have has had just so very really quite please then now there here if with by from up out about
all any some what which who how when oh ok okay well right yes yeah sure one
""".split())

# Contractions spelled out, so "that's our policy" and "that is our policy" read alike.
SUFFIXES = {"n't": "not", "'m": "am", "'re": "are", "'ll": "will", "'ve": "have", "'d": "would"}
IRREGULAR = {"can't": ["can", "not"], "won't": ["will", "not"], "shan't": ["shall", "not"], "let's": ["let", "us"],
             "ain't": ["is", "not"]}
# Words whose 's is "is"; on any other word it is a possessive and is dropped.
S_IS = frozenset("that it what there here he she who where how when everything nothing something".split())
NUMBERS = {"0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven",
           "8": "eight", "9": "nine", "10": "ten"}


class Token(NamedTuple):
    """A normalised word, where it starts and ends in its line (0-based code points), and its weight."""

    stem: str
    start: int
    end: int
    weight: float


def stem(word: str) -> str:
    """A crude suffix stripper: enough that "services"/"service" and "guaranteed"/"guarantee" meet."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def spelled_out(word: str) -> list[str]:
    """A lower-case word with its contraction spelled out ("can't" -> can, not)."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    if word in NUMBERS:
        return [NUMBERS[word]]
    for suffix, full in SUFFIXES.items():
        if word.endswith(suffix) and len(word) > len(suffix):
            return [word[: -len(suffix)], full]
    if word.endswith("'s") and len(word) > 2:
        head = word[:-2]
        return [head, "is"] if head in S_IS else [head]
    return [word]


def tokens(line: str) -> list[Token]:
    """The normalised words of one line of text, each with its column."""
    out: list[Token] = []
    for match in TOKEN.finditer(line):
        word = _APOSTROPHES.sub("'", match.group(0).lower())
        for part in spelled_out(word):
            out.append(Token(stem(part), match.start(), match.end(), 0.5 if part in FUNCTION_WORDS else 1.0))
    return out


def tables() -> dict[str, object]:
    """The word tables the JS port needs, shipped in the page's data instead of copied into JS."""
    return {"functionWords": sorted(FUNCTION_WORDS), "suffixes": list(SUFFIXES.items()), "irregular": IRREGULAR,
            "sIs": sorted(S_IS), "numbers": NUMBERS}
