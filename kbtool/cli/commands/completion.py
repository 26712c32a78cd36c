"""`kbtool completion SHELL`: print the shell completion script (commands, options and entry ids)."""

from __future__ import annotations

import click

from kbtool.cli.main import cli


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the completion script for SHELL; entry ids complete where a command takes one.

    \b
    Examples:
      eval "$(kbtool completion bash)"            # in ~/.bashrc
      kbtool completion fish > ~/.config/fish/completions/kbtool.fish
    """
    # lazy: only this command needs click's completion module (kbtool --help imports every command)
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    assert cls is not None  # the Choice above allows only shells click supports
    click.echo(cls(cli, {}, "kbtool", "_KBTOOL_COMPLETE").source())
