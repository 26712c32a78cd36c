"""The audit's output formats, by name: text (the report for people), json (one object: the counts,
every finding, the summaries) and csv (a row per finding, or per group with `--by`).

Every format reads the same findings and summaries; none quotes a customer's words (findings
carry the knowledge base's wordings and rules, never the message text).
"""

from __future__ import annotations

import csv
import json
import textwrap
from collections.abc import Callable
from typing import IO, Any

from kbtool.audit.conversations import Audited
from kbtool.audit.records import FINDING_FIELDS
from kbtool.audit.summary import Summary
from kbtool.terminal import safe_for_terminal

JSON_VERSION = 1
# A reporter writes to a text stream: a month's findings as one string would double the peak memory.
Reporter = Callable[[Audited, Summary, "str | None", IO[str]], None]
BY_TITLES = {"channel": "By channel", "month": "By month", "agent": "Per agent, for coaching",
             "entry": "Standards and phrases broken most"}


def percent(value: float | None) -> str:
    return "-" if value is None else f"{round(100 * value)}%"


def _s(value: Any) -> str:
    """A value from the input or the content, safe on one terminal line."""
    return safe_for_terminal("-" if value is None else str(value), True)


def _table(header: list[str], rows: list[list[str]], numeric: set[int], indent: str = "  ") -> list[str]:
    """Columns padded to their widest cell; the `numeric` ones right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        out = [cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i]) for i, cell in enumerate(cells)]
        return (indent + "  ".join(out)).rstrip()

    return [line(header)] + [line(row) for row in rows]


def _most_often(row: dict[str, Any]) -> str:
    """What an agent breaks most: the entries (what to coach on), else the rules (style, blanks)."""
    return ", ".join(row["top_entries"] or row["top_rules"]) or "-"


def _breakdown(summary: Summary, by: str) -> list[str]:
    rows = summary.rows(by)
    if not rows:
        return [f"{BY_TITLES[by]}: nothing to show"]
    if by in ("channel", "month"):
        table = _table([by, "conversations", "free of findings", "findings"],
                       [[_s(r[by]), str(r["conversations"]), percent(r["clean_share"]), str(r["findings"])]
                        for r in rows], {1, 2, 3})
    elif by == "agent":
        table = _table(["agent", "conversations", "messages", "findings", "per 100 messages", "free of findings",
                        "most often broken"],
                       [[_s(r["agent"]), str(r["conversations"]), str(r["messages"]), str(r["findings"]),
                         _s(r["per_100_messages"]), percent(r["clean_share"]), _s(_most_often(r))]
                        for r in rows], {1, 2, 3, 4, 5})
    else:
        table = _table(["entry", "findings", "conversations", "agents", "page"],
                       [[_s(f"{r['title']} ({r['entry']})" if r["title"] else r["entry"]), str(r["findings"]),
                         str(r["conversations"]), str(r["agents"]), _s(r["url"])] for r in rows], {1, 2, 3})
    return [BY_TITLES[by], *table]


def _bar(value: float | None, width: int = 20) -> str:
    if value is None:
        return ""
    filled = round((value or 0) * width)
    return "\u2588" * filled + "\u2591" * (width - filled)


def format_text(audited: Audited, summary: Summary, by: str | None, out: IO[str]) -> None:
    span = f", {summary.first_day} to {summary.last_day}" if summary.first_day else ""
    lines = [f"Audit: {summary.conversations} conversations, {audited.messages} messages "
             f"({audited.agent_messages} from agents){span}",
             f"Free of findings: {percent(summary.clean_share)} of conversations ({summary.clean} of "
             f"{summary.judged} with an agent reply)"]
    notes = []
    if summary.unanswered:
        notes.append(f"{summary.unanswered} with no agent reply")
    if summary.left_out:
        notes.append(f"{summary.left_out} started before --since, left out")
    if summary.promises_not_due:
        notes.append(f"{summary.promises_not_due} promise{'s' * (summary.promises_not_due != 1)} not yet due "
                     "when the export ends")
    if notes:
        lines.append("Not counted: " + "; ".join(notes))
    total = len(audited.findings)
    if total:
        lines.append(f"Findings: {total} (" + ", ".join(f"{r['rule']} {r['findings']}" for r in summary.rules) + ")")
    sections: list[list[str]] = []
    if by:
        sections.append(_breakdown(summary, by))
    else:
        sections.append(_breakdown(summary, "channel"))
        sections.append(_breakdown(summary, "month"))
        top = ["Most frequent findings"]
        for n, r in enumerate(summary.top_findings, 1):
            examples = ", ".join(f"{_s(e['conversation'])} (message {e['message']})" for e in r["examples"])
            top += [f"  {n:>2}. {r['findings']} in {r['conversations']} conversation"
                    f"{'s' * (r['conversations'] != 1)}: {r['level']} [{_s(r['rule'])}] {_s(r['message_text'])}",
                    f"      {_s(r['hint'])}" if r["hint"] else "",
                    f"      e.g. conversation {examples}"]
        if len(top) == 1:
            top.append("  none")
        sections.append([line for line in top if line])
        sections.append(_breakdown(summary, "agent"))
        sections.append(_breakdown(summary, "entry"))
        trend = [f"Trend by {summary.trend['unit']} (share of conversations free of findings)"]
        points = summary.trend["points"]
        trend += _table([summary.trend["unit"], "free of findings", "", "conversations", "findings"],
                        [[_s(p["period"]), percent(p["clean_share"]), _bar(p["clean_share"]),
                          str(p["conversations"]), str(p["findings"])] for p in points], {1, 3, 4}) \
            if points else ["  none"]
        sections.append(trend)
    for section in sections:
        lines += ["", *section]
    out.write("\n".join(lines) + "\n")


def format_json(audited: Audited, summary: Summary, by: str | None, out: IO[str]) -> None:
    """The document `json.dumps(..., indent=2)` would give, written a finding at a time."""
    def dumped(value: Any, indent: str) -> str:
        return textwrap.indent(json.dumps(value, indent=2, ensure_ascii=False), indent)[len(indent):]

    out.write(f'{{\n  "version": {JSON_VERSION},\n  "conversations": {summary.conversations},\n'
              f'  "messages": {audited.messages},\n  "agent_messages": {audited.agent_messages},\n  "findings": [')
    for n, finding in enumerate(audited.findings):
        out.write(("," if n else "") + "\n    " + dumped(finding.record(), "    "))
    out.write("\n  ],\n" if audited.findings else "],\n")
    out.write(f'  "summaries": {dumped(summary.as_dict(), "  ")}\n}}\n')


# A cell a spreadsheet would run as a formula; shown as text instead (OWASP's CSV injection advice).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    if text.startswith(_FORMULA) and not isinstance(value, (int, float)):
        return "'" + text
    return text


def format_csv(audited: Audited, summary: Summary, by: str | None, out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    if by:
        rows = summary.rows(by)
        columns = list(rows[0]) if rows else [by]
        writer.writerow(columns)
        writer.writerows([[_cell(row[c]) for c in columns] for row in rows])
    else:
        writer.writerow(FINDING_FIELDS)
        writer.writerows([_cell(getattr(f, name)) for name in FINDING_FIELDS] for f in audited.findings)


REPORTERS: dict[str, Reporter] = {"text": format_text, "json": format_json, "csv": format_csv}
