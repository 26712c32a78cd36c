"""A knowledge base with script-injection payloads in every text field, and the build's answer to it.

The browser test reuses `write_injection_kb` to check that the payloads show as text and run nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Each payload sets window.__pwned if it ever runs; the browser test asserts it stays unset.
PAYLOAD = ('<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
           ' [link](javascript:window.__pwned=1) {: onmouseover="window.__pwned=1" } '
           '"><svg onload=window.__pwned=1> **bold**')
Q = json.dumps(PAYLOAD)  # a YAML double-quoted scalar (JSON strings are valid YAML)
HEAD = f"""\
title: {Q}
summary: {Q}
owner: {Q}
status: draft
review_by: "2020-01-01"
channels: [phone, email]
situation: complaint
tags: [{Q}, plain-tag]
"""
FILES = {
    "standards/evil-standard.yaml": f"kind: standard\nid: evil-standard\n{HEAD}related: [evil-script]\n"
    f"rules:\n  - id: r1\n    text: {Q}\n    why: {Q}\n    do: [{Q}]\n    dont: [{Q}]\n"
    f"targets:\n  - metric: {Q}\n    channel: email\n    within: {Q}\nprocedure: [{Q}, {Q}]\n",
    "scripts_library/scripts/evil-script.yaml": f"kind: script\nid: evil-script\n{HEAD}"
    f"steps:\n  - id: one\n    say: {Q}\n    note: {Q}\n    options:\n      - when: {Q}\n        next: two\n"
    f"      - when: {Q}\n        next: three\n  - id: two\n    say: {Q}\n    next: three\n  - id: three\n    say: {Q}\n",
    "scripts_library/letters/evil-letter.yaml": f"kind: letter\nid: evil-letter\n{HEAD}"
    f"subject: {json.dumps(PAYLOAD + ' {{ order }}')}\nbody: {json.dumps(PAYLOAD + chr(10) + chr(10) + '{{ order }}')}\n"
    f"variables:\n  order:\n    description: {Q}\n    example: {Q}\n",
    "scripts_library/phrases/evil-phrases.yaml": f"kind: phrases\nid: evil-phrases\n{HEAD}"
    f"phrases:\n  - id: p1\n    say: {Q}\n    avoid: [{Q}]\n    why: {Q}\n",
}
KB_YAML = f"name: {Q}\nvariables:\n  company_name: {Q}\nsituations:\n  evil-situation: {Q}\n"


def write_injection_kb(root: Path) -> Path:
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "kb.yaml").write_text(KB_YAML, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def injection_site(tmp_path_factory):
    from kbtool.builders.build import build_site

    root = write_injection_kb(tmp_path_factory.mktemp("evil"))
    result = build_site(root, search_index=False)
    return result.site_dir


def test_injection_kb_validates_without_errors(tmp_path):
    from kbtool.assemble import load_knowledge_base
    from kbtool.checks import validate

    kb = load_knowledge_base(write_injection_kb(tmp_path))
    errors = [p for p in validate(kb) if p.level.value == "error"]
    assert errors == []
    assert len(kb.entries) == 4


def test_injection_site_builds_and_scans_clean(injection_site):
    from kbtool.builders.htmlscan import scan_site

    assert scan_site(injection_site) == []
    assert (injection_site / "standards" / "evil-standard.html").exists()


def test_payload_text_reaches_pages_only_escaped(injection_site):
    for page in injection_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "window.__pwned=1</script>" not in html.replace("&lt;/script&gt;", "")
        assert "<img src=x" not in html and "<svg onload" not in html
        assert 'href="javascript:' not in html


def test_payload_shows_as_text_on_entry_pages(injection_site):
    html = (injection_site / "scripts" / "evil-script.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "<strong>bold</strong>" in html  # inline Markdown readers expect still works


def test_search_index_holds_no_markup(injection_site):
    from test_site_search import data_files

    assert data_files(injection_site)  # each index file is one JSON string parsed, nothing else


@pytest.mark.parametrize("html, message", [
    ("<article><script>alert(1)</script></article>", "<script> in page content"),
    ("<div><p onclick='x()'>hi</p></div>", "event-handler attribute 'onclick'"),
    ("<a href=' javascript:alert(1)'>x</a>", "executable URL"),
    ("<a href='JaVa\tScRiPt:alert(1)'>x</a>", "executable URL"),
    # Hidden from a quick first pass that trusted str.strip() or a fixed window for entities.
    ("<a href='\x01java\tscript:alert(1)'>x</a>", "executable URL"),
    ("<a href='" + "\t" * 80 + "&#106;avascript:alert(1)'>x</a>", "executable URL"),
    ("<p class='a'ONCLICK = 'x()'>hi</p>", "event-handler attribute 'onclick'"),
    ("<p title='a'\xa0onclick='x()'>hi</p>", "event-handler attribute 'onclick'"),
    ("<a href==javascript:alert(1)>x</a>", "executable URL"),
    ("<a href" + " " * 100 + "=javascript:alert(1)>x</a>", "executable URL"),
    ("<iframe srcdoc='x'></iframe>", "<iframe> element"),
    ("<body><script>alert(1)</script></body>", "<script> in the page"),
])
def test_scan_finds_executable_markup(html, message):
    from kbtool.builders.htmlscan import scan_html

    findings = scan_html(html, "page.html")
    assert any(message in f.message for f in findings), findings


def test_scan_allows_theme_scripts_outside_content():
    from kbtool.builders.htmlscan import scan_html

    page = ('<head><script>__md_scope=new URL("..",location)</script>'
            '<script src="assets/javascripts/bundle.js"></script>'
            '<script id="__config" type="application/json">{"base": ".."}</script></head>'
            '<body><article><p>text</p></article></body>')
    assert scan_html(page, "index.html") == []


@pytest.mark.parametrize("html, executable", [
    ('<a href="javascript&amp;colon;x">note</a>', False),  # what Markdown makes of [note](javascript&colon;x)
    ('<a href="javascriptx">note</a>', False),
    ('<a href="javascript-guide.html">note</a>', False),
    ('<a href="javascript&colon;x">note</a>', True),  # the browser decodes &colon; to ':'
    ('<a href="java\tscript:x">note</a>', True),
    ('<a href=" vbscript:x">note</a>', True),
])
def test_scan_needs_a_real_scheme_to_call_a_url_executable(html, executable):
    from kbtool.builders.htmlscan import scan_html

    assert bool(scan_html(f"<article>{html}</article>", "page.html")) is executable


def test_a_harmless_javascript_lookalike_link_does_not_block_the_build(tmp_path, cli):
    from tests.conftest import PHRASES, write_kb

    text = PHRASES.replace("say: Good morning,", "say: See [note](javascript&colon;x). Good morning,")
    assert text != PHRASES
    write_kb(tmp_path, {"scripts_library/phrases/p.yaml": text})
    run = cli("build", "--root", str(tmp_path), "--no-search-index")
    assert run.code == 0, run.output


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 1 << 16])
def test_a_data_script_written_in_pieces_is_the_whole_script_and_never_closes_its_element(size):
    """Practice and review pages' data scripts are written piece by piece; "</" split between two
    pieces must still be escaped, and the script must read back as the same data."""
    import random

    from kbtool.site.assets import data_script_parts

    rng = random.Random(size)
    alphabet = ["<", "/", '"', "\\", "a", "é", "😀", "\n", "</", "\u2028", "<<", "</script>"]
    for trial in range(60):
        texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(rng.randint(0, 20))]
        data = {"texts": texts, "n": trial, "drills": [{"say": t, "choices": [t, None, 1.5, [t]]} for t in texts],
                "</": {"<": texts[:2]}}
        script = "".join(data_script_parts(data, size))
        assert "</" not in script
        prefix, suffix = 'self.__kbpage=JSON.parse(', ');\n'
        assert script.startswith(prefix) and script.endswith(suffix)
        assert json.loads(json.loads(script[len(prefix):-len(suffix)])) == json.loads(json.dumps(data))
