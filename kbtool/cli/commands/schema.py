"""`kbtool schema`: write the JSON Schema of format v1 for editors and other tools."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kbtool.cli.options import root_option


@click.command()
@root_option
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write entry.schema.json and kb.schema.json into (default: ROOT/schema).")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the entry schema instead of writing files.")
def schema(root: Path, output: Path | None, to_stdout: bool) -> None:
    """Write the JSON Schema of the content format (v1).

    Entry files carry a modeline such as
    `# yaml-language-server: $schema=../schema/entry.schema.json`, so editors with the YAML
    language server validate and autocomplete as mentors type. The situation list includes
    kb.yaml's additions, so rerun this after changing the vocabulary.

    \b
    Examples:
      kbtool schema
      kbtool schema --stdout | jq .
    """
    from kbtool.checks import all_rules
    from kbtool.fileops import atomic_write_text
    from kbtool.format.jsonschema import entry_json_schema, kb_json_schema
    from kbtool.source.config import load_config

    config, _ = load_config(root)
    entry = json.dumps(entry_json_schema(tuple(config.situations)), indent=2, ensure_ascii=False) + "\n"
    if to_stdout:
        click.echo(entry, nl=False)
        return
    folder = output or root / "schema"
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "entry.schema.json", entry)
    atomic_write_text(folder / "kb.schema.json", json.dumps(kb_json_schema(tuple(r.id for r in all_rules())), indent=2) + "\n")
    click.echo(f"wrote {folder / 'entry.schema.json'} and {folder / 'kb.schema.json'}", err=True)
