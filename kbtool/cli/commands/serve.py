"""`kbtool serve`: preview the site locally; it rebuilds when a YAML file or template changes."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

import click

from kbtool.cli.commands.build import builder_names
from kbtool.cli.options import RegistryChoice, check_or_fail, report_problems, root_option, site_dir_option
from kbtool.problems import EXIT_PROBLEMS, KbError


def check_dev_addr(ctx: click.Context | None, param: click.Parameter | None, value: str) -> str:
    """IP:PORT as MkDocs takes it (an IPv4 or [IPv6] address, or localhost; port 1-65535), checked
    here so a typo is a usage error naming the option, not a failure deep inside the server."""
    host, sep, port = value.rpartition(":")
    if not sep or not host:
        raise click.BadParameter(f"'{value}' is not IP:PORT, e.g. 127.0.0.1:8000", ctx, param)
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if bare != "localhost":
        try:
            ipaddress.ip_address(bare)
        except ValueError:
            raise click.BadParameter(f"'{host}' is not an IP address (or localhost), e.g. 127.0.0.1:8000",
                                     ctx, param) from None
    if not (port.isascii() and port.isdigit()) or not 1 <= int(port) <= 65535:
        raise click.BadParameter(f"'{port}' is not a port number from 1 to 65535", ctx, param)
    return value


@click.command()
@root_option
@site_dir_option
@click.option("--dev-addr", "-a", default="127.0.0.1:8000", show_default=True, metavar="IP:PORT",
              callback=check_dev_addr, help="Address to serve the preview on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in a browser.")
@click.option("--builder", type=RegistryChoice(builder_names), default=None,
              help="The builder the site is published with (default: kb.yaml's, else mkdocs). The preview "
                   "is MkDocs' for both: the same staged pages, rebuilt page by page (docs/builders.md).")
def serve(root: Path, site_dir: Path | None, dev_addr: str, open_browser: bool, builder: str | None) -> None:
    """Preview the standards site at http://127.0.0.1:8000, rebuilding what each change touches.

    Validation errors are printed as file:line:col lines and stop the preview from starting.
    Once it runs, an edit re-renders only the pages it changes; an edit that breaks the knowledge
    base keeps the last good pages and shows its problems on them until it is fixed.
    The preview is built in a temporary folder (MkDocs' serve); --site-dir is accepted so the
    same options work for build and serve, and names nothing serve writes.

    \b
    Examples:
      kbtool serve
      kbtool serve --root path/to/kb --dev-addr 0.0.0.0:8080
    """
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.builders.build import configured_builder
    from kbtool.mkdocs.config import mkdocs_config_file
    from kbtool.mkdocs.serve import serve_preview

    def progress(message: str) -> None:
        click.echo(f"kbtool: {message}", err=True)

    root = root.resolve()
    if (builder or configured_builder(root)) == "zensical":
        # Zensical's own serve rebuilds from its docs folder and would skip the pass that gives each
        # page kbtool's search box and scripts; MkDocs' preview renders the same pages, changed
        # pages only, in a fraction of a second. `kbtool build --builder zensical` publishes.
        progress("note: the preview is built with MkDocs (the same pages); "
                 "`kbtool build --builder zensical` builds the published site with Zensical")
    checked = check_or_fail(root)
    if checked.problems:
        report_problems(checked.problems)
    if checked.errors:
        click.echo("kbtool: fix the errors above, then run kbtool serve again", err=True)
        sys.exit(EXIT_PROBLEMS)
    kb = checked.kb
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    with mkdocs_config_file(root, kb.config.name) as config_file:
        progress(f"serving on http://{dev_addr}/ (Ctrl+C stops); watching standards/, scripts_library/ and kb.yaml")
        try:
            serve_preview(root, config_file, dev_addr, checked, progress, open_in_browser=open_browser)
        except KbError as exc:
            click.echo(f"kbtool: error: {exc}", err=True)
            sys.exit(EXIT_PROBLEMS)
