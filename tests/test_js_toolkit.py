"""The site scripts' shared toolkit (kbtool/assets/toolkit/kbkit.js): every page that runs one of
kbtool's scripts has it first, on MkDocs' and Zensical's sites, from a server and from file://; the
pages keep working, and copying still reaches the clipboard, when storage throws and the clipboard
API refuses; and no other script keeps its own copy of a helper the toolkit holds."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from kbtool.browser import TOOLKIT, TOOLKIT_URI
from kbtool.site.assets import ASSETS, MERMAID, inject, source_file
from tests.conftest import bundled_site_of, new_page, on_both_builders, serve_folder

# The scripts that build on the toolkit, by their file name as pages load them.
USERS = ("kbsearch.js", "practice.js", "check.js", "review.js", "path.js")
# A page for each, and what its scripts build when they run.
PAGES = {
    "phrases/greetings.html": "#kb-search-panel .kb-search__keys",             # the search box (every page)
    "practice/situation-greeting.html": "#kb-practice .kbp-drill .kbp-start",  # a drill page
    "mentors/check-a-reply.html": "#kb-check textarea#kb-check-text",
    "mentors/scorecard-phone.html": "table.kb-scorecard.kb-tickable input[type=checkbox]",
    "start-here.html": "p.kb-progress[role=status]",                          # the reading path
}
# Storage as a browser that blocks it has it (file:// in some, private modes, locked-down desks):
# even reading window.localStorage throws. Uncaught errors are kept with the file they came from
# (the theme's own scripts do not survive this; kbtool's must).
NO_STORAGE = """
Object.defineProperty(window, "localStorage", {
  configurable: true, get() { throw new DOMException("storage is blocked", "SecurityError"); } });
self.__uncaught = [];
addEventListener("error", (event) => self.__uncaught.push(event.filename || ""));
"""
# The clipboard API present but refusing (no permission, no focus): copying must fall back.
CLIPBOARD_REFUSES = """
if (navigator.clipboard) navigator.clipboard.writeText = () => Promise.reject(new DOMException("no", "NotAllowedError"));
"""


@pytest.fixture(scope="module")
def site(request) -> Path:
    return bundled_site_of(request)


@pytest.fixture(scope="module")
def server(site):
    with serve_folder(site) as url:
        yield url


def storage_blocked(browser, *scripts: str, **options):
    """A tab whose pages find storage blocked (and run any other init `scripts`) before their own scripts."""
    tab = new_page(browser, **options)
    for script in (NO_STORAGE, *scripts):
        tab.add_init_script(script)
    return tab


def search(tab, words: str) -> None:
    """Type `words` in the search box and wait for their results."""
    tab.fill("#kb-search-input", words)
    tab.wait_for_selector(f"#kb-search-panel ol[data-kb-query='{words}'] li.kb-result")


def ours(tab) -> list[str]:
    """Uncaught errors thrown by kbtool's own scripts on the page so far."""
    return [name for name in tab.evaluate("self.__uncaught") if "/assets/kbtool/" in name or "/assets/kbsearch/" in name]


# -- in the browser --------------------------------------------------------------------------------

SCRIPT_SRC = re.compile(r'<script src="([^"]+)"')


@on_both_builders("site")
def test_every_page_loads_the_toolkit_once_before_the_scripts_that_use_it(site):
    checked = 0
    for page in site.rglob("*.html"):
        scripts = [src.rsplit("/", 1)[-1] for src in SCRIPT_SRC.findall(page.read_text(encoding="utf-8"))]
        users = [i for i, name in enumerate(scripts) if name in USERS]
        if not users:
            continue
        toolkit = [i for i, name in enumerate(scripts) if name == "kbkit.js"]
        assert len(toolkit) == 1 and toolkit[0] < min(users), (page, scripts)
        checked += 1
    assert checked > 80  # every page has the search box


@on_both_builders("site")
@pytest.mark.browser
def test_what_each_script_builds_is_there_opened_from_disk(browser, site):
    """From file:// (a desk without a server), each kind of page's scripts run on the toolkit."""
    tab = new_page(browser)
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        for rel, built in PAGES.items():
            tab.goto((site / rel).as_uri())
            assert tab.locator(built).count() > 0, rel
    finally:
        tab.context.close()
    assert errors == []


@pytest.mark.browser
def test_the_toolkit_returns_defaults_and_writes_text_as_text_when_storage_throws(browser, server):
    tab = storage_blocked(browser)
    tab.goto(f"{server}/phrases/greetings.html")
    assert tab.evaluate("""() => [kbkit.storage.get("k", "default"), kbkit.storage.set("k", "v"),
                                  kbkit.storage.getJSON("k", [1]), kbkit.storage.setJSON("k", {}), kbkit.storage.works()]""") \
        == ["default", False, [1], False, False]
    made = tab.evaluate("""() => kbkit.el("p", { class: "x", title: null, text: "<b>bold</b>" },
                                          [" & ", null, kbkit.el("i", { text: "<i>" })]).outerHTML""")
    assert made == '<p class="x">&lt;b&gt;bold&lt;/b&gt; &amp; <i>&lt;i&gt;</i></p>'
    assert ours(tab) == []
    tab.context.close()


@pytest.mark.browser
def test_the_pages_keep_working_when_storage_throws(browser, server):
    tab = storage_blocked(browser)

    # A drill: the page says progress is not kept, and an answer still counts until it closes.
    tab.goto(f"{server}/practice/situation-greeting.html")
    assert "not keeping your progress" in tab.locator("#kb-practice .kbp-notice").inner_text()
    tab.locator(".kbp-drill .kbp-start").first.click()
    tab.locator(".kbp-player .kbp-choice").first.click()
    assert tab.locator(".kbp-player .kbp-feedback .kbp-verdict").count() == 1
    tab.locator(".kbp-player .kbp-stop").click()
    assert "not tried yet" not in tab.locator(".kbp-summary").inner_text()

    # The scorecard: a tick counts.
    tab.goto(f"{server}/mentors/scorecard-phone.html")
    tab.click("#kb-sc-0-met")
    assert "1 of " in tab.locator("#kb-scorecard-live").inner_text()

    # The search box: choosing a channel ("I'm on") and searching work.
    tab.goto(f"{server}/phrases/greetings.html")
    search(tab, "greeting")
    tab.select_option("select[data-kb-prefer]", index=1)
    search(tab, "greeting apology")

    # The reading path: nothing is kept, and the list says how it would be.
    tab.goto(f"{server}/start-here.html")
    assert "marked as read here" in tab.locator("p.kb-progress").inner_text()
    assert ours(tab) == []
    tab.context.close()


@pytest.mark.browser
def test_copy_falls_back_when_the_clipboard_api_refuses(browser, server):
    tab = storage_blocked(browser, CLIPBOARD_REFUSES, permissions=["clipboard-read", "clipboard-write"])

    # A search result's Copy button: the sentence is on the clipboard and the keyboard is back in the box.
    tab.goto(f"{server}/phrases/greetings.html")
    search(tab, "greeting")
    said = tab.locator("#kb-result-0 .kb-result__say").inner_text()
    tab.click("#kb-result-0 .kb-result__copy")
    tab.wait_for_function("document.querySelector('.kb-search__toast').textContent !== ''")
    assert tab.locator(".kb-search__toast").inner_text().startswith("Copied:")
    assert tab.evaluate("navigator.clipboard.readText()") == said
    assert tab.evaluate("document.activeElement.id") == "kb-search-input"
    assert tab.locator("textarea").count() == 0  # the copy buffer is gone

    # The practice home's summary for a mentor.
    tab.goto(f"{server}/practice/index.html")
    tab.locator(".kbp-copy-summary").click()
    tab.wait_for_function("document.querySelector('#kb-practice-progress .kbp-status').textContent !== ''")
    assert tab.locator("#kb-practice-progress .kbp-status").inner_text().startswith("Copied.")
    assert tab.evaluate("navigator.clipboard.readText()").startswith("Practice progress:")

    # With no way at all to the clipboard, copy says so instead of throwing.
    tab.evaluate("() => { document.execCommand = () => { throw new Error('no clipboard'); }; }")
    assert tab.evaluate("kbkit.copy('x')") is False
    assert ours(tab) == []
    tab.context.close()


# -- in the files ----------------------------------------------------------------------------------

# Helpers the toolkit holds, as a copy elsewhere would show itself.
COPIES = {
    "an element helper": re.compile(r"\bfunction\s+el\s*\(|\bel\s*=\s*function\b"),
    "a clipboard fallback": re.compile(r"execCommand\s*\(|navigator\.clipboard"),
    "storage access": re.compile(r"(?:window|self|globalThis)\.localStorage\b|\blocalStorage\s*(?:\.\w|\[)"),
    "a download helper": re.compile(r"createObjectURL"),
    "a typing-in-a-field check": re.compile(r"isContentEditable"),
}
TOOLKIT_FILE = source_file(TOOLKIT)


def site_scripts() -> list[Path]:
    """kbtool's own browser scripts: every .js under kbtool/assets/ but the toolkit and vendored Mermaid."""
    return [path for path in sorted(ASSETS.rglob("*.js")) if path not in (TOOLKIT_FILE, source_file(MERMAID))]


def test_no_script_keeps_its_own_copy_of_a_toolkit_helper():
    toolkit = TOOLKIT_FILE.read_text(encoding="utf-8")
    assert [what for what, pattern in COPIES.items() if not pattern.search(toolkit)] == []  # the patterns do find them
    copies = {f"{path.relative_to(ASSETS)}: {what}" for path in site_scripts()
              for what, pattern in COPIES.items() if pattern.search(path.read_text(encoding="utf-8"))}
    assert copies == set()


def test_every_asset_list_names_the_toolkit_before_its_users():
    from kbtool.site import pages, practice, review_forms
    from kbtool.sitesearch.hooks import JS_URIS, asset_files

    users = {path.relative_to(ASSETS).as_posix() for path in site_scripts() if "kbkit." in path.read_text(encoding="utf-8")}
    assert {u.rsplit("/", 1)[-1] for u in users} == set(USERS)
    for assets in (practice.ASSETS, review_forms.CHECK_ASSETS, review_forms.REVIEW_ASSETS, pages.PATH_ASSETS):
        named = [a for a in assets if a in users]
        assert named and TOOLKIT in assets and assets.index(TOOLKIT) < min(assets.index(a) for a in named), assets
    assert JS_URIS[0] == TOOLKIT_URI
    assert dict(asset_files())[TOOLKIT_URI] == TOOLKIT_FILE


def test_a_page_gets_the_toolkit_once_whether_or_not_the_search_box_brought_it():
    """With the site search off the page's own list brings the toolkit; with it on, the search box
    did already (earlier in the page), and the page does not load it twice."""
    from kbtool.builders.staging import site_files
    from kbtool.site import practice

    bare = "<html><head></head><body><main></main></body></html>"
    alone = inject(bare, "practice/index.html", practice.ASSETS)
    assert re.findall(r'<script src="([^"]+)"', alone) == ["../assets/kbtool/toolkit/kbkit.js",
                                                          "../assets/kbtool/practice/practice.js"]
    searched = bare.replace("</body>", '<script src="../assets/kbtool/toolkit/kbkit.js"></script></body>')
    both = inject(searched, "practice/index.html", practice.ASSETS)
    assert re.findall(r'<script src="([^"]+)"', both) == ["../assets/kbtool/toolkit/kbkit.js",
                                                         "../assets/kbtool/practice/practice.js"]
    # A builder ships the file once, though the search box and the page both name it.
    page = SimpleNamespace(assets=practice.ASSETS, data=None, src_uri="practice/index.md")
    uris = [file.uri for file in site_files([page], site_search=True)]
    assert uris.count(TOOLKIT_URI) == 1 and len(uris) == len(set(uris))
