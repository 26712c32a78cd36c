"""The built site in a real browser (Playwright driving Debian's chromium): search, links, offline, safety.

Screenshots of the main page kinds go to test-artifacts/ for people to look at.
"""

from __future__ import annotations

import pytest
from conftest import REPO, serve_folder

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def bundled_site(bundled_build):
    return bundled_build / "site"


@pytest.fixture(scope="module")
def server(bundled_site):
    with serve_folder(bundled_site) as url:
        yield url


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def search(page, words):
    """Type like a person into the site's search box (the first visible search field on the page)
    and wait until the results are those of the whole query; returns the result elements."""
    box = page.locator("input[type=search]:visible").first
    box.click()
    box.press_sequentially(words, delay=20)
    page.wait_for_function("q => document.querySelector('.kb-search__results')?.getAttribute('data-kb-query') === q",
                           arg=words, timeout=15_000)
    return page.locator(".kb-search__results > li")


def test_home_page_renders(page, server):
    page.goto(f"{server}/index.html")
    assert page.locator("article h1").inner_text().strip().rstrip("¶") == "Fernleaf Home service standards"
    assert page.locator("a:has-text('Start here')").first.is_visible()
    shot(page, "home")


def test_search_finds_a_phrase_and_lands_on_its_anchor(page, server):
    page.goto(f"{server}/index.html")
    results = search(page, "sounds really frustrating")
    first = results.first
    assert (first.get_attribute("data-kb-entry"), first.get_attribute("data-kb-item")) == \
        ("empathy", "that-sounds-frustrating")
    link = first.locator("a[href*='#that-sounds-frustrating']")
    shot(page, "search")
    link.click()
    page.wait_for_url("**/phrases/empathy.html*#that-sounds-frustrating")
    assert page.locator("#that-sounds-frustrating").is_visible()


def test_script_option_link_lands_on_target_step(page, server):
    page.goto(f"{server}/scripts/late-delivery-call.html")
    shot(page, "script")
    page.locator("a.kb-goto", has_text="Lost").first.click()
    page.wait_for_url("**/scripts/late-delivery-call.html#lost")
    assert page.locator("#lost").is_visible()


@pytest.mark.parametrize("path, name", [
    ("standards/telephone-conduct.html", "standard"),
    ("letters/delay-apology.html", "letter"),
    ("phrases/empathy.html", "phrases"),
    ("browse/coverage.html", "coverage"),
    ("mentors/scorecard-phone.html", "scorecard"),
    ("mentors/needs-attention.html", "needs-attention"),
])
def test_page_kinds_render(page, server, path, name):
    page.goto(f"{server}/{path}")
    assert page.locator("article h1").is_visible()
    shot(page, name)


def test_offline_search_works_from_file_url(page, bundled_site):
    page.goto((bundled_site / "index.html").as_uri())
    results = search(page, "courier has lost track")
    hit = results.filter(has=page.locator("a[href*='late-delivery-call.html'][href$='#lost']"))
    assert hit.count() == 1 and results.nth(0).get_attribute("data-kb-item") == "lost"
    link = hit.locator("a[href$='#lost']")
    assert link.get_attribute("href").startswith("file://")
    shot(page, "offline-search")
    link.click()
    page.wait_for_url("file://**/scripts/late-delivery-call.html*#lost")


def test_call_flow_diagram_draws_offline_from_file_url(page, bundled_site):
    # Mermaid ships with the site; the CDN is blocked above, as on a desk with no internet.
    page.goto((bundled_site / "scripts" / "angry-caller.html").as_uri())
    # Material swaps the <pre class="mermaid"> source for a <div> holding the drawn SVG (in a
    # closed shadow root, so the drawing's size is what a test can see).
    page.wait_for_function(
        "() => { const d = document.querySelector('div.mermaid');"
        " return d && !document.querySelector('pre.mermaid') && d.getBoundingClientRect().height > 300; }",
        timeout=15_000)
    shot(page, "script-flow-diagram")


def test_a_call_flow_on_a_phone_is_numbered_steps_and_from_tablet_width_a_diagram(browser, bundled_site):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto((bundled_site / "scripts" / "angry-caller.html").as_uri())
        steps = page.locator("ol.kb-flow-steps")
        assert steps.is_visible() and not page.locator(".kb-flow").is_visible()
        assert "go to" not in steps.inner_text() and "\u2192 step 4, Steady" in steps.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "script-flow-steps-390")
        page.set_viewport_size({"width": 820, "height": 1180})
        page.wait_for_function(
            "() => { const d = document.querySelector('div.mermaid');"
            " return d && d.getBoundingClientRect().height > 300; }", timeout=15_000)
        assert not steps.is_visible()
        shot(page, "script-flow-diagram-820")
    finally:
        context.close()


def test_injection_payloads_show_as_text_and_never_run(browser, tmp_path):
    from test_site_payloads import write_injection_kb

    from kbtool.builders.build import build_site

    site = build_site(write_injection_kb(tmp_path), search_index=False).site_dir
    context = browser.new_context()
    tab = context.new_page()
    dialogs = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for html in pages:
        tab.goto(html.as_uri())
        tab.mouse.move(300, 300)
        # Every paragraph and list item gets the events a pointer or keyboard would send, in one
        # round trip (hovering the first 15 one by one took 18 s and left the rest untried).
        tab.evaluate("""() => document.querySelectorAll('article p, article li, article a').forEach(node => {
            for (const type of ['mouseover', 'mouseenter', 'mousemove', 'focus', 'click']) {
                const event = type === 'focus' ? new FocusEvent(type) : new MouseEvent(type, {bubbles: true});
                if (type !== 'click' || node.tagName !== 'A') node.dispatchEvent(event);
            }
        })""")
        assert tab.evaluate("window.__pwned") is None, html
    tab.goto((site / "scripts" / "evil-script.html").as_uri())
    assert "<script>window.__pwned=1</script>" in tab.locator("article").inner_text()
    results = search(tab, "pwned script")
    assert results.count() >= 3
    for details in tab.locator(".kb-result__notes").all():
        details.locator("summary").click()  # the avoid/why notes carry the payloads too
    for result in results.all():
        result.hover(timeout=2_000)
    assert "<script>window.__pwned=1</script>" in tab.locator(".kb-search__results").inner_text()
    assert tab.locator(".kb-search__results script, .kb-search__results img, .kb-search__results svg").count() == 0
    assert tab.evaluate("window.__pwned") is None
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "injection.png"))
    assert dialogs == []
    context.close()
