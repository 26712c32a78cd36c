"""kbtool.search.hits: the Hit and Results records every search layer shares, and Hit's JSON form."""

from __future__ import annotations

import json

import pytest

from kbtool.search.hits import Hit, Results


def hit(**changes) -> Hit:
    fields = dict(id="refunds", item="say-when", kind="rule", title="Refunds: say when", text="It arrives Friday.",
                  path="standards/refunds.yaml", line=12, score=1.23456, url="site/standards/refunds.html#say-when")
    return Hit(**{**fields, **changes})


def test_as_dict_is_plain_json_with_lists_for_tuples():
    record = hit(channels=("phone", "chat"), tags=("money",), notes=("Why: trust",), close=True, coverage=0.66666)
    assert record.as_dict() == {
        "id": "refunds", "item": "say-when", "kind": "rule", "title": "Refunds: say when", "text": "It arrives Friday.",
        "path": "standards/refunds.yaml", "line": 12, "score": 1.2346, "url": "site/standards/refunds.html#say-when",
        "channels": ["phone", "chat"], "situation": "", "tags": ["money"], "notes": ["Why: trust"], "close": True,
        "coverage": 0.6667, "more": []}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_a_score_json_cannot_hold_is_written_as_zero(bad):
    record = hit(score=bad, coverage=bad).as_dict()
    assert record["score"] == 0.0 and record["coverage"] == 0.0
    json.loads(json.dumps(record, allow_nan=False))


def test_folded_hits_are_nested_records():
    folded = hit(item="give-a-date", score=0.5)
    record = hit(more=(folded,)).as_dict()
    assert record["more"] == [folded.as_dict()] and record["more"][0]["item"] == "give-a-date"


def test_with_returns_a_changed_copy():
    original = hit()
    changed = original.with_(close=True, score=2.0)
    assert (changed.close, changed.score, changed.id) == (True, 2.0, "refunds")
    assert (original.close, original.score) == (False, 1.23456)


def test_results_are_close_when_any_hit_is_and_hold_no_correction_by_default():
    assert not Results([], "refund").close
    assert not Results([hit(), hit(item="other")], "refund").close
    assert Results([hit(), hit(item="other", close=True)], "refund").close
    results = Results([hit()], "refnd")
    assert (results.did_you_mean, results.fuzzy, results.corrections, results.truncated) == (None, False, {}, False)
