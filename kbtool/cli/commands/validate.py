"""`kbtool validate`: check every file and report problems with file:line:col, rule and hint."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

import click

from kbtool.cli.options import check_or_fail, root_option
from kbtool.problems import EXIT_PROBLEMS, has_errors
from kbtool.reporters import REPORTERS, summary_line, use_colour


@click.command()
@root_option
@click.option("--format", "output_format", type=click.Choice(list(REPORTERS)), default="text",
              show_default=True, help="text for people, json for tools, github for workflow annotations.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too, not only on errors.")
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, without the summary line.")
def validate(root: Path, output_format: str, strict: bool, quiet: bool) -> None:
    """Check the knowledge base: format, ids, references, call flows, placeholders, style.

    Exit 0 when clean, 1 when there are errors (with --strict: any problem), 2 for usage errors.

    \b
    Examples:
      kbtool validate
      kbtool validate --strict --format github     # in CI
      kbtool validate --root path/to/kb --format json
    """
    checked = check_or_fail(root)
    problems = checked.problems
    out = sys.stdout
    shown = from_workspace(problems, root) if output_format == "github" else problems
    text = REPORTERS[output_format](shown, output_format == "text" and use_colour(out))
    if text:
        click.echo(text, nl=False)
    if output_format == "text" and not quiet:
        click.echo(summary_line(problems, checked.files_checked), err=True)
    code = EXIT_PROBLEMS if has_errors(problems, strict) else 0
    if sys.stdout is sys.__stdout__:
        # Freeing a large knowledge base object by object takes a third of the run; the
        # process is done, so leave at once (mypy does the same). Not under a test runner.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def from_workspace(problems: list[Any], root: Path) -> list[Any]:
    """Paths from the top of the GitHub checkout, where annotations are matched to files.

    A knowledge base in a subfolder (`working-directory: docs/kb`) reports paths from its own
    root, which GitHub would look for at the repository's top and not find.
    """
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not workspace:
        return problems
    try:
        prefix = Path(root).resolve().relative_to(Path(workspace).resolve()).as_posix()
    except (ValueError, OSError):
        return problems
    if prefix == ".":
        return problems
    return [dataclasses.replace(p, path=f"{prefix}/{p.path}") for p in problems]
