"""`kbtool find`: search as you type, in the terminal, with the full text and notes of the chosen hit."""

from __future__ import annotations

import sys
import threading
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


NO_CLOSE = "No close match: the knowledge base has no answer for this (weak hits below)"


def make_app(index: Any, copy: Callable[[str], str | None], kind: str | None = None,
             channel: str | None = None, query: str = "", *, debounce: float = DEBOUNCE_SECONDS,
             search: Callable[..., Any] = find_results, prefer: str | None = None) -> Any:
    """The Textual app, built here so importing this module (and `kbtool --help`) never loads Textual.

    Queries run in a worker thread after a pause in typing; a query whose text was typed over
    before it started is skipped, and one that finishes after newer typing is dropped, so the
    list always shows the latest text and the keyboard never waits for a search.
    """
    # lazy: Textual loads only when the finder opens, not for kbtool --help
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.containers import VerticalScroll
    from textual.widgets import Footer, Input, OptionList, Static
    from textual.widgets.option_list import Option

    # One query at a time on the index (Whoosh readers are not shared between threads).
    index_lock = threading.Lock()

    class FindApp(App[str | None]):
        """Type, arrow to the right hit, Enter to copy it; Esc to leave."""

        TITLE = "kbtool find"
        CSS = """
        Input { dock: top; }
        #results { height: 45%; border: round $primary; }
        #detail-box { height: 1fr; border: round $secondary; padding: 0 1; }
        """
        BINDINGS = [
            Binding("escape", "quit_find", "Quit"),
            Binding("down", "move(1)", "Next", show=False),
            Binding("up", "move(-1)", "Previous", show=False),
            Binding("enter", "choose", "Copy", priority=True),
        ]

        def __init__(self) -> None:
            super().__init__()
            self.hits: list[Any] = []
            self.message = ""
            self.typed = 0  # how many edits so far; a query's number says which text it was for
            self.shown = -1  # the number of the edit whose results are on screen
            self.shown_texts: list[str] = []  # texts whose results were shown, oldest first
            self._timer: Any = None

        def compose(self) -> ComposeResult:
            yield Input(value=query, placeholder="What does the customer need? e.g. parcel late, refund, angry")
            yield OptionList(id="results")
            with VerticalScroll(id="detail-box"):
                yield Static(id="detail")
            yield Footer()

        def on_mount(self) -> None:
            self.query_one(Input).focus()
            self.show_results(self.typed, query, self.run_search(self.typed, query))

        @property
        def settled(self) -> bool:
            """True when the results on screen are for the text in the box."""
            return self.shown == self.typed

        def on_input_changed(self, event: Input.Changed) -> None:
            self.typed += 1
            if self._timer is not None:
                self._timer.stop()
            number, text = self.typed, event.value
            if not text.strip():
                self.show_results(number, text, None)  # clearing needs no query
                return
            self._timer = self.set_timer(debounce, lambda: self.start_search(number, text))

        def start_search(self, number: int, text: str) -> None:
            self._timer = None
            if number == self.typed:
                self.run_worker(lambda: self.search_in_thread(number, text), thread=True,
                                group="search", exit_on_error=False)

        def search_in_thread(self, number: int, text: str) -> None:
            results = self.run_search(number, text)
            if results is not None:
                self.call_from_thread(self.show_results, number, text, results)

        def run_search(self, number: int, text: str) -> Any:
            """The results for `text`, or None when newer typing made it stale before it could run."""
            if not text.strip():
                return None
            # lazy: Whoosh and the index load when a search runs, not for kbtool --help
            from kbtool.search.api import SearchError

            with index_lock:
                if number != self.typed:
                    return None
                try:
                    if prefer:
                        return search(index, text, kind=kind, channel=channel, prefer=prefer)
                    return search(index, text, kind=kind, channel=channel)
                except SearchError as exc:
                    # A damaged index (say its vectors file was cut short): say what to do on the
                    # screen; in the worker thread it would vanish, and Enter would end in a traceback.
                    return exc

        def flush(self) -> None:
            """Bring the results up to the text in the box now (Enter or an arrow right after typing)."""
            if self.settled:
                return
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            text = self.query_one(Input).value
            self.show_results(self.typed, text, self.run_search(self.typed, text))

        def show_results(self, number: int, text: str, results: Any) -> None:
            if number != self.typed or number == self.shown:
                return  # typed over while it ran: a newer query's results are coming
            self.shown = number
            self.shown_texts.append(text)
            options = self.query_one("#results", OptionList)
            options.clear_options()
            self.hits = []
            if isinstance(results, Exception):
                self.sub_title = str(results)
            elif results is not None:
                self.hits = results.hits
                close = any(getattr(hit, "close", True) for hit in self.hits)
                note = f"showing results for: {results.did_you_mean}" if results.did_you_mean else ""
                if self.hits and not close:
                    self.sub_title = NO_CLOSE
                else:
                    self.sub_title = note or (f"{len(self.hits)} hits" if self.hits else "nothing found")
            else:
                self.sub_title = "type to search"
            for hit in self.hits:
                weak = not getattr(hit, "close", True)
                label = Text("weak  " if weak else "", style="yellow")
                label.append(hit.text.splitlines()[0] if hit.text else hit.title, style="dim" if weak else "")
                label.overflow, label.no_wrap = "ellipsis", True
                label.append(f"  · {hit.title} · {hit.kind}", style="dim")
                more = getattr(hit, "more", ())
                if more:
                    label.append(f" · +{len(more)} in this entry", style="dim")
                options.add_option(Option(label))
            if self.hits:
                options.highlighted = 0
            self.show_detail()

        def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
            self.show_detail()

        def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
            self.action_choose()

        def current(self) -> Any:
            highlighted = self.query_one("#results", OptionList).highlighted
            if highlighted is None or not (0 <= highlighted < len(self.hits)):
                return None
            return self.hits[highlighted]

        def show_detail(self) -> None:
            hit = self.current()
            detail = self.query_one("#detail", Static)
            if hit is None:
                detail.update("")
                return
            body = Text()
            if not getattr(hit, "close", True):
                body.append("Weak match: it holds little of what you typed. Check it before you read it out.\n\n",
                            style="yellow")
            body.append(hit.text.strip() + "\n\n", style="bold")
            for note in hit.notes:
                body.append(note + "\n", style="italic" if not note.startswith("Avoid") else "red")
            body.append(f"\n{hit.title} · {hit.kind} · {', '.join(hit.channels) or 'any channel'}\n", style="cyan")
            body.append(f"{hit.path}:{hit.line}\n{hit.url}\n", style="dim")
            for other in getattr(hit, "more", ()):
                body.append(f"\nAlso in this entry: {other.title}\n", style="cyan")
                body.append(other.text.strip() + "\n")
            detail.update(body)

        def action_move(self, step: int) -> None:
            self.flush()
            options = self.query_one("#results", OptionList)
            if not self.hits:
                return
            position = options.highlighted if options.highlighted is not None else -step
            options.highlighted = max(0, min(len(self.hits) - 1, position + step))

        def action_choose(self) -> None:
            self.flush()
            hit = self.current()
            if hit is None:
                return
            tool = copy(hit.text)
            if tool:
                self.message = f"Copied: {hit.title}"
                self.notify(f"Copied to the clipboard ({tool})", timeout=2)
            else:
                # No clipboard here: leave the screen and print the text where it can be selected.
                self.exit(hit.text)

        def action_quit_find(self) -> None:
            self.exit(None)

    return FindApp()


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
