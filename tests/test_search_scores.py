"""The search's fast paths agree with Whoosh's own: a query answered from the scores written at
build time (common terms and every multi-word synonym) returns what Whoosh's matchers return, hit
for hit, float for float; near words found with difflib are the ones Whoosh's Levenshtein
automaton finds that are alike enough to be offered."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from kbtool.pipeline import check
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import generate_kb  # noqa: E402
from generate_kb import generate  # noqa: E402


def test_stored_scores_give_whoosh_s_own_hits_and_scores(tmp_path: Path):
    from kbtool.search import api
    from kbtool.search.whoosh_engine import IMPACT_MIN_DOCS

    root = generate(tmp_path / "kb", 120, vocabulary="bundled")
    (root / "kb.yaml").open("a", encoding="utf-8").write("search:\n  semantic: false\n")
    api.build_index(check(root).kb)
    rng = random.Random(3)
    words = sorted({w for w in generate_kb._words if len(w) >= 4})
    # Customer wordings the lexicon turns into phrases, the generator's words, and filters.
    queries = ["I want my money back", "refund replacement return", "parcel never came",
               "speak to someone senior", "charged twice", "cancel my account", "send a new one"]
    queries += [" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(60)]
    with api.open_index(root) as index:
        engine = index._reader()
        impacts = engine._impacts
        assert impacts is not None
        phrases = [key for key in impacts.table if "\x1f" in key[1]]
        common = [key for key in impacts.table if "\x1f" not in key[1]]
        assert phrases and common, "the build stored no phrase or no common-term scores"
        assert all(count >= IMPACT_MIN_DOCS for key, (_, count) in impacts.table.items() if key in common)
        compared = 0
        whoosh_hits = {}
        for query in queries:
            for filters in ({}, {"kind": "phrase"}):
                engine._impacts = impacts
                stored = api.run_query(index, query, limit=10, **filters)
                engine._impacts = None
                whoosh = api.run_query(index, query, limit=10, **filters)
                assert [(h.id, h.item, h.score) for h in stored.hits] == \
                       [(h.id, h.item, h.score) for h in whoosh.hits], query
                compared += bool(stored.hits)
                if not filters:
                    whoosh_hits[query] = whoosh.hits
        engine._impacts = impacts
        # A stored-scores file cut short (a full disk) costs speed, not results: what is missing
        # is scored by Whoosh's matchers.
        mapped = impacts.data
        impacts.data = mapped[:len(mapped) // 2]
        impacts.decoded.clear()
        for query in queries[:20]:
            assert [(h.id, h.item, h.score) for h in api.run_query(index, query, limit=10).hits] == \
                   [(h.id, h.item, h.score) for h in whoosh_hits[query]], query
        impacts.data = mapped  # closed with the index
    assert compared > 60


def test_near_words_are_whoosh_s_words_within_the_distance(tmp_path: Path):
    import difflib

    from kbtool.search import api
    from kbtool.search.weights import SIMILAR
    from kbtool.search.whoosh_engine import edit_distance

    root = generate(tmp_path / "kb", 60, vocabulary="bundled")
    (root / "kb.yaml").open("a", encoding="utf-8").write("search:\n  semantic: false\n")
    api.build_index(check(root).kb)
    rng = random.Random(5)
    with api.open_index(root) as index:
        engine = index._reader()
        whoosh = engine._searcher.reader()
        known = sorted({w for w in generate_kb._words if len(w) >= 3 and w.isalpha()})
        tried = found = 0
        for word in rng.sample(known, 150):
            at = rng.randrange(1, len(word))
            for typo in (word[:at] + word[at + 1:], word[:at] + "e" + word[at:], word[:at] + "x" + word[at + 1:]):
                maxdist = 1 if len(typo) < 6 else 2
                expected = {w for w in whoosh.terms_within("spell", typo, maxdist, prefix=1)
                            if difflib.SequenceMatcher(None, typo, w).ratio() >= SIMILAR}
                got = engine.near_words(typo, maxdist, SIMILAR)
                assert got == expected, typo
                tried += 1
                found += bool(got)
    assert tried == 450 and found > 250
    assert edit_distance("kitten", "sitting", 5) == 3 and edit_distance("kitten", "sitting", 2) == 3
    assert edit_distance("abc", "abc", 0) == 0 and edit_distance("ab", "ba", 2) == 2
