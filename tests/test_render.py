"""kbtool.site.pages: pages from the model, escaping of contributor text, links between pages."""

from __future__ import annotations

import pytest
from conftest import PHRASES, write_kb

SCRIPT = """\
kind: script
id: call
title: "Call & *flow*"
owner: Sam Lee
status: draft
review_by: "2020-01-01"
channels: [phone]
situation: greeting
tags: [calls]
related: [greetings]
steps:
  - id: greet
    say: "Hello, this is {{ agent_name }} at {{ company_name }}."
    options:
      - when: They want a refund
        next: refund
      - when: Anything else
        next: close
  - id: refund
    say: I can do that now.
  - id: close
    say: Thanks for calling.
"""
LETTER = """\
kind: letter
id: delay
title: Delay letter
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [email]
situation: delivery-delay
subject: "Order {{ order }}"
body: "Dear {{ customer_name }},\\n\\nYour order {{ order }} is late."
variables:
  order:
    description: The order number.
    example: FH-1
"""
STANDARD = """\
kind: standard
id: phone-standard
title: Phone standard
owner: Ann
status: approved
review_by: "2030-01-01"
channels: [phone]
rules:
  - id: answer-fast
    text: Answer within three rings.
    why: Waiting feels longer on the phone.
    do: ["Good morning, {{ company_name }}."]
    dont: ["Yeah?"]
targets:
  - metric: Answer
    channel: phone
    within: 3 rings
procedure: [Pick up, Greet]
"""


@pytest.fixture
def pages(tmp_path):
    from kbtool.assemble import load_knowledge_base
    from kbtool.site.pages import SiteOptions, render_site

    root = write_kb(tmp_path, {"scripts_library/phrases/greetings.yaml": PHRASES,
                               "scripts_library/scripts/call.yaml": SCRIPT,
                               "scripts_library/letters/delay.yaml": LETTER,
                               "standards/phone-standard.yaml": STANDARD})
    kb = load_knowledge_base(root)
    import datetime as dt

    return {p.src_uri: p.markdown for p in render_site(kb, SiteOptions(directory_urls=False,
                                                                         today=dt.date(2025, 1, 1)))}


def test_heading_escapes_markdown_and_html():
    from kbtool.site.escaping import heading

    out = str(heading("<b>Hi</b> *x* {: onclick=y}"))
    assert "<" not in out and "*" not in out and "{" not in out
    assert "&#60;b&#62;" in out


def test_block_keeps_inline_markdown_and_drops_markup():
    from kbtool.site.escaping import block

    out = str(block('**bold** <script>alert(1)</script> [a](javascript:alert(1)) [b](https://example.com)'))
    assert "<strong>bold</strong>" in out
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "javascript:" not in out.split("&lt;")[0] or 'href="javascript' not in out
    assert 'href="javascript' not in out
    assert '<a href="https://example.com">b</a>' in out


def test_block_lists_and_mailto():
    from kbtool.site.escaping import block

    out = str(block("- one\n- two\n\n[mail](mailto:help@example.com)"))
    assert "<ul>" in out and "<li>one</li>" in out
    assert 'href="mailto:help@example.com"' in out


def test_page_title_survives_striptags():
    from markupsafe import Markup

    from kbtool.site.escaping import page_title

    title = page_title('<img src=x onerror="y">')
    assert "<" not in Markup(title).striptags()


@pytest.mark.parametrize("directory_urls, expected", [
    (False, "../scripts/call.html#greet"),
    (True, "../../scripts/call/#greet"),
])
def test_relative_url(directory_urls, expected):
    from kbtool.publish.urls import relative_url

    assert relative_url("phrases/greetings.md", "scripts/call.md", directory_urls, "greet") == expected


def test_relative_url_to_home_and_same_page():
    from kbtool.publish.urls import relative_url

    assert relative_url("scripts/call.md", "index.md", True) == "../../"
    assert relative_url("scripts/call.md", "index.md", False) == "../index.html"
    assert relative_url("scripts/call.md", "scripts/call.md", False, "close") == "#close"


def test_script_page_has_step_anchors_option_links_and_flow(pages):
    page = pages["scripts/call.md"]
    assert "{#greet}" in page and "{#refund}" in page
    assert 'href="#refund"' in page and 'href="#close"' in page
    assert '<pre class="mermaid">' in page and "s1 -->" in page
    # kb.yaml values filled in; other placeholders are blanks, as search and copy show them.
    assert 'Hello, this is <mark class="kb-blank">[agent name]</mark> at Acme Homeware.' in page
    assert '<ol class="kb-flow-steps">' in page  # the flow as numbered steps, for phones


def test_draft_banner_and_escaped_title(pages):
    page = pages["scripts/call.md"]
    assert "Draft: not yet approved" in page
    assert "# Call &#38; &#42;flow&#42;" in page


def test_letter_page_shows_blanks_and_fills_example(pages):
    page = pages["letters/delay.md"]
    assert '<mark class="kb-blank">[order]</mark>' in page
    assert "Your order FH-1 is late." in page and "Dear Ms Patel," in page
    assert "{{" not in page and "}}" not in page  # template syntax is for the YAML, not for readers


def test_phrase_page_has_anchor_copy_button_and_avoid(pages):
    page = pages["phrases/greetings.md"]
    assert "{#hello}" in page
    assert 'data-clipboard-text="Good morning, you&#x27;re through to [agent name] at Acme Homeware."' in page
    assert "Yeah, what is it?" in page and "kb-avoid" in page


def test_standard_page_has_rules_targets_procedure(pages):
    page = pages["standards/phone-standard.md"]
    assert "{#answer-fast}" in page and "Waiting feels longer" in page
    assert "kb-do" in page and "kb-dont" in page
    assert '<td title="Within">3 rings</td>' in page
    assert '<ol class="kb-procedure">' in page


def test_index_pages(pages):
    assert {"index.md", "start-here.md", "browse/kinds.md", "browse/channels.md", "browse/situations.md",
            "browse/tags.md", "browse/coverage.md", "mentors/needs-attention.md", "mentors/guide.md",
            "mentors/scorecard-phone.md"} <= set(pages)
    assert "<!-- material/tags -->" in pages["browse/tags.md"]
    attention = pages["mentors/needs-attention.md"]
    assert "Call &amp; *flow*" in attention and "draft, review overdue" in attention and "Sam Lee" in attention
    assert "Answer within three rings." in pages["mentors/scorecard-phone.md"]
    assert "kb-gap" in pages["browse/coverage.md"] and "kb-chip-script" in pages["browse/coverage.md"]


def test_start_here_follows_kb_yaml(tmp_path):
    from kbtool.assemble import load_knowledge_base
    from kbtool.site.pages import render_site

    root = write_kb(tmp_path, {"scripts_library/phrases/greetings.yaml": PHRASES,
                               "scripts_library/letters/delay.yaml": LETTER},
                    kb_yaml="start_here: [delay, greetings]\n")
    page = {p.src_uri: p for p in render_site(load_knowledge_base(root))}["start-here.md"].markdown
    assert page.index("Delay letter") < page.index("Greetings")


def test_retired_entries_are_not_published(tmp_path):
    from kbtool.assemble import load_knowledge_base
    from kbtool.site.pages import render_site

    root = write_kb(tmp_path, {"scripts_library/phrases/greetings.yaml": PHRASES.replace("approved", "retired")})
    assert "phrases/greetings.md" not in {p.src_uri for p in render_site(load_knowledge_base(root))}


def test_team_templates_override_by_name(tmp_path):
    from kbtool.assemble import load_knowledge_base
    from kbtool.site.pages import SiteOptions, render_site

    root = write_kb(tmp_path / "kb", {"scripts_library/phrases/greetings.yaml": PHRASES})
    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "phrases.md.j2").write_text("# {{ entry.title|heading }}\n\nTeam layout\n", encoding="utf-8")
    pages = {p.src_uri: p.markdown for p in render_site(load_knowledge_base(root), SiteOptions(templates_dir=custom))}
    assert "Team layout" in pages["phrases/greetings.md"]


def test_sanitise_page_allows_structure_and_drops_handlers():
    from kbtool.site.escaping import sanitise_page

    html = ('<h2 id="x">T<a class="headerlink" href="#x">¶</a></h2><button class="kb-copy" '
            'data-clipboard-text="hi" onclick="y()"></button><img src=x onerror=y><script>z</script>')
    out = sanitise_page(html)
    assert 'id="x"' in out and 'data-clipboard-text="hi"' in out
    assert "onclick" not in out and "<img" not in out and "<script" not in out


def _convert(text: str, stash: bool) -> str:
    import markdown

    from kbtool.site.rawhtml import stash_extension

    extensions: list = ["attr_list", "admonition", "toc", "pymdownx.superfences"]
    if stash:
        extensions.append(stash_extension(lambda: True))
    return markdown.Markdown(extensions=extensions, extension_configs={"toc": {"permalink": True}}).convert(text)


def _body(markdown_text: str) -> str:
    return markdown_text.split("---\n", 2)[2] if markdown_text.startswith("---\n") else markdown_text


def test_stashed_raw_blocks_render_exactly_as_markdown_would(pages):
    """The fast path for raw HTML blocks changes no byte of any generated page."""
    for src, text in pages.items():
        assert _convert(_body(text), True) == _convert(_body(text), False), src


@pytest.mark.parametrize("text", [
    "<div>\n<p>a</p>\n\n<p>b</p>\n</div>\n\nAfter *this*.",           # a blank line inside a block
    "<div>a</div>\nText right after, *emphasised*.",                    # Markdown follows directly
    "<div>a</div> tail *x*\n\nmore",                                     # text after the end tag
    "Some text <span>open\n\n<div>x</div>",                              # inline HTML in Markdown
    "<span>inline</span> start\n\n<div>x</div>",                         # not a block-level start
    "<div>\n<!-- c -->\n</div>\n\n<div>*x*</div>",                      # a comment stops the fast path
    "<div title='a > b' data-x=\"`\">x<br>y</div>\n\n## H {#h}\n\n<p>z</p>",
    "<div>\n<script>1 < 2</script>\n</div>",
    "<div>unclosed\n\n## H\n\n<p>z</p>",
    "<hr>\n\n<p>x</p>",
    "<p>a</p>",
])
def test_stash_agrees_with_markdown_on_edge_cases(text):
    assert _convert(text, True) == _convert(text, False)


def test_mentors_guide_shows_kb_yaml_style_rules_once_escaped(tmp_path):
    from kbtool.assemble import load_knowledge_base
    from kbtool.site.pages import render_site

    root = write_kb(tmp_path, {"scripts_library/phrases/greetings.yaml": PHRASES},
                    kb_yaml="style:\n  phrases:\n    - text: \"<script>alert(1)</script> won't\"\n      why: x\n")
    page = {p.src_uri: p for p in render_site(load_knowledge_base(root))}["mentors/guide.md"].markdown
    assert "that&#39;s our policy" in page  # the built-in rule, escaped exactly once
    assert "&amp;#" not in page
    assert "<script>" not in page and "&#60;script&#62;" in page
    assert "| `kind` | yes |" in page  # the format reference is Markdown, not escaped text
