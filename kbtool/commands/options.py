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
    from kbtool.kb import load_knowledge_base
    from kbtool.problems import KbError

    try:
        return load_knowledge_base(root)
    except KbError as exc:
        raise click.ClickException(str(exc)) from None
