"""The kbtool command line: a click group whose commands are imported only when they run.

Lazy loading keeps `kbtool search` from paying for MkDocs or Jinja2 it never uses.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from kbtool import __version__

# name -> "module:attribute"; each command lives in kbtool/commands/.
COMMANDS: dict[str, str] = {
    "validate": "kbtool.commands.validate:validate",
    "schema": "kbtool.commands.schema:schema",
    "build": "kbtool.commands.build:build",
    "serve": "kbtool.commands.serve:serve",
    "new": "kbtool.commands.new:new",
    "diff": "kbtool.commands.diff:diff",
    "report": "kbtool.commands.report:report",
    "completion": "kbtool.commands.completion:completion",
    "export": "kbtool.commands.export:export",
    "search": "kbtool.commands.search:search",
    "index": "kbtool.commands.index:index",
    "render": "kbtool.commands.render:render",
    "find": "kbtool.commands.find:find",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kbtool")
def cli() -> None:
    """Service standards, scripts, letters and phrases for customer-service teams.

    Content lives as YAML in standards/ and scripts_library/; kb.yaml holds team-wide settings.

    \b
    Start with:
      kbtool validate            check every file, with file:line:col for each problem
      kbtool schema              write the JSON Schema editors use for autocompletion
    """


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point. Unexpected failures become one readable line, not a traceback."""
    try:
        return cli.main(args=argv, prog_name="kbtool", standalone_mode=True)
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        click.echo("interrupted", err=True)
        sys.exit(130)
