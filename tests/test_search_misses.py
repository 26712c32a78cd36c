"""Misses become synonyms: `kbtool search --misses` suggests entries for each missed query and the
kb.yaml line that maps it; `kbtool report` lists the most frequent misses."""

from __future__ import annotations

import json

from conftest import PHRASES, write_kb

REFUNDS = """\
kind: phrases
id: refunds
title: Refunds
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [phone]
situation: greeting
phrases:
  - id: full
    say: I will refund the full amount to your card today.
"""


def knowledge_base(root):
    return write_kb(root, {"scripts_library/phrases/greetings.yaml": PHRASES,
                           "scripts_library/phrases/refunds.yaml": REFUNDS})


def test_a_miss_gets_lexicon_neighbours_and_a_synonym_line(cli, tmp_path):
    root = knowledge_base(tmp_path)
    assert cli("search", "--root", str(root), "money", "please").code == 1  # nothing close: logged
    run = cli("search", "--root", str(root), "--misses", "--json")
    assert run.code == 0, run.output
    [record] = json.loads(run.output)
    assert record["query"] == "money please" and record["count"] == 1
    assert [s["id"] for s in record["suggestions"]][:1] == ["refunds"]
    assert record["suggestions"][0]["path"] == "scripts_library/phrases/refunds.yaml"
    assert record["synonym_line"].startswith('  - ["money please", ')
    assert record["customer_says_line"] == 'customer_says: ["money please"]'
    # The synonym line is valid YAML for kb.yaml's synonyms, and with it the same search ranks the
    # entry first; a lexicon match alone is never close, so it still says "No close match".
    kb_yaml = (root / "kb.yaml").read_text(encoding="utf-8")
    (root / "kb.yaml").write_text(kb_yaml + "synonyms:\n" + record["synonym_line"] + "\n", encoding="utf-8")
    found = cli("search", "--root", str(root), "--json", "money please")
    assert found.code == 1, found.output
    [first, *_] = json.loads(found.output[found.output.index("["):])
    assert first["id"] == "refunds" and first["close"] is False, found.output
    # The customer_says line on the phrase the mentor picks makes it a close match.
    phrases = root / "scripts_library/phrases/refunds.yaml"
    phrases.write_text(phrases.read_text(encoding="utf-8") + "    " + record["customer_says_line"] + "\n",
                       encoding="utf-8")
    assert cli("validate", "--root", str(root)).code == 0
    found = cli("search", "--root", str(root), "--json", "money please")
    assert found.code == 0, found.output
    [first, *_] = json.loads(found.output[found.output.index("["):])
    assert (first["id"], first["item"], first["close"]) == ("refunds", "full", True)


def test_text_output_names_the_entry_and_the_line(cli, tmp_path):
    root = knowledge_base(tmp_path)
    cli("search", "--root", str(root), "money", "please")
    run = cli("search", "--root", str(root), "--misses")
    assert "money please" in run.output
    assert "maybe: Refunds (scripts_library/phrases/refunds.yaml:" in run.output
    assert 'on the one you pick: customer_says: ["money please"]' in run.output
    assert 'kb.yaml synonyms:   - ["money please", ' in run.output


def test_titles_that_look_like_the_miss_are_suggested_without_a_lexicon_group():
    import tempfile
    from pathlib import Path

    from kbtool.assemble import load_knowledge_base
    from kbtool.search.suggest import advise

    with tempfile.TemporaryDirectory() as work:
        root = knowledge_base(Path(work))
        kb = load_knowledge_base(root)
        advice = advise("Refundz", index=None, kb=kb, groups=[])
    assert [s.entry_id for s in advice.suggestions] == ["refunds"]
    assert advice.synonym_line == '  - ["Refundz", "refunds"]'


def test_nonsense_gets_no_suggestion():
    import tempfile
    from pathlib import Path

    from kbtool.assemble import load_knowledge_base
    from kbtool.search.suggest import advise

    with tempfile.TemporaryDirectory() as work:
        kb = load_knowledge_base(knowledge_base(Path(work)))
        advice = advise("qwxz zzkk", index=None, kb=kb, groups=[["refund", "money back"]])
    assert advice.suggestions == [] and advice.synonym_line is None


def test_report_lists_the_most_frequent_misses(cli, tmp_path):
    root = knowledge_base(tmp_path)
    for _ in range(2):
        cli("search", "--root", str(root), "money", "please")
    cli("search", "--root", str(root), "qwxz")
    data = json.loads(cli("report", "--root", str(root), "--format", "json").output)
    assert data["misses"][:2] == [{"query": "money please", "count": 2}, {"query": "qwxz", "count": 1}]
    text = cli("report", "--root", str(root)).output
    assert "Searches that found nothing" in text and "money please" in text


def test_a_query_with_an_undecodable_byte_is_searched_and_logged(cli, tmp_path):
    """A command line's undecodable byte reaches kbtool as a lone surrogate; with the [semantic]
    extra it is tokenized (as U+FFFD) and the miss is logged, never an encoding error."""
    root = knowledge_base(tmp_path)
    result = cli("search", "--root", str(root), "qwxz \udc80")
    assert result.code == 1 and "failed unexpectedly" not in result.output
    data = json.loads(cli("report", "--root", str(root), "--format", "json").output)
    assert data["misses"] == [{"query": "qwxz ?", "count": 1}]
