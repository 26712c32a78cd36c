"""`kbtool search`: the right sentence on screen mid-call, even with a typo or a different word."""

from __future__ import annotations

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

LETTER_PREVIEW_LINES = 8


def use_colour() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def format_hit(number: int, hit: Any, colour: bool) -> str:
    """One hit as text: the ready-to-say text first and prominent, then where it comes from."""
    from kbtool.terminal import safe_for_terminal

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
    return "\n".join(lines)


@click.command()
@root_option
@click.argument("query", nargs=-1)
@click.option("--kind", metavar="KIND",
              help="Only this kind: phrase, step, rule, letter, standard, or an entry kind "
                   "(script = its steps, standard = its rules).")
@click.option("--channel", type=click.Choice(CHANNELS), help="Only entries for this channel.")
@click.option("--situation", metavar="NAME", help="Only entries for this situation (e.g. delivery-delay).")
@click.option("--tag", metavar="TAG", help="Only entries with this tag.")
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=5, show_default=True, help="How many hits.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of hits.")
@click.option("--copy", is_flag=True, help="Put the top hit's text on the clipboard.")
@click.option("--no-log", is_flag=True, help="Do not record this query if it finds nothing.")
@click.option("--misses", is_flag=True, help="List logged queries that found nothing, most frequent first.")
def search(root: Path, query: tuple[str, ...], kind: str | None, channel: str | None, situation: str | None,
           tag: str | None, limit: int, as_json: bool, copy: bool, no_log: bool, misses: bool) -> None:
    """Find the words to say: ranked phrases, script steps, rules and letters.

    Typos are forgiven and kb.yaml's synonyms count (late ~ delay ~ overdue). Each hit shows
    the text first, then its title, kind, channels, the file:line to edit and its page on
    the site. The index is rebuilt first when the YAML has changed. Exits 1 when nothing matches.

    \b
    Examples:
      kbtool search parcel late
      kbtool search "money back" --channel email --limit 3
      kbtool search refnd --json
      kbtool search --misses
    """
    if misses:
        _print_misses(root, as_json)
        return
    text = " ".join(query).strip()
    if not text:
        raise click.UsageError("give some words to search for, e.g. kbtool search parcel late")
    from kbtool.search.api import SearchError, log_miss, run_query

    index = open_fresh(root)
    check_kind(index, kind)
    try:
        results = run_query(index, text, kind=kind, channel=channel, situation=situation, tag=tag, limit=limit)
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        index.close()
    if not results.hits and not no_log and index.log_misses:
        try:
            log_miss(root, text)
        except OSError:
            pass  # a read-only checkout still searches; the log is a nicety
    if as_json:
        click.echo(json.dumps([h.as_dict() for h in results.hits], indent=2, ensure_ascii=False))
    else:
        _print_results(results)
    if copy and results.hits:
        tool = copy_to_clipboard(results.hits[0].text)
        if tool:
            click.echo(f"Copied the top hit to the clipboard (via {tool}).", err=True)
        else:
            click.echo(f"note: {NO_CLIPBOARD}", err=True)
    if not results.hits:
        sys.exit(1)


def _print_results(results: Any) -> None:
    colour = use_colour()
    if results.did_you_mean and results.hits:
        click.echo(f"(showing results for: {results.did_you_mean})", err=True)
    if not results.hits:
        from kbtool.terminal import safe_for_terminal

        message = f"Nothing found for '{safe_for_terminal(results.query)}'."
        if results.did_you_mean:
            message += f" Did you mean: {results.did_you_mean}?"
        else:
            message += " Try fewer or different words, or drop a filter."
        click.echo(message, err=True)
        return
    click.echo("\n\n".join(format_hit(i, hit, colour) for i, hit in enumerate(results.hits, 1)))


def _print_misses(root: Path, as_json: bool) -> None:
    import datetime as dt

    from kbtool.search.api import read_misses
    from kbtool.terminal import safe_for_terminal

    found = read_misses(root)
    advice = _miss_advice(root, [m.query for m in found[:MISS_ADVICE_LIMIT]]) if found else {}
    if as_json:
        records = []
        for m in found:
            record: dict[str, object] = {"query": m.query, "count": m.count, "last_seen": m.last_seen}
            if m.query in advice:
                tip = advice[m.query]
                record["suggestions"] = [{"id": s.entry_id, "title": s.title, "path": s.path, "url": s.url,
                                          "term": s.term} for s in tip.suggestions]
                record["synonym_line"] = tip.synonym_line
            records.append(record)
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("No missed searches logged yet.")
        return
    click.echo("Searches that found nothing, most frequent first (write phrases for these, or map them):")
    for miss in found:
        when = dt.datetime.fromtimestamp(miss.last_seen).strftime("%Y-%m-%d") if miss.last_seen else "?"
        click.echo(f"{miss.count:>5}  {safe_for_terminal(miss.query)}   (last {when})")
        tip = advice.get(miss.query)
        if tip is not None and tip.suggestions:
            titles = "; ".join(f"{s.title} ({s.path})" for s in tip.suggestions)
            click.echo(f"       maybe: {safe_for_terminal(titles)}")
            click.echo(f"       kb.yaml synonyms: {safe_for_terminal(tip.synonym_line or '')}")


MISS_ADVICE_LIMIT = 50  # suggestions for the most frequent misses; the rest are listed only


def _miss_advice(root: Path, queries: list[str]) -> dict[str, object]:
    """Suggestions per missed query, from the search index and the lexicon ({} when there is no index)."""
    from kbtool.cli.index_access import open_fresh
    from kbtool.publish.synonyms import search_synonyms
    from kbtool.search.suggest import advise
    from kbtool.source.kb import load_knowledge_base

    kb = load_knowledge_base(root)
    index = open_fresh(root)
    try:
        groups = search_synonyms(kb.config)
        return {query: advise(query, index, kb, groups) for query in queries}
    finally:
        index.close()
