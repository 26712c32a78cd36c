"""`kbtool schema`: write the JSON Schema of format v1 for editors and other tools."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kbtool.cli.options import root_option

# The titles kbtool gives its schemas; kb.schema.json's comes last in the file, so a whole
# schema file is read (they are tens of kilobytes) to recognise it.
SCHEMA_TITLES = frozenset({"kbtool entry (format v1)", "kbtool kb.yaml (format v1)"})
SCHEMA_PEEK_BYTES = 4 * 1024 * 1024


def own_schema(data: bytes) -> bool:
    """True for a JSON Schema file kbtool wrote (its title says so)."""
    try:
        document = json.loads(data)
    except ValueError:
        return False
    return isinstance(document, dict) and "$schema" in document and document.get("title") in SCHEMA_TITLES


@click.command()
@root_option
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write entry.schema.json and kb.schema.json into (default: ROOT/schema).")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the entry schema instead of writing files.")
@click.option("--force", is_flag=True, help="Replace existing schema files even if kbtool did not write them.")
def schema(root: Path, output: Path | None, to_stdout: bool, force: bool) -> None:
    """Write the JSON Schema of the content format (v1).

    Entry files carry a modeline such as
    `# yaml-language-server: $schema=../schema/entry.schema.json`, so editors with the YAML
    language server validate and autocomplete as mentors type. The situation list includes
    kb.yaml's additions, so rerun this after changing the vocabulary. Existing files are
    replaced only if they are schemas kbtool wrote, unless --force.

    \b
    Examples:
      kbtool schema
      kbtool schema --stdout | jq .
    """
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.fileops import WouldOverwrite, atomic_write_text, refuse_overwrite
    from kbtool.format.jsonschema import entry_json_schema, kb_json_schema
    from kbtool.kbyaml import load_config
    from kbtool.pipeline import rule_ids

    config, _ = load_config(root)
    entry = json.dumps(entry_json_schema(tuple(config.situations)), indent=2, ensure_ascii=False) + "\n"
    if to_stdout:
        click.echo(entry, nl=False)
        return
    folder = output or root / "schema"
    files = {
        "entry.schema.json": entry,
        "kb.schema.json": json.dumps(kb_json_schema(rule_ids()), indent=2) + "\n",
    }
    # Both are checked before either is written, so a refusal leaves no half-updated pair.
    for name in files:
        try:
            refuse_overwrite(folder / name, own_schema, force=force, peek=SCHEMA_PEEK_BYTES)
        except WouldOverwrite as exc:
            raise click.ClickException(f"not overwriting {exc.path}: {exc.reason}; pass --force to replace it") from None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            atomic_write_text(folder / name, text)
    except OSError as exc:
        raise click.ClickException(f"cannot write the schema into {folder}: {exc.strerror or exc}") from None
    click.echo(f"wrote {folder / 'entry.schema.json'} and {folder / 'kb.schema.json'}", err=True)
