"""Opening the search index from the CLI: rebuilt first when the YAML is newer, with notes on stderr."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kbtool.cli.options import check_or_fail
from kbtool.reading.layout import has_knowledge_base


def _loader(problems: list[int]) -> Callable[[Path], Any]:
    def load(root: Path) -> Any:
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


def require_knowledge_base(root: Path) -> None:
    """Exit 1 with a clear message when `root` holds no knowledge base (nothing is written there)."""
    if not Path(root).is_dir():
        raise click.ClickException(f"knowledge-base root '{root}' is not a folder")
    if not has_knowledge_base(root):
        raise click.ClickException(f"no knowledge base in {root}: there is no kb.yaml, standards/ or "
                                   "scripts_library/ there; run kbtool in the knowledge base's folder or pass --root DIR")


def open_fresh(root: Path) -> Any:
    """The search index, rebuilt first (with a note on stderr) when the YAML is newer.

    Where the index cannot be written (a read-only checkout), the index already there is
    searched as it is, with a note that it may be out of date.
    """
    # lazy: Whoosh and the index load when a search runs, not for kbtool --help or kbtool search --help
    from kbtool.search.api import SearchError, content_signature, fresh_index
    from kbtool.search.store import index_writable

    require_knowledge_base(root)
    if not index_writable(root):
        return _stale_or_fail(root, "the folder is read-only", content_signature(root))
    errors: list[int] = []
    started = time.perf_counter()
    try:
        index, reason = fresh_index(root, load=_loader(errors))
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        return _stale_or_fail(root, exc.strerror or str(exc), None)
    if reason:
        click.echo(f"note: rebuilt the search index because {reason} "
                   f"({index.meta.get('documents', 0)} texts, {time.perf_counter() - started:.1f} s)", err=True)
        if errors and errors[0]:
            click.echo(f"note: {errors[0]} problem(s) in the YAML; entries that failed to load are not searchable "
                       "(run `kbtool validate`)", err=True)
    return index


def _stale_or_fail(root: Path, why: str, signature: str | None) -> Any:
    """The index as it is, when it cannot be rebuilt: searching an older index beats refusing."""
    # lazy: Whoosh and the index load when a search runs, not for kbtool --help or kbtool search --help
    from kbtool.search.api import SearchError, cache_dir, open_index

    try:
        index = open_index(root)
    except SearchError:
        index = None
    if index is None:
        raise click.ClickException(f"cannot write the search index under {cache_dir(root)} ({why}) and there is "
                                   "no usable index to search; run `kbtool index` where the folder is writable")
    if signature is None or index.meta.get("signature") != signature:
        click.echo(f"note: the YAML changed since the search index was built, and it cannot be rebuilt here "
                   f"({why}); results come from the index as it was built", err=True)
    return index
