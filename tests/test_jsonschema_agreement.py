"""The JSON Schema editors use and `kbtool validate` agree on what is a valid file.

Editors flag files by the schema; CI fails them by the validator. Where the two disagree, a mentor
either sees red squiggles on a file CI accepts or a clean editor and a failing pull request. Each
bundled file and variants of it (one mistake each, or one allowed addition) go to both.
"""

from __future__ import annotations

import copy
import json
import shutil

import jsonschema
import pytest
import yaml

from kbtool.checks import fixed_rules
from kbtool.pipeline import check
from tests.conftest import REPO

SCHEMAS = {name: json.loads((REPO / "schema" / f"{name}.schema.json").read_text(encoding="utf-8"))
           for name in ("entry", "kb")}


class EditorLoader(yaml.SafeLoader):
    """YAML as editors' language servers read it (YAML 1.2 core): dates stay strings."""


EditorLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def editor_yaml(text: str):
    loader = EditorLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def entry_files() -> list[str]:
    return sorted(str(p.relative_to(REPO)) for d in ("standards", "scripts_library") for p in (REPO / d).rglob("*.yaml"))


def _drop(field):
    def change(doc):
        doc.pop(field, None)
    return change


def _set(field, value):
    def change(doc):
        doc[field] = value
    return change


# name -> (change, valid afterwards?)
ENTRY_VARIANTS = {
    "as written": (lambda doc: None, True),
    "keywords added": (_set("keywords", ["chargeback", "Rückruf"]), True),
    "title missing": (_drop("title"), False),
    "owner missing": (_drop("owner"), False),
    "field misspelt": (_set("titel", "Greeting"), False),
    "channels as text": (_set("channels", "chat"), False),
    "unknown channel": (_set("channels", ["carrier-pigeon"]), False),
    "unknown status": (_set("status", "review"), False),
    "date in another form": (_set("review_by", "31/01/2027"), False),
    "id not a slug": (_set("id", "Greeting Call"), False),
    "id with a trailing newline": (_set("id", "greeting\n"), False),
    "unknown kind": (_set("kind", "faq"), False),
    "tags as a mapping": (_set("tags", {"a": "b"}), False),
}
KB_VARIANTS = {
    "as written": (lambda doc: None, True),
    "review period as a number": (_set("review_period_days", 180), True),
    "review period in words": (_set("review_period_days", "soon"), False),
    "field misspelt": (_set("situatons", {}), False),
    "situations as a list": (_set("situations", ["greeting"]), False),
}


def validator_verdict(root, path: str) -> bool:
    """Valid for the validator: no format error in this file (other rules are beyond a schema)."""
    fixed = fixed_rules() | {"unknown-field", "required-field", "unknown-value", "invalid-slug", "invalid-date"}
    return not [p for p in check(root).errors if p.path == path and p.rule in fixed]


def schema_verdict(schema_name: str, doc) -> bool:
    return jsonschema.Draft202012Validator(SCHEMAS[schema_name]).is_valid(doc)


@pytest.fixture(scope="module")
def bundled_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("agreement")
    for name in ("standards", "scripts_library", "kb.yaml"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
    return root


def _try(root, rel: str, schema_name: str, variants) -> list[str]:
    original = (root / rel).read_text(encoding="utf-8")
    base = editor_yaml(original)
    disagreements = []
    try:
        for name, (change, expected) in variants.items():
            doc = copy.deepcopy(base)
            change(doc)
            (root / rel).write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
            verdicts = {"validator": validator_verdict(root, rel), "schema": schema_verdict(schema_name, doc)}
            if set(verdicts.values()) != {expected}:
                disagreements.append(f"{rel} ({name}): expected {'valid' if expected else 'invalid'}, got {verdicts}")
    finally:
        (root / rel).write_text(original, encoding="utf-8")
    return disagreements


def test_bundled_files_are_valid_for_both(bundled_copy):
    for rel in entry_files():
        doc = editor_yaml((REPO / rel).read_text(encoding="utf-8"))
        assert schema_verdict("entry", doc), rel
    assert schema_verdict("kb", editor_yaml((REPO / "kb.yaml").read_text(encoding="utf-8")))
    assert check(bundled_copy).errors == []


def test_one_file_of_each_kind_and_its_variants_get_the_same_verdict(bundled_copy):
    chosen: dict[str, str] = {}
    for rel in entry_files():
        kind = editor_yaml((REPO / rel).read_text(encoding="utf-8"))["kind"]
        chosen.setdefault(kind, rel)
    assert len(chosen) >= 4
    disagreements = [d for rel in chosen.values() for d in _try(bundled_copy, rel, "entry", ENTRY_VARIANTS)]
    assert disagreements == []


def test_kb_yaml_variants_get_the_same_verdict(bundled_copy):
    assert _try(bundled_copy, "kb.yaml", "kb", KB_VARIANTS) == []
