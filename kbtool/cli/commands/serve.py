"""`kbtool serve`: preview the site locally; it rebuilds when a YAML file or template changes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kbtool.cli.options import check_or_fail, report_problems, root_option, site_dir_option


@click.command()
@root_option
@site_dir_option
@click.option("--dev-addr", "-a", default="127.0.0.1:8000", show_default=True, metavar="IP:PORT",
              help="Address to serve the preview on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in a browser.")
def serve(root: Path, site_dir: Path | None, dev_addr: str, open_browser: bool) -> None:
    """Preview the standards site at http://127.0.0.1:8000, rebuilding on every change.

    Validation errors are printed as file:line:col lines and stop the preview from starting.
    The preview is built in a temporary folder (MkDocs' serve); --site-dir is accepted so the
    same options work for build and serve, and names nothing serve writes.

    \b
    Examples:
      kbtool serve
      kbtool serve --root path/to/kb --dev-addr 0.0.0.0:8080
    """
    import os

    from kbtool.mkdocs.build import mkdocs_config_file
    from kbtool.problems import EXIT_PROBLEMS

    def progress(message: str) -> None:
        click.echo(f"kbtool: {message}", err=True)

    root = root.resolve()
    checked = check_or_fail(root)
    if checked.problems:
        report_problems(checked.problems)
    if checked.errors:
        click.echo("kbtool: fix the errors above, then run kbtool serve again", err=True)
        sys.exit(EXIT_PROBLEMS)
    kb = checked.kb
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.serve import serve as mkdocs_serve
    from mkdocs.exceptions import MkDocsException

    with mkdocs_config_file(root, kb.config.name) as config_file:
        progress(f"serving on http://{dev_addr}/ (Ctrl+C stops); watching standards/, scripts_library/ and kb.yaml")
        try:
            mkdocs_serve(str(config_file), dev_addr=dev_addr, open_in_browser=open_browser)
        except MkDocsException as exc:
            click.echo(f"kbtool: error: {exc}", err=True)
            sys.exit(EXIT_PROBLEMS)
