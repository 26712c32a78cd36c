"""Property-based: random and mutated files never raise; they give problems or a clean result."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbtool.assemble import load_knowledge_base
from kbtool.checks import validate
from kbtool.problems import Problem
from kbtool.reading.loader import load_bytes
from tests.test_validate import GOOD

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

unicode_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80
) | st.sampled_from(["\u202eevil", "e\u0301\u0301", "🙂👍🏽", "{{ x }}", "{% for %}", "no", "012", "&a", "*a", "!!str"])

yaml_scalars = st.one_of(unicode_text, st.integers(), st.booleans(), st.none())
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def _to_yaml(value: object) -> str:
    import yaml

    return yaml.safe_dump(value, allow_unicode=True)


def _check_kb(files: dict[str, bytes]) -> list[Problem]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, data in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        kb = load_knowledge_base(root)
        problems = validate(kb)
    for p in problems:
        assert p.line >= 1 and p.column >= 1 and p.rule and p.message
    return problems


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data):
    source = load_bytes(data, "x.yaml")
    assert source.root is not None or source.problems


@SETTINGS
@given(yaml_values)
def test_random_structures_as_entries_never_raise(value):
    _check_kb({"standards/x.yaml": _to_yaml(value).encode()})


@SETTINGS
@given(st.sampled_from(sorted(GOOD)), st.data())
def test_mutated_valid_files_never_raise(path, data):
    original = GOOD[path].encode()
    how = data.draw(st.sampled_from(["truncate", "flip", "insert", "delete-line", "dup-line"]))
    if how == "truncate":
        mutated = original[: data.draw(st.integers(0, len(original)))]
    elif how == "flip":
        i = data.draw(st.integers(0, len(original) - 1))
        mutated = original[:i] + bytes([data.draw(st.integers(0, 255))]) + original[i + 1:]
    elif how == "insert":
        i = data.draw(st.integers(0, len(original)))
        piece = data.draw(unicode_text).encode("utf-8", "surrogatepass")
        mutated = original[:i] + piece + original[i:]
    else:
        lines = original.splitlines(keepends=True)
        i = data.draw(st.integers(0, len(lines) - 1))
        mutated = b"".join(lines[:i] + (lines[i + 1:] if how == "delete-line" else [lines[i]] + lines[i:]))
    files = {k: v.encode() for k, v in GOOD.items()}
    files[path] = mutated
    _check_kb(files)


STRUCTURAL = {"kind", "id", "status", "review_by", "channels", "situation", "related", "next"}


def _replace_text(data, text):
    """Put `text` into every free-text leaf (ids, vocabularies and dates keep their values)."""
    if isinstance(data, dict):
        return {k: (v if k in STRUCTURAL else _replace_text(v, text)) for k, v in data.items()}
    if isinstance(data, list):
        return [_replace_text(v, text) for v in data]
    return text if isinstance(data, str) else data


@SETTINGS
@given(st.sampled_from(sorted(GOOD)), unicode_text)
def test_any_text_in_every_text_field_never_raises(path, text):
    import yaml

    data = _replace_text(yaml.safe_load(GOOD[path]), text)
    files = {k: v.encode() for k, v in GOOD.items()}
    files[path] = yaml.safe_dump(data, allow_unicode=True).encode()
    _check_kb(files)


@pytest.fixture(scope="module")
def bundled_index(tmp_path_factory):
    import shutil

    from kbtool.search.api import build_index, open_index
    from tests.conftest import REPO

    root = tmp_path_factory.mktemp("search")
    for name in ("standards", "scripts_library"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "kb.yaml", root / "kb.yaml")
    build_index(load_knowledge_base(root))
    index = open_index(root)
    yield index
    index.close()


@SETTINGS
@given(query=unicode_text | st.text(alphabet="abcdefghijklmnopqrstuvwxyz *?~^\"'()[]{}:-+!ANDORNOT", max_size=40))
def test_any_search_query_never_raises(bundled_index, query):
    from kbtool.search.api import run_query

    results = run_query(bundled_index, query, limit=5)
    assert all(hit.text for hit in results.hits)


@SETTINGS
@given(st.dictionaries(st.sampled_from(["order_number", "new_date", "promised_date", "reason", "customer_name",
                                        "agent_name", "unknown", "__class__"]), unicode_text, max_size=8))
def test_any_letter_values_render_or_give_a_letter_error(values):
    from kbtool.authoring.letters import LetterError, render_letter

    kb = _bundled_kb()
    letter = kb.by_id["delay-apology"]
    try:
        rendered = render_letter(letter, values, kb.config)
    except LetterError:
        return
    for value in values.values():
        assert value.strip() in rendered.body or value.strip() in rendered.subject or not value.strip()


@functools.lru_cache(maxsize=1)
def _bundled_kb():
    from tests.conftest import REPO

    return load_knowledge_base(REPO)


def test_huge_strings_and_deep_nesting():
    big = "x" * 900_000
    _check_kb({"standards/big.yaml": f"kind: standard\nid: big\ntitle: '{big}'\n".encode()})
    deep = "a: " + "{b: " * 5000 + "c" + "}" * 5000 + "\n"
    problems = _check_kb({"standards/deep.yaml": deep.encode()})
    assert [p.rule for p in problems] == ["too-deep"]


template_text = st.lists(
    st.sampled_from(["{{", "}}", "{%", "%}", "{#", "#}", " if ", " else ", " endif ", "customer_name", "|",
                     "title", "default(", ")", "'x'", ".", "__class__", "[", "]", "*", "10", "~", " for ",
                     " in ", "(", "\n", "é", "🙂", "\u202e"]) | unicode_text,
    max_size=25,
).map("".join)


@SETTINGS
@given(template_text)
def test_templates_never_raise_anything_but_render_errors(text):
    from kbtool.templating import RenderError, analyse, render

    analyse(text)
    try:
        out = render(text, {"customer_name": "Ms Patel", "agent_name": "Sam"})
    except RenderError:
        return
    assert len(out) <= 100_000


# -- every command, every option, hostile values ------------------------------------------------
# What a shell can hand kbtool: any character but NUL (argv strings are C strings), and bytes that
# are not UTF-8, which Python decodes to the surrogates U+DC80..U+DCFF (surrogateescape).
_CONTROL = st.characters(min_codepoint=1, max_codepoint=0x9F)
_UNDECODABLE = st.integers(0xDC80, 0xDCFF).map(chr)
_AWKWARD = st.sampled_from(["\u202e", "\u2028", "\ufeff", "é", "🙂", "{{ x }}", "=", "@", "<", ":", "\\", "'", '"'])
hostile_text = st.one_of(
    st.sampled_from(["", " ", "-", "--", "0", "-1", "9" * 40, "-" + "9" * 40, "1e309", "nan", "inf", "٣",
                     "a" * 5000, "\n", "\r\n", "\t", "x=", "=x", "ann@", "Ann Smith <", "ann@[1.2.3.4",
                     "welcome\n", "delay-apology", "greetings", "customer_name", "greeting"]),
    st.lists(_CONTROL | _UNDECODABLE | _AWKWARD | st.sampled_from("ab-_./"), max_size=15).map("".join),
)
# Relative to a fresh working folder per run: nothing here can reach outside it (tests run as root).
hostile_paths = st.one_of(
    st.sampled_from(["", ".", "missing/deeper/still", "file.txt", "file.txt/below", "a" * 300, "dir/" + "b" * 300,
                     "kb/standards/greeting-standard.yaml", "kb/standards", "\udcff", "x\x1b[2J", "x\ny"]),
    hostile_text.filter(lambda t: t not in ("", ".") and not t.startswith(("/", "-", "~")) and ".." not in t),
)


def _commands() -> list[tuple[str, ...]]:
    import click

    from kbtool.cli.main import cli

    ctx = click.Context(cli)
    found: list[tuple[str, ...]] = []

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), (*path, name))
        else:
            found.append(path)

    walk(cli, ())
    return found


def _command(path: tuple[str, ...]):
    import click

    from kbtool.cli.main import cli

    command = cli
    for name in path:
        command = command.get_command(click.Context(command), name)
    return command


def _value(data, param):
    """A hostile value for one parameter; now and then a good one, so runs get past parsing."""
    import click

    good = list(getattr(param.type, "choices", ()) or [])
    if isinstance(param.type, click.Path):
        return data.draw(hostile_paths | st.just("kb"), label=param.name)
    if isinstance(param.type, click.types.IntParamType):
        return data.draw(hostile_text | st.integers(-10**30, 10**30).map(str), label=param.name)
    if param.name == "pairs":
        return data.draw(st.tuples(hostile_text, hostile_text).map("=".join), label=param.name)
    return data.draw(hostile_text | st.sampled_from(good or [""]), label=param.name)


def _argv(data, path: tuple[str, ...]) -> list[str]:
    import click

    argv = list(path)
    for param in _command(path).params:
        if isinstance(param, click.Argument):
            argv.append(_value(data, param))
            continue
        if not data.draw(st.booleans(), label=f"use {param.name}"):
            continue
        option = param.opts[0]
        if param.is_flag:
            argv.append(option)
        elif param.name == "root":
            argv += [option, data.draw(st.just("kb") | hostile_paths, label="root")]
        else:
            for _ in range(data.draw(st.integers(1, 3 if param.multiple else 1), label=f"{param.name} count")):
                argv += [option, _value(data, param)]
    return argv


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory):
    """A working folder holding a small valid knowledge base (a git checkout, for kbtool diff)."""
    import subprocess

    from tests.conftest import write_kb

    home = tmp_path_factory.mktemp("hostile")
    write_kb(home / "kb", GOOD)
    subprocess.run(["git", "init", "-q", str(home / "kb")], check=False, capture_output=True)
    subprocess.run(["git", "-C", str(home / "kb"), "-c", "user.name=t", "-c", "user.email=t@t", "add", "."],
                   check=False, capture_output=True)
    subprocess.run(["git", "-C", str(home / "kb"), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
                   check=False, capture_output=True)
    (home / "file.txt").write_text("not a folder\n", encoding="utf-8")
    return home


def _run_kbtool(home: Path, argv: list[str]) -> tuple[int, str]:
    """Run kbtool's real entry point (its CLI edge included) in `home`, as a shell would."""
    import os
    from unittest import mock

    from click.testing import CliRunner

    from kbtool.cli.main import main

    def serve_without_serving(root, config_file, dev_addr, checked, progress, open_in_browser=False):
        # MkDocs checks the address, then would serve forever: keep the check, skip the serving.
        from mkdocs.config.config_options import IpAddress, ValidationError
        from mkdocs.exceptions import ConfigurationError

        try:
            IpAddress().validate(dev_addr)
        except ValidationError as exc:
            raise ConfigurationError(str(exc)) from None

    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(home)
    try:
        with mock.patch("kbtool.mkdocs.serve.serve_preview", serve_without_serving), \
                runner.isolation(env={"NO_COLOR": "1", "KBTOOL_DEBUG": None}) as (_, _, output):
            try:
                main(argv)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            text = output.getvalue().decode("utf-8", "backslashreplace")
    finally:
        os.chdir(cwd)
    return code, text


_SLOW = {("build",): 8, ("serve",): 15}


@pytest.mark.parametrize("path", _commands(), ids=" ".join)
def test_hostile_option_values_never_fail_unexpectedly(hostile_home, path):
    @settings(SETTINGS, max_examples=_SLOW.get(path, 30))
    @given(st.data())
    def run(data):
        argv = _argv(data, path)
        code, output = _run_kbtool(hostile_home, argv)
        assert code in (0, 1, 2), (argv, code, output)
        assert "failed unexpectedly" not in output, (argv, output)
        assert "Traceback" not in output, (argv, output)

    run()
