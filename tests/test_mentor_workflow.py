"""Mentor tools: new, diff, report, completion, and the pre-commit hook definition."""

from __future__ import annotations

import json
import os
import subprocess

import yaml

from tests.conftest import REPO
from tests.test_validate import GOOD, SCRIPT


def git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "Mentor Mo", "GIT_AUTHOR_EMAIL": "mo@example.com",
                        "GIT_COMMITTER_NAME": "Mentor Mo", "GIT_COMMITTER_EMAIL": "mo@example.com"})


def test_new_writes_a_valid_skeleton_in_the_right_folder(cli, kb_root):
    root = kb_root(GOOD)
    for kind, folder in [("standard", "standards"), ("script", "scripts_library/scripts"),
                         ("letter", "scripts_library/letters"), ("phrases", "scripts_library/phrases")]:
        run = cli("new", kind, f"new-{kind}", "--title", f"A new {kind}", "--owner", "Mentor Mo", "--root", str(root))
        assert run.code == 0, run.output
        path = root / folder / f"new-{kind}.yaml"
        assert run.stdout.strip() == f"{folder}/new-{kind}.yaml"
        text = path.read_text()
        assert text.startswith("# yaml-language-server: $schema=")
        assert "owner: \"Mentor Mo\"" in text and "status: draft" in text
    assert cli("validate", "--root", str(root), "--strict").code == 0


def test_new_takes_owner_from_git_and_review_period_from_kb_yaml(cli, kb_root):
    root = kb_root(GOOD, kb_yaml="variables:\n  company_name: A\n  support_phone: '1'\nreview_period_days: 30\n")
    git(root, "init", "-q")
    git(root, "config", "user.name", "Git Person")
    assert cli("new", "phrases", "fresh", "--root", str(root)).code == 0
    data = yaml.safe_load((root / "scripts_library/phrases/fresh.yaml").read_text())
    assert data["owner"] == "Git Person"
    import datetime as dt
    assert dt.date.fromisoformat(data["review_by"]) == dt.date.today() + dt.timedelta(days=30)


def test_new_refuses_to_overwrite_or_reuse_an_id(cli, kb_root):
    root = kb_root(GOOD)
    target = root / "scripts_library/phrases/greetings.yaml"
    before = target.read_bytes()
    run = cli("new", "phrases", "greetings", "--root", str(root))
    assert run.code == 1 and "already exists" in run.stderr
    assert target.read_bytes() == before
    run = cli("new", "script", "late-call", "--root", str(root))  # id used by a script already
    assert run.code == 1 and "already exists" in run.stderr
    assert cli("new", "phrases", "Bad_Id", "--root", str(root)).code == 1
    assert cli("new", "phrases", "ok", "--situation", "nope", "--root", str(root)).code == 2


def test_diff_summarises_content_changes(cli, kb_root):
    root = kb_root(GOOD)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    path = root / "scripts_library/scripts/late-call.yaml"
    path.write_text(SCRIPT.replace("title: Late delivery", "title: Late parcel")
                    .replace("The courier now expects Thursday.", "The courier now expects Friday.")
                    .replace("status: approved", "status: draft"))
    (root / "scripts_library/letters/delay.yaml").unlink()
    assert cli("new", "phrases", "extra", "--root", str(root)).code == 0
    run = cli("diff", "HEAD", "--root", str(root), "--format", "json")
    assert run.code == 0, run.output
    data = json.loads(run.stdout)
    by_id = {c["id"]: c for c in data["changes"]}
    assert by_id["extra"]["change"] == "added"
    assert by_id["delay"]["change"] == "removed"
    late = by_id["late-call"]
    assert late["old_title"] == "Late delivery" and late["title"] == "Late parcel"
    assert (late["old_status"], late["new_status"]) == ("approved", "draft")
    assert late["items"] == [{"change": "reworded", "item": "late", "old": "The courier now expects Thursday.\n-> close",
                              "new": "The courier now expects Friday.\n-> close"}]
    markdown = cli("diff", "--root", str(root)).stdout  # default base: merge base with main
    assert "Retitled from \"Late delivery\"" in markdown
    assert "Status: approved → draft" in markdown
    assert "> The courier now expects Thursday." in markdown and "> The courier now expects Friday." in markdown


def test_diff_outside_git_is_a_clean_error(cli, kb_root):
    root = kb_root(GOOD)
    run = cli("diff", "--root", str(root))
    assert run.code == 1 and "Error:" in run.stderr


def test_report_lists_reviews_by_owner_drafts_and_gaps(cli, kb_root):
    files = dict(GOOD)
    files["scripts_library/phrases/greetings.yaml"] = GOOD["scripts_library/phrases/greetings.yaml"].replace(
        '"2030-01-01"', '"2026-01-10"')
    files["standards/greeting-standard.yaml"] = GOOD["standards/greeting-standard.yaml"].replace(
        "status: approved", "status: draft")
    root = kb_root(files)
    env = {"KBTOOL_TODAY": "2026-02-01", "NO_COLOR": "1"}
    data = json.loads(cli("report", "--root", str(root), "--format", "json", env=env).stdout)
    assert [i["id"] for i in data["overdue"]["Sam Lee"]] == ["greetings"]
    assert data["overdue"]["Sam Lee"][0]["days_left"] == -22
    assert [d["id"] for d in data["drafts"]] == ["greeting-standard"]
    # Gaps only in what the team uses: no built-in situation or channel that nothing is filed under.
    assert data["gaps"]["situations_without_guidance"] == []
    assert data["gaps"]["channels_without_greeting_script"] == ["phone", "email"]
    text = cli("report", "--root", str(root), env=env).stdout
    assert "22 days overdue" in text and "Sam Lee" in text


def test_completion_scripts_and_entry_ids(cli, kb_root):
    run = cli("completion", "bash")
    assert run.code == 0 and "_KBTOOL_COMPLETE" in run.stdout
    from click.shell_completion import ShellComplete

    from kbtool.cli.main import cli as group
    root = kb_root(GOOD)
    completions = ShellComplete(group, {}, "kbtool", "_KBTOOL_COMPLETE").get_completions([], "va")
    assert "validate" in [c.value for c in completions]
    import click

    from kbtool.cli.options import complete_entry_ids
    ctx = click.Context(group)
    ctx.params["root"] = root
    assert [c.value for c in complete_entry_ids(ctx, click.Argument(["x"]), "gre")] == [
        "greeting-standard", "greetings"]


def test_pre_commit_hook_definition():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    validate = next(h for h in hooks if h["id"] == "kbtool-validate")
    assert validate["entry"].startswith("kbtool validate")
    assert validate["pass_filenames"] is False
    assert validate["language"] == "python"
