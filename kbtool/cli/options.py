"""Options several commands share, as small decorators (one definition, one help text)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def root_option(func: F) -> F:
    return click.option(
        "--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
        help="The knowledge base's root folder (holds standards/, scripts_library/ and kb.yaml).",
    )(func)


def load_or_fail(root: Path) -> Any:
    """Load the knowledge base, turning library errors into clean CLI errors (exit 1)."""
    from kbtool.problems import KbError
    from kbtool.source.kb import load_knowledge_base

    try:
        return load_knowledge_base(root)
    except KbError as exc:
        raise click.ClickException(str(exc)) from None


def complete_entry_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion for entry ids: reads only file names, so it answers instantly.

    Files are named after their ids (the id-filename check keeps it so), which avoids
    loading and validating the whole knowledge base on every Tab press.
    """
    from click.shell_completion import CompletionItem

    from kbtool.source.kb import content_files

    root = ctx.params.get("root") or Path(".")
    kinds = getattr(param, "kbtool_kinds", None)
    items = []
    for path in content_files(Path(root)):
        folder = path.parent.name
        if kinds and folder not in kinds:
            continue
        if path.stem.startswith(incomplete):
            items.append(CompletionItem(path.stem, help=folder))
    return sorted(items, key=lambda item: item.value)
