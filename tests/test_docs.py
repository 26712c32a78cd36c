"""The README keeps up with the commands: an undocumented command fails the build."""

from __future__ import annotations

import re

from kbtool.cli.main import COMMANDS, cli
from tests.conftest import REPO


def test_every_command_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [name for name in COMMANDS if not re.search(rf"`kbtool {name}\b", readme)]
    assert missing == []


def test_every_command_has_help_with_an_example():
    from click import Context

    for name in COMMANDS:
        command = cli.get_command(Context(cli), name)
        assert command is not None and command.help, name
        assert "kbtool " in command.help or isinstance(getattr(command, "commands", None), dict), name


def test_readme_opens_with_the_two_setup_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    assert "pip install -e ." in blocks[0] and "kbtool" in blocks[0]
    assert 'pip install -e ".[test]"' in blocks[1] and "pytest" in blocks[1]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1].strip() in ci


def test_the_readmes_search_examples_print_what_they_show(cli, bundled_build):
    """Each `$ kbtool search ...` in the README's console blocks, run on the bundled knowledge base as a
    plain install ranks it (words only, no [semantic] extra),
    prints exactly the lines shown under it."""
    import re
    import shlex

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    examples = []
    for block in re.findall(r"```console\n(.*?)```", readme, re.S):
        for command, shown in re.findall(r"^\$ (kbtool search [^\n]*)\n(.*?)(?=^\$ |\Z)", block, re.S | re.M):
            examples.append((shlex.split(command)[1:], shown.strip("\n")))
    assert len(examples) >= 2
    for args, shown in examples:
        run = cli(*args, "--no-log", "--root", str(bundled_build))
        assert run.stdout.strip("\n") == shown, args


def test_the_bundled_schemas_are_what_kbtool_schema_writes_now(cli, tmp_path):
    """Editors read schema/*.json from the repository: a new field or rule id must reach them."""
    assert cli("schema", "--root", str(REPO), "--output", str(tmp_path)).code == 0
    for name in ("entry.schema.json", "kb.schema.json"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (REPO / "schema" / name).read_text(encoding="utf-8"), \
            f"run `kbtool schema` to refresh schema/{name}"
