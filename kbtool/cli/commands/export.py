"""`kbtool export`: the knowledge base for other tools (espanso snippets, one JSON file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from kbtool.cli.options import root_option, valid_or_fail


@click.group()
def export() -> None:
    """Export the knowledge base for the other tools staff work in.

    Exports refuse to run while `kbtool validate` reports errors, so a broken entry never
    reaches a text expander or a help desk. Retired entries are left out.

    \b
    Examples:
      kbtool export espanso                     # dist/espanso/kbtool-<name>/ under --root
      kbtool export json -o kb-export.json
      kbtool export json | jq '.entries[].id'
    """


def load_valid(root: Path) -> Any:
    """The knowledge base, or exit 1 with its errors: a broken entry never reaches another tool."""
    return valid_or_fail(root).kb


def _write(path: Path, text: str) -> None:
    from kbtool.fileops import atomic_write_text

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None


@export.command()
@root_option
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The package folder to write; its name becomes the package name "
                   "[default: ROOT/dist/espanso/kbtool-<kb name>].")
@click.option("--package-version", default="0.1.0", show_default=True,
              help="The version in _manifest.yml (MAJOR.MINOR.PATCH); raise it so espanso updates.")
@click.option("--author", default=None, help="The author in _manifest.yml [default: the kb.yaml name].")
def espanso(root: Path, output: Path | None, package_version: str, author: str | None) -> None:
    """Write an espanso package: a trigger per phrase and letter, such as :apology-sincere.

    kb.yaml values are filled in; the customer's name, your name and a letter's own details
    become form fields espanso asks for. The folder holds package.yml, _manifest.yml and
    README.md; copy it into the folder `espanso path packages` prints, then `espanso restart`.

    \b
    Examples:
      kbtool export espanso
      kbtool export espanso -o ~/espanso-packages/kbtool-acme --package-version 1.2.0
    """
    from kbtool.exports.espanso import PACKAGE_NAME, PACKAGE_VERSION, build_package, package_name

    if output is not None and not PACKAGE_NAME.match(output.name):
        raise click.BadParameter(f"espanso names a package after its folder, and '{output.name}' is not a "
                                 "valid package name: use lower-case letters, digits and hyphens",
                                 param_hint="--output")
    if not PACKAGE_VERSION.match(package_version):
        raise click.BadParameter(f"'{package_version}' is not a MAJOR.MINOR.PATCH version such as 1.0.0",
                                 param_hint="--package-version")
    kb = load_valid(root)
    folder = output if output is not None else root / "dist" / "espanso" / package_name(kb.config.name)
    package = build_package(kb, name=folder.name, version=package_version, author=author)
    for name, text in package.files().items():
        _write(folder / name, text)
    click.echo(f"wrote {len(package.matches)} snippets to {folder} (espanso package '{package.name}')", err=True)


@export.command("json")
@root_option
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              default=Path("-"), show_default=True, help="The file to write; - for standard output.")
@click.option("--schema", "schema_only", is_flag=True,
              help="Write the export's JSON Schema instead (the knowledge base is not read).")
def json_command(root: Path, output: Path, schema_only: bool) -> None:
    """Write one versioned JSON file of the whole knowledge base, for help-desk macro systems.

    Texts are carried exactly as written, placeholders included; docs/export-format.md
    describes every field and how to import it.

    \b
    Examples:
      kbtool export json -o kb-export.json
      kbtool export json --schema -o schema/export.schema.json
    """
    from kbtool.exports.json_export import export_text, schema_text

    text = schema_text() if schema_only else export_text(load_valid(root))
    if str(output) == "-":
        click.echo(text, nl=False)
        return
    _write(output, text)
    click.echo(f"wrote {output}", err=True)
