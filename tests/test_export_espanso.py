"""`kbtool export espanso`: the package loads as YAML, follows espanso's documented match format,
and expands to the knowledge base's text however hostile that text is."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from kbtool.assemble import load_knowledge_base
from kbtool.checks import validate
from kbtool.exports.espanso import (
    assign_triggers,
    build_package,
    escape_text,
    fill,
    layout_text,
    package_name,
    snippets,
)
from kbtool.format.kinds.letter import Letter
from kbtool.format.kinds.phrases import PhraseSet
from kbtool.problems import Level
from kbtool.templating import analyse
from tests.conftest import REPO
from tests.export_fixtures import FILES, KB_YAML

# ---- espanso's documented format, as a checker -------------------------------------------
# From https://espanso.org/docs/matches/basics/, /matches/forms/, /matches/variables/ and
# /packages/package-specification/. Keys espanso documents for a match; anything else is a typo.
MATCH_KEYS = {"trigger", "triggers", "regex", "replace", "form", "form_fields", "markdown", "html", "paragraph",
              "image_path", "vars", "label", "search_terms", "word", "left_word", "right_word",
              "propagate_case", "uppercase_style", "force_clipboard", "force_mode"}
EFFECT_KEYS = {"replace", "form", "markdown", "html", "image_path"}
VAR_TYPES = {"form", "echo", "date", "shell", "script", "clipboard", "random", "choice", "match", "global"}
MANIFEST_REQUIRED = ("name", "title", "description", "version", "author")
# espanso's own regexes (espanso-render and espanso-config): a variable, and a form control.
ESPANSO_VAR = re.compile(r"\{\{\s*((?P<name>\w+)(\.(?P<sub>\w+))?)\s*\}\}")
ESPANSO_CONTROL = re.compile(r"\[\[\s*(\w+)(\.\w+)?\s*\]\]")


def check_match_file(doc: Any) -> list[str]:
    """Problems with a match file against espanso's documented format (empty: conforms)."""
    problems: list[str] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("matches"), list):
        return ["the file needs a top-level 'matches' list"]
    unknown_top = set(doc) - {"matches", "global_vars", "imports"}
    if unknown_top:
        problems.append(f"unknown top-level keys {unknown_top}")
    seen: dict[str, int] = {}
    for i, m in enumerate(doc["matches"]):
        where = f"match {i}"
        if not isinstance(m, dict):
            problems.append(f"{where} is not a mapping")
            continue
        if set(m) - MATCH_KEYS:
            problems.append(f"{where}: unknown keys {set(m) - MATCH_KEYS}")
        triggers = [m["trigger"]] if "trigger" in m else m.get("triggers")
        if not triggers or not all(isinstance(t, str) and t.strip() for t in triggers):
            problems.append(f"{where}: needs 'trigger' or a 'triggers' list of non-empty strings")
            triggers = []
        for t in triggers:
            if t in seen:
                problems.append(f"{where}: trigger {t!r} repeats match {seen[t]}")
            seen[t] = i
        effects = EFFECT_KEYS & set(m)
        if len(effects) != 1:
            problems.append(f"{where}: needs exactly one of replace/form/markdown/html/image_path, has {effects}")
        if "replace" in m and not isinstance(m["replace"], str):
            problems.append(f"{where}: replace must be text")
        for key in ("word", "left_word", "right_word"):
            if key in m and not isinstance(m[key], bool):
                problems.append(f"{where}: {key} must be true or false")
        problems.extend(_check_vars(m, where))
    problems.extend(_check_prefixes(doc["matches"]))
    return problems


def _check_vars(m: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    variables = m.get("vars", [])
    if not isinstance(variables, list):
        return [f"{where}: vars must be a list"]
    declared: dict[str, set[str] | None] = {}
    for v in variables:
        if not isinstance(v, dict) or not isinstance(v.get("name"), str) or v.get("type") not in VAR_TYPES:
            problems.append(f"{where}: each var needs a name and a documented type")
            continue
        if v["type"] == "form":
            layout = v.get("params", {}).get("layout")
            if not isinstance(layout, str):
                problems.append(f"{where}: form var {v['name']} needs params.layout text")
                continue
            # Layouts get variable injection: any {{name}} there is a missing-variable error.
            if ESPANSO_VAR.search(layout):
                problems.append(f"{where}: layout holds an espanso variable: {ESPANSO_VAR.search(layout)[0]!r}")
            declared[v["name"]] = {c.group(1) for c in ESPANSO_CONTROL.finditer(layout)}
        else:
            declared[v["name"]] = None
    used: dict[str, set[str]] = {}
    for ref in ESPANSO_VAR.finditer(m.get("replace", "")):
        name, sub = ref["name"], ref["sub"]
        if name not in declared:
            problems.append(f"{where}: replace uses undeclared variable {ref[0]!r}")
            continue
        fields = declared[name]
        if fields is not None:
            if sub is None or sub not in fields:
                problems.append(f"{where}: replace uses {ref[0]!r}, which is not a field of the form")
            used.setdefault(name, set()).add(sub)
    for name, fields in declared.items():
        if fields is not None and fields - used.get(name, set()):
            problems.append(f"{where}: form fields {fields - used.get(name, set())} are asked for but never used")
    return problems


def _check_prefixes(matches: list[dict[str, Any]]) -> list[str]:
    # espanso expands as soon as a trigger is typed: a trigger that begins another must be a
    # word trigger, or the longer one could never be reached.
    problems = []
    triggers = {m["trigger"]: m for m in matches if isinstance(m, dict) and isinstance(m.get("trigger"), str)}
    for short, m in triggers.items():
        longer = [t for t in triggers if t != short and t.startswith(short)]
        if longer and not (m.get("word") or m.get("right_word")):
            problems.append(f"trigger {short!r} begins {longer[0]!r} but is not a word trigger")
    return problems


def check_manifest(doc: Any, folder_name: str) -> list[str]:
    if not isinstance(doc, dict):
        return ["_manifest.yml must be a mapping"]
    problems = [f"_manifest.yml lacks {key}" for key in MANIFEST_REQUIRED
                if not isinstance(doc.get(key), str) or not doc[key].strip()]
    if doc.get("name") != folder_name:
        problems.append("the manifest name must equal the package folder's name")
    if not re.fullmatch(r"[a-z0-9-]+", str(doc.get("name", ""))):
        problems.append("package names are lower-case letters, digits and hyphens")
    if not re.fullmatch(r"\d+\.\d+\.\d+", str(doc.get("version", ""))):
        problems.append("the version must be MAJOR.MINOR.PATCH")
    return problems


def expand(match: dict[str, Any], answers: dict[str, str]) -> str:
    """What espanso types for `match` when the form is answered with `answers` (its render rules)."""
    forms = {v["name"] for v in match.get("vars", []) if v["type"] == "form"}

    def value(ref: re.Match[str]) -> str:
        assert ref["name"] in forms, ref[0]
        return answers[ref["sub"]]

    body = ESPANSO_VAR.sub(value, match["replace"])
    return body.replace("\\{\\{", "{{").replace("\\}\\}", "}}")


def form_fields(match: dict[str, Any]) -> list[str]:
    layouts = [v["params"]["layout"] for v in match.get("vars", []) if v["type"] == "form"]
    return [c.group(1) for layout in layouts for c in ESPANSO_CONTROL.finditer(layout)]


# ---- the fixture knowledge base -----------------------------------------------------------


@pytest.fixture
def fixture_kb(kb_root):
    root = kb_root(FILES, KB_YAML)
    kb = load_knowledge_base(root)
    assert [p for p in validate(kb) if p.level is Level.ERROR] == []
    return kb


@pytest.fixture
def exported(fixture_kb, cli, tmp_path):
    out = tmp_path / "out" / "kbtool-acme"
    run = cli("export", "espanso", "--root", str(fixture_kb.root), "-o", str(out))
    assert run.code == 0, run.output
    return out


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def by_trigger(folder: Path) -> dict[str, dict[str, Any]]:
    return {m["trigger"]: m for m in load(folder / "package.yml")["matches"]}


def test_package_files_follow_espanso_format(exported):
    assert sorted(p.name for p in exported.iterdir()) == ["README.md", "_manifest.yml", "package.yml"]
    assert check_match_file(load(exported / "package.yml")) == []
    manifest = load(exported / "_manifest.yml")
    assert check_manifest(manifest, exported.name) == []
    assert manifest["title"] == "Acme Homeware service standards"
    assert "`:hello`" in (exported / "README.md").read_text(encoding="utf-8")


def test_one_match_per_published_phrase_and_letter(exported):
    matches = by_trigger(exported)
    # 6 greetings + 1 closing (draft still published) + 1 letter; the retired set is left out.
    assert len(matches) == 8
    assert not any("Hello there" in m["replace"] for m in matches.values())


def test_trigger_rule_prefixes_only_colliding_phrase_ids(exported):
    triggers = set(by_trigger(exported))
    assert {":hello", ":sorry", ":sorry-again", ":markup", ":delay-apology"} <= triggers
    # `thanks` is in two sets, and the phrase `delay-apology` shares the letter's id.
    assert {":greetings-thanks", ":closing-thanks", ":greetings-delay-apology"} <= triggers
    assert ":thanks" not in triggers


def test_prefix_trigger_is_a_word_trigger(exported):
    matches = by_trigger(exported)
    assert matches[":sorry"]["right_word"] is True
    assert "right_word" not in matches[":sorry-again"]


def test_kb_values_filled_and_builtins_become_form_fields(exported):
    m = by_trigger(exported)[":hello"]
    assert form_fields(m) == ["agent_name"]
    assert expand(m, {"agent_name": "Sam"}) == "Good morning, you're through to Sam at Acme Homeware."


def test_phrase_without_placeholders_is_a_plain_match(exported):
    m = by_trigger(exported)[":sorry"]
    assert "vars" not in m and m["replace"] == "I'm sorry about that."


def test_letter_is_subject_blank_line_body_with_its_variables_as_fields(exported):
    m = by_trigger(exported)[":delay-apology"]
    assert form_fields(m) == ["order_number", "customer_name", "new_date", "voucher", "agent_name"]
    answers = {"order_number": "A-7", "customer_name": "Ms Patel", "new_date": "Friday",
               "voucher": "SORRY10", "agent_name": "Sam"}
    assert expand(m, answers) == (
        "Your order A-7 is running late\n\nDear Ms Patel,\n\n"
        "Your order A-7 will now arrive on Friday. Here is a voucher: SORRY10.\n\nSam\nAcme Homeware")
    layout = m["vars"][0]["params"]["layout"]
    assert "optional" in layout.split("[[voucher]]")[0].splitlines()[-1]
    assert "(e.g. A-1)" in layout


def test_content_cannot_break_the_form(exported):
    matches = by_trigger(exported)
    # A letter variable's description held [[date]] and {{ x }}: no extra field, no variable.
    letter = matches[":delay-apology"]
    assert check_match_file({"matches": [letter]}) == []
    assert "date" not in form_fields(letter) and "x" not in form_fields(letter)
    # Phrase text and a kb.yaml value held markup and espanso syntax: typed exactly as written.
    markup = matches[":markup"]
    assert "vars" not in markup
    assert expand(markup, {}) == ("<b>Tom & Jerry</b> say [[hi]] and **bold** "
                                  "{{ not_a_var }} [[not_a_field]] {{{ three }}}")


@pytest.mark.parametrize("text", [
    "{{", "}}", "{{{", "}}}", "{{{{", "a {{ b }} c", "{{x}}", "{{x.y}}", "{ {x} }", "\\{{", "{}{}{{}}",
    "}}{{", "[[a]] {{b}}", "{{{{{x}}}}}", "end {",
])
def test_escaped_text_never_holds_an_espanso_variable_and_expands_back(text):
    escaped = escape_text(text)
    assert not ESPANSO_VAR.search(escaped)
    assert expand({"replace": escaped}, {}) == text


@pytest.mark.parametrize("literal", ["{", "}", "{{", "}}", "{{{", "}}}", "{ ", " }"])
def test_literal_braces_around_a_form_field(literal):
    # Braces in the content next to a field must not swallow it or be swallowed.
    text = f"a{literal}{{{{ customer_name }}}}{literal}b"
    filled = fill([text], {})
    answer = expand({"replace": filled.replace, "vars": [{"name": "form1", "type": "form"}]},
                    {"customer_name": "X"})
    if analyse(text)[1]:
        # Not a valid template (validation refuses it): kept as written, no field.
        assert filled.fields == [] and answer == text
    else:
        assert filled.fields == ["customer_name"] and answer == f"a{literal}X{literal}b"


def test_layout_text_cannot_form_controls_or_variables():
    for text in ["[[a]]", "[[[a]]]", "{{a}}", "{{{a}}}", "x\n[[y]]"]:
        out = layout_text(text)
        assert not ESPANSO_CONTROL.search(out) and not ESPANSO_VAR.search(out) and "\n" not in out


def test_filters_and_conditions_render_with_the_field_standing_in():
    filled = fill(["Dear {{ customer_name | title }},{% if voucher %} code {{ voucher | upper }}{% endif %}"], {})
    assert filled.fields == ["customer_name", "voucher"]
    assert filled.replace == "Dear {{form1.customer_name}}, code {{form1.voucher}}"


def test_unrenderable_template_is_kept_escaped_without_fields():
    filled = fill(["{{ ''.__class__ }}"], {})
    assert filled.fields == [] and not ESPANSO_VAR.search(filled.replace)


def test_numbered_triggers_when_the_set_prefix_is_taken_too(kb_root):
    # Phrase `b` in set `a` would become :a-b, which a letter already uses.
    phrases = FILES["scripts_library/phrases/closing.yaml"].replace("id: closing", "id: a").replace(
        "id: thanks", "id: b")
    other = phrases.replace("id: a\n", "id: z\n")
    letter = FILES["scripts_library/letters/delay-apology.yaml"].replace("id: delay-apology", "id: a-b")
    root = kb_root({"scripts_library/phrases/a.yaml": phrases, "scripts_library/phrases/z.yaml": other,
                    "scripts_library/letters/a-b.yaml": letter}, KB_YAML)
    kb = load_knowledge_base(root)
    triggers = assign_triggers(snippets(kb))
    assert len(set(triggers)) == len(triggers) == 3
    assert ":a-b" in triggers and ":z-b" in triggers and ":a-b-2" in triggers


def test_package_name_follows_espanso_rule():
    assert package_name("Fernleaf Home service standards") == "kbtool-fernleaf-home-service-standards"
    assert package_name("Ünïcode & Co.!") == "kbtool-n-code-co"
    assert package_name("!!!") == "kbtool-knowledge-base"


def test_yaml_round_trip_is_exact(fixture_kb):
    package = build_package(fixture_kb)
    assert yaml.safe_load(package.files()["package.yml"]) == {"matches": package.matches}
    assert yaml.safe_load(package.files()["_manifest.yml"]) == package.manifest


def test_default_output_folder_and_version_options(fixture_kb, cli):
    root = fixture_kb.root
    run = cli("export", "espanso", "--root", str(root), "--package-version", "2.3.4", "--author", "Team A")
    assert run.code == 0, run.output
    folder = root / "dist" / "espanso" / "kbtool-acme-homeware-service-standards"
    manifest = load(folder / "_manifest.yml")
    assert manifest["version"] == "2.3.4" and manifest["author"] == "Team A"
    assert manifest["homepage"] == "https://kb.acme.example/"
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("args", [["-o", "Bad_Name"], ["--package-version", "1.0"]])
def test_bad_options_are_usage_errors(fixture_kb, cli, tmp_path, args):
    args = [a if a != "Bad_Name" else str(tmp_path / "Bad_Name") for a in args]
    run = cli("export", "espanso", "--root", str(fixture_kb.root), *args)
    assert run.code == 2


def test_refuses_to_export_with_validation_errors(kb_root, cli, tmp_path):
    broken = FILES["scripts_library/phrases/greetings.yaml"].replace("{{ agent_name }}", "{{ agent_nmae }}")
    root = kb_root({"scripts_library/phrases/greetings.yaml": broken}, KB_YAML)
    out = tmp_path / "pkg" / "kbtool-x"
    run = cli("export", "espanso", "--root", str(root), "-o", str(out))
    assert run.code == 1
    assert "scripts_library/phrases/greetings.yaml:" in run.stderr and "error [" in run.stderr
    assert "not exporting" in run.stderr
    assert not out.exists()


def test_bundled_knowledge_base_exports_to_valid_espanso(cli, tmp_path):
    kb = load_knowledge_base(REPO)
    assert [p for p in validate(kb) if p.level is Level.ERROR] == []
    out = tmp_path / "kbtool-bundled"
    run = cli("export", "espanso", "--root", str(REPO), "-o", str(out))
    assert run.code == 0, run.output
    doc = load(out / "package.yml")
    assert check_match_file(doc) == []
    assert check_manifest(load(out / "_manifest.yml"), out.name) == []
    published = kb.published()
    expected = sum(len(e.phrases) for e in published if isinstance(e, PhraseSet)) + sum(
        1 for e in published if isinstance(e, Letter))
    assert len(doc["matches"]) == expected
    # Every placeholder was either filled from kb.yaml or became a field: nothing left as Jinja.
    for m in doc["matches"]:
        assert "{%" not in m["replace"]
        answers = {name: f"<{name}>" for name in form_fields(m)}
        assert not ESPANSO_VAR.search(expand(m, answers))
