"""The CI lint rule behind 'safe by construction': no code may use a YAML loader that builds objects."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UNSAFE_NAMES = {"Loader", "FullLoader", "UnsafeLoader", "CLoader", "CFullLoader", "CUnsafeLoader"}
UNSAFE_CALLS = {"load", "load_all", "full_load", "full_load_all", "unsafe_load", "unsafe_load_all"}


def _violations(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "yaml":
            if node.attr in UNSAFE_NAMES or node.attr in UNSAFE_CALLS:
                found.append(f"line {node.lineno}: yaml.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "yaml":
            for alias in node.names:
                if alias.name in UNSAFE_NAMES | UNSAFE_CALLS:
                    found.append(f"line {node.lineno}: from yaml import {alias.name}")
    return found


def test_rule_catches_unsafe_loaders():
    assert _violations("import yaml\nyaml.load(s, Loader=yaml.Loader)\n")
    assert _violations("from yaml import FullLoader\n")
    assert not _violations("import yaml\nyaml.safe_load(s)\n")


def test_no_unsafe_yaml_loading_anywhere():
    problems = {}
    for path in [*REPO.glob("kbtool/**/*.py"), *REPO.glob("tests/**/*.py"), *REPO.glob("benchmarks/**/*.py")]:
        if path.name == "test_safety_lint.py":
            continue
        found = _violations(path.read_text(encoding="utf-8"))
        if found:
            problems[str(path.relative_to(REPO))] = found
    assert problems == {}
