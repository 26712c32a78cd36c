"""`kbtool init`: an empty folder becomes a knowledge base that validates, builds, and passes its own
pre-commit hook with no edits; nothing a team has is ever replaced."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

KBTOOL = str(Path(sys.executable).parent / "kbtool")


def test_init_new_of_every_kind_and_build_succeed_in_an_empty_folder(cli, tmp_path):
    from kbtool.format.kinds import KIND_NAMES

    root = tmp_path / "our-standards"
    run = cli("init", "--root", str(root))
    assert run.code == 0, run.output
    for rel in ("kb.yaml", ".gitignore", ".pre-commit-config.yaml", ".github/workflows/knowledge-base.yml",
                "kbtool-requirements.txt", "README.md", "schema/entry.schema.json", "schema/kb.schema.json"):
        assert (root / rel).is_file(), rel
    assert yaml.safe_load((root / "kb.yaml").read_text(encoding="utf-8"))["name"] == "Our standards service standards"
    assert cli("validate", "--root", str(root), "--strict").code == 0
    for kind in KIND_NAMES:
        assert cli("new", kind, f"first-{kind}", "--root", str(root)).code == 0
    check = cli("validate", "--root", str(root), "--strict")
    assert check.code == 0, check.output
    build = cli("build", "--root", str(root), "--no-search-index")
    assert build.code == 0, build.output
    assert (root / "site" / "index.html").is_file()
    # The workflow is valid YAML and runs the commands that just worked.
    workflow = yaml.safe_load((root / ".github/workflows/knowledge-base.yml").read_text(encoding="utf-8"))
    steps = " ".join(step.get("run", "") for step in workflow["jobs"]["check"]["steps"])
    assert "kbtool validate --strict --format github" in steps and "kbtool build" in steps


def test_the_generated_pre_commit_hook_runs_as_written(tmp_path):
    root = tmp_path / "kb"
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "T",
           "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@e",
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=300)

    root.mkdir()
    run("git", "init", "-q")
    assert run(KBTOOL, "init").returncode == 0
    assert run(KBTOOL, "new", "phrases", "hello").returncode == 0
    run("git", "add", "-A")
    passed = run(sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    (root / "scripts_library/phrases/hello.yaml").write_text("kind: phrases\nid: Hello\n", encoding="utf-8")
    run("git", "add", "-A")
    failed = run(sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert failed.returncode != 0 and "hello.yaml" in failed.stdout


def test_init_refuses_a_knowledge_base_and_keeps_existing_files(cli, tmp_path):
    (tmp_path / ".gitignore").write_text("secrets.txt\n", encoding="utf-8")
    assert cli("init", "--root", str(tmp_path), "--name", "Fernleaf").code == 0
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == "secrets.txt\n"
    kb_yaml = (tmp_path / "kb.yaml").read_text(encoding="utf-8")
    again = cli("init", "--root", str(tmp_path))
    assert again.code == 1 and "already holds a knowledge base" in again.output
    assert (tmp_path / "kb.yaml").read_text(encoding="utf-8") == kb_yaml


def test_ci_installs_the_kbtool_it_is_told(cli, tmp_path):
    spec = "kbtool @ git+https://git.example/org/kbtool@0123456789abcdef0123456789abcdef01234567"
    assert cli("init", "--root", str(tmp_path), "--kbtool-requirement", spec).code == 0
    lines = (tmp_path / "kbtool-requirements.txt").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if not line.startswith("#")] == [spec]


def test_a_folder_name_kb_yaml_cannot_hold_is_left_out_of_the_name(cli, tmp_path):
    root = tmp_path / "caf\udce9\x1b[2J"
    assert cli("init", "--root", str(root)).code == 0
    assert cli("validate", "--root", str(root), "--strict").code == 0


def test_a_name_kb_yaml_cannot_hold_is_a_usage_error(cli, tmp_path):
    run = cli("init", "--root", str(tmp_path), "--name", "Acme\x1b[2J")
    assert run.code == 2 and "--name" in run.output
    assert not (tmp_path / "kb.yaml").exists()
