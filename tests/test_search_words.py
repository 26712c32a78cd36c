"""Search in the customer's words: keywords, accent folding, and the built-in service lexicon."""

from __future__ import annotations

from pathlib import Path

from kbtool.pipeline import check
from kbtool.publish.synonyms import builtin_lexicon, search_synonyms
from kbtool.search.api import build_index, open_index, run_query
from kbtool.search.whoosh_engine import fold, stems, umlaut_spelling
from tests.conftest import REPO, write_kb

COMMON = """\
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [chat, email]
"""

FILES = {
    "scripts_library/phrases/callbacks.yaml": COMMON + """\
kind: phrases
id: callbacks
title: Call-back requests
situation: callback
keywords: [Rückruf]
phrases:
  - id: ask-number
    say: Which number should we ring you on, and when suits you?
    keywords: [Bitte um Rückruf, chargeback]
  - id: thanks
    say: Vielen Dank und freundliche Grüße.
""",
    "scripts_library/phrases/refunds.yaml": COMMON + """\
kind: phrases
id: refunds
title: Refunds
situation: refund
phrases:
  - id: refund-today
    say: I've started your refund today; it reaches your card in three to five working days.
""",
}


def index_for(tmp_path: Path, kb_yaml: str = "") -> Path:
    root = write_kb(tmp_path, FILES, kb_yaml or None)
    build_index(check(root).kb)
    return root


def top(root: Path, query: str) -> list[tuple[str, str | None]]:
    with open_index(root) as index:
        return [(h.id, h.item) for h in run_query(index, query, limit=3).hits]


def test_keywords_find_an_item_by_its_label(tmp_path):
    root = index_for(tmp_path)
    assert top(root, "chargeback")[0] == ("callbacks", "ask-number")


def test_umlauts_and_accents_match_their_plain_spellings(tmp_path):
    root = index_for(tmp_path)
    for spelling in ("Rückruf", "Rueckruf", "Ruckruf", "rückruf"):
        assert top(root, spelling)[0][0] == "callbacks", spelling
    for spelling in ("Grüße", "Gruesse", "Grusse"):
        assert top(root, spelling)[0] == ("callbacks", "thanks"), spelling


def test_folding_rules():
    assert fold("Grüße") == "Grüsse".replace("ü", "u") and fold("café") == "cafe"
    assert umlaut_spelling("grüße") == "gruesse"
    assert stems("Grüße", mode="index") == ["gruss", "gruess"]
    assert stems("Gruesse") == ["gruess"]


def test_the_lexicon_maps_customer_words_on_by_default(tmp_path):
    root = index_for(tmp_path)
    # "cash back" appears in no entry: the built-in lexicon maps it to refund.
    assert top(root, "give me my cash back")[0] == ("refunds", "refund-today")


def test_the_lexicon_can_be_switched_off(tmp_path):
    # Ranking by meaning (the [semantic] extra, installed for tests) is switched off too: it would
    # find the refund by itself, and this is about the lexicon.
    root = index_for(tmp_path, "search:\n  lexicon: false\n  semantic: false\n")
    assert ("refunds", "refund-today") not in top(root, "cash back")


def test_lexicon_groups_extend_kb_yaml_synonyms():
    config = check(REPO).kb.config
    groups = search_synonyms(config)
    assert groups[: len(config.synonyms)] == [list(g) for g in config.synonyms]
    assert len(groups) == len(config.synonyms) + len(builtin_lexicon())
    assert len(builtin_lexicon()) >= 45
