"""`kbtool export json`: one versioned file that validates against its committed JSON Schema and
carries the YAML's text as data."""

from __future__ import annotations

import json

import jsonschema
import pytest

from kbtool import __version__
from kbtool.assemble import load_knowledge_base
from kbtool.exports.json_export import FORMAT, VERSION, export_document, export_json_schema, export_text, schema_text
from tests.conftest import REPO
from tests.export_fixtures import FILES, KB_YAML

VALIDATOR = jsonschema.Draft202012Validator(export_json_schema())


def schema_errors(document: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]


@pytest.fixture
def root(kb_root):
    return kb_root(FILES, KB_YAML)


@pytest.fixture
def exported(root, cli):
    run = cli("export", "json", "--root", str(root))
    assert run.code == 0, run.output
    return run.stdout


def test_schema_is_a_valid_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(export_json_schema())


def test_committed_schema_equals_the_generated_one():
    # Regenerate with: kbtool export json --schema -o schema/export.schema.json
    assert (REPO / "schema" / "export.schema.json").read_text(encoding="utf-8") == schema_text()


def test_output_validates_against_the_schema(exported):
    assert schema_errors(json.loads(exported)) == []


def test_header_fields(exported):
    doc = json.loads(exported)
    assert doc["format"] == FORMAT == "kbtool-export" and doc["version"] == VERSION == 1
    assert doc["generated_by"] == f"kbtool {__version__}"
    assert doc["knowledge_base"] == {"name": "Acme Homeware service standards",
                                     "site_url": "https://kb.acme.example/"}
    assert doc["variables"]["kb"]["company_name"] == "Acme Homeware"
    assert set(doc["variables"]["builtin"]) == {"customer_name", "agent_name"}


def test_published_entries_only_with_status(exported):
    entries = {e["id"]: e for e in json.loads(exported)["entries"]}
    assert set(entries) == {"greetings", "closing", "delay-apology"}  # the retired set is left out
    assert entries["closing"]["status"] == "draft" and entries["greetings"]["status"] == "approved"


def test_every_field_and_item_anchors(exported):
    entries = {e["id"]: e for e in json.loads(exported)["entries"]}
    greetings = entries["greetings"]
    assert greetings["source"] == "scripts_library/phrases/greetings.yaml"
    # No mkdocs.yml: kbtool's built-in site uses file URLs, and the export links to what it builds.
    assert greetings["page"] == "phrases/greetings.html"
    assert greetings["url"] == "https://kb.acme.example/phrases/greetings.html"
    assert greetings["review_by"] == "2030-01-01" and greetings["channels"] == ["phone", "chat"]
    hello = greetings["phrases"][0]
    assert hello == {"id": "hello", "anchor": "hello", "url": "https://kb.acme.example/phrases/greetings.html#hello",
                     "keywords": [], "customer_says": [],
                     "say": "Good morning, you're through to {{ agent_name }} at {{ company_name }}.",
                     "avoid": ["Yeah, what is it?"],
                     "why": "A full greeting tells the caller they reached the right place."}
    letter = entries["delay-apology"]
    assert letter["subject"] == "Your order {{ order_number }} is running late"
    assert letter["variables"]["voucher"] == {"description": "A voucher code", "example": "SORRY10",
                                              "required": False}
    assert letter["placeholders"] == ["order_number", "customer_name", "new_date", "voucher", "agent_name",
                                      "company_name"]
    assert letter["uses_conditions"] is True and greetings["uses_conditions"] is False


def test_text_is_carried_as_data(exported):
    doc = json.loads(exported)
    greetings = next(e for e in doc["entries"] if e["id"] == "greetings")
    markup = next(p for p in greetings["phrases"] if p["id"] == "markup")
    # Exactly as in the YAML: no HTML escaping, no Markdown rendering, placeholders unfilled.
    assert markup["say"] == "<b>Tom & Jerry</b> say [[hi]] and **bold** {{ odd_value }}"
    assert "<b>Tom & Jerry</b>" in exported and "&lt;" not in exported and "&amp;" not in exported
    assert "\\u003c" not in exported
    assert doc["variables"]["kb"]["odd_value"] == "{{ not_a_var }} [[not_a_field]] {{{ three }}}"


def test_unicode_is_written_as_utf8(kb_root, cli):
    text = FILES["scripts_library/phrases/closing.yaml"].replace(
        "Thanks for your time today.", "Merci, שלום, e\u0301 \U0001F44D")
    root = kb_root({"scripts_library/phrases/closing.yaml": text}, KB_YAML)
    run = cli("export", "json", "--root", str(root))
    assert run.code == 0
    assert "Merci, שלום, e\u0301 \U0001F44D" in run.stdout


def test_output_is_deterministic(root):
    kb = load_knowledge_base(root)
    assert export_document(kb) == export_document(load_knowledge_base(root))


def test_writes_a_file_atomically(root, cli, tmp_path):
    out = tmp_path / "exports" / "kb.json"
    run = cli("export", "json", "--root", str(root), "-o", str(out))
    assert run.code == 0 and run.stdout == ""
    assert schema_errors(json.loads(out.read_text(encoding="utf-8"))) == []
    assert [p.name for p in out.parent.iterdir()] == ["kb.json"]


def test_schema_flag_writes_the_schema(cli, tmp_path):
    run = cli("export", "json", "--schema", "--root", str(tmp_path))
    assert run.code == 0 and json.loads(run.stdout) == export_json_schema()


def test_refuses_to_export_with_validation_errors(kb_root, cli):
    broken = FILES["scripts_library/phrases/greetings.yaml"].replace("status: approved", "status: live")
    root = kb_root({"scripts_library/phrases/greetings.yaml": broken}, KB_YAML)
    run = cli("export", "json", "--root", str(root))
    assert run.code == 1
    assert run.stdout == ""  # nothing half-written into a pipe
    assert "scripts_library/phrases/greetings.yaml:" in run.stderr and "error [" in run.stderr


def test_missing_root_is_a_clean_error(cli, tmp_path):
    run = cli("export", "json", "--root", str(tmp_path / "nope"))
    assert run.code in (1, 2) and "Traceback" not in run.output


def test_bundled_knowledge_base_exports_and_validates(cli):
    run = cli("export", "json", "--root", str(REPO))
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert schema_errors(doc) == []
    kb = load_knowledge_base(REPO)
    assert [e["id"] for e in doc["entries"]] == [e.id for e in kb.published()]


def test_pages_follow_the_sites_own_url_style(kb_root):
    root = kb_root(FILES, KB_YAML)
    (root / "mkdocs.yml").write_text("site_name: x\nplugins: [kbtool]\n", encoding="utf-8")  # MkDocs default: dirs
    from kbtool.pipeline import check

    entries = {e["id"]: e for e in json.loads(export_text(check(root).kb))["entries"]}
    assert entries["greetings"]["page"] == "phrases/greetings/"
    assert entries["greetings"]["phrases"][0]["url"] == "https://kb.acme.example/phrases/greetings/#hello"
