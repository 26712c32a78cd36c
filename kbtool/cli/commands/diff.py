"""`kbtool diff [BASE]`: a pull-request summary of what a change does to the content."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kbtool.cli.options import root_option
from kbtool.problems import KbError


@click.command()
@root_option
@click.argument("base", required=False)
@click.option("--format", "output_format", type=click.Choice(["markdown", "json"]), default="markdown",
              show_default=True)
def diff(root: Path, base: str | None, output_format: str) -> None:
    """Summarise content changes against BASE (default: the merge base with main).

    Compares the working tree, uncommitted edits included, with the knowledge base at BASE:
    entries added, removed, retitled, status changes, and rules, steps and phrases added,
    removed or reworded, with the old and new text. A file with validation errors at BASE or
    in the working tree is listed as invalid instead of compared. The Markdown is safe to
    paste into a pull request: content cannot form images, links or @mentions there.

    \b
    Examples:
      kbtool diff                       # for a pull-request description
      kbtool diff HEAD~3 --format json
    """
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.authoring.diffing import diff_against, format_markdown

    try:
        result = diff_against(root, base)
    except KbError as exc:
        raise click.ClickException(str(exc)) from None
    if output_format == "json":
        click.echo(json.dumps({"base": result.revision, "changes": [c.as_dict() for c in result.changes],
                               "invalid": [i.as_dict() for i in result.invalid]}, indent=2, ensure_ascii=False))
    else:
        click.echo(format_markdown(result.revision, result.changes, result.invalid), nl=False)
