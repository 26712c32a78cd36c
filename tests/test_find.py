"""kbtool find, driven headlessly by Textual's own test pilot."""

from __future__ import annotations

import asyncio

import pytest
import textual  # noqa: E402,F401  - a declared dependency: fail, never skip, when it is missing

from kbtool.assemble import load_knowledge_base
from kbtool.cli.commands.find import make_app
from kbtool.search.api import build_index, open_index
from tests.test_search import FILES, KB_YAML


@pytest.fixture
def index(kb_root):
    root = kb_root(FILES, KB_YAML)
    build_index(load_knowledge_base(root))
    with open_index(root) as opened:
        yield opened


async def settle(pilot, app):
    """Wait until the results on screen are for the text typed (queries run after a pause, in a thread)."""
    for _ in range(500):
        await pilot.pause()
        if app.settled:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("find never showed results for the text typed")


def run(app, steps):
    async def drive():
        async with app.run_test(size=(100, 30)) as pilot:
            await steps(pilot, app)
            await pilot.pause()
    asyncio.run(drive())


def detail_text(app) -> str:
    from textual.widgets import Static

    return str(app.query_one("#detail", Static).render())


def test_typing_updates_results_on_every_key(index):
    seen = []

    async def steps(pilot, app):
        await pilot.press(*"mone")
        seen.append(len(app.hits))
        await pilot.press(*"y back")
        await settle(pilot, app)
        seen.append([(h.id, h.item) for h in app.hits][:1])
        await pilot.press("backspace", "backspace", *"ck")  # edits re-search too
        seen.append(app.query_one("Input").value)

    run(make_app(index, lambda text: None), steps)
    assert seen[1] == [("refunds", "refund-today")]
    assert seen[2] == "money back"


def test_arrows_move_and_the_detail_follows_with_notes(index):
    details = []

    async def steps(pilot, app):
        await pilot.press(*"parcel lamp today")
        await settle(pilot, app)
        details.append((app.query_one("#results").highlighted, detail_text(app)))
        await pilot.press("down")
        await settle(pilot, app)
        details.append((app.query_one("#results").highlighted, detail_text(app)))
        await pilot.press("up", "up")
        await settle(pilot, app)
        details.append((app.query_one("#results").highlighted, detail_text(app)))

    run(make_app(index, lambda text: None), steps)
    assert [d[0] for d in details] == [0, 1, 0]
    assert details[0][1] != details[1][1]
    assert details[0][1] == details[2][1]
    assert any("Avoid: It's the courier's fault." in d[1] for d in details)
    assert all(".yaml:" in d[1] for d in details)


def test_enter_copies_the_highlighted_text(index):
    copied = []

    async def steps(pilot, app):
        await pilot.press(*"money back", "enter")
        await pilot.pause()

    app = make_app(index, lambda text: copied.append(text) or "fake-clipboard")
    run(app, steps)
    assert copied and copied[0].startswith("I've refunded the full amount")
    assert app.message.startswith("Copied")


def test_enter_without_a_clipboard_exits_with_the_text(index):
    async def steps(pilot, app):
        await pilot.press(*"money back", "down", "enter")

    app = make_app(index, lambda text: None)
    run(app, steps)
    assert app.return_value and app.return_value.startswith("I've refunded")


def test_escape_quits_without_a_choice(index):
    async def steps(pilot, app):
        await pilot.press(*"lamp", "escape")

    app = make_app(index, lambda text: None)
    run(app, steps)
    assert app.return_value is None and not app.is_running


def test_typo_shows_the_correction(index):
    async def steps(pilot, app):
        await pilot.press(*"refnud")
        await settle(pilot, app)
        assert app.hits and "showing results for" in app.sub_title

    run(make_app(index, lambda text: None), steps)


def test_find_does_not_load_textual_for_other_commands():
    import subprocess
    import sys

    code = "import sys, kbtool.cli.commands.find; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False"


def test_find_without_a_terminal_says_to_use_search(cli, kb_root):
    # CliRunner's streams are not terminals, as in a script, a pipe or CI: no screen that waits forever.
    # (A folder without a knowledge base is refused first, with exit 1: test_reliability_io.)
    run = cli("find", "refund", "--root", str(kb_root(FILES, KB_YAML)))
    assert run.code == 2
    assert "needs a terminal" in run.output and "kbtool search" in run.output


def test_fast_typing_searches_once_for_the_text_typed(index):
    from kbtool.cli.commands.find import find_results

    searched = []

    def search(index, text, **options):
        searched.append(text)
        return find_results(index, text, **options)

    async def steps(pilot, app):
        await pilot.press(*"refund")  # well inside the pause that starts a search
        await settle(pilot, app)

    app = make_app(index, lambda text: None, debounce=2.0, search=search)
    run(app, steps)
    assert searched == ["refund"]
    assert app.shown_texts[-1] == "refund" and app.hits[0].item == "refund-today"


def test_a_query_typed_over_while_it_runs_is_never_shown(index):
    import threading

    from kbtool.cli.commands.find import find_results

    started, release = threading.Event(), threading.Event()

    def search(index, text, **options):
        if text == "lamp":
            started.set()
            release.wait(10)  # a slow query: still running when the next text is typed
        return find_results(index, text, **options)

    async def steps(pilot, app):
        await pilot.press(*"lamp")
        while not started.is_set():
            await asyncio.sleep(0.01)
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"refund")
        release.set()
        await settle(pilot, app)

    app = make_app(index, lambda text: None, debounce=0.01, search=search)
    run(app, steps)
    assert "lamp" not in app.shown_texts
    assert app.shown_texts[-1] == "refund" and app.hits[0].item == "refund-today"


def test_enter_right_after_typing_copies_the_hit_for_the_whole_text(index):
    copied = []

    async def steps(pilot, app):
        await pilot.press(*"lamp", "enter")  # before the pause that would start the search

    run(make_app(index, lambda text: copied.append(text) or "clip", debounce=5.0), steps)
    assert copied and copied[0].startswith("The lamp is ready now")


def test_a_search_that_fails_says_why_on_the_screen(index):
    from kbtool.search.api import SearchError

    def search(index, text, **options):
        raise SearchError("the meaning vectors in x are damaged: run `kbtool index`")

    async def steps(pilot, app):
        await pilot.press(*"refund")
        await settle(pilot, app)
        await pilot.press("enter")  # brings the results up to date in the main thread: no crash

    app = make_app(index, lambda text: None, debounce=0.01, search=search)
    run(app, steps)
    assert app.hits == [] and "run `kbtool index`" in app.sub_title
