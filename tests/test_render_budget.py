"""One budget for filled text: every render path counts what it produces, and validate reports
templates that kb.yaml's values would blow up, at their line."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from kbtool.templating import (
    MAX_ENTRY_OUTPUT_CHARS,
    MAX_OUTPUT_CHARS,
    Budget,
    OutputTooLarge,
    RenderError,
    expanded_size,
    render,
    render_lenient,
)
from tests.test_validate import GOOD

BLOB = "x" * 10_000
PLAIN = "{{ blob }} " * 1_000                       # 10 MB once filled
JINJA = "{% if blob %}{{ blob | upper }}{% endif %} " * 1_000


def _peak_bytes(func) -> int:
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
@pytest.mark.parametrize("text", [PLAIN, JINJA], ids=["plain", "jinja"])
def test_render_refuses_before_building_the_text(text):
    def attempt():
        with pytest.raises(OutputTooLarge, match="the limit is 100,000"):
            render(text, {"blob": BLOB})

    def small():
        render(text, {"blob": "x"})

    # Refused while counting: memory is what parsing the template takes (the same for a one-letter
    # value), never anywhere near the 10 MB the text would fill to.
    small()
    assert _peak_bytes(attempt) < _peak_bytes(small) + 1_000_000


@pytest.mark.parametrize("text", [PLAIN, JINJA], ids=["plain", "jinja"])
def test_render_lenient_is_bounded_and_keeps_the_text_as_written(text):
    out = render_lenient(text, {"blob": BLOB})
    assert out == text
    assert len(render_lenient("{{ blob }}", {"blob": BLOB})) == len(BLOB)


def test_a_shared_budget_bounds_many_texts_together():
    budget = Budget(25_000)
    assert render("{{ blob }}", {"blob": BLOB}, budget) == BLOB
    assert render("{{ blob }}", {"blob": BLOB}, budget) == BLOB
    with pytest.raises(RenderError):
        render("{{ blob }}", {"blob": BLOB}, budget)
    # Lenient renders leave the text as written once the budget is spent.
    assert render_lenient("{{ blob }}", {"blob": BLOB}, budget) == "{{ blob }}"


def test_expanded_size_counts_without_building():
    assert expanded_size("a {{ x }} b {{ unknown }}", {"x": "12345"}) == len("a 12345 b {{ unknown }}")
    assert expanded_size(PLAIN, {"blob": BLOB}) == MAX_OUTPUT_CHARS + 1
    assert expanded_size(JINJA, {"blob": BLOB}, 50_000) == 50_001
    # With if/else and filters the quick answer is an upper bound; `exact` renders, counting.
    conditional = "{% if x %}{{ x | upper }}{% endif %}"
    assert expanded_size(conditional, {"x": "abc"}, exact=True) == 3
    assert expanded_size(conditional, {"x": "abc"}) >= 3


def _phrases(say: str, count: int = 1) -> str:
    phrases = "".join(f"  - id: p{i}\n    say: \"{say}\"\n" for i in range(count))
    return ("kind: phrases\nid: big\ntitle: Big\nowner: Sam\nstatus: approved\nreview_by: \"2030-01-01\"\n"
            "channels: [phone]\nsituation: greeting\nphrases:\n" + phrases)


def test_validate_reports_the_expansion_at_its_line(cli, kb_root):
    files = {**GOOD, "scripts_library/phrases/big.yaml": _phrases(PLAIN)}
    root = kb_root(files, kb_yaml=f"variables:\n  company_name: Acme\n  support_phone: '0800'\n  blob: {BLOB}\n")
    run = cli("validate", "--root", str(root), "--format", "json")
    assert run.code == 1
    found = [p for p in json.loads(run.stdout) if p["rule"] == "template-too-large"]
    assert [(p["path"], p["line"]) for p in found] == [("scripts_library/phrases/big.yaml", 11)]
    assert "'blob' is 10,000 characters" in found[0]["hint"]


def test_many_texts_adding_up_are_reported_once_for_the_entry(cli, kb_root):
    # Each text fills to 90,000 characters (under the per-text limit); together they pass the entry's.
    count = MAX_ENTRY_OUTPUT_CHARS // 90_000 + 2
    files = {**GOOD, "scripts_library/phrases/big.yaml": _phrases("{{ blob }}" * 9, count)}
    root = kb_root(files, kb_yaml=f"variables:\n  company_name: Acme\n  support_phone: '0800'\n  blob: {BLOB}\n")
    found = [p for p in json.loads(cli("validate", "--root", str(root), "--format", "json").stdout)
             if p["rule"] == "template-too-large"]
    assert len(found) == 1 and "entry's texts" in found[0]["message"]


def test_letter_example_values_count_too(cli, kb_root):
    letter = GOOD["scripts_library/letters/delay.yaml"].replace("example: Friday", f"example: {BLOB}").replace(
        "{{ new_date }}.", "{{ new_date }}. " + "{{ new_date }}" * 20)
    root = kb_root({**GOOD, "scripts_library/letters/delay.yaml": letter})
    found = [p for p in json.loads(cli("validate", "--root", str(root), "--format", "json").stdout)
             if p["rule"] == "template-too-large"]
    assert [p["line"] for p in found] == [10]


def test_search_documents_stay_bounded_when_validation_fails(kb_root):
    from kbtool.assemble import load_knowledge_base
    from kbtool.publish.documents import documents
    from kbtool.publish.urls import SiteAddress

    files = {**GOOD, "scripts_library/phrases/big.yaml": _phrases(PLAIN)}
    root = kb_root(files, kb_yaml=f"variables:\n  blob: {BLOB}\n")
    docs = documents(load_knowledge_base(root), SiteAddress())
    assert max(len(d.say) for d in docs) <= MAX_OUTPUT_CHARS
