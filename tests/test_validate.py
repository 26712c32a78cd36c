"""`kbtool validate`: every check reports the exact file, line and rule, and exits 1 without a traceback."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PHRASES

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
    say: Thanks for calling {{ company_name }}.
  - id: ask
    say: Is the parcel late or lost?
    options:
      - when: late
        next: late
      - when: lost
        next: lost
  - id: late
    say: The courier now expects Thursday.
    next: close
  - id: lost
    say: I'm sending a replacement today.
  - id: close
    say: Anything else I can help with?
"""

LETTER = """\
kind: letter
id: delay
title: Delay
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [email]
situation: delivery-delay
subject: "Your order {{ order_number }}"
body: |
  Dear {{ customer_name }},

  Your order {{ order_number }} will arrive on {{ new_date }}.
  Call us on {{ support_phone }}.
variables:
  order_number:
    description: The order number.
    example: FH-1
  new_date:
    description: The new date.
    example: Friday
"""

STANDARD = """\
kind: standard
id: greeting-standard
title: Greeting
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [phone, email]
rules:
  - id: name
    text: Say your name and the company's.
    why: Callers want to know they reached the right place.
    do: ["Good morning, {{ company_name }}, Sam speaking."]
    dont: ["Hello?"]
targets:
  - metric: Answer the phone
    channel: phone
    within: 3 rings
procedure:
  - Pick up.
"""

GOOD = {
    "scripts_library/phrases/greetings.yaml": PHRASES,
    "scripts_library/scripts/late-call.yaml": SCRIPT,
    "scripts_library/letters/delay.yaml": LETTER,
    "standards/greeting-standard.yaml": STANDARD,
}


def problems(cli, root, *extra):
    run = cli("validate", "--root", str(root), "--format", "json", *extra)
    return run.code, json.loads(run.stdout)


def with_change(path: str, old: str, new: str) -> dict[str, str]:
    files = dict(GOOD)
    assert old in files[path], old
    files[path] = files[path].replace(old, new, 1)
    return files


def test_good_knowledge_base_is_clean(cli, kb_root):
    run = cli("validate", "--root", str(kb_root(GOOD)), "--strict")
    assert run.code == 0, run.output
    assert "no problems" in run.stderr


def test_no_kb_yaml_needed(cli, kb_root):
    files = {k: v.replace("{{ company_name }}", "us").replace("{{ support_phone }}", "0800") for k, v in GOOD.items()}
    run = cli("validate", "--root", str(kb_root(files, kb_yaml=None)), "--strict")
    assert run.code == 0, run.output


def test_text_format_is_compiler_style(cli, kb_root):
    root = kb_root(with_change("scripts_library/letters/delay.yaml", "{{ new_date }}", "{{ new_dat }}"))
    run = cli("validate", "--root", str(root))
    assert run.code == 1
    first, hint = run.stdout.splitlines()[:2]
    assert first == ("scripts_library/letters/delay.yaml:13:51: error [undeclared-placeholder] "
                     "placeholder 'new_dat' is not declared")
    assert hint == "  hint: did you mean 'new_date'?"


@pytest.mark.parametrize("path, old, new, rule, line", [
    ("standards/greeting-standard.yaml", "title: Greeting\n", "", "required-field", 1),
    ("standards/greeting-standard.yaml", "title: Greeting", "titel: Greeting", "unknown-field", 3),
    ("standards/greeting-standard.yaml", "channels: [phone, email]", "channels: [phone, emial]", "unknown-value", 7),
    ("standards/greeting-standard.yaml", "channels: [phone, email]", "channels: phone", "wrong-type", 7),
    ("standards/greeting-standard.yaml", "status: approved", "status: aproved", "unknown-value", 5),
    ("standards/greeting-standard.yaml", "review_by: \"2030-01-01\"", "review_by: 31/01/2030", "invalid-date", 6),
    ("standards/greeting-standard.yaml", "review_by: \"2030-01-01\"", "review_by: 2030-02-30", "invalid-date", 6),
    ("standards/greeting-standard.yaml", "id: greeting-standard", "id: Greeting_Standard", "invalid-slug", 2),
    ("standards/greeting-standard.yaml", "  - id: name", "  - id: name\n    wat: 1", "unknown-field", 10),
    ("scripts_library/phrases/greetings.yaml", "situation: greeting", "situation: greting", "unknown-value", 8),
    ("scripts_library/phrases/greetings.yaml", "situation: greeting\n", "", "required-field", 1),
    ("scripts_library/scripts/late-call.yaml", "next: close", "next: clsoe", "unknown-step", 21),
    ("scripts_library/scripts/late-call.yaml", "        next: lost", "        next: close", "unreachable-step", 22),
    ("scripts_library/scripts/late-call.yaml", "    next: close\n", "", "dead-end", 19),
    ("scripts_library/scripts/late-call.yaml", "    say: I'm sending a replacement today.",
     "    say: I'm sending a replacement today.\n    next: close\n    end: true", "conflicting-flow", 25),
    ("scripts_library/scripts/late-call.yaml", "related: []", "", "unknown-reference", 0),
    ("scripts_library/letters/delay.yaml", "{{ order_number }}\"", "{{ order_number }\"", "template-syntax", 9),
    ("scripts_library/letters/delay.yaml", "{{ new_date }}", "{{ new_date.__class__ }}", "template-forbidden", 13),
    ("scripts_library/letters/delay.yaml", "{{ new_date }}", "{% for x in y %}{% endfor %}", "template-forbidden", 13),
    ("scripts_library/letters/delay.yaml", "Call us", "{{ 'a' * 10**10 }} Call us", "template-forbidden", 14),
    ("scripts_library/letters/delay.yaml", "{{ new_date }}", "{{ new_date | attr('x') }}", "template-forbidden", 13),
])
def test_each_check_reports_its_rule_at_the_line(cli, kb_root, path, old, new, rule, line):
    if rule == "unknown-reference":
        files = dict(GOOD)
        files[path] = files[path].replace("situation: delivery-delay", "situation: delivery-delay\nrelated: [nope]")
        line = 9
    else:
        files = with_change(path, old, new)
    code, found = problems(cli, kb_root(files))
    assert code == 1
    hits = [p for p in found if p["rule"] == rule]
    assert hits, found
    assert hits[0]["path"] == path
    assert hits[0]["line"] == line, hits


def test_unknown_field_suggests_the_right_name(cli, kb_root):
    root = kb_root(with_change("standards/greeting-standard.yaml", "title: Greeting", "titel: Greeting"))
    code, found = problems(cli, root)
    unknown = next(p for p in found if p["rule"] == "unknown-field")
    assert unknown["hint"] == "did you mean 'title'?"


def test_duplicate_ids_name_both_files(cli, kb_root):
    files = dict(GOOD)
    files["standards/zz-copy.yaml"] = STANDARD
    code, found = problems(cli, kb_root(files))
    dup = next(p for p in found if p["rule"] == "duplicate-id")
    assert dup["path"] == "standards/zz-copy.yaml"
    assert "standards/greeting-standard.yaml:2" in dup["message"]


def test_duplicate_item_ids(cli, kb_root):
    root = kb_root(with_change("scripts_library/scripts/late-call.yaml", "  - id: close", "  - id: greet"))
    code, found = problems(cli, root)
    assert any(p["rule"] == "duplicate-item-id" and p["line"] == 24 for p in found)


def test_cycle_is_a_warning(cli, kb_root):
    # Both branches lead back to the question: the call can never end.
    files = with_change("scripts_library/scripts/late-call.yaml", "    next: close\n", "    next: ask\n")
    files["scripts_library/scripts/late-call.yaml"] = files["scripts_library/scripts/late-call.yaml"].replace(
        "    say: I'm sending a replacement today.\n", "    say: I'm sending a replacement today.\n    next: ask\n"
    ).replace("  - id: close\n    say: Anything else I can help with?\n", "")
    root = kb_root(files)
    run = cli("validate", "--root", str(root))
    assert run.code == 0
    assert "warning [flow-cycle]" in run.stdout and "ask -> late -> ask" in run.stdout
    assert cli("validate", "--root", str(root), "--strict").code == 1


def test_a_loop_with_a_way_out_is_not_a_cycle_warning(cli, kb_root):
    # "Late" asks again; "lost" goes on to the close: staff can always finish the call.
    root = kb_root(with_change("scripts_library/scripts/late-call.yaml", "    next: close\n", "    next: ask\n"))
    run = cli("validate", "--root", str(root), "--strict")
    assert run.code == 0, run.stdout


def test_unused_letter_variable_is_a_warning(cli, kb_root):
    files = with_change("scripts_library/letters/delay.yaml", "variables:\n",
                        "variables:\n  spare:\n    description: Unused.\n    example: x\n")
    code, found = problems(cli, kb_root(files))
    assert code == 0
    assert [(p["rule"], p["level"], p["line"]) for p in found] == [("unused-variable", "warning", 16)]


def test_stale_review_names_the_owner(cli, kb_root):
    root = kb_root(GOOD)
    run = cli("validate", "--root", str(root), env={"KBTOOL_TODAY": "2031-01-01", "NO_COLOR": "1"})
    assert run.code == 0
    assert "warning [stale-review]" in run.stdout and "owner: Sam Lee" in run.stdout


def test_style_rules_fire_on_say_but_not_on_avoid_or_dont(cli, kb_root):
    files = dict(GOOD)
    files["scripts_library/phrases/greetings.yaml"] = PHRASES.replace(
        "Yeah, what is it?", "Calm down, that's our policy.")
    files["standards/greeting-standard.yaml"] = STANDARD.replace('"Hello?"', '"You\'re wrong about that."')
    code, found = problems(cli, kb_root(files))
    assert found == []
    files["scripts_library/scripts/late-call.yaml"] = SCRIPT.replace(
        "Is the parcel late or lost?", "Please calm down. Is the parcel late or lost?")
    code, found = problems(cli, kb_root(files))
    assert [(p["rule"], p["line"]) for p in found] == [("style-phrase", 13)]


def test_overpromising_words_in_letters(cli, kb_root):
    files = with_change("scripts_library/letters/delay.yaml", "Call us", "We guarantee it. Call us")
    code, found = problems(cli, kb_root(files))
    assert [(p["rule"], p["line"]) for p in found] == [("overpromise", 10)]


def test_kb_yaml_extends_style_rules(cli, kb_root):
    kb_yaml = "variables:\n  company_name: A\n  support_phone: '1'\nstyle:\n  phrases:\n    - text: no worries\n"
    files = with_change("scripts_library/scripts/late-call.yaml", "Anything else", "No worries! Anything else")
    code, found = problems(cli, kb_root(files, kb_yaml=kb_yaml))
    assert [p["rule"] for p in found] == ["style-phrase"]


def test_avoided_phrasings_are_linted_everywhere(cli, kb_root):
    files = with_change("scripts_library/scripts/late-call.yaml", "Anything else I can help with?",
                        "Yeah, what is it? Anything else I can help with?")
    code, found = problems(cli, kb_root(files))
    hit = next(p for p in found if p["rule"] == "avoided-phrase")
    assert hit["path"] == "scripts_library/scripts/late-call.yaml" and hit["line"] == 25
    assert "scripts_library/phrases/greetings.yaml:13" in hit["message"]


def test_situation_vocabulary_extends_from_kb_yaml(cli, kb_root):
    files = with_change("scripts_library/phrases/greetings.yaml", "situation: greeting", "situation: small-talk")
    assert problems(cli, kb_root(files))[0] == 1
    kb_yaml = "variables:\n  company_name: A\n  support_phone: '1'\nsituations:\n  small-talk: Chatting.\n"
    assert problems(cli, kb_root(files, kb_yaml=kb_yaml)) == (0, [])


def test_all_problems_in_one_run_sorted(cli, kb_root):
    files = dict(GOOD)
    files["standards/greeting-standard.yaml"] = STANDARD.replace("status: approved", "status: nope").replace(
        "title: Greeting", "titel: Greeting")
    files["scripts_library/phrases/greetings.yaml"] = "a: 1\na: 2\n"
    code, found = problems(cli, kb_root(files))
    keys = [(p["path"], p["line"], p["column"]) for p in found]
    assert keys == sorted(keys)
    assert {p["path"] for p in found} == {"scripts_library/phrases/greetings.yaml", "standards/greeting-standard.yaml"}


def test_github_annotations(cli, kb_root):
    root = kb_root(with_change("standards/greeting-standard.yaml", "title: Greeting", "titel: Greeting"))
    run = cli("validate", "--root", str(root), "--format", "github")
    assert run.code == 1
    assert run.stdout.startswith("::error file=standards/greeting-standard.yaml,line=3,col=1,title=unknown-field::")


def test_colour_only_when_asked(cli, kb_root):
    root = kb_root(with_change("standards/greeting-standard.yaml", "title: Greeting", "titel: Greeting"))
    assert "\x1b[" not in cli("validate", "--root", str(root)).stdout


def test_usage_errors_exit_2(cli):
    assert cli("validate", "--format", "xml").code == 2
    assert cli("validate", "--no-such-option").code == 2


def test_missing_root_is_a_clean_error(cli, tmp_path):
    run = cli("validate", "--root", str(tmp_path / "nope"))
    assert run.code == 1
    assert "is not a folder" in run.stderr


def test_bad_kb_yaml_is_reported(cli, kb_root):
    run = cli("validate", "--root", str(kb_root(GOOD, kb_yaml="variables: [a, b]\n")))
    assert run.code == 1
    assert "kb.yaml:1:12: error [wrong-type]" in run.stdout


def test_bad_files_do_not_hide_good_ones(cli, kb_root):
    files = dict(GOOD)
    files["standards/broken.yaml"] = b"\xff\xfe"
    files["standards/tabbed.yaml"] = "rules:\n\t- id: a\n"
    code, found = problems(cli, kb_root(files))
    assert {p["rule"] for p in found} == {"invalid-utf8", "tab-indentation"}


def test_committed_schema_matches_the_format(cli, tmp_path):
    from tests.conftest import REPO

    run = cli("schema", "--root", str(REPO), "--output", str(tmp_path))
    assert run.code == 0
    for name in ("entry.schema.json", "kb.schema.json"):
        assert (tmp_path / name).read_text() == (REPO / "schema" / name).read_text(), f"run kbtool schema ({name})"


def test_schema_describes_every_kind(cli):
    data = json.loads(cli("schema", "--stdout").stdout)
    kinds = {branch["if"]["properties"]["kind"]["const"]: branch["then"] for branch in data["allOf"]}
    assert set(kinds) == {"standard", "script", "letter", "phrases"}
    assert "situation" in kinds["script"]["required"] and "situation" not in kinds["standard"]["required"]
    assert kinds["script"]["properties"]["steps"]["items"]["properties"]["next"]["pattern"] == r"^[a-z0-9][a-z0-9-]*(?![\s\S])"
    assert kinds["standard"]["additionalProperties"] is False


def test_every_bundled_file_has_the_schema_modeline():
    from kbtool.reading.layout import content_files
    from tests.conftest import REPO

    for path in content_files(REPO):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        depth = len(path.relative_to(REPO).parts) - 1
        assert first == "# yaml-language-server: $schema=" + "../" * depth + "schema/entry.schema.json", path


BAD_INPUTS = [
    ("duplicate-key", b"kind: phrases\nid: x\nid: y\n", 3),
    ("yaml-anchor", b"kind: phrases\nchannels: &c [phone]\n", 2),
    ("yaml-alias", b"kind: phrases\nid: x\ntags: *c\n", 3),
    ("yaml-tag", b"kind: phrases\nid: !!python/object/apply:os.system ['true']\n", 2),
    ("non-string-key", b"kind: phrases\nyes: 1\n", 2),
    ("invalid-utf8", b"kind: phrases\ntitle: caf\xe9\n", 2),
    ("tab-indentation", b"kind: phrases\nphrases:\n\t- id: a\n", 3),
    ("empty-file", b"# nothing here\n", 1),
    ("not-a-mapping", b"- kind: phrases\n", 1),
    ("too-deep", b"kind: phrases\na:\n" + b"".join(b"  " * i + b"  k:\n" for i in range(1, 12)) + b"  " * 12 + b"  v\n", 12),
    ("too-deep", b"kind: phrases\na: " + b"[" * 30000 + b"]" * 30000 + b"\n", 2),
    ("file-too-large", b"kind: phrases\ntitle: " + b"x" * (1024 * 1024) + b"\n", 1),
    ("multiple-documents", b"kind: phrases\n---\nkind: script\n", 2),
    ("yaml-syntax", b"kind: phrases\ntitle: Sorry: late\n", 2),
    ("control-character", b'kind: phrases\ntitle: "a\\x1bb"\n', 2),
]


@pytest.mark.parametrize("rule, data, line", BAD_INPUTS, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(BAD_INPUTS)])
def test_each_bad_input_exits_1_naming_file_and_line(cli, kb_root, rule, data, line):
    files = dict(GOOD)
    files["standards/bad.yaml"] = data
    run = cli("validate", "--root", str(kb_root(files)))
    assert run.code == 1
    assert f"standards/bad.yaml:{line}:" in run.stdout and f"[{rule}]" in run.stdout, run.stdout
    assert "Traceback" not in run.output
