"""`kbtool audit`: a help desk's real conversations checked in bulk against the knowledge base."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from kbtool.cli.options import RegistryChoice, check_or_fail, root_option
from kbtool.format.vocab import CHANNELS
from kbtool.problems import EXIT_PROBLEMS
from kbtool.terminal import safe_for_terminal


def _formats() -> list[str]:
    # lazy: the registry loads when the option is checked or shown, not for kbtool --help
    from kbtool.audit.reporters import REPORTERS

    return list(REPORTERS)


def _inputs() -> list[str]:
    # lazy: the registry loads when the option is checked or shown, not for kbtool --help
    from kbtool.audit.inputs import INPUTS

    return list(INPUTS)


def _groupings() -> list[str]:
    # lazy: the registry loads when the option is checked or shown, not for kbtool --help
    from kbtool.audit.summary import BY

    return list(BY)


class _Progress:
    """A one-line progress bar on a terminal's stderr: the share of the input read."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.shown = False

    def __call__(self, done: int) -> None:
        share = min(done / self.total, 1.0)
        filled = round(share * 30)
        click.echo(f"\rauditing [{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} of "
                   f"{self.total / 1_000_000:.1f} MB", err=True, nl=False)
        self.shown = True

    def end(self) -> None:
        if self.shown:
            click.echo("\r" + " " * 60 + "\r", err=True, nl=False)


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="FILE|FOLDER...",
                type=click.Path(exists=True, path_type=Path))
@root_option
@click.option("--format", "output_format", type=RegistryChoice(_formats), default="text", show_default=True,
              help="text: the report; json: every finding and the summaries; csv: a row per finding "
                   "(or per group with --by).")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the report as one self-contained HTML file (charts included, works offline).")
@click.option("--by", type=RegistryChoice(_groupings), default=None,
              help="Show one breakdown: per agent, channel, month or entry (text and csv).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only conversations that started on or after this day (YYYY-MM-DD).")
@click.option("--anonymise", "--anonymize", "anonymise", is_flag=True,
              help="Replace agents' names with stable pseudonyms (KBTOOL_AUDIT_KEY keys them).")
@click.option("--input", "input_name", type=RegistryChoice(_inputs), default=None,
              help="Read every file as this format instead of telling it from the content.")
@click.option("--channel", type=click.Choice(CHANNELS), default=None,
              help="The channel of transcripts whose file or folder name does not say.")
@click.option("--force", is_flag=True, help="Let --html replace a file kbtool did not write.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line on stderr.")
def audit(paths: tuple[Path, ...], root: Path, output_format: str, html_path: Path | None, by: str | None,
          since: Any, anonymise: bool, input_name: str | None, channel: str | None, force: bool, quiet: bool
          ) -> None:
    """Check a help desk's conversations in bulk against the knowledge base, and report where the team drifts.

    Reads JSON Lines or CSV messages (conversation, author, agent, channel, at, text), Zendesk
    tickets with their comments, Freshdesk tickets with their conversations, or a folder of
    Agent:/Customer: transcripts, told apart by their content. Every agent message is checked as
    `kbtool check` checks a reply (customer messages never are), and each conversation for a
    greeting in its first agent message, a closing in its last, and a promise with a time that no
    agent message follows. The report gives the share of conversations free of findings (overall,
    per channel and month), the most frequent findings with the approved wording and its page,
    each agent's figures for coaching, the entries broken most and the trend; it never quotes a
    customer. Exit 0 with no findings, 1 with findings or bad input (FILE:LINE: message), 2 for
    usage errors.

    \b
    Examples:
      kbtool audit tickets.json --html audit.html
      kbtool audit messages.jsonl --since 2024-05-01 --by agent --anonymise
      kbtool audit transcripts/ --format json > audit.json
      kbtool audit export.csv --format csv --by entry
    """
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.audit.html import format_html, is_audit_html
    from kbtool.audit.inputs import total_bytes
    from kbtool.audit.reporters import REPORTERS
    from kbtool.audit.run import AuditOptions
    from kbtool.audit.run import audit as run_audit
    from kbtool.fileops import WouldOverwrite, atomic_write_text, refuse_overwrite
    from kbtool.publish.urls import site_address

    if html_path is not None:
        try:
            refuse_overwrite(html_path, is_audit_html, force=force)
        except WouldOverwrite as exc:
            raise click.ClickException(f"not overwriting {exc.path}: {exc.reason}; pass --force to replace it") \
                from None
    kb = check_or_fail(root).kb
    address = site_address(root, kb.config.site_url)
    progress = _Progress(total_bytes(paths)) if not quiet and sys.stderr.isatty() else None
    options = AuditOptions(input_name, channel, since.date() if since else None, anonymise)
    try:
        result = run_audit(paths, kb, address.url, options, progress)
    finally:
        if progress:
            progress.end()
    if result.problems:
        for problem in result.problems:
            click.echo(safe_for_terminal(f"{problem.path}:{problem.line}: {problem.message}", True), err=True)
            if problem.hint:
                click.echo(safe_for_terminal(f"  hint: {problem.hint}", True), err=True)
        count = len(result.problems) + result.more_problems
        more = f" ({result.more_problems} more not shown)" if result.more_problems else ""
        raise click.ClickException(f"nothing audited: {count} problem{'s' * (count != 1)} in the input{more}")
    audited, summary = result.audited, result.summary
    assert audited is not None and summary is not None
    REPORTERS[output_format](audited, summary, by, sys.stdout)
    sys.stdout.flush()
    if html_path is not None:
        atomic_write_text(html_path, format_html(audited, summary))
    if not quiet:
        count = len(audited.findings)
        written = f"; report written to {html_path}" if html_path is not None else ""
        click.echo(safe_for_terminal(f"{summary.conversations} conversations audited: "
                                     + (f"{count} finding{'s' * (count != 1)}" if count else "no findings")
                                     + written, True), err=True)
    sys.exit(EXIT_PROBLEMS if audited.findings else 0)
