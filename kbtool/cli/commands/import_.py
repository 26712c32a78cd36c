"""`kbtool import SOURCE FILE`: a help desk's canned replies as draft phrase sets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, NoReturn

import click

from kbtool.cli.options import RegistryChoice, import_sources, load_or_fail, root_option
from kbtool.format.vocab import CHANNELS
from kbtool.problems import KbError
from kbtool.terminal import safe_for_terminal


@click.command("import")
@root_option
@click.argument("source_name", metavar="SOURCE", type=RegistryChoice(import_sources))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be created; write nothing.")
@click.option("--owner", help="Who maintains the new entries (default: git config user.name).")
@click.option("--situation", help="Situation for the new sets (a CSV's situation column wins; default: "
                                  "guessed from the folder's name, else follow-up).")
@click.option("--channel", "channels", multiple=True, metavar="CHANNEL",
              help="Channel for every new set (repeatable; default: the CSV's column, else email).")
def import_(root: Path, source_name: str, file: Path, dry_run: bool, owner: str | None, situation: str | None,
            channels: tuple[str, ...]) -> None:
    """Create draft phrase sets from a help desk's canned replies, and print their paths.

    SOURCE is zendesk (the macros API's JSON), freshdesk (canned responses API JSON), github
    (.github/replies.yml saved replies) or csv (columns title,text and optionally
    situation,channel,keywords,customer_says). Replies are grouped into one phrase set per folder or category;
    HTML becomes plain text and the help desk's placeholders ({{ticket.requester.first_name}}...)
    become kbtool blanks, declared with a description. Everything is created as a draft with
    kb.yaml's review period. Existing files are never overwritten: a set an earlier import of the
    same file created is skipped, and a taken id gets a number. Bad input is reported as
    FILE:LINE: message, and then nothing is written.

    \b
    Examples:
      kbtool import zendesk macros.json --dry-run
      kbtool import freshdesk canned.json --owner "Ann Lee" --situation refund
      kbtool import github .github/replies.yml --channel social
      kbtool import csv replies.csv --root my-kb
    """
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.authoring.skeleton import git_user_name, unwritable
    from kbtool.format.types import did_you_mean
    from kbtool.imports import SOURCES
    from kbtool.imports.common import InputProblem, InputProblems, Options, plan, write
    from kbtool.imports.helpdesk_text import clean

    if owner is not None and unwritable(owner):
        raise click.BadParameter(f"it cannot be used: {unwritable(owner)}", param_hint="--owner")
    for channel in channels:
        if channel not in CHANNELS:
            hint = did_you_mean(channel, list(CHANNELS)) or f"use one of: {', '.join(CHANNELS)}"
            raise click.BadParameter(f"unknown channel '{channel}'; {hint}", param_hint="--channel")
    kb = load_or_fail(root)
    if situation is not None and situation not in kb.config.situations:
        hint = did_you_mean(situation, list(kb.config.situations))
        raise click.BadParameter(f"unknown situation '{situation}'" + (f"; {hint}" if hint else ""),
                                 param_hint="--situation")
    source = SOURCES[source_name]
    shown = str(file)
    try:
        data = _read(file)
        read = source.read(data, shown)
        options = Options(owner or git_user_name(root),
                          dt.date.today() + dt.timedelta(days=kb.config.review_period_days),
                          situation, tuple(dict.fromkeys(channels)))
        planned = plan(source, read, shown, root, kb, options)
    except InputProblem as problem:
        _fail([problem])
    except InputProblems as problems:
        _fail(problems.problems)
    except KbError as exc:
        raise click.ClickException(str(exc)) from None
    for line, note in planned.notes:
        click.echo(safe_for_terminal(clean(f"note: {shown}:{line}: {note}"), True), err=True)
    for item in planned.sets:
        if item.existing:
            click.echo(f"skipped {_display(item.path, root)}: an earlier import of this {source.group_word} "
                       "made it; left as it is", err=True)
    new = planned.new
    if not dry_run:
        try:
            write(new, kb)
        except KbError as exc:
            raise click.ClickException(str(exc)) from None
        except FileExistsError as exc:
            raise click.ClickException(f"{exc.filename}: created by something else while importing; not "
                                       "overwriting it (run the import again)") from None
    for item in new:
        click.echo(_display(item.path, root))
    phrases = sum(len(s.phrases) for s in new)
    verb = "Would create" if dry_run else "Created"
    click.echo(f"{verb} {len(new)} phrase set{'s' * (len(new) != 1)} with {phrases} "
               f"phrase{'s' * (phrases != 1)} from {planned.replies} {source.label} "
               f"repl{'ies' if planned.replies != 1 else 'y'}, as drafts"
               + (f" ({len(planned.sets) - len(new)} skipped as imported before)" if len(new) < len(planned.sets)
                  else "") + ".", err=True)
    for item in new:
        blanks = ", ".join(item.variables) or "none"
        click.echo(f"  {item.id}: {len(item.phrases)} phrase{'s' * (len(item.phrases) != 1)}, situation {item.situation}, "
                   f"channels {', '.join(item.channels)}, blanks declared: {blanks}", err=True)
    if new and not dry_run:
        click.echo("Next: read each file, fix what the notes name, then run kbtool validate.", err=True)


def _read(file: Path) -> bytes:
    """The input's bytes: a regular file only, refused by size before it is read to the end."""
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.fileops import read_prefix
    from kbtool.imports.common import MAX_INPUT_BYTES, InputProblem

    try:
        return read_prefix(file, MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise click.ClickException(f"{file}: no such file") from None
    except OSError as exc:
        raise InputProblem(str(file), 1, f"cannot read the file: {exc.strerror or exc}") from None


def _display(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _fail(problems: list[Any]) -> NoReturn:
    """Each problem as FILE:LINE: message (the form editors jump to), then exit 1."""
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.imports.helpdesk_text import clean

    # A message may quote the input, which can hold lone surrogates no terminal can be sent.
    for problem in problems:
        click.echo(safe_for_terminal(clean(f"{problem.path}:{problem.line}: {problem.message}"), True), err=True)
        if problem.hint:
            click.echo(safe_for_terminal(clean(f"  hint: {problem.hint}"), True), err=True)
    count = len(problems)
    raise click.ClickException(f"nothing imported: {count} problem{'s' * (count != 1)} in the input")
