"""Opening the search index from the CLI: rebuilt first when the YAML is newer, with notes on stderr."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def _loader(problems: list[int]) -> Callable[[Path], Any]:
    def load(root: Path) -> Any:
        from kbtool.cli.options import check_or_fail

        checked = check_or_fail(root)
        problems.append(len(checked.errors))
        return checked

    return load


def check_kind(index: Any, kind: str | None) -> None:
    """A usage error (exit 2) for a --kind the index does not know, listing the ones it does."""
    if kind is None:
        return
    known = index.meta.get("kinds") or {}
    choices = sorted({*known, *(k for units in known.values() for k in units)})
    if choices and kind not in choices:
        index.close()
        raise click.BadParameter(f"'{kind}' is not a kind; use one of: {', '.join(choices)}", param_hint="--kind")


def open_fresh(root: Path) -> Any:
    """The search index, rebuilt first (with a note on stderr) when the YAML is newer."""
    import time

    from kbtool.search.api import SearchError, fresh_index

    errors: list[int] = []
    started = time.perf_counter()
    try:
        index, reason = fresh_index(root, load=_loader(errors))
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write the search index under {root}: {exc.strerror or exc}") from None
    if reason:
        click.echo(f"note: rebuilt the search index because {reason} "
                   f"({index.meta.get('documents', 0)} texts, {time.perf_counter() - started:.1f} s)", err=True)
        if errors and errors[0]:
            click.echo(f"note: {errors[0]} problem(s) in the YAML; entries that failed to load are not searchable "
                       "(run `kbtool validate`)", err=True)
    return index
