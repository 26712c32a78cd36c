"""kbtool import: each source's sample export becomes draft phrase sets that validate clean; bad
input is FILE:LINE with nothing written; nothing existing is ever replaced."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kbtool.imports import common
from kbtool.imports.helpdesk_text import convert_placeholders, html_to_text, slugify
from kbtool.pipeline import check
from tests.conftest import KB_YAML, PHRASES, write_kb

FIXTURES = Path(__file__).resolve().parent / "import_fixtures"
SAMPLES = [
    ("zendesk", "zendesk_macros.json"),
    ("freshdesk", "freshdesk_canned_responses.json"),
    ("freshdesk", "freshdesk_folder_responses.json"),
    ("github", "github_replies.yml"),
    ("csv", "replies.csv"),
    ("csv", "replies_semicolon.csv"),
]
PHRASES_DIR = Path("scripts_library/phrases")


def run_import(cli, root: Path, source: str, name: str, *extra: str):
    return cli("import", source, str(FIXTURES / name), "--root", str(root), "--owner", "Ann Lee", *extra)


def created(root: Path) -> dict[str, dict]:
    folder = root / PHRASES_DIR
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml"))}


def says(root: Path) -> list[str]:
    return [p["say"] for doc in created(root).values() for p in doc["phrases"]]


@pytest.mark.parametrize(("source", "name"), SAMPLES)
def test_every_sample_becomes_drafts_that_validate_clean_and_render_as_pages(cli, tmp_path, source, name):
    from kbtool.site.pages import SiteRenderer

    result = run_import(cli, tmp_path, source, name)
    assert result.code == 0, result.output
    docs = created(tmp_path)
    assert docs
    printed = [line for line in result.stdout.splitlines() if line]
    assert sorted(printed) == sorted(f"{PHRASES_DIR.as_posix()}/{stem}.yaml" for stem in docs)
    checked = check(tmp_path)
    assert checked.problems == [], checked.problems
    for doc in docs.values():
        assert doc["status"] == "draft" and doc["owner"] == "Ann Lee" and doc["review_by"]
        assert doc["situation"] and doc["channels"]
    for text in says(tmp_path):
        assert "ticket." not in text and "<p>" not in text and "<div>" not in text
    # The imported entries render as site pages (the Markdown the site is built from).
    pages = SiteRenderer(checked.kb).pages()
    assert {e.id for e in checked.kb.entries} <= {p.entry.id for p in pages if p.entry is not None}


def test_zendesk_macros_map_placeholders_html_categories_and_skip_what_is_no_reply(cli, tmp_path):
    result = run_import(cli, tmp_path, "zendesk", "zendesk_macros.json")
    assert result.code == 0
    docs = created(tmp_path)
    assert set(docs) == {"returns", "versand", "zendesk-replies"}
    returns = docs["returns"]
    refund = returns["phrases"][0]
    assert refund["id"] == "refund-approved" and refund["keywords"] == ["Refund approved"]
    assert refund["say"].startswith("Hi {{ customer_name }},\n\nYour refund for ticket #{{ ticket_number }}")
    assert "our refunds page (https://fernleaf-home.example/refunds)" in refund["say"]
    assert refund["say"].endswith("Kind regards,\n{{ agent_name }}")
    # Scripts and comments were never shown to a customer: their content is gone.
    assert "cookie" not in refund["say"] and "check the amount" not in refund["say"]
    assert returns["variables"]["ticket_number"]["description"]
    # A Liquid condition on one value survives as kbtool's, and its blank becomes optional.
    label = returns["phrases"][1]["say"]
    assert "{% if customer_company %}We have noted this for {{ customer_company }}.{% endif %}" in label
    assert returns["variables"]["customer_company"]["required"] is False
    assert "ticket_field_360012345" in returns["variables"]
    # Two languages: the German category and titles make ASCII ids; umlauts stay in the text.
    versand = docs["versand"]
    assert [p["id"] for p in versand["phrases"]] == ["lieferung-verspatet", "lieferung-verspatet-2"]
    assert "Viele Grüße\n{{ agent_name }}" in versand["phrases"][0]["say"]
    assert "{{ customer_last_name }}" in versand["phrases"][0]["say"]
    # "Hello" and "hello" do not collide.
    assert [p["id"] for p in docs["zendesk-replies"]["phrases"]] == ["hello", "hello-2"]
    assert "{{ customer_name | capitalize }}" in docs["zendesk-replies"]["phrases"][0]["say"]
    assert "'Close and tag as spam' has no reply text" in result.stderr
    assert "'Old holiday notice' is inactive" in result.stderr
    assert "zendesk_macros.json:25: 'Return label sent': {{ticket.ticket_field_360012345}} has no kbtool" \
        in result.stderr


def test_freshdesk_folders_name_the_sets_and_a_folder_named_like_a_situation_files_there(cli, tmp_path):
    assert run_import(cli, tmp_path, "freshdesk", "freshdesk_canned_responses.json").code == 0
    docs = created(tmp_path)
    assert set(docs) == {"refunds", "ruckerstattungen", "personal"}
    assert docs["refunds"]["situation"] == "refund"
    assert docs["ruckerstattungen"]["title"] == "Rückerstattungen"
    assert "TODO" not in docs["refunds"]["phrases"][1]["say"]
    # helpdesk_name is the company's name: declared here, as this knowledge base has no kb.yaml.
    assert "company_name" in docs["refunds"]["variables"]
    assert "color" not in docs["personal"]["phrases"][0]["say"]


def test_kb_yaml_values_are_used_not_declared(cli, tmp_path):
    write_kb(tmp_path, {}, KB_YAML)
    assert run_import(cli, tmp_path, "freshdesk", "freshdesk_canned_responses.json").code == 0
    refunds = created(tmp_path)["refunds"]
    assert "company_name" not in refunds["variables"]
    assert "{{ company_name }}" in refunds["phrases"][0]["say"]
    assert check(tmp_path).errors == []


def test_github_replies_drop_comments_and_sections(cli, tmp_path):
    result = run_import(cli, tmp_path, "github", "github_replies.yml", "--channel", "social")
    assert result.code == 0
    docs = created(tmp_path)
    replies = docs["github-replies"]
    assert [p["id"] for p in replies["phrases"]] == ["needs-reproduction", "duplicate", "duplicate-2"]
    assert replies["phrases"][0]["say"].startswith("Thanks for the report, @{{ customer_name }}!")
    assert "Use when" not in replies["phrases"][0]["say"]
    assert "{{#" not in replies["phrases"][2]["say"] and "section tag {{#labels}}" in result.stderr
    assert docs["releases"]["channels"] == ["social"]


def test_csv_columns_group_by_situation_with_channels_and_keywords(cli, tmp_path):
    assert run_import(cli, tmp_path, "csv", "replies.csv").code == 0
    docs = created(tmp_path)
    assert set(docs) == {"greeting", "refund", "csv-replies"}
    greeting = docs["greeting"]
    assert greeting["channels"] == ["chat"]
    assert [p["id"] for p in greeting["phrases"]] == ["greeting-on-chat", "greeting-on-chat-2"]
    assert greeting["phrases"][0]["keywords"] == ["Greeting on chat", "hello", "hi there"]
    refund = docs["refund"]
    assert refund["channels"] == ["email", "chat"]
    assert refund["phrases"][0]["say"] == ("Hello {{ customer_name }},\n\nyour refund of {{ ticket_field_123 }} "
                                           "is on its way.\n\n{{ agent_name }}")
    assert refund["phrases"][1]["keywords"] == ["Erstattung unterwegs", "Erstattung", "Geld zurück"]
    assert docs["csv-replies"]["situation"] == "follow-up"


def test_csv_saved_by_a_european_spreadsheet(cli, tmp_path):
    assert run_import(cli, tmp_path, "csv", "replies_semicolon.csv").code == 0
    delay = created(tmp_path)["delivery-delay"]
    assert delay["channels"] == ["email", "phone"]
    assert delay["phrases"][0]["say"] == ("Hallo {{ customer_name }}, Ihre Lieferung verspätet sich; "
                                          "wir melden uns.")


@pytest.mark.parametrize(("source", "name", "expected"), [
    ("zendesk", "zendesk_broken.json", ["zendesk_broken.json:6: not valid JSON: Expecting ',' delimiter"]),
    ("zendesk", "zendesk_wrong_shape.json", ["zendesk_wrong_shape.json:4: the actions of 'Missing actions list'",
                                             "zendesk_wrong_shape.json:5: macro 3 has no title"]),
    ("freshdesk", "zendesk_macros.json", ["zendesk_macros.json:1: this is not a Freshdesk canned responses"]),
    ("github", "github_broken.yml", ["github_broken.yml:6: YAML syntax error"]),
    ("csv", "replies_bad_rows.csv", ["replies_bad_rows.csv:3: unknown channel 'telegram'",
                                     "replies_bad_rows.csv:4: 'No text' has no text"]),
    ("csv", "replies_unclosed.csv", ["replies_unclosed.csv:2: this row cannot be read"]),
    ("csv", "replies_wrong_header.csv", ["replies_wrong_header.csv:1: the header has no 'title' or 'text' column"]),
])
def test_bad_input_is_file_line_with_a_hint_and_nothing_is_written(cli, tmp_path, source, name, expected):
    result = run_import(cli, tmp_path, source, name)
    assert result.code == 1
    for text in expected:
        assert f"{FIXTURES / text}" in result.stderr or text in result.stderr, result.stderr
    assert "  hint: " in result.stderr
    assert "nothing imported" in result.stderr
    assert not any(tmp_path.rglob("*.yaml"))


def test_unknown_situation_in_a_csv_names_the_line_and_suggests(cli, tmp_path):
    (tmp_path / "r.csv").write_text("title,text,situation\nA,Text,refunds\n", encoding="utf-8")
    result = cli("import", "csv", str(tmp_path / "r.csv"), "--root", str(tmp_path))
    assert result.code == 1
    assert "r.csv:2: unknown situation 'refunds'" in result.stderr and "refund" in result.stderr


def test_hostile_input_html_scripts_template_code_and_control_characters(cli, tmp_path):
    hostile = ('{"macros": [{"id": 1, "title": "Evil\\u001b[2J", "actions": [{"field": "comment_value_html", '
               '"value": "<p>Hi {{ticket.requester.first_name}}</p><script>{{ \'\'.__class__ }}</script>'
               '<p>{{ \'\'.__class__.__mro__ }} {% for x in y %}loop{% endfor %} \\u202eevil\\u0007</p>'
               '<p><a href=\\"javascript:alert(1)\\">click</a></p>"}]}]}')
    (tmp_path / "hostile.json").write_text(hostile, encoding="utf-8")
    result = cli("import", "zendesk", str(tmp_path / "hostile.json"), "--root", str(tmp_path))
    assert result.code == 0, result.output
    assert "\x1b" not in result.output
    assert check(tmp_path).errors == []
    (doc,) = created(tmp_path).values()
    say = doc["phrases"][0]["say"]
    assert "__class__" not in say and "javascript" not in say and "\u202e" not in say and "\x07" not in say
    assert say.startswith("Hi {{ customer_name }}")


def test_huge_file_is_refused_before_reading_it_all(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(common, "MAX_INPUT_BYTES", 1000)
    (tmp_path / "big.csv").write_text("title,text\n" + "A,B\n" * 1000, encoding="utf-8")
    result = cli("import", "csv", str(tmp_path / "big.csv"), "--root", str(tmp_path))
    assert result.code == 1 and "big.csv:1: the file is" in result.stderr and "limit is 1,000" in result.stderr


def test_dry_run_writes_nothing_and_prints_the_plan(cli, tmp_path):
    result = run_import(cli, tmp_path, "zendesk", "zendesk_macros.json", "--dry-run")
    assert result.code == 0
    assert "Would create 3 phrase sets with 6 phrases from 6 Zendesk replies" in result.stderr
    assert "scripts_library/phrases/returns.yaml" in result.stdout
    assert not (tmp_path / "scripts_library").exists()


def test_ids_are_stable_across_runs_and_folders(cli, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for root in (first, second):
        root.mkdir()
        assert run_import(cli, root, "zendesk", "zendesk_macros.json").code == 0
    for path in (first / PHRASES_DIR).glob("*.yaml"):
        assert path.read_text(encoding="utf-8") == (second / PHRASES_DIR / path.name).read_text(encoding="utf-8")


def test_rerun_leaves_a_mentors_edits_intact(cli, tmp_path):
    assert run_import(cli, tmp_path, "zendesk", "zendesk_macros.json").code == 0
    edited = tmp_path / PHRASES_DIR / "returns.yaml"
    text = edited.read_text(encoding="utf-8").replace("status: draft", "status: approved")
    edited.write_text(text, encoding="utf-8")
    before = {p: p.read_text(encoding="utf-8") for p in (tmp_path / PHRASES_DIR).glob("*.yaml")}
    again = run_import(cli, tmp_path, "zendesk", "zendesk_macros.json")
    assert again.code == 0
    assert again.stdout == ""
    assert "skipped scripts_library/phrases/returns.yaml" in again.stderr
    assert "Created 0 phrase sets" in again.stderr
    assert {p: p.read_text(encoding="utf-8") for p in (tmp_path / PHRASES_DIR).glob("*.yaml")} == before


def test_a_taken_id_gets_a_number_and_the_existing_entry_is_untouched(cli, tmp_path):
    existing = PHRASES.replace("id: greetings", "id: refunds").replace("title: Greetings", "title: Refunds")
    write_kb(tmp_path, {"scripts_library/phrases/refunds.yaml": existing}, KB_YAML)
    result = run_import(cli, tmp_path, "freshdesk", "freshdesk_canned_responses.json")
    assert result.code == 0
    assert "scripts_library/phrases/refunds-2.yaml" in result.stdout.splitlines()
    assert (tmp_path / PHRASES_DIR / "refunds.yaml").read_text(encoding="utf-8") == existing
    assert created(tmp_path)["refunds-2"]["id"] == "refunds-2"
    assert check(tmp_path).errors == []


def test_a_file_created_meanwhile_is_not_replaced(tmp_path):
    target = tmp_path / "x.yaml"
    target.write_text("mine\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        common.write_new(target, "theirs\n")
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.yaml"]


def test_options_are_checked_before_anything_is_read(cli, tmp_path):
    bad = cli("import", "csv", str(FIXTURES / "replies.csv"), "--root", str(tmp_path), "--channel", "fax")
    assert bad.code == 2 and "unknown channel 'fax'" in bad.output
    bad = cli("import", "csv", str(FIXTURES / "replies.csv"), "--root", str(tmp_path), "--situation", "refunds")
    assert bad.code == 2 and "refund" in bad.output
    assert cli("import", "intercom", "x.json").code == 2


def test_html_to_text_paragraphs_lists_links_and_entities():
    text, removed = html_to_text('<div>A &amp; B</div><div><br></div><ol><li>one</li><li>two</li></ol>'
                                 '<p>See <a href="mailto:help@example.com">help@example.com</a></p>'
                                 '<style>x{}</style><!-- hidden -->')
    assert text == "A & B\n\n- one\n- two\n\nSee help@example.com"
    assert removed == {"style"}


def test_placeholder_mapping():
    converted = convert_placeholders("{{ticket.requester.firstname}} {{ ticket.customer.lastname }} "
                                     "{{current_user.name | upcase}} {{ticket.requester.email | escape}}",
                                     "Zendesk", set())
    assert converted.text == ("{{ customer_name }} {{ customer_last_name }} {{ agent_name | upper }} "
                              "{{ customer_email }}")
    assert set(converted.blanks) == {"customer_last_name", "customer_email"}
    assert any("escape" in note for note in converted.notes)


def test_slugs():
    assert slugify("Hello", "x") == slugify("hello", "x") == "hello"
    assert slugify("Straße & Größe", "x") == "strasse-and-grosse"
    assert slugify("返金", "reply") == "reply"


def test_liquid_conditions_on_one_value_become_kbtool_conditions():
    converted = convert_placeholders("A{% unless ticket.requester.email %} no mail{% else %} mail{% endunless %}.",
                                     "Zendesk", set())
    assert converted.text == "A{% if not customer_email %} no mail{% else %} mail{% endif %}."
    assert converted.optional == {"customer_email"}
    # A condition kbtool cannot express takes its partner tags with it, so the text stays valid.
    mixed = convert_placeholders("{% if ticket.x == 'a' %}A{% else %}B{% endif %}", "Zendesk", set())
    assert mixed.text == "AB" and len(mixed.notes) == 3


@pytest.mark.parametrize(("desk", "name"), [("zendesk", "zendesk_macros.json"),
                                            ("freshdesk", "freshdesk_canned_responses.json")])
def test_round_trip_import_of_an_export_gives_back_the_same_texts(cli, tmp_path, desk, name):
    import json

    from kbtool.imports.payloads import payloads

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    assert run_import(cli, first, desk, name).code == 0
    exported = payloads(check(first).kb, desk)
    assert exported and all(p.notes == [] for p in exported)
    if desk == "zendesk":
        document: object = {"macros": [p.body["macro"] for p in exported]}
        assert "{{ticket.requester.first_name}}" in json.dumps(document)
    else:
        document = [p.body for p in exported]
        assert all(p.body["content_html"].startswith("<p>") for p in exported)
    (tmp_path / "export.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = cli("import", desk, str(tmp_path / "export.json"), "--root", str(second), "--owner", "Ann Lee")
    assert result.code == 0, result.output
    assert says(second) == says(first)

    def without_summary(root: Path) -> dict[str, dict]:
        # A reply without a category comes back in the category its set's title made.
        return {stem: {k: v for k, v in doc.items() if k != "summary"} for stem, doc in created(root).items()}

    assert without_summary(second) == without_summary(first)
    assert check(second).problems == []


def test_export_fills_kb_values_and_names_blanks_the_desk_cannot_hold(kb_root):
    from kbtool.imports.payloads import payloads

    text = PHRASES.replace("say: Good morning", "say: Your code is {{ voucher }}. Good morning").replace(
        "phrases:\n", "variables:\n  voucher:\n    description: The voucher code.\n    example: SORRY10\nphrases:\n")
    root = kb_root({"scripts_library/phrases/greetings.yaml": text})
    (payload,) = payloads(check(root).kb, "zendesk")
    value = payload.body["macro"]["actions"][0]["value"]
    assert value == ("Your code is {{voucher}}. Good morning, you're through to {{current_user.first_name}} "
                     "at Acme Homeware.")
    assert payload.body["macro"]["title"] == "Greetings::Hello"
    assert payload.notes == ["'voucher' has no zendesk placeholder: replace {{voucher}} in zendesk by hand"]


@pytest.mark.parametrize(("desk", "name"), [("zendesk", "zendesk_macros.json"),
                                            ("freshdesk", "freshdesk_canned_responses.json")])
def test_export_command_writes_json_lines_the_import_takes_back(cli, tmp_path, desk, name):
    import json

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    assert run_import(cli, first, desk, name).code == 0
    out = tmp_path / f"{desk}.jsonl"
    run = cli("export", desk, "--root", str(first), "-o", str(out))
    assert run.code == 0, run.output
    bodies = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert bodies and all(("macro" in b) if desk == "zendesk" else ("content_html" in b) for b in bodies)
    document: object = {"macros": [b["macro"] for b in bodies]} if desk == "zendesk" else bodies
    (tmp_path / "back.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert cli("import", desk, str(tmp_path / "back.json"), "--root", str(second), "--owner", "Ann Lee").code == 0
    assert says(second) == says(first)
    # Writing again replaces kbtool's own export; a file kbtool did not write needs --force.
    assert cli("export", desk, "--root", str(first), "-o", str(out)).code == 0
    foreign = tmp_path / "notes.jsonl"
    foreign.write_text("my notes\n", encoding="utf-8")
    refused = cli("export", desk, "--root", str(first), "-o", str(foreign))
    assert refused.code == 1 and "--force" in refused.output
    assert foreign.read_text(encoding="utf-8") == "my notes\n"
