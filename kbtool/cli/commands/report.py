"""`kbtool report`: the weekly review list: due reviews by owner, drafts, coverage gaps."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kbtool.cli.options import load_or_fail, root_option


@click.command()
@root_option
@click.option("--within", "within_days", type=click.IntRange(0, 3650), default=30, show_default=True,
              help="Also list reviews due within this many days.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def report(root: Path, within_days: int, output_format: str) -> None:
    """List entries past or near review_by (by owner), drafts and coverage gaps.

    \b
    Examples:
      kbtool report
      kbtool report --within 60 --format json
    """
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.authoring.attention import attention_report, format_report_text
    from kbtool.checks.base import today

    kb = load_or_fail(root)
    data = attention_report(kb, today(), within_days)
    if output_format == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(format_report_text(data), nl=False)
