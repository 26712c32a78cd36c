"""Bad option values are clear errors (exit 1 or 2), never "kbtool failed unexpectedly"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

VALUES = ["--var", "customer_name=Ann", "--var", "order_number=FH-1", "--var", "promised_date=Monday",
          "--var", "new_date=Friday", "--var", "reason=The van broke down.", "--var", "agent_name=Sam"]


@pytest.fixture
def bundled(tmp_path) -> Path:
    for name in ("standards", "scripts_library"):
        shutil.copytree(REPO / name, tmp_path / name)
    shutil.copy(REPO / "kb.yaml", tmp_path / "kb.yaml")
    return tmp_path


def _letter(cli, root, *extra):
    return cli("render", "letter", "delay-apology", "--root", str(root), "--no-input", *VALUES, *extra)


@pytest.mark.parametrize("to", ["ann@", "Ann Smith <", "ann@[1.2.3.4", "ann@example.com\nBcc: all@example.com",
                                "<>", "@example.com", "Ann <ann@example.com> <bob@example.com>", "a\x1b@b.co"])
def test_bad_to_address_is_a_usage_error(cli, bundled, tmp_path, to):
    run = _letter(cli, bundled, "--eml", str(tmp_path / "out.eml"), "--to", to)
    assert run.code == 2, run.output
    assert "not a mail address" in run.stderr and "ann@example.com" in run.stderr
    assert not (tmp_path / "out.eml").exists()


@pytest.mark.parametrize("to", ["ann@example.com", "Ann Smith <ann@example.com>", '"Smith, Ann" <a.b+c@ex.co.uk>'])
def test_good_to_addresses_are_written(cli, bundled, tmp_path, to):
    run = _letter(cli, bundled, "--eml", str(tmp_path / "out.eml"), "--to", to)
    assert run.code == 0, run.output
    assert b"\r\nTo: " in (tmp_path / "out.eml").read_bytes()


def test_support_email_with_a_newline_is_a_clear_error(cli, bundled, tmp_path):
    kb_yaml = bundled / "kb.yaml"
    kb_yaml.write_text(kb_yaml.read_text(encoding="utf-8").replace(
        "support_email: help@fernleaf-home.example", 'support_email: "help@fernleaf-home.example\\nBcc: x@y.example"'),
        encoding="utf-8")
    run = _letter(cli, bundled, "--eml", str(tmp_path / "out.eml"))
    assert run.code == 1
    assert "kb.yaml's support_email is not a mail address" in run.stderr
    assert not (tmp_path / "out.eml").exists()
    # Printed, the letter needs no sender, so it still works.
    assert _letter(cli, bundled).code == 0


@pytest.mark.parametrize("pair", ["customer_name=Ann \udcff", "customer\udcff=Ann"])
@pytest.mark.parametrize("eml", [True, False])
def test_invalid_utf8_in_a_value_is_a_clear_error(cli, bundled, tmp_path, pair, eml):
    extra = ["--eml", str(tmp_path / "out.eml")] if eml else []
    run = _letter(cli, bundled, "--var", pair, *extra)
    assert run.code == 1
    assert "not valid UTF-8 text" in run.stderr


def test_to_eml_refuses_what_a_header_cannot_carry():
    from kbtool.authoring.letters import LetterError, RenderedLetter, to_eml

    letter = RenderedLetter("Your order\u2028Bcc: x@y.z \x85 now", "Body\n")
    assert b"Subject: Your order Bcc: x@y.z now\r\n" in to_eml(letter)
    with pytest.raises(LetterError):
        to_eml(letter, sender="help@example.com\r\nBcc: x@y.z")


@pytest.mark.parametrize("title, why", [
    ("Refund\nwording", "U+000A"), ("Refund \x1b[2J", "U+001B"), ("\u202eRefund", "U+202E"),
    ("Refund \udcff", "invalid UTF-8"), ("x" * 501, "the limit is 500"),
])
def test_new_refuses_a_title_the_file_could_not_hold(cli, tmp_path, title, why):
    run = cli("new", "phrases", "refund-wording", "--root", str(tmp_path), "--title", title)
    assert run.code == 1
    assert why in run.stderr
    assert not (tmp_path / "scripts_library").exists()


def test_new_with_an_odd_but_printable_title_validates(cli, tmp_path):
    run = cli("new", "phrases", "refund-wording", "--root", str(tmp_path), "--title", 'Ann "O\'Neil" \\ 🙂 é',
              "--owner", "Zoë: #1")
    assert run.code == 0, run.output
    assert cli("validate", "--root", str(tmp_path)).code == 0


def _subprocess(*args: bytes) -> subprocess.CompletedProcess[bytes]:
    kbtool = Path(sys.executable).with_name("kbtool")
    return subprocess.run([bytes(kbtool), *args], capture_output=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1"})


def test_invalid_utf8_arguments_from_a_real_shell(bundled, tmp_path):
    # Bytes that are not UTF-8 reach Python as surrogates (surrogateescape): the real path.
    values = [v.encode() for v in VALUES]
    letter = _subprocess(b"render", b"letter", b"delay-apology", b"--root", bytes(bundled), b"--no-input", *values,
                         b"--var", b"customer_name=Ann \xff", b"--eml", bytes(tmp_path / "out.eml"))
    assert letter.returncode == 1 and b"not valid UTF-8 text" in letter.stderr, letter.stderr
    new = _subprocess(b"new", b"phrases", b"refund", b"--root", bytes(tmp_path), b"--title", b"Caf\xe9")
    assert new.returncode == 1 and b"invalid UTF-8" in new.stderr, new.stderr
