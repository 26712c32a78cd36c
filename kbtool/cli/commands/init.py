"""`kbtool init`: start a knowledge base in an empty folder (or a fresh git checkout)."""

from __future__ import annotations

import re
from pathlib import Path

import click

from kbtool.cli.options import root_option
from kbtool.terminal import safe_for_terminal


@click.command()
@root_option
@click.option("--name", help="The site's name (default: made from the folder's name).")
@click.option("--kbtool-requirement", "requirement", metavar="SPEC",
              help="How CI installs kbtool, e.g. 'kbtool @ git+https://host/org/kbtool@COMMIT' "
                   "(default: how this kbtool was installed, when that is a pinned repository).")
def init(root: Path, name: str | None, requirement: str | None) -> None:
    """Turn an empty folder into a knowledge base that validates, builds and is checked in CI.

    Writes kb.yaml (company values in [brackets] to fill in), standards/ and scripts_library/,
    schema/ for editors, .gitignore, a pre-commit config, a GitHub Actions workflow and a short
    README. Files that exist are kept as they are; a folder that already holds a knowledge base
    is refused.

    \b
    Examples:
      kbtool init --root our-standards --name "Fernleaf service standards"
      kbtool init && kbtool new phrases greeting-phrases && kbtool build
    """
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.authoring.init import InitRefused, init_knowledge_base, shown
    from kbtool.authoring.skeleton import unwritable
    from kbtool.site.escaping import humanise

    root = root.resolve()
    for option, value in (("--name", name), ("--kbtool-requirement", requirement)):
        why = unwritable(value) if value is not None else None
        if why:
            raise click.BadParameter(why, param_hint=option)
    if name is None:
        # A folder name may hold what kb.yaml cannot (bytes that are not UTF-8, control characters).
        folder = re.sub(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]", "", root.name).strip()
        name = f"{humanise(folder or 'our')} service standards"
    try:
        result = init_knowledge_base(root, name, requirement)
    except InitRefused as exc:
        raise click.ClickException(str(exc)) from None
    for path in result.written:
        click.echo(shown(path, root))
    for path in result.kept:
        click.echo(f"kept {shown(path, root)} (already there)", err=True)
    if result.repository is not None:
        click.echo(f"note: {shown(root, result.repository)} is inside the git repository at "
                   f"{safe_for_terminal(str(result.repository))}, so the pre-commit config and the workflow "
                   "are at its top, where pre-commit and GitHub read them, and check this folder", err=True)
    for note in result.notes:
        click.echo(f"note: {safe_for_terminal(note)}", err=True)
    click.echo("Next: fill in the [bracketed] values in kb.yaml, then `kbtool new phrases ID` and `kbtool serve`.",
               err=True)
    if not result.requirement_known:
        click.echo("note: put your kbtool's repository and commit in kbtool-requirements.txt so CI installs it",
                   err=True)
