"""The real entry point: failures outside the content still end in one line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys


def kbtool(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kbtool", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})


def test_os_errors_are_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = kbtool("schema", "--root", str(tmp_path), "--output", str(blocker / "sub"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error:")


def test_usage_errors_exit_2_and_help_exits_0():
    assert kbtool("validate", "--format", "xml").returncode == 2
    assert kbtool("--help").returncode == 0
    assert kbtool("--version").stdout.startswith("kbtool, version")


def test_unexpected_failures_are_one_line_unless_debugging(tmp_path, monkeypatch):
    # A corrupt search index folder is the kind of surprise a desk machine can have.
    code = ("import sys, kbtool.cli.main as c, kbtool.cli.commands.report as r\n"
            "def boom(*a, **k): raise RuntimeError('disk gremlin')\n"
            "import kbtool.authoring.attention as a; a.attention_report = boom\n"
            "sys.argv = ['kbtool', 'report', '--root', sys.argv[1]]\n"
            "c.main()\n")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "disk gremlin" in result.stderr
    debug = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "KBTOOL_DEBUG": "1"})
    assert "Traceback" in debug.stderr


def test_whoosh_imports_cleanly_with_warnings_as_errors():
    # Why whoosh3 is pinned: whoosh 2.7.4 fails this with invalid-escape warnings on 3.12+.
    code = "import whoosh.index, whoosh.fields, whoosh.qparser, whoosh.analysis, whoosh.query, whoosh.scoring"
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
