"""Practice drills: what the kinds yield (kbtool/format/kinds), the practice pages
(kbtool/site/practice.py) and the drills in a real browser (kbtool/assets/practice/), served and
from file://. Screenshots at desktop and phone sizes, light and dark, go to test-artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kbtool.format.kinds import kind_of
from kbtool.format.kinds.base import same_wording
from kbtool.pipeline import check
from tests.conftest import PHRASES, REPO, bundled_site_of, on_both_builders, serve_folder

ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def bundled():
    return check(REPO).kb


def drills_of(kb, entry):
    """The drills an entry yields with what its situation lends, as the practice pages ask for them."""
    from kbtool.format.kinds.base import Pool

    fill = lambda text: text  # noqa: E731 - the texts as written are enough to compare
    same = [e for e in kb.published() if e.situation == entry.situation and e.status == "approved"]
    pool = Pool([p for e in same for p in kind_of(e).pitfalls(e, fill)],
                [m for e in same for m in kind_of(e).moments(e, fill)])
    return kind_of(entry).drills(entry, fill, pool)


def practised(kb, entry):
    """Whether the practice pages offer the entry's drills (approved entries only)."""
    return entry.status == "approved" and bool(drills_of(kb, entry))


def yields_items(kb, unit_kind):
    return [e for e in kb.published() if unit_kind in kind_of(e).unit_kinds and e.items()]


# -- drills from the model ----------------------------------------------------------------------

def test_every_phrase_set_with_items_yields_a_drill_with_one_right_answer(bundled):
    sets = yields_items(bundled, "phrase")
    assert len(sets) >= 10
    situation_lines = {}
    for e in bundled.published():
        for m in kind_of(e).moments(e, lambda text: text):
            situation_lines.setdefault(e.situation, {})[m.say] = m
    quoted = 0
    for entry in sets:
        (drill,) = drills_of(bundled, entry)
        assert drill.style == "phrase" and drill.questions, entry.id
        by_item = {p.id: p for p in entry.phrases}
        for question in drill.questions:
            phrase = by_item[question.item]
            right = [c for c in question.choices if c.correct]
            wrong = [c for c in question.choices if not c.correct]
            assert [c.text for c in right] == [phrase.say]
            assert 1 <= len(wrong) <= 3
            # Distractors never read as the right answer, nor as each other.
            assert not any(same_wording(c.text, phrase.say) for c in wrong), (entry.id, phrase.id)
            assert len({" ".join(c.text.casefold().split()) for c in wrong}) == len(wrong)
            assert all(c.explain for c in question.choices)
            if phrase.why:
                assert right[0].explain == phrase.why
            if question.customer:
                # The customer's words set the moment: the wording to avoid, then lines the same
                # situation gives for other moments, each saying when it is the one to use.
                quoted += 1
                assert question.customer in (phrase.practice.customer, *phrase.customer_says)
                assert question.prompt == "What do you say?"
                if phrase.avoid:
                    assert phrase.avoid[0] in {c.text for c in wrong}
                for choice in wrong:
                    if choice.text in situation_lines.get(entry.situation, {}):
                        assert "another moment" in choice.explain and choice.entry and choice.item
                        assert kind_of(bundled.by_id[choice.entry]).moments  # a line lent by an entry
                        assert bundled.by_id[choice.entry].situation == entry.situation
            else:
                # The moment only named: its own avoid texts come first.
                assert set(phrase.avoid[:3]) <= {c.text for c in wrong}
    assert quoted >= 100  # most questions start from what a customer says


def test_distractors_come_from_the_same_situation_and_exclude_the_right_wording(kb_root):
    root = kb_root({
        "scripts_library/phrases/a.yaml": PHRASES,
        "scripts_library/phrases/b.yaml": PHRASES.replace("id: greetings", "id: more-greetings").replace(
            "id: hello", "id: welcome-back").replace(
            "      - Yeah, what is it?\n",
            "      - What do you want?\n      - GOOD MORNING, you're through to {{ agent_name }} at {{ company_name }}!\n"),
        "scripts_library/phrases/c.yaml": PHRASES.replace("id: greetings", "id: refunds").replace(
            "situation: greeting", "situation: refund").replace("Yeah, what is it?", "Not my problem."),
    })
    checked = check(root)
    assert checked.errors == []
    kb = checked.kb
    (drill,) = drills_of(kb, kb.by_id["greetings"])
    texts = {c.text for c in drill.questions[0].choices if not c.correct}
    # Its own avoid text, and the other greeting set's; never the refund set's, never the right one
    # written louder (the other set avoids the same words in capitals).
    assert "Yeah, what is it?" in texts and "What do you want?" in texts
    assert "Not my problem." not in texts
    right = next(c.text for c in drill.questions[0].choices if c.correct)
    assert len(texts) == 2 and not any(same_wording(t, right) for t in texts)
    other = [c for c in drill.questions[0].choices if c.text == "What do you want?"][0]
    assert "Welcome back" in other.explain


def test_a_phrase_set_with_nothing_to_avoid_anywhere_yields_no_drill(kb_root):
    bare = PHRASES.replace("    avoid:\n      - Yeah, what is it?\n", "")
    kb = check(kb_root({"scripts_library/phrases/a.yaml": bare})).kb
    assert drills_of(kb, kb.by_id["greetings"]) == []


def test_call_flow_choices_are_the_scripts_branches(bundled):
    scripts = [e for e in yields_items(bundled, "step") if any(s.options for s in e.flow())]
    assert len(scripts) >= 5
    for entry in scripts:
        (drill,) = drills_of(bundled, entry)
        assert drill.style == "flow"
        steps = {s.id: s for s in entry.flow()}
        asked = {}
        for question in drill.questions:
            step = steps[question.item]
            option = step.options[int(question.id.rsplit(".", 1)[1])]
            asked.setdefault(step.id, set()).add(option.next)
            assert question.said == step.say
            # What the customer says back, not the branch's `when`, which would give the answer away.
            heard = [option.practice.customer, *steps[option.next].customer_says]
            if any(heard):
                assert question.customer == next(h for h in heard if h)
                assert question.scene == option.practice.scene
            else:
                assert question.scene == (option.practice.scene or option.when)
            branch_says = {steps[o.next].say for o in step.options}
            texts = {c.text for c in question.choices}
            # Every branch's step is offered, and the others are steps of the same flow.
            assert branch_says <= texts and texts <= {s.say for s in entry.flow()}
            assert len(question.choices) <= 4
            assert [c.text for c in question.choices if c.correct] == [steps[option.next].say]
            for choice in question.choices:
                if not choice.correct and choice.text in branch_says:
                    taken = next(o for o in step.options if steps[o.next].say == choice.text)
                    assert "leads to" in choice.explain and taken.when[1:].rstrip(".") in choice.explain
                elif not choice.correct:
                    assert "in the call" in choice.explain
        # Every branching step with a real choice is asked, once per branch.
        for step in entry.flow():
            if len({o.next for o in step.options}) > 1:
                assert asked[step.id] == {o.next for o in step.options}, (entry.id, step.id)


def test_the_inside_the_window_turn_is_no_giveaway(bundled):
    entry = bundled.by_id["refund-request"]
    (drill,) = drills_of(bundled, entry)
    question = next(q for q in drill.questions if q.id == "check-window.0")  # inside the window
    assert question.customer == "I only got it last week, can I return it?" and question.scene == ""
    assert "window" not in question.customer.casefold()
    assert len(question.choices) == 4  # the three branches and another step of the call
    right = next(c for c in question.choices if c.correct)
    assert "When the order is inside the window" in right.explain


def test_wrong_branch_says_where_it_leads(bundled):
    entry = bundled.by_id["angry-caller"]
    (drill,) = drills_of(bundled, entry)
    question = next(q for q in drill.questions if q.id == "take-ownership.1")  # still shouting
    wrong = {c.text[:20]: c.explain for c in question.choices if not c.correct}
    assert any("\u201cBoundary\u201d, then another choice" in text for text in wrong.values())
    question = next(q for q in drill.questions if q.id == "boundary.1")  # engages
    assert any("where the conversation ends" in c.explain for c in question.choices if not c.correct)


def test_a_script_without_branches_asks_what_comes_next(kb_root):
    script = """\
    kind: script
    id: simple
    title: Simple
    owner: Sam Lee
    status: approved
    review_by: "2030-01-01"
    channels: [phone]
    situation: greeting
    steps:
      - id: hello
        say: Hello, you're through to Acme.
      - id: ask
        say: How can I help?
        practice:
          customer: I'd like to check an order.
      - id: check
        say: Let me look that up.
      - id: close
        say: Anything else?
    """
    kb = check(kb_root({"scripts_library/scripts/simple.yaml": script})).kb
    (drill,) = drills_of(kb, kb.by_id["simple"])
    assert [q.item for q in drill.questions] == ["ask", "check", "close"]
    first = drill.questions[0]
    assert first.said == "Hello, you're through to Acme."
    assert [c.text for c in first.choices if c.correct] == ["How can I help?"]
    assert len(first.choices) == 3 and "Hello, you're through to Acme." not in {c.text for c in first.choices}
    assert drill.questions[1].customer == "I'd like to check an order."


def test_practice_hints_are_optional_and_checked(bundled, kb_root):
    empathy = bundled.by_id["empathy"]
    (drill,) = drills_of(bundled, empathy)
    by_id = {q.id: q for q in drill.questions}
    assert by_id["that-sounds-frustrating"].customer.startswith("I stayed in all day")
    # Without a practice hint, the first customer wording sets the moment; the others come back in turn.
    assert by_id["i-would-feel-the-same"].customer == "how would you feel if this happened to you?"
    assert by_id["i-would-feel-the-same"].heard == ("put yourself in my shoes", "you'd be annoyed too, wouldn't you?")
    bad = PHRASES + "    practice:\n      customer: Hello\n      mood: angry\n"
    problems = check(kb_root({"scripts_library/phrases/a.yaml": bad})).problems
    assert any("mood" in p.message for p in problems), problems
    schema = json.loads((REPO / "schema" / "entry.schema.json").read_text(encoding="utf-8"))
    assert '"practice"' in json.dumps(schema)


def test_drafts_are_not_practised(kb_root):
    from kbtool.site.pages import render_site

    draft = PHRASES.replace("status: approved", "status: draft")
    pages = {p.src_uri: p for p in render_site(check(kb_root({"scripts_library/phrases/a.yaml": draft})).kb)}
    assert not any(src.startswith("practice/") for src in pages)
    assert "Practise this" not in pages["phrases/greetings.md"].markdown
    assert "practice/" not in pages["start-here.md"].markdown


def test_kinds_that_teach_no_wording_yield_no_drills(bundled):
    quiet = [e for e in bundled.published() if not {"phrase", "step"} & set(kind_of(e).unit_kinds)]
    assert quiet
    for entry in quiet:
        assert drills_of(bundled, entry) == [], entry.id


# -- the pages ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site_pages(bundled):
    from kbtool.site.pages import SiteOptions, render_site

    return {p.src_uri: p for p in render_site(bundled, SiteOptions(directory_urls=False))}


def test_a_drill_page_per_situation_and_channel_with_its_entries(site_pages, bundled):
    from kbtool.site.practice import channel_src, situation_src

    drilled = [e for e in bundled.published() if practised(bundled, e)]
    for entry in drilled:
        page = site_pages[situation_src(entry.situation)]
        assert entry.id in {d["id"] for d in page.page_data()["drills"]}
        for channel in entry.channels:
            assert entry.id in {d["id"] for d in site_pages[channel_src(channel)].page_data()["drills"]}
        assert f'id="drill-{entry.id}"' in page.markdown
    home = site_pages["practice/index.md"]
    assert home.section == "Practice"
    linked = {p["url"] for p in home.page_data()["pages"]}
    assert "situation-empathy.html" in linked and "channel-phone.html" in linked
    for page in site_pages.values():
        if page.src_uri.startswith("practice/"):
            assert page.assets == ("practice/practice.css", "toolkit/kbkit.js", "practice/practice.js")
            json.dumps(page.page_data())


def test_entries_link_practise_this_and_start_here_links_practice(site_pages, bundled):
    for src, page in site_pages.items():
        entry = page.entry
        if entry is None:
            continue
        if practised(bundled, entry):
            target = f"practice/situation-{entry.situation}.html#drill-{entry.id}"
            assert f'href="../{target}">Practise this</a>' in page.markdown, src
        else:
            assert "Practise this" not in page.markdown, src
    assert 'href="practice/index.html">Practice</a>' in site_pages["start-here.md"].markdown


def test_page_data_carries_the_why_and_the_links(site_pages):
    data = site_pages["practice/situation-empathy.md"].page_data()
    (drill,) = data["drills"]
    assert drill["url"] == "../phrases/empathy.html" and drill["style"] == "phrase"
    question = drill["questions"][0]
    assert question["url"].startswith("../phrases/empathy.html#")
    assert sum(c["correct"] for c in question["choices"]) == 1
    assert data["storage"].startswith("kbtool.practice.v1:")


# -- in the browser -------------------------------------------------------------------------------

def axe_violations(tab, selector):
    """WCAG 2.1 A/AA violations axe-core finds inside `selector` (axe as axe-playwright-python ships it)."""
    import importlib.util

    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or not spec.submodule_search_locations:
        return []
    axe = Path(next(iter(spec.submodule_search_locations))) / "axe.min.js"
    if not axe.exists():
        return []
    tab.add_script_tag(path=str(axe))
    return tab.evaluate("""async (selector) => (await axe.run(document.querySelector(selector),
        { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }))
        .violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))""", selector)


@pytest.fixture(scope="module")
def site(request):
    return bundled_site_of(request)


@pytest.fixture(scope="module")
def server(site):
    with serve_folder(site) as url:
        yield url


def open_tab(browser, width=1280, height=900, scheme="light"):
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    tab = context.new_page()
    for host in ("fonts.googleapis.com", "fonts.gstatic.com", "unpkg.com"):
        tab.route(f"http*://{host}/**", lambda route: route.abort())
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.errors = errors
    return tab


def right_index(tab, drill_title, question):
    """Which choice button is right, read from the page's own data (the same the script uses)."""
    return tab.evaluate("""([title, n]) => {
        const q = self.__kbpage.drills.find(d => d.title === title).questions[n];
        return q.choices.findIndex(c => c.correct);
    }""", [drill_title, question])


def choices(tab):
    return tab.locator(".kbp-player .kbp-choice")


@on_both_builders("site")
@pytest.mark.browser
def test_phrase_drill_right_and_wrong_progress_kept_and_wrong_ones_practised(browser, server):
    tab = open_tab(browser)
    tab.goto(f"{server}/practice/situation-empathy.html")
    tab.get_by_role("button", name="Start: Empathy").click()
    player = tab.locator(".kbp-player")
    assert player.locator(".kbp-count").inner_text() == "Question 1 of 10"
    assert "I stayed in all day" in player.locator(".kbp-customer").inner_text()

    # Right.
    choices(tab).nth(right_index(tab, "Empathy", 0)).click()
    feedback = player.locator(".kbp-feedback")
    assert "Right." in feedback.inner_text() and "Naming the feeling" in feedback.inner_text()
    next_button = tab.get_by_role("button", name="Next question")
    assert next_button.evaluate("b => b === document.activeElement")
    next_button.click()

    # Wrong: the answer says what was wrong with it and gives the approved wording and its why.
    right = right_index(tab, "Empathy", 1)
    wrong = 0 if right else 1
    picked = choices(tab).nth(wrong).locator(".kbp-choice-text").inner_text()
    choices(tab).nth(wrong).click()
    text = feedback.inner_text()
    assert "Not this one." in text and "Use instead:" in text
    assert choices(tab).nth(wrong).locator(".kbp-tag").text_content() == "Your answer"
    assert choices(tab).nth(right).locator(".kbp-tag").text_content() == "Right answer"
    assert tab.locator(".kbp-feedback[role=status]").count() == 1

    # Progress survives a reload; the wrong one waits to be practised again.
    tab.reload()
    assert "1 right · 1 to practise again" in tab.locator(".kbp-summary").inner_text()
    again = tab.get_by_role("button", name="Practise what I got wrong (1)")
    again.click()
    assert player.locator(".kbp-count").inner_text() == "Question 1 of 1"
    assert picked in player.locator(".kbp-choices").inner_text()
    # Keyboard: the number of the right choice answers it.
    tab.keyboard.press(str(right_index(tab, "Empathy", 1) + 1))
    assert "Right." in feedback.inner_text()
    tab.get_by_role("button", name="See how you did").click()
    assert "You got 1 of 1 right." in player.inner_text()
    assert tab.get_by_role("button", name="Practise what I got wrong", exact=True).is_disabled()
    assert tab.errors == []
    tab.context.close()


@on_both_builders("site")
@pytest.mark.browser
def test_call_flow_drill_from_practise_this(browser, server):
    tab = open_tab(browser)
    tab.goto(f"{server}/scripts/angry-caller.html")
    tab.get_by_role("link", name="Practise this").click()
    tab.wait_for_url("**/practice/situation-complaint.html#drill-angry-caller")
    player = tab.locator(".kbp-player")
    assert player.is_visible()
    assert player.locator(".kbp-player-title").inner_text() == "An angry caller"
    assert "I'm going to take this on myself" in player.locator(".kbp-said").inner_text()
    assert "what can you actually do" in player.locator(".kbp-customer").inner_text()
    # The branch's own words would give the answer away: they come with the answer instead.
    assert player.locator(".kbp-moment").count() == 0
    data = tab.evaluate("self.__kbpage.drills.find(d => d.id === 'angry-caller').questions[0]")
    wrong = next(i for i, c in enumerate(data["choices"]) if not c["correct"])
    choices(tab).nth(wrong).click()
    text = player.locator(".kbp-feedback").inner_text()
    assert "Not this one." in text and "leads to" in text and "That step is for when" in text
    assert tab.errors == []
    tab.context.close()


@on_both_builders("site")
@pytest.mark.browser
def test_drills_work_and_remember_from_file_urls(browser, site):
    tab = open_tab(browser)
    url = (site / "practice" / "situation-greeting.html").as_uri()
    tab.goto(url)
    assert tab.locator(".kbp-drill").count() >= 2
    tab.locator(".kbp-start").first.click()
    title = tab.locator(".kbp-player-title").inner_text()
    choices(tab).nth(right_index(tab, title, 0)).click()
    assert "Right." in tab.locator(".kbp-feedback").inner_text()
    tab.goto(url)
    assert "1 right" in tab.locator(".kbp-drill").first.inner_text()
    # The practice home counts it too.
    tab.goto((site / "practice" / "index.html").as_uri())
    assert "1 right" in tab.locator(".kb-practice-pages").first.inner_text()
    assert tab.errors == []
    tab.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_practice_screenshots(browser, server, width, height, scheme):
    ARTIFACTS.mkdir(exist_ok=True)
    tab = open_tab(browser, width, height, scheme)
    tab.goto(f"{server}/practice/situation-complaint.html")
    if scheme == "dark":
        tab.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    name = f"practice-{width}-{scheme}"
    tab.screenshot(path=str(ARTIFACTS / f"{name}-list.png"))
    # Contrast depends on the scheme, not the width: axe runs at one width to keep the suite quick.
    audit = width == 1280
    assert not audit or axe_violations(tab, "#kb-practice") == []
    tab.get_by_role("button", name="Start: An angry caller").click()
    choices(tab).nth(right_index(tab, "An angry caller", 0)).click()
    tab.get_by_role("button", name="Next question").click()
    data = tab.evaluate("self.__kbpage.drills.find(d => d.id === 'angry-caller').questions[1]")
    tab.locator(".kbp-player").scroll_into_view_if_needed()
    tab.screenshot(path=str(ARTIFACTS / f"{name}-question.png"))
    wrong = next(i for i, c in enumerate(data["choices"]) if not c["correct"])
    choices(tab).nth(wrong).click()
    tab.screenshot(path=str(ARTIFACTS / f"{name}-answer.png"))
    if audit:
        tab.wait_for_timeout(400)  # the theme's button transitions settle before colours are measured
        assert axe_violations(tab, "#kb-practice") == []
    # Nothing the drill needs is wider than a phone.
    overflow = tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert tab.errors == []
    tab.context.close()


@on_both_builders("site")
@pytest.mark.browser
def test_keyboard_only(browser, server):
    tab = open_tab(browser, 390, 844)
    tab.goto(f"{server}/practice/situation-hold.html")
    start = tab.locator(".kbp-start").first
    start.focus()
    tab.keyboard.press("Enter")
    player = tab.locator(".kbp-player")
    assert player.locator(".kbp-player-title").evaluate("h => h === document.activeElement")
    tab.keyboard.press("1")
    assert player.locator(".kbp-feedback[role=status]").inner_text().strip()
    tab.keyboard.press("Enter")  # the focused "Next question"
    assert player.locator(".kbp-count").inner_text() == "Question 2 of " + player.locator(".kbp-count").inner_text().rsplit(" ", 1)[1]
    # Typing a digit into the search box is not an answer.
    box = tab.locator("input[type=search]").first
    if box.is_visible():
        box.press("2")
        assert not player.locator(".kbp-choices.kbp-answered").count()
    player.get_by_role("button", name="Stop").click()
    assert tab.evaluate("document.activeElement.classList.contains('kbp-start')")
    assert tab.errors == []
    tab.context.close()
