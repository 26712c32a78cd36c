"""kbtool.builders.build and the build/serve commands: checked builds, atomic swap, rollback, the lock, mkdocs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import PHRASES, REPO, write_kb

BROKEN = PHRASES.replace("next: nowhere", "").replace("situation: greeting", "situation: greeting\nrelated: [nowhere]")


@pytest.fixture
def small_kb(tmp_path):
    return write_kb(tmp_path / "kb", {"scripts_library/phrases/greetings.yaml": PHRASES})


def test_build_writes_site_with_default_config(small_kb, cli):
    run = cli("build", "--root", str(small_kb), "--no-search-index")
    assert run.code == 0, run.output
    site = small_kb / "site"
    assert (site / "phrases" / "greetings.html").exists()
    assert (site / "kbsearch" / "index.js").exists()  # kbtool's site search, loaded from file:// too
    assert not (site / "search").exists()  # Material's index: no page would load it
    assert (site / "assets" / "kbtool" / "iframe-worker.js").exists()
    assert "https://unpkg.com/iframe-worker" not in (site / "index.html").read_text(encoding="utf-8")
    assert "kbtool: validating" in run.stderr and "checking the built pages" in run.stderr


def test_broken_yaml_fails_build_and_keeps_previous_site(small_kb, cli):
    assert cli("build", "--root", str(small_kb), "--no-search-index").code == 0
    marker = small_kb / "site" / "marker.txt"
    marker.write_text("previous build", encoding="utf-8")
    (small_kb / "scripts_library/phrases/greetings.yaml").write_text(BROKEN, encoding="utf-8")
    run = cli("build", "--root", str(small_kb), "--no-search-index")
    assert run.code == 1
    assert "scripts_library/phrases/greetings.yaml:9:" in run.stdout
    assert "error [unknown-reference]" in run.stdout
    assert marker.read_text(encoding="utf-8") == "previous build"
    assert not list(small_kb.glob(".site.building-*"))


def test_second_build_keeps_previous_for_rollback(small_kb, cli):
    assert cli("build", "--root", str(small_kb), "--no-search-index").code == 0
    (small_kb / "site" / "first.txt").write_text("1", encoding="utf-8")
    assert cli("build", "--root", str(small_kb), "--no-search-index").code == 0
    assert not (small_kb / "site" / "first.txt").exists()
    assert (small_kb / ".site.previous" / "first.txt").exists()
    run = cli("build", "--root", str(small_kb), "--rollback")
    assert run.code == 0, run.output
    assert (small_kb / "site" / "first.txt").exists()


def test_rollback_without_previous_is_a_clean_error(small_kb, cli):
    run = cli("build", "--root", str(small_kb), "--rollback")
    assert run.code == 1 and "no previous build" in run.stderr


def test_lock_stops_a_second_build(small_kb, cli):
    from kbtool.builders.lock import build_lock

    with build_lock((small_kb / "site").resolve()):
        run = cli("build", "--root", str(small_kb), "--no-search-index")
    assert run.code == 1
    assert "another kbtool build is already writing" in run.stderr


def test_unsafe_output_fails_and_keeps_previous(small_kb, monkeypatch):
    from kbtool.builders import build as site_module
    from kbtool.builders.errors import SiteError
    from kbtool.builders.htmlscan import Finding

    site_module.build_site(small_kb, search_index=False)
    (small_kb / "site" / "marker.txt").write_text("old", encoding="utf-8")
    monkeypatch.setattr(site_module, "scan_site", lambda out: [Finding("x.html", 1, "<script>")])
    with pytest.raises(SiteError, match="executable markup"):
        site_module.build_site(small_kb, search_index=False)
    assert (small_kb / "site" / "marker.txt").exists()


def test_build_calls_search_index_when_available(small_kb, monkeypatch):
    from kbtool.builders import build as site_module
    from kbtool.search import api

    called = []
    monkeypatch.setattr(api, "build_index", lambda kb: called.append(kb) or small_kb / "index")
    messages = []
    result = site_module.build_site(small_kb, progress=messages.append)
    assert called and result.search_index == small_kb / "index"
    assert any("search index" in m for m in messages)


def test_site_dir_option(small_kb, tmp_path, cli):
    out = tmp_path / "public"
    assert cli("build", "--root", str(small_kb), "--site-dir", str(out), "--no-search-index").code == 0
    assert (out / "index.html").exists()


def _mkdocs(*args, cwd):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.fixture
def bundled_copy(tmp_path):
    """The bundled knowledge base and the repository's mkdocs.yml, copied so tests can break them."""
    root = tmp_path / "bundled"
    root.mkdir()
    for name in ("standards", "scripts_library", "docs_site"):
        shutil.copytree(REPO / name, root / name)
    for name in ("kb.yaml", "mkdocs.yml"):
        shutil.copy(REPO / name, root / name)
    return root


@pytest.mark.slow
def test_mkdocs_build_strict_passes_on_bundled_kb(bundled_copy):
    result = _mkdocs("build", "--strict", "-q", cwd=bundled_copy)
    assert result.returncode == 0, result.stderr
    assert (bundled_copy / "site" / "scripts" / "late-delivery-call.html").exists()


@pytest.mark.slow
def test_mkdocs_build_fails_with_file_line_on_broken_yaml(bundled_copy):
    target = bundled_copy / "scripts_library/scripts/late-delivery-call.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("next: lost", "next: lots"), encoding="utf-8")
    result = _mkdocs("build", "--strict", cwd=bundled_copy)
    assert result.returncode != 0
    assert "scripts_library/scripts/late-delivery-call.yaml:" in result.stderr
    assert "error [unknown-step]" in result.stderr or "error [" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_kbtool_build_on_bundled_kb(bundled_copy, cli):
    run = cli("build", "--root", str(bundled_copy), "--no-search-index")
    assert run.code == 0, run.output
    assert (bundled_copy / "site" / "contributing.html").exists()  # the team's own page
    assert (bundled_copy / "site" / "mentors" / "guide.html").exists()


def test_serve_stops_on_errors(small_kb, cli):
    (small_kb / "scripts_library/phrases/greetings.yaml").write_text(BROKEN, encoding="utf-8")
    run = cli("serve", "--root", str(small_kb))
    assert run.code == 1 and "greetings.yaml:9:" in run.stdout
