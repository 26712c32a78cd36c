"""Concurrency and interruption: builds killed at random points, builds and index rebuilds running
while staff search, two builds at once. The previous site and index always stay whole."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, bundled_with

KBTOOL = [sys.executable, "-m", "kbtool"]


def run(*args: str, root: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*KBTOOL, *args, "--root", str(root)], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "NO_COLOR": "1"})
    assert "Traceback" not in result.stderr, result.stderr
    if check:
        assert result.returncode == 0, result.stderr
    return result


def site_pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html")}


def search_hits(root: Path, query: str) -> list[dict]:
    result = run("search", query, "--json", "--no-log", root=root, check=False)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout or "[]")


BUILD_SECONDS: list[float] = []  # how long the module's first whole build took, kills are spread over it


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    # Word search only: every kill is followed by a search that refreshes the index, and the
    # [semantic] extra's vectors (swapped in with the index folder) are tested in test_semantic.py.
    root = bundled_with(tmp_path_factory.mktemp("kb"))
    start = time.monotonic()
    run("build", root=root)
    BUILD_SECONDS.append(time.monotonic() - start)
    return root


@pytest.mark.slow
def test_builds_killed_at_random_points_leave_site_and_index_whole(built):
    site = built / "site"
    pages = site_pages(site)
    assert len(pages) > 80
    assert search_hits(built, "refund")
    rng = random.Random(20261123)
    # Touch the content so each build does real work (and the index goes stale).
    target = built / "scripts_library/phrases/refunds.yaml"
    # One kill in each quarter of a whole build's time (at a random point inside it), so every
    # stage is interrupted on a fast machine and a slow one alike: starting, checking, indexing,
    # building the site in its temporary folder, swapping it in.
    for attempt in range(4):
        target.write_text(target.read_text(encoding="utf-8") + f"\n# edit {attempt}\n", encoding="utf-8")
        process = subprocess.Popen([*KBTOOL, "build", "--root", str(built)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(BUILD_SECONDS[0] * (attempt + rng.random()) / 4)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        assert site_pages(site) == pages, f"attempt {attempt}: the site changed shape after a kill"
        assert (site / "index.html").stat().st_size > 1000
        assert (site / "kbsearch" / "index.js").exists()  # the site's own search index
        assert search_hits(built, "refund"), f"attempt {attempt}: search found nothing after a kill"
    # And the next build runs normally: no stale lock, no leftovers in the way.
    run("build", root=built)
    assert site_pages(site) == pages


@pytest.mark.slow
def test_two_builds_at_once_one_is_told_clearly(built):
    """A build that finds another one writing the site stops at once, says so, and leaves the site."""
    from kbtool.builders.lock import build_lock

    site = built / "site"
    pages = site_pages(site)
    with build_lock(site):  # what a running build holds, whichever process it is in
        second = run("build", root=built, check=False)
    assert second.returncode == 1
    assert "another kbtool build is already writing" in second.stderr
    assert "wait for it to finish" in second.stderr
    assert site_pages(site) == pages
    # The lock goes with the build that held it: the next build runs.
    assert run("build", "--no-search-index", root=built).returncode == 0


@pytest.mark.slow
def test_searches_during_index_rebuilds_always_answer(built):
    from kbtool.search.api import open_index, search

    stop = threading.Event()
    failures: list[str] = []
    rebuilds: list[int] = []

    def rebuild_loop() -> None:
        while not stop.is_set():
            result = subprocess.run([*KBTOOL, "index", "--root", str(built)], capture_output=True, text=True)
            if result.returncode != 0 or "Traceback" in result.stderr:
                failures.append(result.stderr)
            rebuilds.append(result.returncode)

    thread = threading.Thread(target=rebuild_loop)
    thread.start()
    answered = 0
    try:
        # Searches for at least 4 s and through at least two whole rebuilds (at most 60 s).
        start = time.monotonic()
        while time.monotonic() - start < 60 and (time.monotonic() - start < 4 or len(rebuilds) < 2):
            # Opened afresh each time, as each `kbtool search` process does.
            index = open_index(built)
            assert index is not None, "no current index during a rebuild"
            try:
                hits = search(index, "refund", limit=3)
            finally:
                getattr(index, "close", lambda: None)()
            assert hits, "a search during a rebuild found nothing"
            answered += 1
    finally:
        stop.set()
        thread.join()
    assert failures == []
    assert answered > 20 and len(rebuilds) >= 2


def test_entry_count_limit_is_a_clear_error(cli, kb_root, monkeypatch):
    from kbtool import assemble as kb_module
    from tests.test_validate import GOOD

    monkeypatch.setattr(kb_module, "MAX_ENTRIES", 2)
    run_result = cli("validate", "--root", str(kb_root(GOOD)))
    assert run_result.code == 1
    assert "the limit is 2" in run_result.stderr


def test_template_output_size_limit_is_a_clear_error(cli, tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("reason: " + "x" * 150_000 + "\n", encoding="utf-8")
    run = cli("render", "letter", "delay-apology", "--root", str(REPO), "--no-input", "--vars", str(values),
              "--var", "customer_name=Ann", "--var", "agent_name=Sam", "--var", "order_number=FH-1",
              "--var", "promised_date=Monday", "--var", "new_date=Friday")
    assert run.code == 1
    assert "the limit is 100,000" in run.stderr


def test_material_custom_dir_overrides_keep_working(tmp_path):
    from kbtool.builders.build import build_site

    root = bundled_with(tmp_path)
    overrides = root / "overrides"
    overrides.mkdir()
    (overrides / "main.html").write_text(
        '{% extends "base.html" %}\n{% block announce %}Team notice: new refund rules from Monday{% endblock %}\n',
        encoding="utf-8")
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(config.replace("  # custom_dir: overrides", "  custom_dir: overrides"),
                                     encoding="utf-8")
    site = build_site(root, search_index=False).site_dir
    page = (site / "scripts" / "late-delivery-call.html").read_text(encoding="utf-8")
    assert "Team notice: new refund rules from Monday" in page
    assert 'id="lost"' in page  # kbtool's own page content is still there
