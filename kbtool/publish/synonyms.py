"""The words search treats as the same: kb.yaml's synonyms first, then kbtool's built-in service lexicon.

The lexicon (kbtool/data/lexicon.yaml, written for kbtool) maps everyday customer wordings to the
vocabulary of service content ("money back" ~ refund, "never turned up" ~ late). Both the
terminal index and the site's search index read their groups from here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from kbtool.model import KbConfig

LEXICON_FILE = Path(__file__).resolve().parent.parent / "data" / "lexicon.yaml"


@lru_cache(maxsize=1)
def builtin_lexicon() -> tuple[tuple[str, ...], ...]:
    """The built-in lexicon's groups (read once; it ships with kbtool, so a broken file is a bug)."""
    data = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    return tuple(tuple(str(member) for member in group) for group in data["groups"])


def search_synonyms(config: KbConfig) -> list[list[str]]:
    """kb.yaml's groups, then the lexicon's unless kb.yaml switches it off (`search: {lexicon: false}`)."""
    groups = [list(group) for group in config.synonyms]
    if config.lexicon:
        groups.extend(list(group) for group in builtin_lexicon())
    return groups
