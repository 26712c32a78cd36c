"""The review pages in a real browser (Playwright driving Debian's chromium, from file://): "Check a
reply" flags what `kbtool check` flags, on the whole check test set, and the call-review form is
filled by keyboard, remembered across a reload and exported. Screenshots at desktop and phone
widths go to test-artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import REPO, bundled_site_of, on_both_builders

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts"
CASES = Path(__file__).resolve().parent / "check_cases"


@pytest.fixture(scope="module")
def site(request) -> Path:
    return bundled_site_of(request)


@pytest.fixture
def open_page(browser, site):
    """Open a site page from file:// in a fresh context; fails the test on a script error or on
    any request that would leave the site folder."""
    contexts = []
    errors: list[str] = []
    outside: list[str] = []

    def open_(rel: str, width: int = 1280, context=None):
        if context is None:
            context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
            contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", lambda request: None if request.url.startswith(("file://", "blob:", "data:"))
                else outside.append(request.url))
        page.goto((site / rel).as_uri())
        return page

    yield open_
    for context in contexts:
        context.close()
    assert errors == []
    assert outside == []


@on_both_builders("site")
def test_check_page_flags_an_avoided_wording_by_keyboard(open_page, site):
    page = open_page("mentors/check-a-reply.html")
    page.focus("#kb-check-text")
    page.keyboard.type("Agent: Yeah, hello?\nCustomer: Hi, my parcel hasn't come.\nAgent: Calm down, it's only a parcel.")
    page.keyboard.press("Tab")                       # to the channel
    page.keyboard.press("Tab")                       # to Check
    assert page.evaluate("document.activeElement.id") == "kb-check-run"
    page.keyboard.press("Enter")
    findings = page.eval_on_selector_all(
        "li.kb-check-finding", "els => els.map(e => [+e.dataset.line, +e.dataset.column, e.dataset.rule])")
    assert findings[0] == [1, 8, "avoided-phrase"]
    assert [3, 8, "style-phrase"] in findings
    first = page.locator("li.kb-check-finding").first
    assert 'wording to avoid: "Yeah, hello?"' in first.inner_text()
    assert "say instead: \"Hello, you've reached Fernleaf Home." in first.inner_text()
    href = first.locator("a").get_attribute("href")
    assert href == "../phrases/greetings.html#phone-name-first"
    assert (site / "phrases/greetings.html").is_file()
    assert "things to look at" in page.inner_text("#kb-check-summary")
    # "Line 3, column 8" puts the caret on the finding in the text.
    page.locator("li.kb-check-finding", has_text="style-phrase").locator("button.kb-check-goto").click()
    caret = page.evaluate("document.getElementById('kb-check-text').selectionStart")
    assert page.input_value("#kb-check-text")[caret:].startswith("Calm down")


@on_both_builders("site")
def test_check_page_agrees_with_the_cli_on_the_test_set(open_page, bundled_build, cli):
    page = open_page("mentors/check-a-reply.html")
    cases = yaml.safe_load((CASES / "cases.yaml").read_text(encoding="utf-8"))
    compared = 0
    for case in cases:
        text = (CASES / case["file"]).read_text(encoding="utf-8")
        run = cli("check", "-", "--root", str(bundled_build), "--format", "json", "--channel", case["channel"],
                  input=text)
        from_cli = [(r["line"], r["column"], r["level"], r["rule"], r["message"]) for r in json.loads(run.stdout)]
        from_page = page.evaluate(
            """([text, channel]) => new KbCheck.Checker(self.__kbpage.rules).check(text, "reply", channel)
                 .map(f => [f.line, f.column, f.level, f.rule, f.message])""", [text, case["channel"]])
        assert [tuple(f) for f in from_page] == from_cli, case["file"]
        compared += len(from_cli)
    assert compared >= 50
    # Beyond the set: astral characters before a finding (columns count code points), CRLF line
    # ends, curly apostrophes, a customer turn continued on the next line, quoted email lines.
    odd = ("\U0001F600\U0001F600 Agent: Yeah, hello? \U0001F600 that\u2019s our policy\r\n"
           "Customer: calm down\r\nstill the customer: no problem\r\n\r\n"
           "> To be honest\r\n\tAgent:\tWe guarantee it, {{ order_number }} [NAME] FH-104233.")
    run = cli("check", "-", "--root", str(bundled_build), "--format", "json", input=odd)
    from_cli = [(r["line"], r["column"], r["level"], r["rule"], r["message"]) for r in json.loads(run.stdout)]
    from_page = page.evaluate("""(text) => new KbCheck.Checker(self.__kbpage.rules).check(text, "reply", null)
                                   .map(f => [f.line, f.column, f.level, f.rule, f.message])""", odd)
    assert [tuple(f) for f in from_page] == from_cli
    assert len(from_cli) >= 6


def test_check_page_at_phone_width(open_page):
    page = open_page("mentors/check-a-reply.html", width=390)
    page.fill("#kb-check-text", (CASES / "email-delay-template-left.txt").read_text(encoding="utf-8"))
    page.select_option("#kb-check-channel", "email")
    page.click("#kb-check-run")
    assert page.locator("li.kb-check-error").count() >= 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "review-check-390.png"), full_page=True)


def test_check_page_at_desktop_width(open_page):
    page = open_page("mentors/check-a-reply.html")
    page.fill("#kb-check-text", (CASES / "phone-late-sofa.txt").read_text(encoding="utf-8"))
    page.select_option("#kb-check-channel", "phone")
    page.click("#kb-check-run")
    page.screenshot(path=str(ARTIFACTS / "review-check-1280.png"), full_page=True)
    page.fill("#kb-check-text", (CASES / "chat-refund-clean.txt").read_text(encoding="utf-8"))
    page.click("#kb-check-run")
    assert page.locator("li.kb-check-finding").count() == 0
    assert page.inner_text("#kb-check-summary").startswith("Nothing to change")


@on_both_builders("site")
def test_every_control_has_a_label(open_page):
    for rel in ("mentors/check-a-reply.html", "mentors/review-phone.html"):
        page = open_page(rel)
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            '.kb-review input, .kb-review select, .kb-review textarea')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.id)""")
        assert unlabelled == [], rel


@on_both_builders("site")
def test_review_form_filled_by_keyboard_remembered_and_exported(open_page, browser):
    page = open_page("mentors/review-phone.html")
    page.fill("#kb-review-agent", "Jo Bloggs")
    page.fill("#kb-review-reviewer", "Tom Okafor")
    page.fill("#kb-review-date", "2026-12-04")
    # The first rule by keyboard: Tab into its radio group, arrows move the choice.
    page.focus("#kb-review-contact")
    page.keyboard.press("Tab")          # the first standard's link
    page.keyboard.press("Tab")          # the first rule's link
    page.keyboard.press("Tab")          # into the Met/Partly/... group
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.id") == "kb-review-0-0-met"
    page.keyboard.press("ArrowRight")   # Partly
    assert page.is_checked("#kb-review-0-0-partly")
    page.keyboard.press("Tab")
    page.keyboard.type("Good tone, but no summary before the close.")
    page.check("#kb-review-0-1-met")
    section = page.locator("#kb-review-total-0")
    assert section.inner_text() == "1.5 of 2 met (75%)"
    page.check("#kb-review-1-0-na")
    assert page.inner_text("#kb-review-total-1") == "all N/A"
    page.fill("#kb-review-went-well", "Warm greeting.")

    page.reload()
    assert page.input_value("#kb-review-agent") == "Jo Bloggs"
    assert page.is_checked("#kb-review-0-0-partly")
    assert page.input_value("#kb-review-0-0-note") == "Good tone, but no summary before the close."
    assert page.inner_text("#kb-review-total-0") == "1.5 of 2 met (75%)"

    with page.expect_download() as info:
        page.click("#kb-review-download-md")
    download = info.value
    assert download.suggested_filename == "call-review-phone-jo-bloggs-2026-12-04.md"
    markdown = Path(download.path()).read_text(encoding="utf-8")
    assert markdown.startswith("# Call review: Phone\n")
    assert "- Agent: Jo Bloggs" in markdown and ": 1.5 of 2 met (75%)" in markdown
    assert "| Partly | Good tone, but no summary before the close. |" in markdown
    assert "## One thing that went well\n\nWarm greeting." in markdown

    with page.expect_download() as info:
        page.click("#kb-review-download-json")
    review = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert review["channel"] == "phone" and review["agent"] == "Jo Bloggs"
    first = review["sections"][0]
    assert (first["met"], first["of"]) == (1.5, 2)
    assert first["rules"][0] == {"id": first["rules"][0]["id"], "result": "partly",
                                 "note": "Good tone, but no summary before the close."}
    assert review["sections"][1]["rules"][0]["result"] == "na"

    # Another channel's form keeps its own review.
    other = open_page("mentors/review-chat.html", context=page.context)
    assert other.input_value("#kb-review-agent") == ""

    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#kb-review-clear")
    assert page.input_value("#kb-review-agent") == ""
    assert page.inner_text("#kb-review-total-0") == "not scored yet"


def test_review_form_screenshots(open_page):
    for width in (1280, 390):
        page = open_page("mentors/review-phone.html", width=width)
        page.fill("#kb-review-agent", "Jo Bloggs")
        page.check("#kb-review-0-0-met")
        page.check("#kb-review-0-1-partly")
        page.fill("#kb-review-0-1-note", "Summed up, but did not give a date.")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"review-form-{width}.png"), full_page=False)
        page.locator("#kb-review-overall").scroll_into_view_if_needed()
        if width == 390:
            page.screenshot(path=str(ARTIFACTS / "review-form-390-bottom.png"))
