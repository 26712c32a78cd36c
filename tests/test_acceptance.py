"""Acceptance tests: `kbtool validate --format json` over the example knowledge bases in tests/examples/.

Each tests/examples/<case>/ is a small knowledge base and its expected.json, the exact JSON
`kbtool validate --format json --root <case>` prints with KBTOOL_TODAY=2026-06-01. `fail-<rule>/`
cases break the rule they are named after; `pass-<topic>/` cases print `[]`. Every rule in the
registry has a failing case: a rule cannot exist untested. tests/examples/README.md lists the
cases whose files are made at test time (too large, unreadable or empty to commit).

After an intended change of kbtool's output, regenerate the golden files and review the diff:

    KBTOOL_UPDATE_GOLDEN=1 python -m pytest -q tests/test_acceptance.py
    git diff tests/examples

Without KBTOOL_UPDATE_GOLDEN the tests only compare, and a changed output fails.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from kbtool.checks import all_rules
from kbtool.format.kinds import KIND_NAMES
from kbtool.reading.loader import MAX_FILE_BYTES
from kbtool.templating import MAX_TEMPLATE_CHARS

EXAMPLES = Path(__file__).resolve().parent / "examples"
EXPECTED = "expected.json"
# Files in a case folder that document the case rather than belong to its knowledge base.
NOT_CONTENT = (EXPECTED, "README.md")
TODAY = "2026-06-01"
UPDATE = os.environ.get("KBTOOL_UPDATE_GOLDEN") == "1"
CASES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
RULE_IDS = frozenset(rule.id for rule in all_rules())


def make_file_too_large(root: Path) -> None:
    # One byte over the limit: the loader refuses it before reading a byte of YAML.
    path = root / "standards" / "huge.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"# " + b"x" * (MAX_FILE_BYTES - 2) + b"\n")


def make_unreadable_file(root: Path) -> None:
    # A link to a file that is gone reads the same for root and everyone else; chmod 000 does
    # not stop root (see test_file_without_read_permission_is_unreadable for that variant).
    path = root / "scripts_library" / "phrases" / "gone.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.symlink_to("deleted.yaml")
    except (OSError, NotImplementedError):
        pytest.skip("symbolic links are not available here")


def make_template_too_large(root: Path) -> None:
    # Over the template limit, yet far under the file limit; the {% if %} makes it a real
    # template (plain {{ name }} texts skip the template parser and its limit).
    filler = "".join(f"    Line {n} of a very long answer that nobody should have to read aloud.\n"
                     for n in range(MAX_TEMPLATE_CHARS // 60))
    text = (EXAMPLES / "pass-phrases" / "scripts_library" / "phrases" / "thanks.yaml").read_text(encoding="utf-8")
    text = text.replace("    say: Thanks for waiting.\n",
                        "    say: |\n      {% if agent_name %}Thanks for waiting.{% endif %}\n" +
                        filler.replace("    ", "      "))
    path = root / "scripts_library" / "phrases" / "thanks.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# Cases whose knowledge base is completed at test time (fail-no-content needs nothing: git keeps
# no empty folders, so its case folder holds only expected.json and the copy is empty).
GENERATED: dict[str, Callable[[Path], None]] = {
    "fail-file-too-large": make_file_too_large,
    "fail-unreadable-file": make_unreadable_file,
    "fail-template-too-large": make_template_too_large,
}


def expected_of(case: str) -> list[dict[str, object]]:
    return json.loads((EXAMPLES / case / EXPECTED).read_text(encoding="utf-8"))


def knowledge_base(case: str, tmp_path: Path) -> Path:
    """A copy of the case's knowledge base, completed by its generator if it has one."""
    root = tmp_path / "kb"
    shutil.copytree(EXAMPLES / case, root, ignore=shutil.ignore_patterns(*NOT_CONTENT), symlinks=True)
    if case in GENERATED:
        GENERATED[case](root)
    return root


def validate_json(cli, root: Path):
    run = cli("validate", "--format", "json", "--root", str(root), env={"KBTOOL_TODAY": TODAY, "NO_COLOR": "1"})
    return run.code, json.loads(run.stdout)


@pytest.mark.parametrize("case", CASES)
def test_case_output_is_golden(cli, tmp_path, case):
    code, problems = validate_json(cli, knowledge_base(case, tmp_path))
    golden = EXAMPLES / case / EXPECTED
    if UPDATE:
        golden.write_text(json.dumps(problems, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = expected_of(case)
    assert problems == expected, f"{case}: output differs from {golden} (KBTOOL_UPDATE_GOLDEN=1 rewrites it)"
    assert code == (1 if any(p["level"] == "error" for p in expected) else 0)


@pytest.mark.parametrize("case", CASES)
def test_case_name_says_what_it_shows(case):
    expected = expected_of(case)
    if case.startswith("pass-"):
        assert expected == [], f"{case} is a passing case, so its expected.json must be []"
        return
    assert case.startswith("fail-"), f"{case}: case folders are named pass-<topic> or fail-<rule-id>"
    named = [rule for rule in RULE_IDS if case == f"fail-{rule}" or case.startswith(f"fail-{rule}-")]
    assert named, f"{case} does not start with fail-<rule-id>"
    rules = {p["rule"] for p in expected}
    assert any(rule in rules for rule in named), f"{case} never reports {named}"


def test_every_rule_has_a_failing_case():
    """A rule cannot exist untested."""
    exercised = {p["rule"] for case in CASES if case.startswith("fail-") for p in expected_of(case)}
    assert sorted(RULE_IDS - exercised) == []


def test_expected_files_name_only_registered_rules():
    unknown = {(case, p["rule"]) for case in CASES for p in expected_of(case) if p["rule"] not in RULE_IDS}
    assert sorted(unknown) == []


def test_every_kind_has_a_passing_case():
    kinds = set()
    for case in CASES:
        if case.startswith("pass-"):
            for file in (EXAMPLES / case).rglob("*.yaml"):
                kinds.update(line.split(":", 1)[1].strip() for line in file.read_text(encoding="utf-8").splitlines()
                             if line.startswith("kind:"))
    assert sorted(set(KIND_NAMES) - kinds) == []


def test_generated_cases_have_folders():
    assert sorted(set(GENERATED) - set(CASES)) == []


def test_file_without_read_permission_is_unreadable(cli, tmp_path, monkeypatch):
    import errno

    from kbtool.reading import loader

    root = knowledge_base("pass-phrases", tmp_path)
    path = root / "scripts_library" / "phrases" / "thanks.yaml"
    real_open = os.open

    def denied(file, flags, *args, **kwargs):
        # What open(2) answers for a mode-000 file to anyone but root (tests here may run as root,
        # which reads files whatever their mode).
        if os.fspath(file) == os.fspath(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(loader.os, "open", denied)
    code, problems = validate_json(cli, root)
    assert code == 1
    assert [(p["path"], p["line"], p["rule"]) for p in problems] == [
        ("scripts_library/phrases/thanks.yaml", 1, "unreadable-file")]
    assert "Permission denied" in problems[0]["message"]
