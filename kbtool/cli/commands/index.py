"""`kbtool index`: build the search index now (searches also rebuild it when the YAML changed)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from kbtool.cli.index_access import require_knowledge_base
from kbtool.cli.options import load_or_fail, root_option
from kbtool.problems import Level


@click.command()
@root_option
def index(root: Path) -> None:
    """Build the index `kbtool search` and `kbtool find` read, in ROOT/.kbtool/.

    Each build goes to a new folder that is swapped in at once, so searches running meanwhile
    keep answering from the previous build. Retired entries are left out.

    \b
    Examples:
      kbtool index
      kbtool index --root path/to/kb
    """
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.search.api import META_FILE, build_index
    from kbtool.search.store import fingerprint

    require_knowledge_base(root)  # before anything: never a .kbtool/ folder in / or a mistyped folder
    started = time.perf_counter()
    found = fingerprint(root)  # before loading: an edit made meanwhile makes the index stale
    kb = load_or_fail(root)
    try:
        folder = build_index(kb, found)
    except OSError as exc:
        raise click.ClickException(f"cannot write the search index under {root}: {exc.strerror or exc}") from None
    documents = json.loads((folder / META_FILE).read_text(encoding="utf-8"))["documents"]
    published = sum(1 for e in kb.entries if e.published)
    click.echo(f"Indexed {documents} texts from {published} entries in {time.perf_counter() - started:.2f} s "
               f"({folder.relative_to(root)}).")
    errors = sum(1 for p in kb.problems if p.level == Level.ERROR)
    if errors:
        click.echo(f"note: {errors} problem(s) in the YAML; entries that failed to load are not indexed "
                   "(run `kbtool validate`)", err=True)
