"""kbtool.audit.summary: the shares, breakdowns, top findings and trend of an audit, from hand-made
conversations and findings (what the checks would have found)."""

from __future__ import annotations

import pytest

from kbtool.audit.conversations import Audited
from kbtool.audit.records import Conversation, Finding
from kbtool.audit.summary import EXAMPLES, TOP_FINDINGS, month_of, share, summarise, week_of

TITLES = {"greetings": "Greetings", "refunds": "Refunds"}


def title(entry: str | None) -> str | None:
    return TITLES.get(entry or "")


def conversation(cid: str, at: str | None = "2024-05-02T10:00:00Z", *, channel: str | None = "chat",
                 agents: tuple[str | None, ...] = ("Sam",), agent_messages: int = 1, findings: int = 0) -> Conversation:
    return Conversation(cid, channel, at, agents, agent_messages + 1, agent_messages, findings)


def finding(cid: str, rule: str = "avoided-phrase", *, message: int = 2, agent: str | None = "Sam",
            text: str = "wording to avoid", entry: str | None = "greetings", url: str | None = "greetings.html#hello",
            level: str = "warning") -> Finding:
    return Finding(cid, message, agent, "chat", None, rule, text, "hint", entry, url, level)


def audited(conversations: list[Conversation], findings: list[Finding] = (), by_agent: dict | None = None,
            **counts) -> Audited:
    if by_agent is None:
        by_agent = {}
        for c in conversations:
            for agent in c.agents:
                by_agent[agent] = by_agent.get(agent, 0) + c.agent_messages
    return Audited(list(findings), conversations, sum(c.messages for c in conversations),
                   sum(c.agent_messages for c in conversations), by_agent=by_agent, **counts)


# -- periods and shares ----------------------------------------------------------------------------------

def test_shares_are_rounded_and_periods_are_months_and_iso_weeks():
    assert share(1, 3) == 0.3333 and share(2, 2) == 1.0 and share(0, 0) is None
    assert month_of("2024-05-02T10:00:00Z") == "2024-05"
    assert week_of("2024-05-02T10:00:00Z") == "2024-W18"
    assert week_of("2021-01-03") == "2020-W53"   # the ISO year, not the calendar year
    assert month_of(None) == week_of(None) == "unknown"


# -- the shares -----------------------------------------------------------------------------------------

def test_clean_share_counts_only_conversations_an_agent_wrote_in():
    summary = summarise(audited([conversation("A"), conversation("B", findings=2), conversation("C", agent_messages=0,
                                                                                               agents=())],
                                [finding("B"), finding("B", "missing-closing")]), title)
    assert (summary.conversations, summary.judged, summary.clean, summary.unanswered) == (3, 2, 1, 1)
    assert summary.clean_share == 0.5
    # Nothing answered: no share, no rows.
    summary = summarise(audited([conversation("C", agent_messages=0, agents=())]), title)
    assert (summary.judged, summary.clean_share, summary.by_channel, summary.by_agent) == (0, None, [], [])


def test_the_counts_the_checks_kept_are_passed_on():
    summary = summarise(audited([conversation("A")], left_out=4, promises_not_due=2), title)
    assert (summary.left_out, summary.promises_not_due) == (4, 2)
    assert (summary.first_day, summary.last_day) == ("2024-05-02", "2024-05-02")
    assert summary.as_dict()["left_out"] == 4


# -- breakdowns -----------------------------------------------------------------------------------------

def test_by_channel_is_largest_first_and_unknown_is_named():
    summary = summarise(audited([conversation("A", channel="email"), conversation("B", channel="chat", findings=1),
                                 conversation("C", channel="chat"), conversation("D", channel=None)],
                                [finding("B")]), title)
    assert summary.by_channel == [
        {"channel": "chat", "conversations": 2, "clean": 1, "clean_share": 0.5, "findings": 1},
        {"channel": "email", "conversations": 1, "clean": 1, "clean_share": 1.0, "findings": 0},
        {"channel": "unknown", "conversations": 1, "clean": 1, "clean_share": 1.0, "findings": 0},
    ]
    assert summary.rows("channel") is summary.by_channel


def test_by_agent_counts_an_agent_clean_where_none_of_the_findings_are_theirs():
    conversations = [conversation("A", agents=("Jo", "Sam"), agent_messages=2, findings=1), conversation("B", agents=("Jo",))]
    summary = summarise(audited(conversations, [finding("A", agent="Sam")], by_agent={"Jo": 2, "Sam": 1}), title)
    rows = {row["agent"]: row for row in summary.by_agent}
    assert (rows["Jo"]["conversations"], rows["Jo"]["clean"], rows["Jo"]["findings"]) == (2, 2, 0)
    assert (rows["Sam"]["conversations"], rows["Sam"]["clean"], rows["Sam"]["clean_share"]) == (1, 0, 0.0)
    assert rows["Sam"]["per_100_messages"] == 100.0 and rows["Sam"]["top_rules"] == ["avoided-phrase"]
    assert rows["Sam"]["top_entries"] == ["greetings"]
    # Most findings per 100 messages first.
    assert [row["agent"] for row in summary.by_agent] == ["Sam", "Jo"]


def test_by_agent_ties_are_in_name_order_and_an_unnamed_agent_has_a_row():
    summary = summarise(audited([conversation("A", agents=("Zoe",)), conversation("B", agents=(None,)),
                                 conversation("C", agents=("Al",))]), title)
    assert [row["agent"] for row in summary.by_agent] == ["Al", None, "Zoe"]


def test_by_entry_counts_findings_conversations_and_agents_with_the_page_address():
    findings = [finding("A", agent="Sam"), finding("B", agent="Jo"), finding("B", "example-value", agent="Jo",
                                                                                entry="refunds", url="refunds.html"),
                finding("B", "unfilled-blank", entry=None, url=None)]
    summary = summarise(audited([conversation("A", findings=1), conversation("B", findings=3)], findings), title)
    assert summary.by_entry == [
        {"entry": "greetings", "title": "Greetings", "url": "greetings.html", "findings": 2, "conversations": 2,
         "agents": 2, "rules": ["avoided-phrase"]},
        {"entry": "refunds", "title": "Refunds", "url": "refunds.html", "findings": 1, "conversations": 1, "agents": 1,
         "rules": ["example-value"]},
    ]


def test_rules_are_counted_by_findings_and_by_conversations():
    findings = [finding("A"), finding("A"), finding("B"), finding("B", "unfilled-blank", entry=None, url=None)]
    summary = summarise(audited([conversation("A", findings=2), conversation("B", findings=2)], findings), title)
    assert summary.rules == [{"rule": "avoided-phrase", "findings": 3, "conversations": 2},
                             {"rule": "unfilled-blank", "findings": 1, "conversations": 1}]


# -- top findings ---------------------------------------------------------------------------------------

def test_top_findings_are_the_most_frequent_with_a_few_example_conversations():
    findings = [finding(f"C{n}", text="often", message=n) for n in range(5)] + [finding("C0", text="once", level="error")]
    summary = summarise(audited([conversation(f"C{n}", findings=1) for n in range(5)], findings), title)
    often, once = summary.top_findings
    assert (often["message_text"], often["findings"], often["conversations"]) == ("often", 5, 5)
    assert often["examples"] == [{"conversation": f"C{n}", "message": n} for n in range(EXAMPLES)]
    assert (once["findings"], once["level"], once["title"], once["url"]) == (1, "error", "Greetings",
                                                                            "greetings.html#hello")


def test_examples_name_each_conversation_once_and_rows_stop_at_the_limit():
    findings = [finding("A", message=2), finding("A", message=4), finding("B", message=3)]
    [top] = summarise(audited([conversation("A", findings=2), conversation("B", findings=1)], findings),
                      title).top_findings
    assert top["examples"] == [{"conversation": "A", "message": 2}, {"conversation": "B", "message": 3}]
    # No more than TOP_FINDINGS rows.
    findings = [finding("A", text=f"wording {n}") for n in range(TOP_FINDINGS + 3)]
    summary = summarise(audited([conversation("A", findings=len(findings))], findings), title)
    assert len(summary.top_findings) == TOP_FINDINGS


# -- months and the trend -------------------------------------------------------------------------------

def test_a_short_audit_trends_by_week_with_empty_weeks_shown():
    conversations = [conversation("A", "2024-05-02T10:00:00Z"), conversation("B", "2024-05-20T09:00:00Z", findings=1)]
    summary = summarise(audited(conversations, [finding("B")]), title)
    assert summary.trend["unit"] == "week"
    assert [(p["period"], p["conversations"], p["clean_share"]) for p in summary.trend["points"]] == [
        ("2024-W18", 1, 1.0), ("2024-W19", 0, None), ("2024-W20", 0, None), ("2024-W21", 1, 0.0)]


def test_a_long_audit_trends_by_month_and_every_month_is_shown():
    conversations = [conversation("A", "2024-01-15T10:00:00Z"), conversation("B", "2024-05-02T10:00:00Z")]
    summary = summarise(audited(conversations), title)
    assert summary.trend["unit"] == "month"
    assert [p["period"] for p in summary.trend["points"]] == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    assert [(row["month"], row["conversations"]) for row in summary.by_month] == [
        ("2024-01", 1), ("2024-02", 0), ("2024-03", 0), ("2024-04", 0), ("2024-05", 1)]


@pytest.mark.parametrize(("last", "unit"), [("2024-04-02", "week"), ("2024-04-03", "month")])
def test_the_trend_is_weekly_up_to_92_days(last, unit):
    summary = summarise(audited([conversation("A", "2024-01-01"), conversation("B", last)]), title)
    assert summary.trend["unit"] == unit


def test_undated_conversations_come_last_as_unknown():
    summary = summarise(audited([conversation("A", None), conversation("B", "2024-05-02")]), title)
    assert [p["period"] for p in summary.trend["points"]] == ["2024-W18", "unknown"]
    assert [row["month"] for row in summary.by_month] == ["2024-05", "unknown"]
    # With no dates at all there is one unknown period.
    summary = summarise(audited([conversation("A", None)]), title)
    assert (summary.first_day, summary.trend["unit"]) == (None, "month")
    assert [p["period"] for p in summary.trend["points"]] == ["unknown"]
