"""Finding known phrasings inside texts, word by word, fast enough for tens of thousands of texts.

Used by the style rules and by the phrasebook linter: both ask "does any of these phrasings
appear in this text?" for many phrasings and many texts.
"""

from __future__ import annotations

import functools
import re
from typing import Generic, TypeVar

T = TypeVar("T")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


@functools.lru_cache(maxsize=1 << 18)
def words(text: str) -> tuple[str, ...]:
    """Lower-case words with apostrophes kept inside them ("that's"), placeholders dropped.

    Cached: style rules, the phrasebook linter and the duplicate check all read the same texts.
    """
    if "{" in text:
        text = _PLACEHOLDER.sub(" ", text)
    text = text.lower()
    if "\u2019" in text or "\u2018" in text or "\u02bc" in text:
        text = text.translate(_QUOTES)
    return tuple(_WORD.findall(text))


class PhraseMatcher(Generic[T]):
    """Index phrasings by their first word, then confirm the whole word sequence."""

    def __init__(self) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], T]]] = {}

    def add(self, phrase: str, payload: T) -> None:
        seq = words(phrase)
        if seq:
            self._by_first.setdefault(seq[0], []).append((seq, payload))

    def __bool__(self) -> bool:
        return bool(self._by_first)

    def find(self, text: str) -> list[T]:
        found: list[T] = []
        tokens = words(text)
        index = self._by_first
        if index.keys().isdisjoint(tokens):
            return found
        for i, token in enumerate(tokens):
            candidates = index.get(token)
            if not candidates:
                continue
            for seq, payload in candidates:
                if tokens[i:i + len(seq)] == seq and payload not in found:
                    found.append(payload)
        return found
