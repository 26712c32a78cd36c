"""Answers staff can trust mid-call: "No close match" instead of a confident wrong line, one row per
entry, the preferred channel first, and the measured rates on the query sets (benchmarks/answers_bench.py)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
import yaml

from kbtool.assemble import load_knowledge_base
from kbtool.search import closeness
from kbtool.search.api import build_index, open_index, search_rows
from kbtool.search.misses import NOT_CLOSE, read_misses
from kbtool.search.weights import CORRECTED_CREDIT, UNLIKELY_CORRECTION_CREDIT

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
import answers_bench  # noqa: E402


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Path:
    """The bundled knowledge base as a plain install searches it (words only, lexicon on)."""
    root = tmp_path_factory.mktemp("answers")
    for folder in ("standards", "scripts_library"):
        import shutil

        shutil.copytree(REPO / folder, root / folder)
    text = (REPO / "kb.yaml").read_text(encoding="utf-8").replace("\nsearch:\n", "\nsearch:\n  semantic: false\n")
    (root / "kb.yaml").write_text(text, encoding="utf-8")
    build_index(load_knowledge_base(root))
    return root


@pytest.fixture(scope="module")
def index(bundled):
    with open_index(bundled) as opened:
        yield opened


# -- closeness, unit by unit ---------------------------------------------------------------------

def test_a_typed_word_counts_in_full_and_a_synonym_or_a_guess_for_less():
    typed, synonym = object(), object()
    slots = [closeness.Slot("refund", 2.0, [(typed, 1.0), (synonym, 0.55)]),
             closeness.Slot("banana", 2.0, [])]
    holders = {id(typed): {1}, id(synonym): {1, 2}}
    shares = closeness.coverage(slots, [1, 2, 3], lambda leaf, docs: holders[id(leaf)] & set(docs))
    assert shares == {1: 0.5, 2: 0.275, 3: 0.0}
    assert not any(closeness.is_close(share) for share in shares.values())
    assert closeness.coverage([], [1], lambda leaf, docs: set()) == {1: 0.0}


def test_a_short_word_or_a_correction_with_another_first_letter_is_a_guess():
    assert closeness.corrected_credit("refnd", "refund") == CORRECTED_CREDIT
    assert closeness.corrected_credit("car", "card") == UNLIKELY_CORRECTION_CREDIT
    assert closeness.corrected_credit("viscount", "discount") == UNLIKELY_CORRECTION_CREDIT
    assert closeness.corrected_credit("tooth", "too") == UNLIKELY_CORRECTION_CREDIT  # two edits in five letters
    assert not closeness.is_slot("where") and closeness.is_slot("parcel")


def test_an_off_topic_question_is_never_close(index):
    for query in ("recipe for banana bread", "who won the match last night", "qwxz"):
        results = search_rows(index, query)
        assert not results.close and not any(h.close for h in results.hits), query


def test_a_corrected_off_topic_word_does_not_make_a_close_match(index):
    results = search_rows(index, "do you sell car insurance")
    assert results.corrections.get("car") == "card"  # corrected, and ranked by it...
    assert results.hits and not results.close  # ...but never read out as the answer


def test_staff_words_and_a_typo_of_a_long_word_are_close(index):
    for query, entry in (("you charged me twice", "wrong-price-call"), ("refnd", "refunds"),
                         ("money back", "refunds"), ("put on hold", "hold-and-return")):
        results = search_rows(index, query)
        assert results.close and results.hits[0].close, query
        assert entry in [h.id for h in results.hits[:3]], query


def test_function_words_alone_have_nothing_to_be_close_to(index):
    assert not search_rows(index, "what can I do").close


def test_a_pasted_email_is_cut_to_size_and_said_so(index, cli, bundled):
    results = search_rows(index, "where is my parcel " * 2000)
    assert results.truncated and len(results.query) == 500
    run = cli("search", "--root", str(bundled), "--no-log", "where is my parcel " * 2000)
    assert "the query was cut to its first 500 characters" in run.stderr


# -- one row per entry ---------------------------------------------------------------------------

def test_one_row_per_entry_with_the_other_items_folded(index):
    rows = search_rows(index, "refund", limit=10).hits
    ids = [h.id for h in rows]
    assert len(ids) == len(set(ids))
    refunds = next(h for h in rows if h.id == "refunds")
    assert refunds.more and all(m.id == "refunds" and m.item != refunds.item for m in refunds.more)


LOST_PARCEL_CALL = """\
kind: script
id: lost-parcel-call
title: Missing delivery script
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [phone]
situation: delivery-delay
steps:
  - id: greet-the-caller-by-name
    say: Good morning, thank you for calling. Who am I speaking to?
  - id: order
    say: Could I take your order number?
  - id: courier
    say: The courier has lost track of it, so I am sending a replacement today.
  - id: end
    say: Thanks for calling.
"""


def test_a_row_that_matched_only_the_entrys_own_words_opens_with_its_first_item(kb_root):
    """"missing delivery" is only the script's title: its shortest-titled step scores a shade higher,
    but the row opens with the opening step. A step whose own words match keeps its place."""
    root = kb_root({"scripts_library/scripts/lost-parcel-call.yaml": LOST_PARCEL_CALL})
    build_index(load_knowledge_base(root))
    with open_index(root) as opened:
        from kbtool.search.api import run_query

        best = run_query(opened, "missing delivery", limit=10).hits[0]
        assert best.item != "greet-the-caller-by-name"  # the ranking alone would open elsewhere
        [row] = search_rows(opened, "missing delivery", limit=1).hits
        assert row.item == "greet-the-caller-by-name" and row.close
        assert {m.item for m in row.more} == {"order", "courier", "end"}
        [row] = search_rows(opened, "courier lost track", limit=1).hits
        assert row.item == "courier"


# -- the preferred channel -----------------------------------------------------------------------

def written_only(hit) -> bool:
    return set(hit.channels) <= {"sms", "email", "letter"}


def test_on_the_phone_spoken_lines_come_before_written_only_templates(index):
    plain = search_rows(index, "parcel never arrived", limit=10).hits
    phone = search_rows(index, "parcel never arrived", limit=10, prefer="phone").hits
    assert sorted((h.id, h.item) for h in plain) == sorted((h.id, h.item) for h in phone)  # nothing hidden
    close = [h for h in phone if h.close]
    tiers = [0 if "phone" in h.channels else 2 if written_only(h) else 1 for h in close]
    assert tiers == sorted(tiers) and tiers[0] == 0
    assert [h.close for h in phone] == sorted((h.close for h in phone), reverse=True)
    assert any(written_only(h) for h in plain[:2]), "without a preference an SMS template leads"


def test_kbtool_channel_in_the_environment_is_the_same_as_prefer(cli, bundled):
    def ranked(*args: str, env: dict[str, str] | None = None) -> list[list[str]]:
        run = cli("search", "--root", str(bundled), "--no-log", "--json", "-n", "6", *args, env=env)
        return [[h["id"], h["item"]] for h in json.loads(run.stdout)]

    by_option = ranked("--prefer", "phone", "where is my order")
    assert by_option == ranked("where is my order", env={"NO_COLOR": "1", "KBTOOL_CHANNEL": "phone"})
    assert by_option != ranked("where is my order")


# -- the command line ----------------------------------------------------------------------------

def test_search_says_no_close_match_first_lists_the_weak_hits_and_logs_them(cli, bundled):
    run = cli("search", "--root", str(bundled), "recipe", "for", "banana", "bread")
    assert run.code == 1
    lines = run.stdout.splitlines()
    assert lines[0] == "No close match for 'recipe for banana bread'."
    assert any(line.startswith("Weak matches") for line in lines)
    [miss] = [m for m in read_misses(bundled) if m.query == "recipe for banana bread"]
    assert miss.kind == NOT_CLOSE and miss.top is not None
    assert (bundled / miss.top.path).is_file()
    report = json.loads(cli("report", "--root", str(bundled), "--format", "json").stdout)
    assert {"query": "recipe for banana bread", "count": 1} == {k: v for k, v in report["not_close"][0].items()
                                                               if k != "top"}
    assert "recipe for banana bread" not in [m["query"] for m in report["misses"]]


def test_json_hits_carry_close_and_their_folded_items(cli, bundled):
    run = cli("search", "--root", str(bundled), "--no-log", "--json", "you charged me twice")
    assert run.code == 0
    rows = json.loads(run.stdout)
    assert rows[0]["close"] is True and all(isinstance(r["close"], bool) for r in rows)
    assert all(isinstance(m["close"], bool) for r in rows for m in r["more"])
    weak = cli("search", "--root", str(bundled), "--no-log", "--json", "recipe for banana bread")
    assert weak.code == 1 and [r["close"] for r in json.loads(weak.stdout)] == [False] * len(json.loads(weak.stdout))


def test_find_shows_no_close_match_and_marks_weak_rows(index):
    from textual.widgets import Static

    from kbtool.cli.commands.find import make_app
    from kbtool.cli.finder import NO_CLOSE

    seen = {}

    async def drive():
        app = make_app(index, lambda text: None, query="recipe for banana bread")
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(300):
                await pilot.pause()
                if app.settled:
                    break
                await asyncio.sleep(0.01)
            seen["title"] = app.sub_title
            seen["detail"] = str(app.query_one("#detail", Static).render())
            seen["close"] = [h.close for h in app.hits]

    asyncio.run(drive())
    assert seen["title"] == NO_CLOSE
    assert seen["detail"].startswith("Weak match")
    assert seen["close"] and not any(seen["close"])


# -- measured on the query sets ------------------------------------------------------------------

def rates(index, name: str) -> dict:
    file, on_topic, _tuned = answers_bench.SETS[name]
    queries = yaml.safe_load((REPO / "tests" / file).read_text(encoding="utf-8"))
    return answers_bench.evaluate(index, queries, on_topic, False, None)


def test_off_topic_questions_mostly_get_no_close_match(index):
    """The issue's floor is 0.80 on sets nobody tuned on; these held 0.88 (tuned) and 1.00 (held out)."""
    for name in ("off-topic", "off-topic held out"):
        result = rates(index, name)
        assert result["right"] / result["n"] >= 0.8, name


@pytest.mark.slow
def test_staff_queries_stay_close_and_right_and_wrong_answers_stay_rare(index):
    staff = rates(index, "mid-call")
    assert staff["right"] / staff["n"] >= 0.9
    results = [rates(index, name) for name in answers_bench.SETS]
    assert sum(r["wrong"] for r in results) / sum(r["n"] for r in results) <= 0.12
