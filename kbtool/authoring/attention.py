"""What needs a mentor's attention: reviews due or overdue, drafts, and gaps in coverage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kbtool.format.kinds import REGISTRY
from kbtool.format.vocab import BUILTIN_SITUATIONS
from kbtool.model import Entry, KnowledgeBase
from kbtool.search.misses import NOT_CLOSE, NOTHING, read_misses

CONVERSATIONAL_CHANNELS = ("phone", "email", "chat", "in_person", "social")


@dataclass
class Coverage:
    """Situations x channels: which kinds of guidance exist for each pair."""

    situations: list[str]
    channels: list[str]
    cells: dict[tuple[str, str], list[Entry]] = field(default_factory=dict)

    def gaps(self) -> list[str]:
        return [s for s in self.situations if not any(self.cells.get((s, c)) for c in self.channels)]


def coverage(kb: KnowledgeBase) -> Coverage:
    cov = Coverage(list(kb.config.situations), list(CONVERSATIONAL_CHANNELS) + ["sms", "letter"])
    for entry in kb.published():
        if REGISTRY[entry.kind].guidance and entry.situation:
            for channel in entry.channels:
                cov.cells.setdefault((entry.situation, channel), []).append(entry)
    return cov


def channels_without_greeting(kb: KnowledgeBase) -> list[str]:
    """Channels the team's entries use with no conversation (a script) to open them."""
    have = {c for e in kb.published() if REGISTRY[e.kind].conversation and e.situation == "greeting"
            for c in e.channels}
    used = used_channels(kb)
    return [c for c in CONVERSATIONAL_CHANNELS if c in used and c not in have]


def used_channels(kb: KnowledgeBase) -> set[str]:
    """The channels some entry (not retired) is written for."""
    return {c for e in kb.published() for c in e.channels}


def used_situations(kb: KnowledgeBase) -> list[str]:
    """The situations the team uses: named by an entry (not retired), or added or described in kb.yaml.

    The built-in list offers situations a team may never meet; one nobody files anything under
    is not a gap in its coverage.
    """
    named = {e.situation for e in kb.published() if e.situation}
    return [s for s, description in kb.config.situations.items()
            if s in named or BUILTIN_SITUATIONS.get(s) != description]


def _brief(entry: Entry, today: dt.date) -> dict[str, Any]:
    out: dict[str, Any] = {"id": entry.id, "kind": entry.kind, "title": entry.title, "owner": entry.owner,
                           "status": entry.status, "path": entry.path, "line": entry.pos("review_by")[0]}
    if entry.review_by:
        out["review_by"] = entry.review_by.isoformat()
        out["days_left"] = (entry.review_by - today).days
    return out


def attention_report(kb: KnowledgeBase, today: dt.date, within_days: int = 30) -> dict[str, Any]:
    """The weekly review: overdue and soon-due reviews grouped by owner, drafts, coverage gaps."""
    overdue: dict[str, list[dict[str, Any]]] = {}
    due_soon: dict[str, list[dict[str, Any]]] = {}
    for entry in sorted(kb.published(), key=lambda e: (e.review_by or dt.date.max, e.id)):
        if entry.review_by is None:
            continue
        days = (entry.review_by - today).days
        bucket = overdue if days < 0 else due_soon if days <= within_days else None
        if bucket is not None:
            bucket.setdefault(entry.owner or "(no owner)", []).append(_brief(entry, today))
    drafts = [_brief(e, today) for e in sorted(kb.entries, key=lambda e: e.id) if e.status == "draft"]
    cov = coverage(kb)
    used = set(used_situations(kb))
    return {
        "date": today.isoformat(),
        "within_days": within_days,
        "overdue": dict(sorted(overdue.items())),
        "due_soon": dict(sorted(due_soon.items())),
        "drafts": drafts,
        "gaps": {
            "situations_without_guidance": [s for s in cov.gaps() if s in used],
            "channels_without_greeting_script": channels_without_greeting(kb),
        },
        "misses": top_misses(kb),
        "not_close": top_misses(kb, not_close=True),
    }


REPORTED_MISSES = 10


def top_misses(kb: KnowledgeBase, not_close: bool = False) -> list[dict[str, Any]]:
    """The searches staff made that found nothing (or, with `not_close`, nothing close: only weak
    hits, the best of which is named), most frequent first, from the local miss log."""
    out = []
    for m in read_misses(kb.root, NOT_CLOSE if not_close else NOTHING)[:REPORTED_MISSES]:
        record: dict[str, Any] = {"query": m.query, "count": m.count}
        if not_close and m.top is not None:
            record["top"] = {"id": m.top.id, "item": m.top.item, "path": m.top.path, "line": m.top.line}
        out.append(record)
    return out


def format_report_text(report: dict[str, Any]) -> str:
    lines = [f"Knowledge-base review, {report['date']}", ""]

    def by_owner(title: str, groups: dict[str, list[dict[str, Any]]], late: bool) -> None:
        count = sum(len(v) for v in groups.values())
        lines.append(f"{title} ({count})")
        if not groups:
            lines.append("  none")
        for owner, items in groups.items():
            lines.append(f"  {owner}")
            for item in items:
                days = item["days_left"]
                when = f"{-days} days overdue" if late else f"due in {days} days"
                lines.append(f"    {item['review_by']}  {when:<18} {item['title']}  ({item['path']}:{item['line']})")
        lines.append("")

    by_owner("Reviews overdue", report["overdue"], True)
    by_owner(f"Reviews due within {report['within_days']} days", report["due_soon"], False)
    lines.append(f"Drafts ({len(report['drafts'])})")
    lines += [f"  {d['title']}  owner: {d['owner']}  ({d['path']})" for d in report["drafts"]] or ["  none"]
    lines.append("")
    gaps = report["gaps"]
    lines.append("Coverage gaps")
    situations = gaps["situations_without_guidance"]
    channels = gaps["channels_without_greeting_script"]
    lines.append("  situations with no script, letter or phrases: " + (", ".join(situations) or "none"))
    lines.append("  channels with no greeting script: " + (", ".join(channels) or "none"))
    misses = report.get("misses") or []
    lines += ["", f"Searches that found nothing (top {len(misses)})" if misses else "Searches that found nothing"]
    lines += [f"  {m['count']:>4}  {m['query']}" for m in misses] or ["  none logged"]
    weak = report.get("not_close") or []
    lines += ["", f"Searches with no close match (top {len(weak)})" if weak else "Searches with no close match"]
    for m in weak:
        top = m.get("top")
        where = f"   best weak hit: {top['path']}:{top['line']}" if top else ""
        lines.append(f"  {m['count']:>4}  {m['query']}{where}")
    if not weak:
        lines.append("  none logged")
    if misses or weak:
        lines.append("  kbtool search --misses suggests entries, the customer_says line and the kb.yaml synonym line"
                     " for each")
    return "\n".join(lines) + "\n"
