"""`kbtool serve`: an edit re-renders only the pages it changes and shows up in the browser; a broken
edit shows its problems on the page and keeps the last good build; fixing it clears them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from conftest import PHRASES, launch_chromium, write_kb

from kbtool.mkdocs.serve import Preview, problems_overlay, write_changed
from kbtool.problems import Level, Problem
from kbtool.site.pages import Page

SCRIPT = """\
kind: script
id: callback
title: Calling a customer back
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [phone]
situation: greeting
related: [greetings]
steps:
  - id: open
    say: Hello, it's {{ agent_name }} from {{ company_name }}, calling you back as promised.
"""


def small_kb(root: Path) -> Path:
    return write_kb(root, {"scripts_library/phrases/greetings.yaml": PHRASES,
                           "scripts_library/scripts/callback.yaml": SCRIPT})


def test_write_changed_rewrites_only_changed_pages(tmp_path):
    known: dict[str, str] = {}
    pages = [Page("a.md", "A", "# A\n"), Page("b/c.md", "C", "# C\n")]
    assert write_changed(pages, tmp_path, known) == (2, True)
    before = (tmp_path / "a.md").stat().st_mtime_ns
    pages[1] = Page("b/c.md", "C", "# C changed\n")
    assert write_changed(pages, tmp_path, known) == (1, False)
    assert (tmp_path / "a.md").stat().st_mtime_ns == before
    assert (tmp_path / "b/c.md").read_text(encoding="utf-8") == "# C changed\n"
    assert write_changed(pages[:1], tmp_path, known) == (0, True)
    assert not (tmp_path / "b/c.md").exists()


def test_an_edit_rebuilds_only_the_pages_it_changes(tmp_path):
    from kbtool.mkdocs.config import mkdocs_config_file

    root = small_kb(tmp_path / "kb")
    messages: list[str] = []
    with mkdocs_config_file(root, "Acme") as config_file:
        preview = Preview(root, config_file, tmp_path / "site", messages.append)
        preview.rebuild()
        total = preview.last_pages_rendered
        script_page = tmp_path / "site" / "scripts" / "callback.html"
        home = tmp_path / "site" / "index.html"
        home_mtime = home.stat().st_mtime_ns
        path = root / "scripts_library/scripts/callback.yaml"
        path.write_text(SCRIPT.replace("calling you back as promised", "returning your call"), encoding="utf-8")
        preview.rebuild()
        assert 0 < preview.last_pages_rendered < total
        assert "returning your call" in script_page.read_text(encoding="utf-8")
        assert home.stat().st_mtime_ns == home_mtime  # a page the edit does not touch is left alone
        path.write_text(SCRIPT + "\tbroken: tab\n", encoding="utf-8")
        preview.rebuild()
        assert [p.rule for p in preview.problems] == ["tab-indentation"]
        assert "returning your call" in script_page.read_text(encoding="utf-8")  # the last good build stays
    assert any("rebuilt" in m and "changed page" in m for m in messages)


def test_a_rebuild_parses_only_the_files_that_changed(tmp_path, monkeypatch):
    from kbtool import assemble as kb_module
    from kbtool.mkdocs.config import mkdocs_config_file

    root = small_kb(tmp_path / "kb")
    parsed: list[str] = []
    real = kb_module.load_file
    monkeypatch.setattr(kb_module, "load_file", lambda file, *rest: parsed.append(Path(file).name) or real(file, *rest))
    # Trees are let go after loading and parsed again for positions (pages, search documents):
    # an unedited entry keeps the positions it was asked for, so its file is not parsed again.
    from kbtool.reading import loader

    reparsed: list[str] = []
    monkeypatch.setattr(loader, "_REPARSED_KEEP", 0)  # as in a large knowledge base: no tree stays
    real_parse = loader.parse
    monkeypatch.setattr(loader, "parse", lambda text, path: reparsed.append(Path(path).name) or real_parse(text, path))
    with mkdocs_config_file(root, "Acme") as config_file:
        preview = Preview(root, config_file, tmp_path / "site", lambda message: None)
        preview.rebuild()
        assert sorted(parsed) == ["callback.yaml", "greetings.yaml"]
        parsed.clear()
        reparsed.clear()
        path = root / "scripts_library/scripts/callback.yaml"
        path.write_text(SCRIPT.replace("calling you back as promised", "returning your call"), encoding="utf-8")
        preview.rebuild()
        assert parsed == ["callback.yaml"]
        assert set(reparsed) - {"kb.yaml"} == {"callback.yaml"}  # kb.yaml is read on every rebuild
        assert "returning your call" in (tmp_path / "site" / "scripts" / "callback.html").read_text(encoding="utf-8")
        parsed.clear()
        (root / "scripts_library/phrases/greetings.yaml").unlink()
        preview.rebuild()
        assert parsed == []  # the script is unchanged; a deleted file leaves the cache
        assert list(preview.loaded) == [path]


def test_the_overlay_escapes_what_it_shows():
    problem = Problem("a<b>.yaml", 3, 1, Level.ERROR, "tab-indentation", "<script>x</script>", "fix \x1b[2J")
    overlay = problems_overlay([problem])
    assert "<script>" not in overlay and "&lt;script&gt;" in overlay
    assert "\x1b" not in overlay and "a&lt;b&gt;.yaml:3:1" in overlay


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_serve_shows_an_edit_and_a_broken_edit_in_the_browser(tmp_path):
    import urllib.request

    root = small_kb(tmp_path / "kb")
    port = _free_port()
    kbtool = Path(sys.executable).with_name("kbtool")
    env = {**os.environ, "NO_COLOR": "1"}
    server = subprocess.Popen([str(kbtool), "serve", "--root", str(root), "--dev-addr", f"127.0.0.1:{port}"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    url = f"http://127.0.0.1:{port}/scripts/callback.html"

    def up() -> bool:
        try:
            return urllib.request.urlopen(url, timeout=2).status == 200
        except OSError:
            return False

    try:
        _wait_until(up, 60)
        with launch_chromium() as browser:
            page = browser.new_page()
            page.goto(url)
            assert "calling you back as promised" in page.content()
            path = root / "scripts_library/scripts/callback.yaml"
            path.write_text(SCRIPT.replace("calling you back as promised", "returning your call"), encoding="utf-8")
            # The page reloads by itself (MkDocs' live reload) once the rebuild is done.
            page.wait_for_function("() => document.body.innerText.includes('returning your call')", timeout=30_000)
            path.write_text(SCRIPT + "\tbroken: tab\n", encoding="utf-8")
            overlay = page.locator("[data-kb-problems]")
            overlay.wait_for(timeout=30_000)
            text = overlay.inner_text()
            assert "scripts_library/scripts/callback.yaml:13:1" in text and "tab-indentation" in text, text
            assert "returning your call" in page.locator("body").inner_text()  # the last good page stays
            path.write_text(SCRIPT, encoding="utf-8")
            # Fixed: the page reloads without the problems (wait for the reload to finish, not
            # just for the old page to go).
            page.wait_for_function(
                "() => document.body && document.body.innerText.includes('calling you back as promised')"
                " && !document.querySelector('[data-kb-problems]')", timeout=30_000)
            page.close()
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output, output
    assert "rebuilt" in output

