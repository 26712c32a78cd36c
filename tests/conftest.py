"""Shared fixtures: small knowledge bases written to temporary folders, and a CLI runner."""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent

PHRASES = """\
kind: phrases
id: greetings
title: Greetings
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [phone]
situation: greeting
phrases:
  - id: hello
    say: Good morning, you're through to {{ agent_name }} at {{ company_name }}.
    avoid:
      - Yeah, what is it?
    why: A full greeting tells the caller they reached the right place.
"""

KB_YAML = """\
variables:
  company_name: Acme Homeware
  support_phone: "+441234567890"
"""


def write_kb(root: Path, files: dict[str, str], kb_yaml: str | None = KB_YAML) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
    if kb_yaml is not None:
        (root / "kb.yaml").write_text(kb_yaml, encoding="utf-8")
    return root


@pytest.fixture
def kb_root(tmp_path: Path):
    """A factory: kb_root({path: text}) writes a knowledge base and returns its root."""

    def make(files: dict[str, str], kb_yaml: str | None = KB_YAML) -> Path:
        return write_kb(tmp_path, files, kb_yaml)

    return make


class Run:
    def __init__(self, result) -> None:
        self.result = result
        self.code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.output = result.output


@pytest.fixture
def cli():
    """Run kbtool in-process; fails the test if any Python traceback escapes."""
    from kbtool.cli.main import cli as group

    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Run:
        runner = CliRunner()
        result = runner.invoke(group, list(args), env=env or {"NO_COLOR": "1"}, input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"kbtool {' '.join(args)} raised {result.exception!r}") from result.exception
        assert "Traceback" not in result.output
        return Run(result)

    return run


# -- sites built once per test run -----------------------------------------------------------------
# The bundled site's kb.yaml for every shared build: a feedback address (the box's Tell the mentors
# link) and word search only, so the site and `kbtool search` rank alike (test_site_search.py) and
# no build spends time on the [semantic] extra's vectors unless its tests ask (test_site_meaning.py).
FEEDBACK = "https://tracker.example/fernleaf/issues/new"


def bundled_with(root: Path, setting: str = "semantic: false", feedback: str | None = FEEDBACK) -> Path:
    """The bundled knowledge base and site configuration in `root`, with `setting` under kb.yaml's `search:`."""
    import re
    import shutil

    for name in ("standards", "scripts_library", "docs_site"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    text = (REPO / "kb.yaml").read_text(encoding="utf-8")
    assert re.search(r"(?m)^search:\n", text)
    text = re.sub(r"(?m)^search:\n", f"search:\n  {setting}\n", text, count=1)
    (root / "kb.yaml").write_text(text + (f"\nfeedback: {feedback}\n" if feedback else ""), encoding="utf-8")
    return root


def built_once(tmp_path_factory, name: str, make) -> Path:
    """A folder `make(folder)` fills once per test run, however many xdist workers ask for it.

    Workers share their run's temporary folder; the first to take the lock builds, the others
    wait and reuse. Tests must not change what is built here.
    """
    import fcntl
    import os
    import shutil

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    root, done = base / f"once-{name}", base / f"once-{name}.done"
    with open(base / f"once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            make(root)
            done.touch()
    return root


@pytest.fixture(scope="session")
def bundled_build(tmp_path_factory):
    """The bundled knowledge base built once per test run (site and search index), with
    `bundled_with`'s kb.yaml. Returns the knowledge-base root; the site is in ROOT/site."""
    from kbtool.builders.build import build_site

    return built_once(tmp_path_factory, "bundled", lambda root: build_site(bundled_with(root)))


@pytest.fixture(scope="session")
def zensical_build(tmp_path_factory):
    """The bundled knowledge base built once per run with Zensical (no terminal search index):
    the same site as `bundled_build`, from the staged pages."""
    from kbtool.builders.build import build_site

    return built_once(tmp_path_factory, "zensical",
                      lambda root: build_site(bundled_with(root), search_index=False, builder="zensical"))


# The browser suites run on the bundled site as each builder makes it: a test marked
# `@on_both_builders("server")` (or "site") runs once per builder; unmarked, it runs on MkDocs' site.
BUILDERS = ("mkdocs", "zensical")


def on_both_builders(fixture: str):
    return pytest.mark.parametrize(fixture, BUILDERS, indirect=True)


@pytest.fixture
def builder(request) -> str:
    """The builder whose site a test marked `@on_both_builders` runs on ("mkdocs" when unmarked):
    screenshots carry it, so the two sites can be looked at side by side."""
    callspec = getattr(request.node, "callspec", None)
    params = callspec.params if callspec else {}
    return params.get("server", params.get("site", "mkdocs"))


def bundled_site_of(request) -> Path:
    """The bundled site folder as the builder the test asked for made it (MkDocs unless parametrised)."""
    builder = getattr(request, "param", "mkdocs")
    return request.getfixturevalue("zensical_build" if builder == "zensical" else "bundled_build") / "site"


# -- browser tests: one way to serve a built site and to start Debian's Chromium ---------------------
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """A quiet local HTTP server for `folder`; yields its base URL (no trailing slash)."""
    import functools
    import http.server
    import threading

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


@contextlib.contextmanager
def launch_chromium() -> Iterator[object]:
    """Debian's Chromium under Playwright (never a downloaded browser). Playwright's sync API runs
    one instance per process at a time, so browser test files hold it in module-scoped fixtures."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is needed for the browser tests (/usr/bin/chromium)")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module: Playwright's sync API allows one instance per process at a
    time, and pytest ends a module's fixtures before the next module's tests start."""
    with launch_chromium() as instance:
        yield instance


def new_page(browser, width: int = 1280, height: int = 900, **options):
    """A tab whose requests to the theme's web fonts and CDNs are refused: a desk may be offline."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    tab = context.new_page()
    tab.route("http*://fonts.googleapis.com/**", lambda route: route.abort())
    tab.route("http*://fonts.gstatic.com/**", lambda route: route.abort())
    tab.route("http*://unpkg.com/**", lambda route: route.abort())
    return tab


def keep_local(tab, server: str) -> None:
    """Let `tab` talk only to `server`: any other request is refused and recorded in `tab.elsewhere`."""
    tab.elsewhere = []

    def route(request_route):
        if request_route.request.url.startswith(server):
            request_route.continue_()
        else:
            tab.elsewhere.append(request_route.request.url)
            request_route.abort()

    tab.route("**/*", route)


@pytest.fixture
def page(browser):
    tab = new_page(browser)
    yield tab
    tab.context.close()


def pytest_collection_modifyitems(session, config, items) -> None:
    """Run the modules that drive Chromium or are marked slow first, heaviest first, each module's
    tests still together and in their order. xdist hands out tests in this order: a heavy module
    started last keeps one worker busy long after the other has run out of tests."""
    weight: dict[str, int] = {}
    for item in items:
        heavy = "browser" in item.fixturenames or any(item.iter_markers("browser")) or any(item.iter_markers("slow"))
        weight[item.module.__name__] = weight.get(item.module.__name__, 0) + (1 if heavy else 0)
    first_seen = {name: i for i, name in enumerate(dict.fromkeys(item.module.__name__ for item in items))}
    items.sort(key=lambda item: (-weight[item.module.__name__], first_seen[item.module.__name__]))
