"""The audit as one self-contained HTML file: the text report's sections with inline SVG charts,
readable offline and on a phone, and nothing it could fetch (its Content-Security-Policy refuses
every request; links to the knowledge base's pages open only when followed)."""

from __future__ import annotations

import calendar
from html import escape
from typing import Any

from kbtool.audit.charts import bars, columns
from kbtool.audit.conversations import Audited
from kbtool.audit.summary import Summary

MARK = "<!-- kbtool audit report -->"
STYLE = """
:root{--text:#1a202c;--muted:#4a5568;--bg:#fff;--line:#cbd5e0;--track:#e2e8f0;--bar:#2b6cb0;--link:#1d4ed8;
--card:#f7fafc;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--text:#edf2f7;--muted:#cbd5e0;--bg:#171a1f;--line:#4a5568;
--track:#2d3748;--bar:#63b3ed;--link:#90cdf4;--card:#1f242b}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
p.lead{color:var(--muted);margin-top:0}
a{color:var(--link);overflow-wrap:anywhere}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.75rem;margin:1rem 0;padding:0;
list-style:none}
.cards li{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem}
.cards strong{display:block;font-size:1.5rem;line-height:1.2}
.scroll{overflow-x:auto;max-width:100%}
.scroll:focus{outline:2px solid var(--link);outline-offset:2px}
table{border-collapse:collapse;margin:.5rem 0;font-size:.95rem}
th,td{border-bottom:1px solid var(--line);padding:.35rem .6rem;text-align:left;vertical-align:top}
th[scope=row]{min-width:7rem}th a,td a{overflow-wrap:normal}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.chart{display:block;width:100%;max-width:30rem;height:auto;margin:.5rem 0 1rem}
.chart text{fill:var(--text);font:14px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.chart .axis{font-size:12px;fill:var(--muted)}
.chart .bar{fill:var(--bar)}.chart .track{fill:var(--track)}.chart .grid{stroke:var(--line)}
ol.findings{padding-left:1.5rem}ol.findings li{margin:.75rem 0}
.rule{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
.hint,.examples{color:var(--muted);display:block}
footer{color:var(--muted);font-size:.9rem;margin:2rem 0 1rem}
@media (max-width:40rem){
.scroll table,.scroll tbody,.scroll tr{display:block;width:100%}
.scroll thead tr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.scroll tbody tr{border:1px solid var(--line);border-radius:6px;margin:.5rem 0;padding:.25rem .5rem}
.scroll th[scope=row]{display:block;border:0;padding:.25rem 0;min-width:0}
.scroll td{display:flex;justify-content:space-between;gap:1rem;border:0;padding:.15rem 0;text-align:right}
.scroll td::before{content:attr(data-label);color:var(--muted);text-align:left}
.scroll td.n{white-space:normal}}
"""


def is_audit_html(head: bytes) -> bool:
    """Whether a file's first bytes are a report this module wrote (so --html may replace it)."""
    return MARK.encode("ascii") in head[:200]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{round(100 * value)}%"


def _e(value: Any) -> str:
    return escape("-" if value is None else str(value))


def _link(url: str | None, text: str) -> str:
    return f'<a href="{escape(url, quote=True)}">{escape(text)}</a>' if url else escape(text)


def _table(caption: str, header: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    """A table that reads on a phone: below 40rem each row becomes a card of "label value" lines
    (the roles are spelled out, since a browser may drop a table's semantics when CSS restyles it)."""
    def cls(i: int) -> str:
        return ' class="n"' if i in numeric else ""

    head = "".join(f'<th scope="col" role="columnheader"{cls(i)}>{escape(h)}</th>' for i, h in enumerate(header))
    body = []
    for row in rows:
        cells = [f'<th scope="row" role="rowheader">{row[0]}</th>'] + [
            f'<td role="cell" data-label="{escape(header[i], quote=True)}"{cls(i)}>{cell}</td>'
            for i, cell in enumerate(row) if i]
        body.append('<tr role="row">' + "".join(cells) + "</tr>")
    return (f'<div class="scroll" role="region" aria-label="{escape(caption, quote=True)}" tabindex="0">'
            f'<table role="table"><caption class="visually-hidden">{escape(caption)}</caption>'
            f'<thead role="rowgroup"><tr role="row">{head}</tr></thead>'
            f'<tbody role="rowgroup">{"".join(body)}</tbody></table></div>')


def _short_period(period: str, unit: str) -> str:
    """A period as an axis label fits: "W18", "May 24"."""
    if unit == "week" and "-W" in period:
        return "W" + period.split("-W")[1]
    if len(period) == 7 and period[4] == "-":
        return f"{calendar.month_abbr[int(period[5:])]} {period[2:4]}"
    return period


def _shares(chart_id: str, title: str, rows: list[dict[str, Any]], key: str) -> str:
    if not rows:
        return "<p>Nothing to show.</p>"
    described = "; ".join(f"{r[key]}: {_percent(r['clean_share'])} of {r['conversations']}" for r in rows)
    chart = bars(chart_id, title, f"Share of conversations free of findings. {described}.",
                 [(str(r[key]), r["clean_share"], f"{_percent(r['clean_share'])} of {r['conversations']}")
                  for r in rows])
    table = _table(title, [key, "conversations", "free of findings", "share", "findings"],
                   [[_e(r[key]), _e(r["conversations"]), _e(r["clean"]), _percent(r["clean_share"]),
                     _e(r["findings"])] for r in rows], {1, 2, 3, 4})
    return chart + table


def format_html(audited: Audited, summary: Summary) -> str:
    """The whole report as one HTML document."""
    span = f"{summary.first_day} to {summary.last_day}" if summary.first_day else "no dates in the input"
    cards = [(_percent(summary.clean_share), "of conversations free of findings"),
             (f"{summary.conversations:,}", "conversations"),
             (f"{audited.messages:,}", f"messages, {audited.agent_messages:,} from agents"),
             (f"{len(audited.findings):,}", "findings")]
    if summary.unanswered:
        cards.append((f"{summary.unanswered:,}", "with no agent reply (not counted)"))
    out = ["<!DOCTYPE html>", MARK, '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           # Nothing in the report may load anything: it is read offline and may be mailed around.
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
           "<title>Conversation audit</title>",
           f"<style>{STYLE}.visually-hidden{{position:absolute;width:1px;height:1px;overflow:hidden;"
           "clip:rect(0 0 0 0);white-space:nowrap}</style></head><body><main>",
           "<h1>Conversation audit</h1>",
           f'<p class="lead">Agent messages held against the knowledge base: {escape(span)}.</p>',
           '<ul class="cards">' + "".join(f"<li><strong>{escape(big)}</strong>{escape(small)}</li>"
                                          for big, small in cards) + "</ul>"]
    if summary.left_out or summary.promises_not_due:
        notes = []
        if summary.left_out:
            notes.append(f"{summary.left_out} conversations started before --since and are left out")
        if summary.promises_not_due:
            notes.append(f"{summary.promises_not_due} promises were not yet due when the export ends")
        out.append(f"<p>{escape('; '.join(notes))}.</p>")

    out.append("<h2>Free of findings by channel</h2>")
    out.append(_shares("by-channel", "Free of findings by channel", summary.by_channel, "channel"))

    points = summary.trend["points"]
    unit = summary.trend["unit"]
    out.append(f"<h2>Trend by {escape(unit)}</h2>")
    if points:
        described = "; ".join(f"{p['period']}: {_percent(p['clean_share'])}" for p in points)
        out.append(columns("trend", f"Share of conversations free of findings by {unit}",
                           f"From the first {unit} to the last: {described}.",
                           [(_short_period(p["period"], unit), p["clean_share"]) for p in points]))
        out.append(_table(f"Trend by {unit}", [unit, "conversations", "share free of findings", "findings"],
                          [[_e(p["period"]), _e(p["conversations"]), _percent(p["clean_share"]), _e(p["findings"])]
                           for p in points], {1, 2, 3}))
    else:
        out.append("<p>Nothing to show.</p>")

    out.append("<h2>Free of findings by month</h2>")
    out.append(_shares("by-month", "Free of findings by month", summary.by_month, "month"))

    out.append("<h2>Most frequent findings</h2>")
    if summary.top_findings:
        items = []
        for r in summary.top_findings:
            examples = ", ".join(f"{e['conversation']} (message {e['message']})" for e in r["examples"])
            page = f" · {_link(r['url'], r['title'] or 'its page')}" if r["url"] else ""
            items.append(f"<li><strong>{r['findings']}×</strong> in {r['conversations']} conversation"
                         f"{'s' * (r['conversations'] != 1)} · <span class=\"rule\">{_e(r['rule'])}</span>{page}"
                         f"<br>{_e(r['message_text'])}"
                         + (f'<span class="hint">{_e(r["hint"])}</span>' if r["hint"] else "")
                         + f'<span class="examples">e.g. conversation {escape(examples)}</span></li>')
        out.append('<ol class="findings">' + "".join(items) + "</ol>")
    else:
        out.append("<p>No findings.</p>")

    out.append("<h2>Per agent, for coaching</h2>")
    if summary.by_agent:
        out.append(_table("Per agent", ["agent", "conversations", "messages", "findings", "per 100 messages",
                                        "free of findings", "most often broken"],
                          [[_e(r["agent"]), _e(r["conversations"]), _e(r["messages"]), _e(r["findings"]),
                            _e(r["per_100_messages"]), _percent(r["clean_share"]),
                            _e(", ".join(r["top_entries"] or r["top_rules"]) or "-")] for r in summary.by_agent],
                          {1, 2, 3, 4, 5}))
    else:
        out.append("<p>No agent messages.</p>")

    out.append("<h2>Standards and phrases broken most</h2>")
    if summary.by_entry:
        top = summary.by_entry[:10]
        most = max(r["findings"] for r in top)
        out.append(bars("by-entry", "Findings per entry", "; ".join(f"{r['title'] or r['entry']}: {r['findings']}"
                                                                   for r in top) + ".",
                        [(r["title"] or r["entry"], r["findings"] / most, str(r["findings"])) for r in top]))
        out.append(_table("Standards and phrases broken most", ["entry", "findings", "conversations", "agents",
                                                                "rules"],
                          [[_link(r["url"], r["title"] or r["entry"]), _e(r["findings"]), _e(r["conversations"]),
                            _e(r["agents"]), _e(", ".join(r["rules"]))] for r in summary.by_entry], {1, 2, 3}))
    else:
        out.append("<p>No finding points to an entry.</p>")

    out.append("<h2>Findings by rule</h2>")
    if summary.rules:
        out.append(_table("Findings by rule", ["rule", "findings", "conversations"],
                          [[f'<span class="rule">{_e(r["rule"])}</span>', _e(r["findings"]), _e(r["conversations"])]
                           for r in summary.rules], {1, 2}))
    else:
        out.append("<p>No findings.</p>")
    out.append("<footer>Made by <code>kbtool audit</code>. Customer messages are counted, never checked "
               "or quoted.</footer></main></body></html>")
    return "\n".join(out) + "\n"
