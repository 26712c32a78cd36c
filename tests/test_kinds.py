"""kbtool.format.kinds: each kind declared once, and no code outside the declarations branches on a kind."""

from __future__ import annotations

import ast

import pytest

from kbtool.format.kinds import ENTRY_TYPES, KIND_NAMES, REGISTRY
from kbtool.pipeline import check
from kbtool.site.pages import TEMPLATES
from tests.conftest import REPO

KIND_CLASSES = {kind.entry_class.__name__ for kind in REGISTRY.values()}


def test_every_kind_has_a_page_template_a_schema_and_a_valid_skeleton(tmp_path):
    from kbtool.authoring.skeleton import create_entry

    for name, kind in REGISTRY.items():
        assert (TEMPLATES / kind.template).is_file(), name
        assert ENTRY_TYPES[name].fields[0].name == "kind"
        create_entry(tmp_path, name, f"new-{name}", None, "Sam Lee", 90, "greeting", set())
    checked = check(tmp_path)
    assert checked.errors == [], checked.errors
    assert sorted(e.kind for e in checked.kb.entries) == sorted(KIND_NAMES)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_units_exports_and_review_texts_of_bundled_entries(name):
    from kbtool.publish.urls import SiteAddress

    kb = check(REPO).kb
    entries = kb.of_kind(name)
    assert entries
    kind = REGISTRY[name]
    address = SiteAddress()
    for entry in entries:
        units = list(kind.units(entry, lambda text: text))
        assert units and all(unit.kind in kind.unit_kinds for unit in units)
        exported = kind.export(entry, lambda item, entry=entry: {"id": item, "url": address.published_url(entry, item)})
        assert set(exported) == set(kind.export_schema)
        assert kind.review_texts(entry)


def _branches_on_kind(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance" and len(node.args) == 2:
            names = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
            if names & KIND_CLASSES:
                found.append(f"line {node.lineno}: isinstance(..., {', '.join(sorted(names & KIND_CLASSES))})")
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            kind_attr = any(isinstance(s, ast.Attribute) and s.attr == "kind" or isinstance(s, ast.Name)
                            and s.id == "kind" for s in sides)
            kind_name = any(isinstance(s, ast.Constant) and s.value in KIND_NAMES for s in sides)
            if kind_attr and kind_name:
                found.append(f"line {node.lineno}: compares a kind with a kind name")
        # A table keyed by kind names, or a list of them, restates the registry.
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if len(set(keys) & set(KIND_NAMES)) >= 2:
                found.append(f"line {node.lineno}: a table keyed by kind names")
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            names = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if len(set(names) & set(KIND_NAMES)) >= 2:
                found.append(f"line {node.lineno}: a list of kind names")
    return found


def test_no_module_outside_the_declarations_branches_on_a_kind():
    offenders = {}
    for path in (REPO / "kbtool").rglob("*.py"):
        if "format/kinds" in path.as_posix():
            continue
        found = _branches_on_kind(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(REPO))] = found
    assert offenders == {}


def test_the_branch_finder_finds_branches():
    assert _branches_on_kind("if isinstance(e, Letter): pass")
    assert _branches_on_kind("if entry.kind == 'script': pass")
    assert not _branches_on_kind("if REGISTRY[entry.kind].conversation: pass")
    assert _branches_on_kind("if kind != 'standard': pass")
    assert _branches_on_kind("field = {'standard': 'rules', 'script': 'steps'}.get(entry.kind)")
    assert _branches_on_kind("click.Choice(['standard', 'script', 'letter', 'phrases'])")
