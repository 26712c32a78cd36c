"""`kbtool search`: the right sentence on screen mid-call, even with a typo or a different word."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kbtool.cli.options import root_option

FILTER_KINDS = ("phrase", "phrases", "step", "script", "rule", "standard", "letter")
CHANNELS = ("phone", "email", "chat", "in_person", "social", "sms", "letter")
LETTER_PREVIEW_LINES = 8


def clipboard_commands() -> list[list[str]]:
    """Clipboard programs that can work here, best first (no Python dependency needed)."""
    candidates: list[list[str]] = []
    if os.environ.get("WAYLAND_DISPLAY"):
        candidates.append(["wl-copy"])
    if os.environ.get("DISPLAY"):
        candidates += [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    candidates += [["pbcopy"], ["clip.exe"]]
    return [c for c in candidates if shutil.which(c[0])]


def copy_to_clipboard(text: str) -> str | None:
    """Put `text` on the clipboard; returns the program used, or None when no clipboard exists."""
    for command in clipboard_commands():
        try:
            subprocess.run(command, input=text.encode("utf-8"), check=True, timeout=5,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            continue
        return command[0]
    return None


NO_CLIPBOARD = ("no clipboard found (install wl-clipboard on Wayland, xclip or xsel on X11); "
                "the text is printed above, copy it from there")


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
    if hit.kind == "letter":
        lines = text.splitlines()
        if len(lines) > LETTER_PREVIEW_LINES:
            text = "\n".join(lines[:LETTER_PREVIEW_LINES] + ["…"])
    body = text.replace("\n", "\n    ")
    head = f"{number:>2}. " + style(body, bold=True)
    channels = ", ".join(hit.channels) or "any channel"
    meta = f"    {hit.title} · {hit.kind} · {channels}"
    where = f"    {hit.path}:{hit.line} · {hit.url}"
    lines = [head, style(meta, fg="cyan"), style(where, dim=True)]
    if hit.kind == "letter":
        lines.append(style(f"    fill it in: kbtool render letter {hit.id}", dim=True))
    return "\n".join(lines)


def _loader(problems: list[int]) -> Callable[[Path], Any]:
    def load(root: Path) -> Any:
        from kbtool.cli.options import load_or_fail
        from kbtool.problems import Level

        kb = load_or_fail(root)
        problems.append(sum(1 for p in kb.problems if p.level == Level.ERROR))
        return kb

    return load


def open_fresh(root: Path) -> Any:
    """The search index, rebuilt first (with a note on stderr) when the YAML is newer."""
    import time

    from kbtool.search.api import SearchError, fresh_index

    errors: list[int] = []
    started = time.perf_counter()
    try:
        index, reason = fresh_index(root, load=_loader(errors))
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write the search index under {root}: {exc.strerror or exc}") from None
    if reason:
        click.echo(f"note: rebuilt the search index because {reason} "
                   f"({index.meta.get('documents', 0)} texts, {time.perf_counter() - started:.1f} s)", err=True)
        if errors and errors[0]:
            click.echo(f"note: {errors[0]} problem(s) in the YAML; entries that failed to load are not searchable "
                       "(run `kbtool validate`)", err=True)
    return index


@click.command()
@root_option
@click.argument("query", nargs=-1)
@click.option("--kind", type=click.Choice(FILTER_KINDS), help="Only this kind (script = its steps, standard = its rules).")
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
    if as_json:
        click.echo(json.dumps([{"query": m.query, "count": m.count, "last_seen": m.last_seen} for m in found],
                              indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("No missed searches logged yet.")
        return
    click.echo("Searches that found nothing, most frequent first (write phrases for these):")
    for miss in found:
        when = dt.datetime.fromtimestamp(miss.last_seen).strftime("%Y-%m-%d") if miss.last_seen else "?"
        click.echo(f"{miss.count:>5}  {safe_for_terminal(miss.query)}   (last {when})")
