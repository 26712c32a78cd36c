"""The summaries of an audit: the share of conversations free of findings (overall, per channel,
month and agent), the most frequent findings, the entries broken most and the trend over time.

Plain functions from what the checks found to JSON-able rows; every report format reads these.
A conversation counts towards the shares once an agent wrote in it: one without an agent message
is "unanswered", not clean.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from kbtool.audit.conversations import Audited
from kbtool.audit.fields import day_of
from kbtool.audit.records import Conversation, Finding

TOP_FINDINGS = 10
EXAMPLES = 3
# Up to this many days between the first and last conversation, the trend is by week.
WEEKLY_UP_TO_DAYS = 92
UNKNOWN = "unknown"
BY = ("agent", "channel", "month", "entry")


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def month_of(at: str | None) -> str:
    day = day_of(at)
    return f"{day.year:04d}-{day.month:02d}" if day else UNKNOWN


def week_of(at: str | None) -> str:
    day = day_of(at)
    if day is None:
        return UNKNOWN
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


@dataclass
class Summary:
    """Every summary of one audit, as rows of plain values."""

    conversations: int
    judged: int
    clean: int
    clean_share: float | None
    unanswered: int
    left_out: int
    promises_not_due: int
    first_day: str | None
    last_day: str | None
    rules: list[dict[str, Any]]
    by_channel: list[dict[str, Any]]
    by_month: list[dict[str, Any]]
    by_agent: list[dict[str, Any]]
    by_entry: list[dict[str, Any]]
    top_findings: list[dict[str, Any]]
    trend: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rows(self, by: str) -> list[dict[str, Any]]:
        """The breakdown `--by` names."""
        return {"agent": self.by_agent, "channel": self.by_channel, "month": self.by_month,
                "entry": self.by_entry}[by]


def _groups(conversations: Iterable[Conversation], key: Callable[[Conversation], str], name: str
            ) -> list[dict[str, Any]]:
    total: Counter[str] = Counter()
    clean: Counter[str] = Counter()
    findings: Counter[str] = Counter()
    for conversation in conversations:
        if not conversation.agent_messages:
            continue
        group = key(conversation)
        total[group] += 1
        clean[group] += not conversation.findings
        findings[group] += conversation.findings
    return [{name: group, "conversations": total[group], "clean": clean[group],
             "clean_share": share(clean[group], total[group]), "findings": findings[group]} for group in total]


def _agents(audited: Audited) -> list[dict[str, Any]]:
    flagged: set[tuple[str, str | None]] = {(f.conversation, f.agent) for f in audited.findings}
    findings: Counter[str | None] = Counter(f.agent for f in audited.findings)
    rules: dict[str | None, Counter[str]] = defaultdict(Counter)
    entries: dict[str | None, Counter[str]] = defaultdict(Counter)
    for f in audited.findings:
        rules[f.agent][f.rule] += 1
        if f.entry:
            entries[f.agent][f.entry] += 1
    total: Counter[str | None] = Counter()
    clean: Counter[str | None] = Counter()
    for conversation in audited.conversations:
        for agent in conversation.agents:
            total[agent] += 1
            clean[agent] += (conversation.id, agent) not in flagged
    rows = []
    for agent, messages in audited.by_agent.items():
        rows.append({"agent": agent, "conversations": total[agent], "clean": clean[agent],
                     "clean_share": share(clean[agent], total[agent]), "messages": messages,
                     "findings": findings[agent],
                     "per_100_messages": round(100 * findings[agent] / messages, 1) if messages else None,
                     "top_rules": [rule for rule, _ in rules[agent].most_common(3)],
                     "top_entries": [entry for entry, _ in entries[agent].most_common(3)]})
    rows.sort(key=lambda row: (-(row["per_100_messages"] or 0), str(row["agent"])))
    return rows


def _entries(findings: list[Finding], title: Callable[[str | None], str | None]) -> list[dict[str, Any]]:
    count: Counter[str] = Counter()
    url: dict[str, str | None] = {}
    conversations: dict[str, set[str]] = defaultdict(set)
    agents: dict[str, set[str | None]] = defaultdict(set)
    rules: dict[str, Counter[str]] = defaultdict(Counter)
    for f in findings:
        if f.entry is None:
            continue
        count[f.entry] += 1
        url.setdefault(f.entry, f.url.split("#")[0] if f.url else None)
        conversations[f.entry].add(f.conversation)
        agents[f.entry].add(f.agent)
        rules[f.entry][f.rule] += 1
    return [{"entry": entry, "title": title(entry), "url": url[entry], "findings": n,
             "conversations": len(conversations[entry]), "agents": len(agents[entry]),
             "rules": [rule for rule, _ in rules[entry].most_common()]}
            for entry, n in count.most_common()]


def _top(findings: list[Finding], title: Callable[[str | None], str | None]) -> list[dict[str, Any]]:
    count: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], Finding] = {}
    conversations: dict[tuple[str, str], set[str]] = defaultdict(set)
    examples: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for f in findings:
        key = (f.rule, f.message_text)
        count[key] += 1
        first.setdefault(key, f)
        if f.conversation not in conversations[key] and len(examples[key]) < EXAMPLES:
            examples[key].append({"conversation": f.conversation, "message": f.message})
        conversations[key].add(f.conversation)
    rows = []
    for key, n in count.most_common(TOP_FINDINGS):
        f = first[key]
        rows.append({"rule": f.rule, "level": f.level, "message_text": f.message_text, "hint": f.hint,
                     "entry": f.entry, "title": title(f.entry), "url": f.url, "findings": n,
                     "conversations": len(conversations[key]), "examples": examples[key]})
    return rows


def _every_period(rows: list[dict[str, Any]], name: str, first: dt.date | None, last: dt.date | None,
                  period: Callable[[str | None], str]) -> list[dict[str, Any]]:
    """Rows for every week or month from the first to the last, the empty ones too (a trend with
    gaps closed up reads as steadier than it was), in order; "unknown" last."""
    known = {row[name]: row for row in rows}
    out: list[dict[str, Any]] = []
    if first is not None and last is not None:
        mondays = (first + dt.timedelta(days=7 * n - first.weekday()) for n in range(1, (last - first).days // 7 + 2))
        for day in [first, *(d for d in mondays if d <= last), last]:
            label = period(day.isoformat())
            if not out or out[-1][name] != label:
                out.append(known.pop(label, None) or {name: label, "conversations": 0, "clean": 0,
                                                      "clean_share": None, "findings": 0})
    return out + sorted(known.values(), key=lambda row: row[name])


def summarise(audited: Audited, title: Callable[[str | None], str | None]) -> Summary:
    """Every summary of what the checks found; `title` names an entry id for the reader."""
    conversations = audited.conversations
    judged = [c for c in conversations if c.agent_messages]
    clean = sum(1 for c in judged if not c.findings)
    days = sorted(d for d in (day_of(c.at) for c in conversations) if d is not None)
    weekly = bool(days) and (days[-1] - days[0]) <= dt.timedelta(days=WEEKLY_UP_TO_DAYS)
    period = week_of if weekly else month_of
    rule_count: Counter[str] = Counter(f.rule for f in audited.findings)
    rule_conversations: dict[str, set[str]] = defaultdict(set)
    for f in audited.findings:
        rule_conversations[f.rule].add(f.conversation)
    first, last = (days[0], days[-1]) if days else (None, None)
    by_month = _every_period(_groups(conversations, lambda c: month_of(c.at), "month"), "month", first, last,
                             month_of)
    trend = _every_period(_groups(conversations, lambda c: period(c.at), "period"), "period", first, last, period)
    by_channel = sorted(_groups(conversations, lambda c: c.channel or UNKNOWN, "channel"),
                        key=lambda row: (-row["conversations"], row["channel"]))
    return Summary(
        conversations=len(conversations), judged=len(judged), clean=clean, clean_share=share(clean, len(judged)),
        unanswered=len(conversations) - len(judged), left_out=audited.left_out,
        promises_not_due=audited.promises_not_due,
        first_day=days[0].isoformat() if days else None, last_day=days[-1].isoformat() if days else None,
        rules=[{"rule": rule, "findings": n, "conversations": len(rule_conversations[rule])}
               for rule, n in rule_count.most_common()],
        by_channel=by_channel, by_month=by_month, by_agent=_agents(audited),
        by_entry=_entries(audited.findings, title), top_findings=_top(audited.findings, title),
        trend={"unit": "week" if weekly else "month", "points": trend})
