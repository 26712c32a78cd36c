"""`kbtool find`: search as you type, in the terminal, with the full text and notes of the chosen hit."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kbtool.cli.clipboard import NO_CLIPBOARD, copy_to_clipboard
from kbtool.cli.index_access import check_kind, open_fresh, require_knowledge_base
from kbtool.cli.options import root_option
from kbtool.format.vocab import CHANNELS

RESULT_LIMIT = 20
# Search once typing pauses this long, not on every key: a fast typist's intermediate prefixes
# ("r", "re", "ref"...) each cost a query on a large knowledge base and show nothing useful.
DEBOUNCE_SECONDS = 0.06


def find_results(index: Any, text: str, kind: str | None = None, channel: str | None = None,
                 prefer: str | None = None) -> Any:
    """The query `kbtool find` runs for what is typed (the benchmarks time this path): rows as
    `kbtool search` shows them, one per entry, close matches first."""
    # lazy: Whoosh and the index load when a search runs, not for kbtool --help
    from kbtool.search.api import search_rows

    return search_rows(index, text, kind=kind, channel=channel, prefer=prefer, limit=RESULT_LIMIT)


def make_app(index: Any, copy: Callable[[str], str | None], kind: str | None = None,
             channel: str | None = None, query: str = "", *, debounce: float = DEBOUNCE_SECONDS,
             search: Callable[..., Any] = find_results, prefer: str | None = None) -> Any:
    """The finder's Textual app (kbtool/cli/finder.py).

    Queries run in a worker thread after a pause in typing; a query whose text was typed over
    before it started is skipped, and one that finishes after newer typing is dropped, so the
    list always shows the latest text and the keyboard never waits for a search.
    """
    # lazy: Textual loads only when the finder opens, not for kbtool --help
    from kbtool.cli.finder import FindApp, FinderOptions

    return FindApp(FinderOptions(index, copy, search, kind, channel, query, debounce, prefer))


@click.command()
@root_option
@click.argument("query", nargs=-1)
@click.option("--kind", metavar="KIND", help="Only this kind (phrase, step, rule, letter, standard...).")
@click.option("--channel", type=click.Choice(CHANNELS), help="Only entries for this channel.")
@click.option("--prefer", type=click.Choice(CHANNELS), envvar="KBTOOL_CHANNEL", show_envvar=True,
              help="The channel you are on: its lines first (on phone or in person, written-only templates last).")
def find(root: Path, query: tuple[str, ...], kind: str | None, channel: str | None, prefer: str | None) -> None:
    """Search as you type: results update on every key, arrows move, Enter copies, Esc quits.

    The highlighted hit's full text, its avoid/why notes and its file:line are shown below
    the list. Where there is no clipboard, Enter prints the text and exits.

    \b
    Examples:
      kbtool find
      kbtool find refund --channel chat
    """
    # A wrong --root is the first thing to say, terminal or not (exit 1, as search and index do).
    require_knowledge_base(root)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Without a terminal the screen would wait for keys that never come (a script, a pipe, CI).
        raise click.UsageError("kbtool find needs a terminal to type in; "
                               "in scripts and pipes use: kbtool search QUERY [--json]")
    index = open_fresh(root)
    check_kind(index, kind)
    try:
        chosen = make_app(index, copy_to_clipboard, kind, channel, " ".join(query), prefer=prefer).run()
    finally:
        index.close()
    if chosen:
        click.echo(f"note: {NO_CLIPBOARD}", err=True)
        click.echo(chosen)
