"""Learning by doing, tried as a new hire would in real headless Chromium over the bundled site
built once per session: drills from what customers say (kbtool/format/kinds, kbtool/site/practice.py,
kbtool/assets/practice/), spaced repetition, the "Ready for the phones?" check at phone and desktop
widths, progress exported for a mentor, the tickable scorecard (kbtool/assets/review/review.js),
entry pages without template syntax, and Check a reply where new hires find it.

Each page load does many checks in one `evaluate`. Screenshots go to test-artifacts/learning-*.png.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import REPO, keep_local, serve_folder

from kbtool.format.kinds import kind_of
from kbtool.pipeline import check
from kbtool.publish.urls import entry_src

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts"
DAY_MS = 24 * 60 * 60 * 1000


@pytest.fixture(scope="module")
def server(bundled_build):
    with serve_folder(bundled_build / "site") as url:
        yield url + "/"


@pytest.fixture(scope="module")
def kb():
    return check(REPO).kb


def open_tab(browser, server, width=1280, scheme="light", **options):
    """A tab that may only talk to the local server, failing on any script error."""
    context = browser.new_context(viewport={"width": width, "height": 900 if width > 600 else 844},
                                  color_scheme=scheme, **options)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    keep_local(tab, server)
    return tab


def done(tab):
    assert tab.errors == [] and tab.elsewhere == []
    tab.context.close()


def shot(tab, name, full_page=False):
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"learning-{name}.png"), full_page=full_page)


def axe_violations(tab, selector="article"):
    """WCAG 2.2 A/AA violations axe-core finds in `selector` (a CSS selector, or a list of them)."""
    import importlib.util

    spec = importlib.util.find_spec("axe_playwright_python")  # a test extra: it carries axe-core
    assert spec is not None and spec.submodule_search_locations, 'install the test extras: pip install -e ".[test]"'
    tab.add_script_tag(path=str(Path(next(iter(spec.submodule_search_locations))) / "axe.min.js"))
    tab.wait_for_timeout(300)  # the theme's transitions settle before colours are measured
    return tab.evaluate("""async (selector) => (await axe.run(Array.isArray(selector) ? {include: selector.map(s => [s])}
        : document.querySelector(selector), { runOnly: { type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }))
        .violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))""", selector)


# What the player shows and which of its buttons is right, from the choices the script built.
PLAYER = """() => { const p = document.querySelector('.kbp-player'); const q = s => p.querySelector(s);
  const buttons = [...p.querySelectorAll('.kbp-choice')];
  return {count: q('.kbp-count') && q('.kbp-count').textContent, customer: q('.kbp-customer .kbp-quote-text') &&
          q('.kbp-customer .kbp-quote-text').textContent, again: !!q('.kbp-again'),
          texts: buttons.map(b => b.querySelector('.kbp-choice-text').textContent),
          right: buttons.findIndex(b => b.__choice.correct)}; }"""


def test_a_drill_starts_from_what_the_customer_says_with_choices_from_the_same_situation(browser, server, kb):
    from kbtool.site.pages import SiteRenderer

    refunds = kb.by_id["refunds"]
    # Every line the refund situation gives or says to avoid, as the practice pages show them.
    blanks = SiteRenderer(kb).blanks
    same_situation = set()
    for e in kb.published():
        if e.situation == "refund":
            same_situation |= {u.say for u in kind_of(e).units(e, blanks)}
            same_situation |= {p.text for p in kind_of(e).pitfalls(e, blanks)}
    tab = open_tab(browser, server, width=390)
    tab.goto(server + "practice/situation-refund.html")
    tab.get_by_role("button", name="Start: Refunds").click()
    first = tab.evaluate(PLAYER)
    phrase = refunds.phrases[0]
    assert first["customer"] == f"\u201c{phrase.customer_says[0]}\u201d"
    assert tab.locator(".kbp-prompt").inner_text() == "What do you say?"
    assert len(first["texts"]) == 4 and first["texts"][first["right"]] == phrase.say
    assert set(first["texts"]) <= same_situation and phrase.avoid[0] in first["texts"]
    # A good line for another moment: the feedback says which moment, links there, and gives the why.
    wrong = next(i for i, t in enumerate(first["texts"]) if i != first["right"] and t not in phrase.avoid)
    tab.locator(".kbp-player .kbp-choice").nth(wrong).click()
    feedback = tab.evaluate("""() => { const f = document.querySelector('.kbp-feedback');
        return {text: f.innerText, other: f.querySelector('.kbp-read-other').getAttribute('href'),
                page: [...f.querySelectorAll('a.kbp-read')].pop().getAttribute('href')}; }""")
    assert "That line is for another moment" in feedback["text"] and "when the customer says" in feedback["text"]
    assert phrase.why in feedback["text"] and "Use instead:" in feedback["text"]
    assert feedback["page"] == f"../{entry_src(refunds).replace('.md', '.html')}#{phrase.id}"
    assert feedback["other"].split("#")[0] in {f"../{entry_src(e).replace('.md', '.html')}"
                                               for e in kb.published() if e.situation == "refund"}
    shot(tab, "drill-customer-wording-390")
    done(tab)


def test_spaced_repetition_brings_back_a_wrong_answer(browser, server):
    tab = open_tab(browser, server)
    tab.clock.install()
    tab.goto(server + "practice/situation-empathy.html")
    tab.get_by_role("button", name="Start: Empathy").click()
    first = tab.evaluate(PLAYER)
    assert first["count"] == "Question 1 of 10"
    tab.locator(".kbp-player .kbp-choice").nth((first["right"] + 1) % 4).click()
    assert "It comes back later in this round." in tab.inner_text(".kbp-feedback")
    seen = []
    for _ in range(3):  # three right answers later, the missed one is back
        tab.click(".kbp-next-button")
        now = tab.evaluate(PLAYER)
        seen.append(now)
        tab.locator(".kbp-player .kbp-choice").nth(now["right"]).click()
    tab.click(".kbp-next-button")
    back = tab.evaluate(PLAYER)
    assert back["again"] and back["count"] == "Question 5 of 11"
    assert back["texts"] == first["texts"]
    assert back["customer"] != first["customer"]  # asked again in another customer's words
    shot(tab, "spaced-again-1280")
    tab.locator(".kbp-player .kbp-choice").nth(back["right"]).click()
    stored = tab.evaluate("""() => { const all = JSON.parse(localStorage.getItem(self.__kbpage.storage));
        return {missed: all['empathy/that-sounds-frustrating'], right: all['empathy/' + self.__kbpage.drills[0].questions[1].id],
                now: Date.now()}; }""")
    # Wrong then right: back to the first box, due tomorrow; right first time: the same.
    assert stored["missed"]["n"] == 2 and stored["missed"]["b"] == 1
    assert abs(stored["right"]["d"] - stored["now"] - DAY_MS) < 60_000 and stored["right"]["b"] == 1
    tab.get_by_role("button", name="Stop").click()
    assert tab.get_by_role("button", name="Practise now (6)").is_visible()  # the six not tried yet
    # A wrong answer left as it is: due at once, first in the next round; the right ones rest a day.
    tab.click(".kbp-practise-now")
    missed = tab.evaluate(PLAYER)
    tab.locator(".kbp-player .kbp-choice").nth((missed["right"] + 1) % 4).click()
    tab.reload()
    due = tab.evaluate("""() => { const all = JSON.parse(localStorage.getItem(self.__kbpage.storage));
        return Object.entries(all).filter(([k, r]) => r.d <= Date.now()).map(([k]) => k); }""")
    assert due == ["empathy/" + tab.evaluate("self.__kbpage.drills[0].questions[4].id")]
    tab.click(".kbp-practise-now")
    assert tab.evaluate(PLAYER)["texts"] == missed["texts"]
    tab.get_by_role("button", name="Stop").click()
    # Two days on, the ones answered right are due for review too, and the page says so.
    tab.clock.fast_forward(2 * DAY_MS)
    tab.reload()
    assert "5 due for review" in tab.inner_text(".kbp-summary")
    done(tab)


# Answers the rest of a round in one round trip, as clicks on the page's own buttons: every
# `wrongEvery`th question (counted from 1) wrong, the others right. Returns how many were asked.
ANSWER_ALL = """([asked, wrongEvery]) => {
  for (;;) {
    asked += 1;
    const buttons = [...document.querySelectorAll('.kbp-player .kbp-choice')];
    const right = buttons.findIndex(b => b.__choice.correct);
    buttons[asked % wrongEvery ? right : (right + 1) % buttons.length].click();
    const next = document.querySelector('.kbp-next-button');
    const last = next.textContent === 'See how you did';
    next.click();
    if (last) return asked;
  }
}"""


def ready_run(tab, width, wrong_every=5):
    """Take the whole "Ready for the phones?" check, every `wrong_every`th answer wrong; the first
    question and the first wrong answer through the mouse, with screenshots."""
    tab.click(".kbp-ready-start")
    shot(tab, f"ready-question-{width}")
    for n in range(1, wrong_every + 1):
        state = tab.evaluate(PLAYER)
        tab.locator(".kbp-player .kbp-choice").nth(state["right"] if n % wrong_every else (state["right"] + 1) % 4).click()
        if n < wrong_every:
            tab.click(".kbp-next-button")
    tab.locator(".kbp-feedback").scroll_into_view_if_needed()
    shot(tab, f"ready-wrong-answer-{width}")
    tab.click(".kbp-next-button")
    return tab.evaluate(ANSWER_ALL, [wrong_every, wrong_every])


@pytest.mark.parametrize("width", [390, 1280])
def test_a_full_ready_for_the_phones_check(browser, server, kb, width):
    tab = open_tab(browser, server, width=width, accept_downloads=True, permissions=["clipboard-read", "clipboard-write"])
    tab.goto(server + "practice/index.html")
    tab.get_by_role("link", name="Ready for the phones?").click()
    tab.wait_for_url("**/practice/channel-phone.html#ready")
    assert tab.evaluate("document.activeElement.classList.contains('kbp-ready-start')")
    shot(tab, f"ready-card-{width}")
    asked = ready_run(tab, width)
    situations = tab.evaluate("new Set(self.__kbpage.drills.map(d => d.situation)).size")
    assert min(situations, 24) <= asked <= 24  # every situation on the phone, at least once
    result = tab.evaluate("""() => ({verdict: document.querySelector('.kbp-result .kbp-verdict').textContent,
        rows: [...document.querySelectorAll('.kbp-ready-scores li')].map(li => [li.querySelector('.kbp-ready-name').textContent,
               li.querySelector('.kbp-ready-score').textContent, !!li.querySelector('a')]),
        wide: document.documentElement.scrollWidth,
        check: JSON.parse(localStorage.getItem(self.__kbpage.storage + ':ready')).pop()})""")
    right = asked - asked // 5
    assert result["verdict"] == f"You got {right} of {asked} right ({round(100 * right / asked)}%)."
    assert len(result["rows"]) == len(result["check"]["situations"]) >= 15  # a score per situation
    assert all(re.match(r"\d of \d, (all right|some wrong|none right)", score) for _, score, _ in result["rows"])
    assert all(has_link == ("all right" not in score) for _, score, has_link in result["rows"])  # practise the weak ones
    assert result["check"]["right"] == right and result["check"]["ready"] == (right / asked >= 0.8 and all(
        "none right" not in score for _, score, _ in result["rows"]))
    assert result["wide"] <= width
    tab.evaluate("document.querySelector('.kbp-result').scrollIntoView()")
    shot(tab, f"ready-result-{width}")
    if width == 1280:
        parts = [".kbp-ready-card", ".kbp-bar", ".kbp-player"]  # the drill cards below are test_practice.py's
        assert axe_violations(tab, parts) == []
        tab.emulate_media(color_scheme="dark")
        assert axe_violations(tab, parts) == []
        shot(tab, "ready-result-1280-dark")
    # The practice home shows the check; progress downloads for a mentor and copies as a summary.
    tab.goto(server + "practice/index.html")
    assert f"{right} of {asked}" in tab.inner_text(".kb-practice-ready")
    with tab.expect_download() as info:
        tab.click(".kbp-export")
    report = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert report["kind"] == "kbtool-practice-progress" and len(report["checks"]) == 1
    assert len(report["answers"]) == asked and report["site"] == kb.config.name
    tab.click(".kbp-copy-summary")
    tab.wait_for_function("document.querySelector('.kbp-status').textContent.startsWith('Copied.')")
    text = tab.evaluate("navigator.clipboard.readText()")
    assert text.startswith(f"Practice progress: {kb.config.name}") and "- Phone, " in text and f"{right} of {asked}" in text
    shot(tab, f"practice-home-{width}", full_page=width == 390)
    done(tab)


SCORECARD = """() => { const t = document.querySelector('table.kb-scorecard');
  return {section: document.querySelector('tr.kb-group-row .kb-section-score').textContent,
          live: document.querySelector('.kb-scorecard-live').textContent,
          ticked: [...t.querySelectorAll('input:checked')].map(i => i.id),
          reviews: [...document.querySelectorAll('#kb-review-pick option')].map(o => o.textContent),
          wide: [...document.querySelectorAll('article *')].filter(e => { const r = e.getBoundingClientRect();
                  return r.width > 0 && r.right > innerWidth + 1; }).length + (document.documentElement.scrollWidth > innerWidth),
          card: getComputedStyle(t.querySelector('tr.kb-rule-row')).display}; }"""


@pytest.mark.parametrize("width", [390, 1280])
def test_ticking_the_scorecard_scores_and_survives_a_reload(browser, server, width):
    tab = open_tab(browser, server, width=width)
    tab.goto(server + "mentors/scorecard-phone.html")
    tab.fill("#kb-review-agent", "Jo Bloggs")
    tab.click("#kb-sc-0-met")
    tab.click("#kb-sc-1-partly")
    tab.click("#kb-sc-1-met")        # one box per row, as on paper: Met replaces Partly
    tab.click("#kb-sc-2-not-met")
    state = tab.evaluate(SCORECARD)
    assert state["ticked"] == ["kb-sc-0-met", "kb-sc-1-met", "kb-sc-2-not-met"]
    assert state["section"].endswith("2 of 3 met (67%)")
    assert state["live"] == "Overall: 2 of 3 met (67%) \u00b7 3 of 66 rules ticked"
    assert state["wide"] == 0 and state["card"] == ("grid" if width == 390 else "table-row")
    shot(tab, f"scorecard-ticked-{width}")
    if width == 390:
        # The reviewer's controls, the running total and the first standard's cards stand for the rest.
        parts = ["#kb-scorecard-tools", ".kb-scorecard-live", "tbody tr:nth-child(-n+5)"]
        assert axe_violations(tab, parts) == []
        tab.emulate_media(color_scheme="dark")
        assert axe_violations(tab, parts) == []
        tab.locator("#kb-sc-0-met").scroll_into_view_if_needed()
        shot(tab, "scorecard-cards-390-dark")
        tab.emulate_media(color_scheme="light")
    tab.reload()
    after = tab.evaluate(SCORECARD)
    assert after["ticked"] == state["ticked"] and after["section"] == state["section"]
    assert tab.input_value("#kb-review-agent") == "Jo Bloggs" and after["reviews"][0].startswith("Jo Bloggs")
    # The call-review form holds the same review.
    tab.goto(server + "mentors/review-phone.html")
    assert tab.is_checked("#kb-review-0-0-met") and tab.inner_text("#kb-review-total-0") == "2 of 3 met (67%)"
    # A second review beside the first; the first is still there to go back to.
    tab.goto(server + "mentors/scorecard-phone.html")
    tab.click("#kb-review-new")
    assert tab.evaluate(SCORECARD)["ticked"] == [] and tab.input_value("#kb-review-agent") == ""
    tab.fill("#kb-review-agent", "Sam Lee")
    tab.click("#kb-sc-5-na")
    reviews = tab.evaluate(SCORECARD)["reviews"]
    assert len(reviews) == 2 and reviews[0].startswith("Sam Lee") and reviews[1].startswith("Jo Bloggs")
    # Printed: the form as before, the ticks as ticked boxes, no screen controls.
    tab.emulate_media(media="print")
    printed = tab.evaluate("""() => ({boxes: [...document.querySelectorAll('tr.kb-rule-row')][5].innerText,
        inputs: getComputedStyle(document.querySelector('#kb-sc-0-met')).display,
        tools: getComputedStyle(document.querySelector('.kb-scorecard-tools')).display,
        head: document.querySelector('.kb-print-fields').innerText, notes: getComputedStyle(document.querySelector('td.kb-notes')).display})""")
    assert printed["boxes"].count("\u2611") == 1 and printed["boxes"].count("\u2610") == 3
    assert printed["inputs"] == "none" and printed["tools"] == "none" and printed["notes"] == "table-cell"
    assert "Agent: Sam Lee" in printed["head"]
    tab.emulate_media(media="screen")
    tab.select_option("#kb-review-pick", label=reviews[1])
    assert tab.evaluate(SCORECARD)["ticked"] == state["ticked"]
    tab.on("dialog", lambda dialog: dialog.accept())
    tab.click("#kb-review-clear")
    cleared = tab.evaluate(SCORECARD)
    assert cleared["ticked"] == [] and len(cleared["reviews"]) == 2  # Sam Lee's, and the fresh one
    done(tab)


# Every entry page at phone width in one round trip, in a 390 px frame: no template syntax in the
# text a reader sees, blanks shown as "[order number]", nothing scrolling or reaching past the edge.
# The frame runs no scripts (the theme's and Mermaid's would take most of the time); each kind of
# page is checked with its scripts in test_site_quality.py.
ENTRY_PAGES = """async (urls) => {
  const found = {}, queue = urls.slice();
  const check = async () => {
  const frame = document.createElement('iframe');
  frame.setAttribute('sandbox', 'allow-same-origin');
  frame.style.cssText = 'width: 390px; height: 844px; border: 0';
  document.body.appendChild(frame);
  while (queue.length) {
    const url = queue.shift();
    await new Promise(done => { frame.onload = done; frame.src = url; });
    const doc = frame.contentDocument, win = frame.contentWindow;
    const article = doc.querySelector('article');
    doc.querySelectorAll('details').forEach(d => d.open = true);
    const problems = [];
    const text = article.innerText;
    if (/\\{\\{|\\}\\}|\\{%|%\\}/.test(text)) problems.push('template syntax: ' + (text.match(/.{0,30}(\\{\\{|\\{%).{0,30}/) || [''])[0]);
    for (const m of article.querySelectorAll('mark.kb-blank')) if (!/^\\[[a-z0-9 ]+\\]$/.test(m.textContent)) problems.push('blank: ' + m.textContent);
    for (const e of article.querySelectorAll('*')) {
      const s = win.getComputedStyle(e), r = e.getBoundingClientRect();
      if ((['auto', 'scroll'].includes(s.overflowX) && e.scrollWidth > e.clientWidth + 1) || (r.width > 0 && r.right > 391))
        problems.push('sideways: ' + e.tagName + '.' + e.className);
    }
    if (/letters\\//.test(url) && !article.querySelector('.kb-letter:not(.kb-filled) mark.kb-blank')) problems.push('letter without blanks');
    const meta = article.querySelector('.kb-meta');
    if (!meta || !meta.closest('details.kb-about') || article.querySelector('details.kb-about ~ .kb-say, details.kb-about ~ h2'))
      problems.push('owner and source not folded at the end');
    if (problems.length) found[url] = problems.slice(0, 5);
  }
  frame.remove();
  };
  await Promise.all([check(), check(), check(), check()]);  // four frames at a time
  return found;
}"""


def test_entry_pages_teach_first_with_blanks_and_nothing_sideways_at_390(browser, server, kb):
    urls = [server + entry_src(e).replace(".md", ".html") for e in kb.published()]
    assert len(urls) >= 70
    tab = open_tab(browser, server)
    tab.goto(server + "start-here.html")
    assert tab.evaluate(ENTRY_PAGES, urls) == {}
    done(tab)


def test_check_a_reply_is_on_start_here_and_in_the_top_navigation(browser, server):
    tab = open_tab(browser, server)
    tab.goto(server + "start-here.html")
    links = tab.evaluate("""() => ({tabs: [...document.querySelectorAll('.md-tabs__link')].map(a => [a.textContent.trim(), a.getAttribute('href')]),
        article: [...document.querySelectorAll('article a')].filter(a => a.textContent.trim() === 'Check a reply').map(a => a.getAttribute('href'))})""")
    tabs = dict(links["tabs"])
    assert tabs["Check a reply"] == "mentors/check-a-reply.html" and links["article"] == ["mentors/check-a-reply.html"]
    assert [name for name, _ in links["tabs"]][:4] == ["Home", "Start here", "Practice", "Check a reply"]
    tab.goto(server + "index.html")
    assert tab.get_by_role("link", name="Check a reply").first.is_visible()
    # On a phone, the menu has it at the top level too.
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.click("label.md-header__button[for='__drawer']")
    assert tab.locator(".md-nav--primary > .md-nav__list > .md-nav__item > a", has_text="Check a reply").is_visible()
    done(tab)
