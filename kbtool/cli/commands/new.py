"""`kbtool new KIND ID`: write a valid skeleton entry in the right folder."""

from __future__ import annotations

from pathlib import Path

import click

from kbtool.cli.options import RegistryChoice, kind_names, load_or_fail, root_option
from kbtool.problems import KbError


@click.command()
@root_option
@click.argument("kind", type=RegistryChoice(kind_names))
@click.argument("entry_id", metavar="ID")
@click.option("--title", help="The title (default: made from the id).")
@click.option("--owner", help="Who maintains it (default: git config user.name).")
@click.option("--situation", help="Situation from the vocabulary (default: greeting; optional for standards).")
def new(root: Path, kind: str, entry_id: str, title: str | None, owner: str | None, situation: str | None) -> None:
    """Create a new entry from a skeleton that validates, as a draft, and print its path.

    The review date is kb.yaml's review_period_days ahead (default 180). Existing files are
    never overwritten.

    \b
    Examples:
      kbtool new phrases refund-wording --title "Refund wording"
      kbtool new script returns-call --situation refund
    """
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.authoring.skeleton import create_entry, write_missing_schema
    from kbtool.format.kinds import REGISTRY
    from kbtool.format.types import did_you_mean

    kb = load_or_fail(root)
    if situation is not None and situation not in kb.config.situations:
        hint = did_you_mean(situation, list(kb.config.situations))
        raise click.UsageError(f"unknown situation '{situation}'" + (f"; {hint}" if hint else ""))
    if situation is None and REGISTRY[kind].requires_situation:
        situation = "greeting"
    try:
        path = create_entry(root, kind, entry_id, title, owner, kb.config.review_period_days, situation,
                            set(kb.by_id))
    except KbError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path))
    for schema in write_missing_schema(root, tuple(kb.config.situations)):
        shown = schema.relative_to(root).as_posix() if schema.is_relative_to(root) else str(schema)
        click.echo(f"Wrote {shown} for editors' autocomplete (refresh it with kbtool schema).", err=True)
    click.echo("Created as a draft; edit it, then run kbtool validate.", err=True)
