"""kbtool.search.rows: one row per entry with its other hits folded in, close rows first, and the
preferred channel's lines before the others (spoken lines before written-only ones on the phone).

Grouping and ordering are tested on hand-made hits; `search_rows` on a three-entry index.
"""

from __future__ import annotations

import pytest
from conftest import write_kb

from kbtool.search.hits import Hit, Results
from kbtool.search.ranking import Run
from kbtool.search.rows import group_by_entry, rank_by_channel, search_rows


def hit(entry: str, item: str | None = "p0", *, channels: tuple[str, ...] = (), close: bool = True,
        score: float = 1.0) -> Hit:
    return Hit(id=entry, item=item, kind="phrase", title=f"{entry}: {item}", text="...", path=f"{entry}.yaml", line=1,
               score=score, url=f"{entry}.html#{item}", channels=channels, close=close)


def run_of(hits: list[Hit]) -> Run:
    """A ranked run with no index behind it: nothing to look up, so no row opens elsewhere."""
    return Run(results=Results(hits, "query"), reader=None, slots=[], docnums={})


def rows_of(rows: list[Hit]) -> list[tuple[str, str | None, list[str | None]]]:
    return [(row.id, row.item, [m.item for m in row.more]) for row in rows]


# -- one row per entry ----------------------------------------------------------------------------------

def test_each_entry_is_one_row_led_by_its_best_hit_in_ranking_order():
    hits = [hit("refunds", "say-when", score=3.0), hit("delays", "p0", score=2.5), hit("refunds", "give-date", score=2.0),
            hit("delays", "p1", score=1.0), hit("greetings", "hello", score=0.5)]
    assert rows_of(group_by_entry(run_of(hits))) == [
        ("refunds", "say-when", ["give-date"]), ("delays", "p0", ["p1"]), ("greetings", "hello", [])]
    assert group_by_entry(run_of([])) == []


def test_a_row_keeps_its_lead_hits_score_and_closeness():
    [row] = group_by_entry(run_of([hit("refunds", "a", score=3.0, close=True), hit("refunds", "b", score=1.0,
                                                                                     close=False)]))
    assert (row.score, row.close) == (3.0, True)
    assert [(m.item, m.close) for m in row.more] == [("b", False)]


def test_the_entry_hit_and_its_items_are_told_apart_by_item_and_kind():
    whole = Hit(id="refunds", item=None, kind="standard", title="Refunds", text="", path="r.yaml", line=1, score=2.0,
                url="r.html")
    [row] = group_by_entry(run_of([whole, hit("refunds", "say-when")]))
    assert (row.item, [m.item for m in row.more]) == (None, ["say-when"])


# -- close first, then the preferred channel --------------------------------------------------------------

def test_close_rows_come_before_weak_ones_whatever_the_score():
    rows = [hit("weak", close=False, score=9.0), hit("close", close=True, score=1.0)]
    assert [row.id for row in rank_by_channel(rows, None)] == ["close", "weak"]
    # A weak row on the preferred channel stays below close rows.
    rows = [hit("sms", channels=("sms",)), hit("phone-weak", channels=("phone",), close=False)]
    assert [row.id for row in rank_by_channel(rows, "phone")] == ["sms", "phone-weak"]
    # Without a preference, the ranking order stays.
    rows = [hit("a", channels=("sms",)), hit("b", channels=("phone",)), hit("c")]
    assert [row.id for row in rank_by_channel(rows, None)] == ["a", "b", "c"]


def test_the_preferred_channel_comes_first_and_the_order_within_stays():
    rows = [hit("chat-1", channels=("chat",)), hit("email-1", channels=("email",)),
            hit("chat-2", channels=("chat", "email")), hit("any")]
    assert [row.id for row in rank_by_channel(rows, "chat")] == ["chat-1", "chat-2", "email-1", "any"]


def test_on_a_spoken_channel_written_only_templates_come_last():
    rows = [hit("sms", channels=("sms",)), hit("letter", channels=("letter", "email")), hit("chat", channels=("chat",)),
            hit("untagged"), hit("phone", channels=("phone",))]
    assert [row.id for row in rank_by_channel(rows, "phone")] == ["phone", "chat", "untagged", "sms", "letter"]
    assert [row.id for row in rank_by_channel(rows, "in_person")] == ["chat", "untagged", "phone", "sms", "letter"]


def test_on_a_written_channel_other_written_templates_are_not_pushed_down():
    rows = [hit("sms", channels=("sms",)), hit("phone", channels=("phone",)), hit("email", channels=("email",))]
    assert [row.id for row in rank_by_channel(rows, "email")] == ["email", "sms", "phone"]


# -- search_rows on an index ------------------------------------------------------------------------------

def phrase_set(entry: str, channel: str, *says: str) -> str:
    lines = [f"kind: phrases\nid: {entry}\ntitle: {entry.replace('-', ' ').title()}\nowner: Sam Lee\nstatus: approved\n"
             f'review_by: "2030-01-01"\nchannels: [{channel}]\nsituation: delivery-delay\nphrases:\n']
    lines += [f"  - id: p{i}\n    say: {say}\n" for i, say in enumerate(says)]
    return "".join(lines)


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    from kbtool.assemble import load_knowledge_base
    from kbtool.search.api import build_index, open_index

    root = write_kb(tmp_path_factory.mktemp("rows"), {
        "scripts_library/phrases/late-sms.yaml": phrase_set("late-sms", "sms", "Your parcel is late and arrives tomorrow."),
        "scripts_library/phrases/late-phone.yaml": phrase_set(
            "late-phone", "phone", "I am sorry the parcel is late, it comes tomorrow.",
            "The courier has the late parcel at the depot."),
        "scripts_library/phrases/late-chat.yaml": phrase_set("late-chat", "chat",
                                                             "Sorry, your late parcel is with the courier."),
    }, "search:\n  semantic: false\n")
    build_index(load_knowledge_base(root))
    with open_index(root) as opened:
        yield opened


def test_search_rows_gives_one_row_per_entry(index):
    rows = search_rows(index, "late parcel").hits
    assert sorted(row.id for row in rows) == ["late-chat", "late-phone", "late-sms"]
    [phone] = [row for row in rows if row.id == "late-phone"]
    assert len(phone.more) == 1 and {phone.item, phone.more[0].item} == {"p0", "p1"}


def test_search_rows_on_the_phone_puts_spoken_lines_first_and_sms_last(index):
    results = search_rows(index, "late parcel", prefer="phone")
    assert [row.id for row in results.hits] == ["late-phone", "late-chat", "late-sms"]
    assert results.close and all(row.close for row in results.hits)


def test_the_limit_counts_rows_not_hits_and_nothing_found_is_no_rows(index):
    assert len(search_rows(index, "late parcel", limit=1).hits) == 1
    assert len(search_rows(index, "late parcel", limit=2).hits) == 2
    results = search_rows(index, "banana")
    assert results.hits == [] and not results.close and results.query == "banana"
