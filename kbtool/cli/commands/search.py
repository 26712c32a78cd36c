"""`kbtool search`: the right sentence on screen mid-call, even with a typo or a different word."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from kbtool.cli.clipboard import NO_CLIPBOARD, copy_to_clipboard
from kbtool.cli.index_access import check_kind, open_fresh
from kbtool.cli.options import root_option

# Plain constants: importing the kind registry here would cost a cold search ~60 ms, so --kind
# is checked against the kinds the index was built with instead.
from kbtool.format.vocab import CHANNELS
from kbtool.terminal import safe_for_terminal

LETTER_PREVIEW_LINES = 8


def use_colour() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def format_hit(number: int, hit: Any, colour: bool) -> str:
    """One hit as text: the ready-to-say text first and prominent, then where it comes from."""
    def style(text: str, **kwargs: Any) -> str:
        # Content is made terminal-safe before our own styling codes are added around it.
        text = safe_for_terminal(text)
        return click.style(text, **kwargs) if colour else text

    text = hit.text.strip()
    lines = text.splitlines()
    if len(lines) > LETTER_PREVIEW_LINES:
        text = "\n".join(lines[:LETTER_PREVIEW_LINES] + ["…"])
    body = text.replace("\n", "\n    ")
    head = f"{number:>2}. " + style(body, bold=True)
    channels = ", ".join(hit.channels) or "any channel"
    meta = f"    {hit.title} · {hit.kind} · {channels}"
    where = f"    {hit.path}:{hit.line} · {hit.url}"
    lines = [head, style(meta, fg="cyan"), style(where, dim=True)]
    # A kind that is filled in before use says how in its notes ("Fill it in: kbtool render ...").
    lines += [style(f"    {note[0].lower()}{note[1:]}", dim=True) for note in hit.notes if note.startswith("Fill it in:")]
    if hit.more:
        # The entry's other matching items, folded: one row per entry keeps the screen readable.
        names = ", ".join(f"{m.title.split(': ', 1)[-1]} (:{m.line})" for m in hit.more[:MORE_SHOWN])
        extra = f" and {len(hit.more) - MORE_SHOWN} more" if len(hit.more) > MORE_SHOWN else ""
        lines.append(style(f"    also in this entry: {names}{extra}", dim=True))
    return "\n".join(lines)


MORE_SHOWN = 3


@click.command()
@root_option
@click.argument("query", nargs=-1)
@click.option("--kind", metavar="KIND",
              help="Only this kind: phrase, step, rule, letter, standard, or an entry kind "
                   "(script = its steps, standard = its rules).")
@click.option("--channel", type=click.Choice(CHANNELS), help="Only entries for this channel.")
@click.option("--situation", metavar="NAME", help="Only entries for this situation (e.g. delivery-delay).")
@click.option("--tag", metavar="TAG", help="Only entries with this tag.")
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=5, show_default=True,
              help="How many results (one per entry).")
@click.option("--prefer", type=click.Choice(CHANNELS), envvar="KBTOOL_CHANNEL", show_envvar=True,
              help="The channel you are on: its lines first (on phone or in person, written-only templates last).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of results, each with \"close\": true|false.")
@click.option("--copy", is_flag=True, help="Put the top hit's text on the clipboard.")
@click.option("--no-log", is_flag=True, help="Do not record this query if nothing close is found.")
@click.option("--misses", is_flag=True,
              help="List logged searches that found nothing or nothing close, most frequent first.")
def search(root: Path, query: tuple[str, ...], kind: str | None, channel: str | None, situation: str | None,
           tag: str | None, limit: int, prefer: str | None, as_json: bool, copy: bool, no_log: bool,
           misses: bool) -> None:
    """Find the words to say: ranked phrases, script steps, rules and letters, one row per entry.

    Typos are forgiven and kb.yaml's synonyms count (late ~ delay ~ overdue). Each result shows
    the text first, then its title, kind, channels, the file:line to edit and its page on
    the site; the entry's other matching items are folded under it. When nothing holds enough
    of what you typed, it says "No close match" first and lists the weak hits under their own
    heading. The index is rebuilt first when the YAML has changed. Exits 1 when nothing close
    is found, and logs the search for the mentors (see --misses).

    \b
    Examples:
      kbtool search parcel late
      kbtool search "money back" --channel email --limit 3
      kbtool search "where is my order" --prefer phone
      kbtool search refnd --json
      kbtool search --misses
    """
    if misses:
        _print_misses(root, as_json)
        return
    text = " ".join(query).strip()
    if not text:
        raise click.UsageError("give some words to search for, e.g. kbtool search parcel late")
    # lazy: Whoosh and the index load when a search runs, not for kbtool --help or kbtool search --help
    from kbtool.search.api import SearchError, search_rows
    from kbtool.search.misses import NOT_CLOSE, NOTHING, TopHit, log_miss

    index = open_fresh(root)
    check_kind(index, kind)
    try:
        results = search_rows(index, text, kind=kind, channel=channel, situation=situation, tag=tag,
                              limit=limit, prefer=prefer)
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        index.close()
    if results.truncated:
        click.echo(f"note: the query was cut to its first {len(results.query)} characters", err=True)
    if not results.close and not no_log and index.log_misses:
        top = results.hits[0] if results.hits else None
        try:
            log_miss(root, text, NOT_CLOSE if top else NOTHING,
                     TopHit(top.id, top.item, top.title, top.path, top.line) if top else None)
        except OSError:
            pass  # a read-only checkout still searches; the log is a nicety
    if as_json:
        click.echo(json.dumps([h.as_dict() for h in results.hits], indent=2, ensure_ascii=False))
    else:
        _print_results(results)
    if copy and results.close:
        tool = copy_to_clipboard(results.hits[0].text)
        if tool:
            click.echo(f"Copied the top hit to the clipboard (via {tool}).", err=True)
        else:
            click.echo(f"note: {NO_CLIPBOARD}", err=True)
    elif copy and results.hits:
        click.echo("note: nothing close to copy; the weak matches are listed for you to judge", err=True)
    if not results.close:
        sys.exit(1)


NO_CLOSE_MATCH = "No close match"
WEAK_HEADING = "Weak matches (they hold little of what you typed; check before you read one out):"


def _print_results(results: Any) -> None:
    colour = use_colour()
    if results.did_you_mean and results.hits:
        click.echo(f"(showing results for: {results.did_you_mean})", err=True)
    if not results.hits:
        message = f"Nothing found for '{safe_for_terminal(results.query)}'."
        if results.did_you_mean:
            message += f" Did you mean: {results.did_you_mean}?"
        else:
            message += " Try fewer or different words, or drop a filter."
        click.echo(message, err=True)
        return
    close = [h for h in results.hits if h.close]
    weak = [h for h in results.hits if not h.close]
    out: list[str] = []
    if not close:
        out.append(click.style(f"{NO_CLOSE_MATCH} for '{safe_for_terminal(results.query)}'.", bold=True)
                   if colour else f"{NO_CLOSE_MATCH} for '{safe_for_terminal(results.query)}'.")
        out.append("The knowledge base has no answer for this; it is logged for the mentors.\n")
    out.append("\n\n".join(format_hit(i, hit, colour) for i, hit in enumerate(close, 1)))
    if weak:
        out.append(("\n" if close else "") + WEAK_HEADING + "\n")
        out.append("\n\n".join(format_hit(i, hit, colour) for i, hit in enumerate(weak, len(close) + 1)))
    click.echo("\n".join(part for part in out if part))


def _print_misses(root: Path, as_json: bool) -> None:
    # lazy: the miss log loads only for --misses, not for kbtool --help or kbtool search --help
    from kbtool.search.misses import NOT_CLOSE, NOTHING, read_misses

    found = read_misses(root)
    advice = _miss_advice(root, found[:MISS_ADVICE_LIMIT]) if found else {}
    if as_json:
        records = []
        for m in found:
            record: dict[str, object] = {"query": m.query, "count": m.count, "last_seen": m.last_seen,
                                         "kind": m.kind}
            if m.top is not None:
                record["top"] = {"id": m.top.id, "item": m.top.item, "title": m.top.title, "path": m.top.path,
                                 "line": m.top.line}
            tip = advice.get((m.kind, m.query))
            if tip is not None:
                record["suggestions"] = [{"id": s.entry_id, "item": s.item, "title": s.title, "path": s.path,
                                          "line": s.line, "url": s.url, "term": s.term} for s in tip.suggestions]
                record["synonym_line"] = tip.synonym_line
                record["customer_says_line"] = tip.customer_says_line
            records.append(record)
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("No missed searches logged yet.")
        return
    headings = {NOTHING: "Searches that found nothing, most frequent first (write phrases for these, or map them):",
                NOT_CLOSE: "Searches with no close match, most frequent first (staff saw only weak hits: "
                           "add the words where they belong):"}
    for kind in (NOTHING, NOT_CLOSE):
        misses = [m for m in found if m.kind == kind]
        if not misses:
            continue
        click.echo(headings[kind])
        for miss in misses:
            click.echo(f"{miss.count:>5}  {safe_for_terminal(miss.query)}   (last {_day(miss.last_seen)})")
            tip = advice.get((kind, miss.query))
            if tip is None or not tip.suggestions:
                continue
            places = "; ".join(f"{s.title} ({s.path}:{s.line})" if s.line else f"{s.title} ({s.path})"
                               for s in tip.suggestions)
            click.echo(f"       maybe: {safe_for_terminal(places)}")
            click.echo(f"       on the one you pick: {safe_for_terminal(tip.customer_says_line)}")
            if tip.synonym_line:
                click.echo(f"       or kb.yaml synonyms: {safe_for_terminal(tip.synonym_line)}")
        click.echo("")


def _day(seconds: int) -> str:
    try:
        return dt.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d") if seconds else "?"
    except (OverflowError, OSError, ValueError):
        return "?"


MISS_ADVICE_LIMIT = 50  # suggestions for the most frequent misses; the rest are listed only


def _miss_advice(root: Path, misses: list[Any]) -> dict[tuple[str, str], Any]:
    """Suggestions per missed query, from the search index and the lexicon ({} when there is no index)."""
    # lazy: the knowledge base (YAML) loads only to advise on misses
    from kbtool.assemble import load_knowledge_base
    from kbtool.publish.synonyms import search_synonyms
    from kbtool.search.suggest import advise

    kb = load_knowledge_base(root)
    index = open_fresh(root)
    try:
        groups = search_synonyms(kb.config)
        return {(m.kind, m.query): advise(m.query, index, kb, groups, m.top) for m in misses}
    finally:
        index.close()
