"""The screen of `kbtool find` (Textual): a search box, the rows, and the chosen row in full.

Its own module so that `kbtool find` loads Textual only when the finder opens, and `kbtool --help`
never does (kbtool/cli/commands/find.py imports this when the command runs).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from kbtool.search.api import SearchError

NO_CLOSE = "No close match: the knowledge base has no answer for this (weak hits below)"


@dataclass(frozen=True)
class FinderOptions:
    """What the finder searches and how: the index, the clipboard, the search itself (the
    benchmarks time it), the filters, the text to start with and the pause in typing before a search."""

    index: Any
    copy: Callable[[str], str | None]
    search: Callable[..., Any]
    kind: str | None = None
    channel: str | None = None
    query: str = ""
    debounce: float = 0.06
    prefer: str | None = None


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

    def __init__(self, options: FinderOptions) -> None:
        super().__init__()
        self.options = options
        # One query at a time on the index (Whoosh readers are not shared between threads).
        self.index_lock = threading.Lock()
        self.hits: list[Any] = []
        self.message = ""
        self.typed = 0  # how many edits so far; a query's number says which text it was for
        self.shown = -1  # the number of the edit whose results are on screen
        self.shown_texts: list[str] = []  # texts whose results were shown, oldest first
        self._timer: Any = None

    def compose(self) -> ComposeResult:
        yield Input(value=self.options.query, placeholder="What does the customer need? e.g. parcel late, refund, angry")
        yield OptionList(id="results")
        with VerticalScroll(id="detail-box"):
            yield Static(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.show_results(self.typed, self.options.query, self.run_search(self.typed, self.options.query))

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
        self._timer = self.set_timer(self.options.debounce, lambda: self.start_search(number, text))

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
        with self.index_lock:
            if number != self.typed:
                return None
            try:
                o = self.options
                if o.prefer:
                    return o.search(o.index, text, kind=o.kind, channel=o.channel, prefer=o.prefer)
                return o.search(o.index, text, kind=o.kind, channel=o.channel)
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
        tool = self.options.copy(hit.text)
        if tool:
            self.message = f"Copied: {hit.title}"
            self.notify(f"Copied to the clipboard ({tool})", timeout=2)
        else:
            # No clipboard here: leave the screen and print the text where it can be selected.
            self.exit(hit.text)

    def action_quit_find(self) -> None:
        self.exit(None)
