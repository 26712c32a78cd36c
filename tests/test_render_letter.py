"""kbtool render letter and render_letter: values checked, every problem listed, the sandbox holds."""

from __future__ import annotations

import email
import email.policy

import pytest

from kbtool.assemble import load_knowledge_base
from kbtool.authoring.letters import LetterError, render_letter
from kbtool.model import KbConfig

LETTER = """\
kind: letter
id: delay
title: Delay apology
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [email]
situation: delivery-delay
subject: "Your order {{ order_number }} is late"
body: |
  Dear {{ customer_name }},

  Your order {{ order_number }} now arrives on {{ new_date }}.{% if gesture %} {{ gesture }}{% endif %}
  Call {{ support_phone }} with any questions.

  {{ agent_name }}, {{ company_name }}
variables:
  order_number:
    description: The order number as the customer sees it.
    example: FH-104233
  new_date:
    description: The confirmed new delivery date.
    example: Friday 17 March
  gesture:
    description: Anything we offer for the wait, as a sentence.
    example: Delivery on your next order is free.
    required: false
"""

SCRIPT = """\
kind: script
id: call
title: Call
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [phone]
situation: greeting
steps:
  - id: hello
    say: Hello.
"""

VALUES = ["--var", "customer_name=Ms Patel", "--var", "order_number=FH-1", "--var", "new_date=Friday",
          "--var", "agent_name=Sam"]


@pytest.fixture
def kb(kb_root):
    return kb_root({"scripts_library/letters/delay.yaml": LETTER, "scripts_library/scripts/call.yaml": SCRIPT})


def letter_of(root):
    kb = load_knowledge_base(root)
    return kb.by_id["delay"], kb.config


def test_renders_subject_and_body_with_kb_yaml_values(kb, cli):
    result = cli("render", "letter", "delay", "--root", str(kb), *VALUES)
    assert result.code == 0, result.output
    assert result.stdout.startswith("Subject: Your order FH-1 is late\n\nDear Ms Patel,\n")
    assert "now arrives on Friday." in result.stdout
    assert "Call +441234567890" in result.stdout and "Sam, Acme Homeware" in result.stdout


def test_optional_value_fills_its_conditional_block(kb, cli):
    result = cli("render", "letter", "delay", "--root", str(kb), *VALUES, "--var", "gesture=Next delivery is free.")
    assert "Friday. Next delivery is free." in result.stdout


def test_missing_required_values_are_listed_with_descriptions(kb, cli):
    result = cli("render", "letter", "delay", "--root", str(kb), "--var", "customer_name=Ms Patel")
    assert result.code == 1
    assert "order_number: The order number as the customer sees it. (e.g. FH-104233)" in result.stderr
    assert "new_date: The confirmed new delivery date." in result.stderr
    assert "agent_name: Your own first name." in result.stderr
    assert "gesture" not in result.stderr  # optional
    assert "Traceback" not in result.output


def test_unknown_variable_is_an_error(kb, cli):
    result = cli("render", "letter", "delay", "--root", str(kb), *VALUES, "--var", "order_numbr=FH-2")
    assert result.code == 1
    assert "unknown variable(s) for letter 'delay': order_numbr" in result.stderr


def test_library_error_lists_missing_and_unknown(kb):
    letter, config = letter_of(kb)
    with pytest.raises(LetterError) as caught:
        render_letter(letter, {"customer_name": "A", "colour": "red"}, config)
    assert [m[0] for m in caught.value.missing] == ["order_number", "new_date", "agent_name"]
    assert caught.value.unknown == ["colour"]


def test_values_are_data_not_templates(kb):
    letter, config = letter_of(kb)
    values = {"customer_name": "{{ ''.__class__.__mro__ }}", "order_number": "{% for x in y %}",
              "new_date": "Friday", "agent_name": "Sam"}
    rendered = render_letter(letter, values, config)
    assert "Dear {{ ''.__class__.__mro__ }}," in rendered.body
    assert rendered.subject == "Your order {% for x in y %} is late"


@pytest.mark.parametrize("payload", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ customer_name.__class__ }}",
    "{% for c in [1,2] %}x{% endfor %}",
    "{{ 'a' * 10 }}",
    "{{ lipsum.__globals__ }}",
])
def test_sandbox_escape_attempts_in_the_template_are_refused(kb_root, payload):
    root = kb_root({"scripts_library/letters/delay.yaml": LETTER.replace("Dear {{ customer_name }},", payload)})
    letter, config = letter_of(root)
    values = {"customer_name": "A", "order_number": "1", "new_date": "Friday", "agent_name": "Sam"}
    with pytest.raises(LetterError) as caught:
        render_letter(letter, values, config)
    assert "cannot be filled" in str(caught.value) or "neither the letter nor kb.yaml" in str(caught.value)
    assert "<class" not in str(caught.value)


def test_sandbox_escape_via_cli_is_a_clean_error(kb_root, cli):
    root = kb_root({"scripts_library/letters/delay.yaml": LETTER.replace(
        "Dear {{ customer_name }},", "{{ ''.__class__.__mro__ }}")})
    result = cli("render", "letter", "delay", "--root", str(root), *VALUES)
    assert result.code == 1
    assert "not allowed" in result.stderr and "<class" not in result.output


def test_vars_file_and_var_override(kb, cli, tmp_path):
    values = tmp_path / "case.yaml"
    values.write_text("customer_name: Mr Jones\norder_number: 'FH-9'\nnew_date: Monday\nagent_name: Ana\n")
    result = cli("render", "letter", "delay", "--root", str(kb), "--vars", str(values), "--var", "new_date=Tuesday")
    assert result.code == 0 and "Dear Mr Jones," in result.stdout and "arrives on Tuesday." in result.stdout


def test_vars_file_keeps_values_as_written(kb, cli, tmp_path):
    values = tmp_path / "case.yaml"
    values.write_text("customer_name: no\norder_number: 012\nnew_date: 2027-01-01\nagent_name: Ana\n")
    result = cli("render", "letter", "delay", "--root", str(kb), "--vars", str(values))
    assert "Dear no," in result.stdout and "order 012 now arrives on 2027-01-01" in result.stdout


@pytest.mark.parametrize("text,where", [
    ("customer_name: [a, b]\n", ":1:"),
    ("order_number: FH-1\ncustomer_name:\n  first: A\n", ":3:"),
    ("- just\n- a list\n", ":1:"),
    ("a: 1\na: 2\n", ":2:"),
    ("a: &x 1\nb: *x\n", ":1:"),
])
def test_bad_vars_file_names_file_and_line(kb, cli, tmp_path, text, where):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = cli("render", "letter", "delay", "--root", str(kb), "--vars", str(path))
    assert result.code == 1
    assert f"{path}{where}" in result.stderr
    assert "Traceback" not in result.output


def test_missing_vars_file(kb, cli, tmp_path):
    result = cli("render", "letter", "delay", "--root", str(kb), "--vars", str(tmp_path / "nope.yaml"))
    assert result.code == 1 and "no such file" in result.stderr


def test_unknown_letter_id_suggests_the_closest(kb, cli):
    result = cli("render", "letter", "dealy", "--root", str(kb))
    assert result.code == 1 and "no letter with id 'dealy'; did you mean 'delay'?" in result.stderr


def test_not_a_letter(kb, cli):
    result = cli("render", "letter", "call", "--root", str(kb))
    assert result.code == 1 and "'call' is a script, not a letter" in result.stderr


def test_bad_var_syntax_is_a_usage_error(kb, cli):
    assert cli("render", "letter", "delay", "--root", str(kb), "--var", "novalue").code == 2


def test_eml_output(kb, cli, tmp_path):
    out = tmp_path / "reply.eml"
    result = cli("render", "letter", "delay", "--root", str(kb), *VALUES, "--eml", str(out), "--to", "p@example.com")
    assert result.code == 0 and "Wrote" in result.stderr and result.stdout == ""
    message = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Your order FH-1 is late"
    assert message["To"] == "p@example.com"
    assert "Dear Ms Patel," in message.get_content()


def test_prompts_for_missing_values_on_a_terminal(kb, cli, monkeypatch):
    monkeypatch.setattr("kbtool.cli.commands.render.interactive", lambda: True)
    result = cli("render", "letter", "delay", "--root", str(kb), "--var", "customer_name=Ms Patel",
                 input="FH-77\nSaturday\nSam\n")
    assert result.code == 0, result.output
    assert "order_number: The order number as the customer sees it." in result.stderr
    assert "e.g. FH-104233" in result.stderr
    assert "Your order FH-77 is late" in result.stdout and "arrives on Saturday." in result.stdout


def test_no_input_never_prompts(kb, cli, monkeypatch):
    monkeypatch.setattr("kbtool.cli.commands.render.interactive", lambda: True)
    result = cli("render", "letter", "delay", "--root", str(kb), "--no-input")
    assert result.code == 1 and "missing required value(s)" in result.stderr


def test_every_bundled_letter_renders_with_its_examples():
    from kbtool.format.vocab import BUILTIN_VARIABLE_EXAMPLES
    from tests.conftest import REPO

    kb = load_knowledge_base(REPO)
    letters = [e for e in kb.entries if e.kind == "letter"]
    assert letters
    for letter in letters:
        values = {name: var.example for name, var in letter.variables.items()}
        values.update(BUILTIN_VARIABLE_EXAMPLES)
        rendered = render_letter(letter, values, kb.config)
        assert "{{" not in rendered.body and "{%" not in rendered.body, letter.id
        assert rendered.subject.strip(), letter.id


def test_kb_config_defaults_are_enough(kb):
    letter, _ = letter_of(kb)
    with pytest.raises(LetterError) as caught:
        render_letter(letter, {"customer_name": "A", "order_number": "1", "new_date": "F", "agent_name": "S"},
                      KbConfig())
    assert "support_phone" in str(caught.value)
