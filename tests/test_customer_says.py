"""customer_says: what a customer says when an entry, phrase or script step is the answer, through
validate, the editors' schema, the page ("You might hear"), search, the JSON export, diff and new."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent

PHRASES = """\
kind: phrases
id: refunds
title: Refunds
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [phone]
situation: refund
customer_says:
  - I'd like to send it back
phrases:
  - id: refund-or-replace
    say: Would you prefer your money back, or a replacement sent out today?
    customer_says:
      - "the lamp's a write-off, what are my options"
      - honestly I just want shot of it
"""

SCRIPT = """\
kind: script
id: late-call
title: Late delivery
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [phone]
situation: delivery-delay
steps:
  - id: greet
    say: Thanks for calling, how can I help?
  - id: late
    say: The courier now expects Thursday.
    customer_says:
      - my sofa was meant to come on Monday
"""


def make(kb_root) -> Path:
    return kb_root({"scripts_library/phrases/refunds.yaml": PHRASES, "scripts_library/scripts/late-call.yaml": SCRIPT})


def test_it_validates_on_entries_phrases_and_steps_and_a_wrong_shape_is_named(cli, kb_root):
    root = make(kb_root)
    assert cli("validate", "--root", str(root)).code == 0
    path = root / "scripts_library/scripts/late-call.yaml"
    path.write_text(SCRIPT.replace("    customer_says:\n      - my sofa was meant to come on Monday\n",
                                   "    customer_says: {sofa: late}\n"))
    run = cli("validate", "--root", str(root))
    assert run.code == 1 and "late-call.yaml:14:20: error [wrong-type] 'steps[2].customer_says' must be a list" in run.stdout


def test_the_same_wording_on_two_entries_is_a_warning(cli, kb_root):
    root = make(kb_root)
    path = root / "scripts_library/scripts/late-call.yaml"
    path.write_text(SCRIPT.replace("my sofa was meant to come on Monday", "Honestly, I just want shot of it!"))
    run = cli("validate", "--root", str(root))
    assert run.code == 0 and "warning [duplicate-customer-wording]" in run.stdout
    assert "late-call.yaml:15:9" in run.stdout and "is also on scripts_library/phrases/refunds.yaml:16" in run.stdout


def test_the_editors_schema_offers_it_where_it_is_allowed():
    schema = json.loads((REPO / "schema/entry.schema.json").read_text(encoding="utf-8"))
    text = json.dumps(schema)
    assert text.count('"customer_says"') >= 3  # entries, phrases, steps
    assert "You might hear" in text


def test_the_page_shows_you_might_hear_before_the_words_to_say(bundled_build):
    page = (bundled_build / "site/phrases/refunds.html").read_text(encoding="utf-8")
    data = yaml.safe_load((REPO / "scripts_library/phrases/refunds.yaml").read_text(encoding="utf-8"))
    phrase = next(p for p in data["phrases"] if p.get("customer_says"))
    heard = page.index("You might hear", page.index(f'id="{phrase["id"]}"'))
    assert page.index("kb-say", heard) > heard
    from html import escape

    assert escape(phrase["customer_says"][0], quote=False) in page


def test_search_finds_the_entry_by_the_customers_words(cli, kb_root):
    root = make(kb_root)
    run = cli("search", "--root", str(root), "--json", "--no-log", "my sofa was meant to come on monday")
    assert run.code == 0, run.output
    first = json.loads(run.stdout)[0]
    assert (first["id"], first["item"], first["close"]) == ("late-call", "late", True)


def test_the_json_export_carries_it(cli, kb_root):
    root = make(kb_root)
    data = json.loads(cli("export", "json", "--root", str(root)).stdout)
    refunds = next(e for e in data["entries"] if e["id"] == "refunds")
    assert refunds["customer_says"] == ["I'd like to send it back"]
    assert refunds["phrases"][0]["customer_says"][1] == "honestly I just want shot of it"
    late = next(e for e in data["entries"] if e["id"] == "late-call")
    assert late["steps"][1]["customer_says"] == ["my sofa was meant to come on Monday"]


def test_diff_shows_a_new_wording(cli, kb_root):
    root = make(kb_root)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@e", "commit",
                                                                "-qm", "base"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    path = root / "scripts_library/phrases/refunds.yaml"
    path.write_text(PHRASES.replace("  - I'd like to send it back\n", "  - I'd like to send it back\n  - can I return it\n")
                    .replace("      - honestly I just want shot of it\n", "      - honestly I just want shot of it\n"
                                                                          "      - it's not worth fixing\n"))
    run = cli("diff", "HEAD", "--root", str(root), "--format", "json")
    [change] = json.loads(run.stdout)["changes"]
    assert change["fields"]["customer_says"]["new"] == ["I'd like to send it back", "can I return it"]
    [item] = change["items"]
    assert item["item"] == "refund-or-replace" and item["new"].endswith("customer says: it's not worth fixing")
    assert "> customer says\\: it's not worth fixing" in cli("diff", "HEAD", "--root", str(root)).stdout


def test_new_offers_it_as_a_commented_example_that_validates_once_uncommented(cli, kb_root):
    root = make(kb_root)
    assert cli("new", "script", "fresh-call", "--root", str(root)).code == 0
    path = root / "scripts_library/scripts/fresh-call.yaml"
    text = path.read_text(encoding="utf-8")
    assert "# customer_says:" in text
    lines = [line.replace("# customer_says:", "customer_says:").replace("#   - ", "  - ") for line in text.splitlines()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert yaml.safe_load(path.read_text())["customer_says"] and yaml.safe_load(path.read_text())["steps"][1]["customer_says"]
    assert cli("validate", "--root", str(root)).code == 0
