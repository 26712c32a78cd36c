"""`kbtool check`: a draft reply, chat log or call transcript held against the knowledge base."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kbtool.cli.options import check_or_fail, root_option
from kbtool.format.vocab import CHANNELS
from kbtool.problems import EXIT_PROBLEMS
from kbtool.reporters import REPORTERS, use_colour

# A reply or a day's transcripts is well under this; /dev/zero or a video is not a reply.
MAX_TEXT_BYTES = 5_000_000


def read_text(file: str) -> tuple[str, str]:
    """The text to check and the name findings carry ("<stdin>" for -).

    Not UTF-8, or over MAX_TEXT_BYTES, is a usage error; reading stops at the limit either way.
    """
    if file == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read(MAX_TEXT_BYTES + 1) if stream else sys.stdin.read(MAX_TEXT_BYTES + 1).encode("utf-8")
        name = "<stdin>"
    else:
        with Path(file).open("rb") as handle:
            data = handle.read(MAX_TEXT_BYTES + 1)
        name = file
    if len(data) > MAX_TEXT_BYTES:
        raise click.BadParameter(f"{name} is over {MAX_TEXT_BYTES // 1_000_000} MB; check one reply or transcript "
                                 "at a time", param_hint="FILE")
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as exc:
        raise click.BadParameter(f"{name} is not UTF-8 text (byte {exc.start + 1})", param_hint="FILE") from None


@click.command()
@click.argument("file", default="-", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@root_option
@click.option("--channel", type=click.Choice(CHANNELS), default=None,
              help="Also check what this channel's content asks for (a greeting, a closing).")
@click.option("--format", "output_format", type=click.Choice(list(REPORTERS)), default="text",
              show_default=True, help="text for people, json for tools, github for workflow annotations.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, without the summary line.")
def check(file: str, root: Path, channel: str | None, output_format: str, quiet: bool) -> None:
    """Check a draft reply, chat log or call transcript against the knowledge base.

    Finds wordings the phrasebook says to avoid (tolerant of case, punctuation and small word
    changes) with the approved wording and its page, kb.yaml's style phrases and over-promising
    words, unfilled blanks ({{ order_number }}, [NAME]) and example values left in. Lines a
    customer wrote ("Customer: ...", "> quoted") are read, not checked. Exit 0 when clean, 1 with
    findings, 2 for usage errors.

    \b
    Examples:
      kbtool check reply.txt
      pbpaste | kbtool check - --channel email
      kbtool check chat-log.txt --channel chat --format json
    """
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.publish.urls import site_address
    from kbtool.review import Checker, compile_rules

    text, name = read_text(file)
    kb = check_or_fail(root).kb
    address = site_address(root, kb.config.site_url)
    findings = Checker(compile_rules(kb, address.url)).check(text, name, channel)
    out = REPORTERS[output_format](findings, output_format == "text" and use_colour(sys.stdout))
    if out:
        click.echo(out, nl=False)
    if output_format == "text" and not quiet:
        count = len(findings)
        click.echo(f"{name}: {count} finding{'s' * (count != 1)}" if count else f"{name}: no findings", err=True)
    sys.exit(EXIT_PROBLEMS if findings else 0)
