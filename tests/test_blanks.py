"""Declared blanks on every kind: checked as letters' are, asked for by espanso, filled by kbtool render."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kbtool.pipeline import check

PHRASES = """\
kind: phrases
id: delivery-delays
title: Delivery delays
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [email, chat]
situation: delivery-delay
variables:
  new_date:
    description: The new delivery date the courier confirmed.
    example: Friday 17 March
  gesture:
    description: What we offer for the wait, as a sentence.
    example: Delivery on your next order is free.
    required: false
phrases:
  - id: new-date
    say: "Sorry for the wait, {{ customer_name }}: your order now arrives on {{ new_date }}.{% if gesture %} {{ gesture }}{% endif %}"
    avoid:
      - "It'll come when it comes."
  - id: thanks
    say: Thanks for bearing with us, {{ company_name }} appreciates it.
"""

SCRIPT = """\
kind: script
id: late-delivery-call
title: Late delivery call
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [phone]
situation: delivery-delay
variables:
  order_number:
    description: The order number as the customer reads it out.
    example: FH-104233
steps:
  - id: open
    say: "You're through to {{ agent_name }}. Is this about order {{ order_number }}?"
  - id: apologise
    say: I'm sorry the order is late, {{ customer_name }}.
    note: Check {{ order_number }} in the order system while you talk.
    end: true
"""

KB_YAML = "variables:\n  company_name: Fernleaf Home\n"


@pytest.fixture
def root(kb_root):
    return kb_root({"scripts_library/phrases/delivery-delays.yaml": PHRASES,
                    "scripts_library/scripts/late-delivery-call.yaml": SCRIPT}, KB_YAML)


def problems(root: Path) -> list[tuple[str, int, str, str]]:
    return [(p.path, p.line, p.level.value, p.rule) for p in check(root).problems]


def test_declared_blanks_on_phrases_and_scripts_validate_clean(root):
    assert problems(root) == []


@pytest.mark.parametrize(("rel", "text", "old", "new", "line"), [
    ("scripts_library/phrases/delivery-delays.yaml", PHRASES, "{{ new_date }}", "{{ new_dat }}", 19),
    ("scripts_library/scripts/late-delivery-call.yaml", SCRIPT, "Check {{ order_number }}", "Check {{ order_no }}",
     18),
])
def test_an_undeclared_blank_is_an_error_at_its_line(kb_root, rel, text, old, new, line):
    root = kb_root({rel: text.replace(old, new)}, KB_YAML)
    found = [p for p in check(root).problems if p.rule == "undeclared-placeholder"]
    assert [(p.path, p.line, p.level.value) for p in found] == [(rel, line, "error")]
    assert "did you mean" in found[0].hint


def test_a_declared_blank_no_text_uses_is_a_warning(kb_root):
    text = SCRIPT.replace("Is this about order {{ order_number }}?", "How can I help?").replace(
        "Check {{ order_number }} in", "Check the order in")
    root = kb_root({"scripts_library/scripts/late-delivery-call.yaml": text}, KB_YAML)
    assert problems(root) == [("scripts_library/scripts/late-delivery-call.yaml", 10, "warning", "unused-variable")]


def test_a_blank_used_only_in_an_avoid_text_counts_as_used(kb_root):
    text = PHRASES.replace("It'll come when it comes.", "It'll come by {{ new_date }} or so.").replace(
        "arrives on {{ new_date }}", "arrives soon")
    root = kb_root({"scripts_library/phrases/delivery-delays.yaml": text}, KB_YAML)
    assert [p for p in check(root).problems if p.rule in ("unused-variable", "undeclared-placeholder")] == []


def test_espanso_asks_for_a_phrase_sets_blanks_as_form_fields(root, cli, tmp_path):
    out = tmp_path / "kbtool-blanks"
    result = cli("export", "espanso", "--root", str(root), "-o", str(out))
    assert result.code == 0, result.output
    package = out / "package.yml"
    matches = {m["trigger"]: m for m in yaml.safe_load(package.read_text(encoding="utf-8"))["matches"]}
    new_date = matches[":new-date"]
    assert "{{form1.new_date}}" in new_date["replace"] and "{{form1.customer_name}}" in new_date["replace"]
    layout = new_date["vars"][0]["params"]["layout"]
    assert "The new delivery date the courier confirmed (e.g. Friday 17 March)\n[[new_date]]" in layout
    assert "What we offer for the wait, as a sentence (e.g. Delivery on your next order is free.) (optional" \
        in layout
    # kb.yaml's values are filled in, never asked for.
    thanks = matches[":thanks"]
    assert thanks["replace"] == "Thanks for bearing with us, Fernleaf Home appreciates it." and "vars" not in thanks


def test_render_phrase_fills_its_blanks(root, cli):
    result = cli("render", "phrase", "delivery-delays", "new-date", "--root", str(root), "--var",
                 "customer_name=Ms Patel", "--var", "new_date=Friday 17 March")
    assert result.code == 0, result.output
    assert result.stdout == "Sorry for the wait, Ms Patel: your order now arrives on Friday 17 March.\n"
    result = cli("render", "phrase", "delivery-delays", "new-date", "--root", str(root), "--var",
                 "customer_name=Ms Patel", "--var", "new_date=Friday", "--var", "gesture=Delivery is on us.")
    assert result.stdout == "Sorry for the wait, Ms Patel: your order now arrives on Friday. Delivery is on us.\n"
    thanks = cli("render", "phrase", "delivery-delays", "thanks", "--root", str(root))
    assert thanks.stdout == "Thanks for bearing with us, Fernleaf Home appreciates it.\n"


def test_render_phrase_lists_every_missing_value_and_refuses_unknown_ones(root, cli):
    result = cli("render", "phrase", "delivery-delays", "new-date", "--root", str(root), "--var", "colour=red")
    assert result.code == 1
    assert "new_date: The new delivery date the courier confirmed. (e.g. Friday 17 March)" in result.stderr
    assert "customer_name: The customer's name" in result.stderr
    assert "unknown variable(s) for phrase set 'delivery-delays/new-date': colour" in result.stderr
    assert "gesture" not in result.stderr.split("missing")[1].split("unknown")[0]


def test_render_script_fills_every_step_with_one_set_of_values(root, cli, tmp_path):
    values = tmp_path / "case.yaml"
    values.write_text("customer_name: Ms Patel\norder_number: FH-104233\nagent_name: Sam\n", encoding="utf-8")
    result = cli("render", "script", "late-delivery-call", "--root", str(root), "--vars", str(values))
    assert result.code == 0, result.output
    assert result.stdout == ("[open] You're through to Sam. Is this about order FH-104233?\n\n"
                             "[apologise] I'm sorry the order is late, Ms Patel.\n")
    one = cli("render", "script", "late-delivery-call", "apologise", "--root", str(root),
              "--var", "customer_name=Ms Patel")
    assert one.code == 0 and one.stdout == "I'm sorry the order is late, Ms Patel.\n"


@pytest.mark.parametrize(("args", "message"), [
    (("phrase", "delivery-delays", "nope"), "'delivery-delays' has no item 'nope'"),
    (("phrase", "late-delivery-call", "open"), "'late-delivery-call' is a script, not a phrase set"),
    (("script", "delivery-delays"), "'delivery-delays' is a phrases, not a script"),
    (("script", "late-delivery-cal"), "no script with id 'late-delivery-cal'; did you mean"),
])
def test_render_names_what_it_cannot_find(root, cli, args, message):
    result = cli("render", *args, "--root", str(root))
    assert result.code == 1 and message in result.stderr
