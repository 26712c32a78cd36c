"""Options several commands share, as small decorators (one definition, one help text)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from kbtool.reading.layout import content_files

F = TypeVar("F", bound=Callable[..., Any])


class RegistryChoice(click.Choice):
    """A choice of the names a registry declares, read when the option is first checked or shown.

    Each registry (kinds, import sources) is declared once where it lives; importing it as the
    command module loads would make `kbtool --help` pay for every command's registry.
    """

    def __init__(self, names: Callable[[], Any]) -> None:
        self._names = names
        self._loaded: list[str] | None = None
        super().__init__([])

    @property  # type: ignore[override]
    def choices(self) -> list[str]:
        if self._loaded is None:
            self._loaded = list(self._names())
        return self._loaded

    @choices.setter
    def choices(self, value: Any) -> None:
        pass  # click's constructor sets it; the registry decides


def kind_names() -> list[str]:
    # lazy: the registry loads when the option is checked or shown, not for kbtool --help
    from kbtool.format.kinds import KIND_NAMES

    return list(KIND_NAMES)


def import_sources() -> list[str]:
    # lazy: the registry loads when the option is checked or shown, not for kbtool --help
    from kbtool.imports import SOURCES

    return list(SOURCES)


def root_option(func: F) -> F:
    return click.option(
        "--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
        help="The knowledge base's root folder (holds standards/, scripts_library/ and kb.yaml).",
    )(func)


def check_or_fail(root: Path) -> Any:
    """The one load-and-check (kbtool.pipeline), library errors turned into clean CLI errors (exit 1)."""
    # lazy: the pipeline (YAML, the format, the checks) loads only for commands that check; kbtool search never does
    from kbtool.pipeline import check
    from kbtool.problems import KbError

    try:
        return check(root)
    except KbError as exc:
        raise click.ClickException(str(exc)) from None


def load_or_fail(root: Path) -> Any:
    """The checked knowledge base's model, for commands that read content and report no problems."""
    return check_or_fail(root).kb


def valid_or_fail(root: Path) -> Any:
    """The checked knowledge base, or exit 1 with its errors printed as `kbtool validate` prints them.

    Errors go to stderr, because stdout may be an export a pipe is waiting for.
    """

    # lazy: the reporters load only where problems are printed (kbtool search prints none)
    from kbtool.reporters import format_text, use_colour

    checked = check_or_fail(root)
    if checked.errors:
        click.echo(format_text(checked.errors, use_colour(sys.stderr)), err=True, nl=False)
        count = len(checked.errors)
        raise click.ClickException(f"not exporting: {count} error{'s' * (count != 1)} in the knowledge base "
                                   "(see above; `kbtool validate` shows them too)")
    return checked


def complete_entry_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion for entry ids: reads only file names, so it answers instantly.

    Files are named after their ids (the id-filename check keeps it so), which avoids
    loading and validating the whole knowledge base on every Tab press.
    """
    # lazy: click's completion module loads only for a Tab press
    from click.shell_completion import CompletionItem

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


def site_dir_option(func: F) -> F:
    return click.option(
        "--site-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Where the site goes (default: mkdocs.yml's site_dir, else ROOT/site).",
    )(func)


def report_problems(problems: list[Any]) -> None:
    """Print problems exactly as `kbtool validate` does (stdout), with its summary line (stderr)."""
    # lazy: the reporters load only where problems are printed (kbtool search prints none)
    from kbtool.reporters import format_text, use_colour

    text = format_text(problems, use_colour(sys.stdout))
    if text:
        click.echo(text, nl=False)
