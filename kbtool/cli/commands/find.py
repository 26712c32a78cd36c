"""`kbtool find`: search as you type, in the terminal, with the full text and notes of the chosen hit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kbtool.cli.options import root_option
from kbtool.format.vocab import CHANNELS

RESULT_LIMIT = 20


def make_app(index: Any, copy: Callable[[str], str | None], kind: str | None = None,
             channel: str | None = None, query: str = "") -> Any:
    """The Textual app, built here so importing this module (and `kbtool --help`) never loads Textual."""
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.containers import VerticalScroll
    from textual.widgets import Footer, Input, OptionList, Static
    from textual.widgets.option_list import Option

    from kbtool.search.api import run_query

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

        def compose(self) -> ComposeResult:
            yield Input(value=query, placeholder="What does the customer need? e.g. parcel late, refund, angry")
            yield OptionList(id="results")
            with VerticalScroll(id="detail-box"):
                yield Static(id="detail")
            yield Footer()

        def on_mount(self) -> None:
            self.query_one(Input).focus()
            self.refresh_results(query)

        def on_input_changed(self, event: Input.Changed) -> None:
            self.refresh_results(event.value)

        def refresh_results(self, text: str) -> None:
            options = self.query_one("#results", OptionList)
            options.clear_options()
            self.hits = []
            if text.strip():
                # Queries take milliseconds, so each keystroke searches directly: no debounce needed.
                results = run_query(index, text, kind=kind, channel=channel, limit=RESULT_LIMIT)
                self.hits = results.hits
                note = f"showing results for: {results.did_you_mean}" if results.did_you_mean else ""
                self.sub_title = note or (f"{len(self.hits)} hits" if self.hits else "nothing found")
            else:
                self.sub_title = "type to search"
            for hit in self.hits:
                label = Text(hit.text.splitlines()[0] if hit.text else hit.title, overflow="ellipsis", no_wrap=True)
                label.append(f"  · {hit.title} · {hit.kind}", style="dim")
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
            body.append(hit.text.strip() + "\n\n", style="bold")
            for note in hit.notes:
                body.append(note + "\n", style="italic" if not note.startswith("Avoid") else "red")
            body.append(f"\n{hit.title} · {hit.kind} · {', '.join(hit.channels) or 'any channel'}\n", style="cyan")
            body.append(f"{hit.path}:{hit.line}\n{hit.url}\n", style="dim")
            detail.update(body)

        def action_move(self, step: int) -> None:
            options = self.query_one("#results", OptionList)
            if not self.hits:
                return
            position = options.highlighted if options.highlighted is not None else -step
            options.highlighted = max(0, min(len(self.hits) - 1, position + step))

        def action_choose(self) -> None:
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
def find(root: Path, query: tuple[str, ...], kind: str | None, channel: str | None) -> None:
    """Search as you type: results update on every key, arrows move, Enter copies, Esc quits.

    The highlighted hit's full text, its avoid/why notes and its file:line are shown below
    the list. Where there is no clipboard, Enter prints the text and exits.

    \b
    Examples:
      kbtool find
      kbtool find refund --channel chat
    """
    import sys

    from kbtool.cli.clipboard import NO_CLIPBOARD, copy_to_clipboard
    from kbtool.cli.index_access import check_kind, open_fresh, require_knowledge_base

    # A wrong --root is the first thing to say, terminal or not (exit 1, as search and index do).
    require_knowledge_base(root)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Without a terminal the screen would wait for keys that never come (a script, a pipe, CI).
        raise click.UsageError("kbtool find needs a terminal to type in; "
                               "in scripts and pipes use: kbtool search QUERY [--json]")
    index = open_fresh(root)
    check_kind(index, kind)
    try:
        chosen = make_app(index, copy_to_clipboard, kind, channel, " ".join(query)).run()
    finally:
        index.close()
    if chosen:
        click.echo(f"note: {NO_CLIPBOARD}", err=True)
        click.echo(chosen)
