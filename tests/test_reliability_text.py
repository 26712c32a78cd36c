"""Nothing kbtool prints can drive the terminal: file names, keys and values in problem reports
and error messages show escape sequences as visible text; JSON output stays exact."""

from __future__ import annotations

import json

import pytest

from kbtool.problems import Level, Problem
from kbtool.reporters import format_github, format_json, format_text
from kbtool.terminal import safe_for_terminal

ESC = "\x1b]0;pwned\x07\x1b[2J"
EVIL = Problem(f"standards/ev{ESC}il.yaml", 3, 1, Level.ERROR, "unknown-field",
               f"unknown field 'k{ESC}' in standard\nstandards/fake.yaml:1:1: error [forged]", f"hint {ESC}\r")


def _inert(text: str) -> None:
    assert not any(ord(c) < 0x20 and c != "\n" or 0x7f <= ord(c) <= 0x9f for c in text), repr(text)


@pytest.mark.parametrize("colour", [False, True])
def test_text_report_shows_escapes_and_keeps_one_line_per_field(colour):
    out = format_text([EVIL], colour)
    if colour:  # kbtool's own colour codes are the only escapes left
        out = out.replace("\x1b[1m", "").replace("\x1b[0m", "").replace("\x1b[31m", "").replace("\x1b[2m", "")
    _inert(out)
    assert out.count("\n") == 2  # the problem line and its hint: no forged record
    assert "ev\\x1b]0;pwned\\x07\\x1b[2Jil.yaml" in out and "\\nstandards/fake.yaml" in out


def test_github_annotations_show_escapes():
    out = format_github([EVIL])
    _inert(out)
    assert out.count("\n") == 1 and out.startswith("::error file=standards/ev\\x1b]0;pwned\\x07")


def test_json_stays_exact():
    assert json.loads(format_json([EVIL])) == [EVIL.as_dict()]


def test_safe_for_terminal_makes_everything_visible():
    assert safe_for_terminal("a\x1b[31mb\u202ec\x9bd") == "a\\x1b[31mb\\u202ec\\x9bd"
    assert safe_for_terminal("line\nnext\tcol") == "line\nnext\tcol"
    assert safe_for_terminal("line\nnext\tcol\r", one_line=True) == "line\\nnext\\tcol\\r"
    assert safe_for_terminal("bad \udcff utf-8") == "bad \\udcff utf-8"


def _evil_kb(root):
    (root / "standards").mkdir()
    (root / "standards" / f"ev{ESC}il.yaml").write_text(
        'kind: standard\nid: "a\\e]0;t\\a"\ntitle: x\n"k\\e[2J": 1\nstatus: "ap\\e[31mproved"\n', encoding="utf-8")
    return root


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_validate_report_is_inert(cli, tmp_path, fmt):
    run = cli("validate", "--root", str(_evil_kb(tmp_path)), "--format", fmt)
    assert run.code == 1
    _inert(run.stdout)
    _inert(run.stderr)
    assert "\\x1b" in run.stdout


def test_validate_json_keeps_names_exact(cli, tmp_path):
    found = json.loads(cli("validate", "--root", str(_evil_kb(tmp_path)), "--format", "json").stdout)
    assert f"standards/ev{ESC}il.yaml" in {p["path"] for p in found}
    assert "unknown field 'k\x1b[2J' in standard" in {p["message"] for p in found}


def test_export_refusal_lists_problems_inertly(cli, tmp_path):
    run = cli("export", "json", "--root", str(_evil_kb(tmp_path)))
    assert run.code == 1
    _inert(run.stderr)
    assert "\\x1b" in run.stderr


@pytest.mark.parametrize("args", [
    ["render", "letter", f"x{ESC}"],
    ["new", f"x{ESC}", "y"],
    ["validate", "--format", f"x{ESC}"],
    [f"x{ESC}"],
])
def test_click_errors_are_inert(cli, tmp_path, args):
    run = cli(*args, "--root", str(tmp_path)) if args[0] in ("render", "new") else cli(*args)
    assert run.code in (1, 2)
    _inert(run.output)
    assert "\\x1b" in run.output


def _main(monkeypatch, capsys, argv):
    from kbtool.cli import main as main_module

    with pytest.raises(SystemExit) as exit_info:
        main_module.main(argv)
    return exit_info.value.code, capsys.readouterr()


def test_main_edge_cleans_click_errors(monkeypatch, capsys, tmp_path):
    code, out = _main(monkeypatch, capsys, ["render", "letter", f"x{ESC}", "--root", str(tmp_path)])
    assert code == 1
    _inert(out.err)
    assert "\\x1b" in out.err


@pytest.mark.parametrize("error", [
    RuntimeError(f"boom {ESC}"),
    FileNotFoundError(2, "No such file or directory", f"/tmp/x{ESC}\udcff"),
])
def test_main_edge_cleans_unexpected_and_os_errors(monkeypatch, capsys, error):
    from kbtool.cli.commands import validate as validate_module

    def explode(*args, **kwargs):
        raise error

    monkeypatch.setattr(validate_module, "check_or_fail", explode)
    monkeypatch.delenv("KBTOOL_DEBUG", raising=False)
    code, out = _main(monkeypatch, capsys, ["validate"])
    assert code == 1
    _inert(out.err)
    assert "\\x1b" in out.err


@pytest.mark.parametrize("field, value, rule", [
    ("id", '"welcome\\n"', "invalid-slug"),
    ("id", "Welcome", "invalid-slug"),
    ("id", "w\u0435lcome", "invalid-slug"),  # a Cyrillic "е" that looks like the Latin one
])
def test_ids_match_their_pattern_whole(cli, tmp_path, field, value, rule):
    import json as _json

    from tests.conftest import PHRASES, write_kb

    write_kb(tmp_path, {"scripts_library/phrases/greetings.yaml": PHRASES,
                        "scripts_library/phrases/other.yaml": PHRASES.replace("id: greetings", f"{field}: {value}")})
    run = cli("validate", "--root", str(tmp_path), "--format", "json")
    assert run.code == 1
    assert rule in {p["rule"] for p in _json.loads(run.output)}


def test_variable_and_situation_names_match_whole(cli, tmp_path):
    import json as _json

    from tests.conftest import PHRASES, write_kb

    write_kb(tmp_path, {"scripts_library/phrases/greetings.yaml": PHRASES},
             kb_yaml='variables:\n  "company_name\\n": Acme\nsituations:\n  "greeting\\n": Hello\n')
    problems = _json.loads(cli("validate", "--root", str(tmp_path), "--format", "json").output)
    assert [p["line"] for p in problems if p["rule"] == "invalid-name" and p["path"] == "kb.yaml"] == [2, 4]


def test_new_refuses_an_id_with_a_trailing_newline(cli, tmp_path):
    run = cli("new", "phrases", "welcome\n", "--root", str(tmp_path))
    assert run.code == 1 and "not a valid id" in run.output
    assert not list(tmp_path.rglob("*.yaml"))
