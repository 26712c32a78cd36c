"""The kbtool command line: a click group whose commands are imported only when they run.

Lazy loading keeps `kbtool search` from paying for MkDocs or Jinja2 it never uses.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from kbtool import __version__
from kbtool.terminal import safe_for_terminal

# name -> "module:attribute"; each command lives in kbtool/cli/commands/, imported only when run.
COMMANDS: dict[str, str] = {
    "validate": "kbtool.cli.commands.validate:validate",
    "schema": "kbtool.cli.commands.schema:schema",
    "build": "kbtool.cli.commands.build:build",
    "serve": "kbtool.cli.commands.serve:serve",
    "init": "kbtool.cli.commands.init:init",
    "new": "kbtool.cli.commands.new:new",
    "diff": "kbtool.cli.commands.diff:diff",
    "report": "kbtool.cli.commands.report:report",
    "completion": "kbtool.cli.commands.completion:completion",
    "export": "kbtool.cli.commands.export:export",
    "search": "kbtool.cli.commands.search:search",
    "index": "kbtool.cli.commands.index:index",
    "render": "kbtool.cli.commands.render:render",
    "find": "kbtool.cli.commands.find:find",
    "check": "kbtool.cli.commands.check:check",
    "import": "kbtool.cli.commands.import_:import_",
    "audit": "kbtool.cli.commands.audit:audit",
}


def _printable(exc: click.ClickException) -> click.ClickException:
    """The error with its message safe to print: file names, ids and values in it are as typed.

    Line breaks stay (some messages list several problems); escape sequences and invalid UTF-8
    are shown as visible escapes.
    """
    exc.message = safe_for_terminal(exc.message)
    return exc


class LazyGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        # Each command's errors, its option parsing included, pass here on their way to click's
        # printing, both from `kbtool` (main below) and from click's own standalone mode.
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            _printable(exc)
            raise

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
      kbtool build               build the site (and the search index) into site/
      kbtool search WORDS        find the words to say, mid-call
      kbtool new KIND ID         start a new entry from a skeleton
    """


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point. Unexpected failures become one readable line, not a traceback.

    Set KBTOOL_DEBUG=1 to see the traceback of an unexpected failure when reporting it.
    Every message printed here is made safe for the terminal (kbtool.terminal).
    """
    try:
        cli.main(args=argv, prog_name="kbtool", standalone_mode=False)
        return 0
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        _printable(exc).show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        click.echo("interrupted", err=True)
        sys.exit(130)
    except OSError as exc:
        where = f": {os.fsdecode(exc.filename)}" if getattr(exc, "filename", None) else ""
        click.echo(safe_for_terminal(f"Error: {exc.strerror or exc}{where}"), err=True)
        sys.exit(1)
    except Exception as exc:
        if os.environ.get("KBTOOL_DEBUG"):
            raise
        click.echo(safe_for_terminal(f"Error: kbtool failed unexpectedly ({type(exc).__name__}: {exc}). "
                                     "Please report it; KBTOOL_DEBUG=1 shows the details."), err=True)
        sys.exit(1)
