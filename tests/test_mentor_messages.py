"""A mentor's everyday mistakes: each gives one plain message at the right place, and nothing else.

Every case is run through the CLI, as a mentor would meet it: the message alone has to lead to
the fix (file:line:col, plain words, a hint), errors exit 1 and nothing prints a traceback.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import KB_YAML

LOANER = """\
kind: script
id: loaner-call
title: Loaner device
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [phone]
situation: greeting
steps:
  - id: open
    say: Thanks for calling {{ company_name }}. Do you need a loaner while we repair yours?
    options:
      - when: They need one
        next: loaner
      - when: They do not
        next: close
  - id: loaner
    say: I'll book a loaner device for you today.
    next: close
  - id: close
    say: Is there anything else I can help with today?
"""
LOANER_PATH = "scripts_library/scripts/loaner-call.yaml"


def problems_of(cli, root) -> tuple[int, list[dict]]:
    run = cli("validate", "--root", str(root), "--format", "json")
    return run.code, json.loads(run.stdout)


def only(cli, root) -> dict:
    """The one problem `root` has, after checking the CLI exits 1 for it."""
    code, found = problems_of(cli, root)
    assert len(found) == 1, found
    assert code == (1 if found[0]["level"] == "error" else 0)
    return found[0]


# -- 1. an item with its own problem still counts for the flow and reference checks --------------

def test_a_misspelt_field_in_a_step_is_the_one_problem(cli, kb_root):
    root = kb_root({LOANER_PATH: LOANER.replace("    say: I'll book", "    says: I'll book")})
    problem = only(cli, root)
    assert (problem["line"], problem["column"], problem["rule"]) == (18, 5, "unknown-field")
    assert problem["message"] == "unknown field 'says' in step" and problem["hint"] == "did you mean 'say'?"


def test_a_missing_or_empty_text_keeps_the_step_in_the_flow(cli, kb_root):
    root = kb_root({LOANER_PATH: LOANER.replace("    say: I'll book a loaner device for you today.\n", "")})
    problem = only(cli, root)
    assert (problem["line"], problem["rule"]) == (17, "required-field")
    assert "'say'" in problem["message"]
    root = kb_root({LOANER_PATH: LOANER.replace("    say: I'll book a loaner device for you today.", "    say:")})
    problem = only(cli, root)
    assert (problem["line"], problem["rule"], problem["message"]) == (18, "required-field", "'steps[2].say' is empty")


def test_a_step_id_with_two_letters_swapped_is_read_as_its_id(cli, kb_root):
    root = kb_root({LOANER_PATH: LOANER.replace("  - id: loaner", "  - di: loaner")})
    problem = only(cli, root)
    assert (problem["line"], problem["rule"], problem["hint"]) == (17, "unknown-field", "did you mean 'id'?")


def test_a_branch_or_step_the_model_cannot_build_stops_the_flow_being_judged(cli, kb_root):
    # Where the call goes without the branch's `next` cannot be known: "step 'loaner' cannot be
    # reached" would send the mentor to a step that is fine.
    root = kb_root({LOANER_PATH: LOANER.replace("        next: loaner\n", "")})
    problem = only(cli, root)
    assert (problem["line"], problem["rule"]) == (13, "required-field") and "'next'" in problem["message"]
    root = kb_root({LOANER_PATH: LOANER.replace("  - id: loaner", "  - id: Loaner")})
    assert only(cli, root)["rule"] == "invalid-slug"


def test_a_misspelt_jump_does_not_also_make_its_step_unreachable(cli, kb_root):
    root = kb_root({LOANER_PATH: LOANER.replace("        next: loaner", "        next: loanr")})
    problem = only(cli, root)
    assert (problem["line"], problem["column"], problem["rule"]) == (14, 15, "unknown-step")
    assert problem["hint"] == "did you mean 'loaner'?"


def test_an_entry_without_a_title_stays_unloaded_and_a_misspelt_title_is_read(cli, kb_root):
    from kbtool.pipeline import check

    other = LOANER.split("steps:")[0].replace("id: loaner-call", "id: other-call").replace(
        "situation: greeting", "situation: greeting\nrelated: [loaner-call]") + "steps:\n  - id: hello\n    say: Hi.\n"
    for broken, loaded in ((LOANER.replace("title: Loaner device\n", ""), False),
                           (LOANER.replace("title: Loaner device", "title:"), False),
                           (LOANER.replace("title: Loaner device", "titel: Loaner device"), True)):
        root = kb_root({LOANER_PATH: broken, "scripts_library/scripts/other-call.yaml": other})
        checked = check(root)
        assert len(checked.problems) == 1, checked.problems  # the title's; `related` is not reported again
        assert ("loaner-call" in checked.kb.by_id) is loaded
        if loaded:
            assert checked.kb.by_id["loaner-call"].title == "Loaner device"


def test_a_misspelt_situation_is_reported_once(cli, kb_root):
    for value in ("greeting", "greting"):
        root = kb_root({LOANER_PATH: LOANER.replace("situation: greeting", f"situaton: {value}")})
        problem = only(cli, root)
        assert (problem["line"], problem["rule"], problem["hint"]) == (8, "unknown-field", "did you mean 'situation'?")


def test_a_misspelt_kb_yaml_section_does_not_make_every_placeholder_undeclared(cli, kb_root):
    root = kb_root({LOANER_PATH: LOANER}, kb_yaml=KB_YAML.replace("variables:", "variabels:"))
    problem = only(cli, root)
    assert (problem["path"], problem["rule"], problem["hint"]) == ("kb.yaml", "unknown-field",
                                                                  "did you mean 'variables'?")


def test_a_misspelt_value_that_would_not_convert_is_not_read_as_the_field(cli, kb_root):
    # `nxet: [close]` is a list where `next` takes a step id: reading it as `next` would add a
    # wrong-type error the mentor never wrote; it stays the one unknown-field problem.
    root = kb_root({LOANER_PATH: LOANER.replace("\n    next: close", "\n    nxet: [close]")})
    problem = only(cli, root)
    assert (problem["rule"], problem["hint"]) == ("unknown-field", "did you mean 'next'?")


# -- 2. a blank written wrongly: one plain message at the blank, no knock-on usage warnings -----

DELAY = """\
kind: letter
id: delay
title: Delay
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [email]
situation: delivery-delay
subject: Your order is on its way
body: |
  Dear {{ customer_name }},

  Your order is running late. The new delivery date is {{ new_date }}.
  We will email you if anything changes.
variables:
  new_date:
    description: The new delivery date.
    example: Friday 17 March
"""
DELAY_PATH = "scripts_library/letters/delay.yaml"
BLANK_COLUMN = len("  Your order is running late. The new delivery date is ") + 1


@pytest.mark.parametrize(("written", "message"), [
    ("{{ new date }}", "a blank's name can't contain a space: did you mean {{ new_date }}?"),
    ("{{ new-date }}", "a blank's name can't contain '-': did you mean {{ new_date }}?"),
    ("{{ new_date }", "the blank {{ new_date } is missing a closing brace: write {{ new_date }}"),
    ("{ new_date }}", "the blank { new_date }} is missing an opening brace: write {{ new_date }}"),
    ("{{{ new_date }}}", "{{{ new_date }}} has a brace too many: write {{ new_date }}"),
    ("{{ new_date }}}", "{{ new_date }}} has a brace too many: write {{ new_date }}"),
    ("{{ }}", "an empty blank {{ }}: write the blank's name between the braces"),
    ("{% if new_date %}{{ new_date }}", "{% if new_date %} has no {% endif %} after it"),
    ("{% endif %}{{ new_date }}", "{% endif %} has no {% if %} before it"),
])
def test_a_blank_written_wrongly_is_one_plain_message_at_the_blank(cli, kb_root, written, message):
    root = kb_root({DELAY_PATH: DELAY.replace("{{ new_date }}.", f"{written}.")})
    problem = only(cli, root)
    assert (problem["line"], problem["column"], problem["rule"]) == (13, BLANK_COLUMN, "template-syntax")
    assert problem["message"] == message
    assert problem["hint"]


def test_an_unknown_condition_word_is_named_with_the_one_it_resembles(cli, kb_root):
    root = kb_root({DELAY_PATH: DELAY.replace("{{ new_date }}.", "{% iff new_date %}{{ new_date }}{% endif %}.")})
    problem = only(cli, root)
    assert problem["message"] == "{% iff new_date %} is not a condition templates know"
    assert problem["hint"] == "did you mean {% if %}?" and problem["column"] == BLANK_COLUMN


def test_a_text_that_did_not_parse_gives_no_usage_warning_but_others_still_do(kb_root):
    from kbtool.pipeline import check

    broken = DELAY.replace("{{ new_date }}.", "{{ new date }}.")
    checked = check(kb_root({DELAY_PATH: broken}))
    assert [p.rule for p in checked.problems] == ["template-syntax"]
    # The same letter, parsed, with a blank it really does not use: the warning is still given.
    unused = DELAY + "  order_number:\n    description: The order number.\n    example: FH-1\n"
    checked = check(kb_root({DELAY_PATH: unused}))
    assert [(p.rule, p.message) for p in checked.problems] == [
        ("unused-variable", "variable 'order_number' is declared but not used in the entry's texts")]


def test_render_refuses_a_blank_written_wrongly_in_the_same_words(cli, kb_root):
    root = kb_root({DELAY_PATH: DELAY.replace("{{ new_date }}.", "{{ new date }}.")})
    run = cli("render", "letter", "delay", "--root", str(root), "--no-input", "--var", "customer_name=Ann",
              "--var", "new_date=Friday")
    assert run.code == 1 and "a blank's name can't contain a space: did you mean {{ new_date }}?" in run.stderr


def test_expressions_that_are_allowed_are_not_mistaken_for_misnamed_blanks():
    from kbtool.templating import analyse

    for text in ("{{ name | title }}", "{{ name or 'there' }}", "{{ a if b else c }}", "{{ not_a_word }}",
                 "{% if a %}x{% elif b %}y{% else %}z{% endif %}", "{{- name -}}", "100% sure {{ name }}"):
        assert analyse(text)[1] == [], text


def test_finding_the_malformed_blank_stays_linear_in_the_text():
    import time

    from kbtool.templating import analyse

    # Many good blanks before the broken one: each is read once, not parsed on its own.
    for text in ("{{ a }}" * 7_000 + "{{ b", "{{ a | title }}\n" * 3_000 + "{% iff %}"):
        started = time.perf_counter()
        issues = analyse(text)[1]
        assert issues and issues[0].rule == "template-syntax"
        assert time.perf_counter() - started < 5


# -- 3. indentation that does not line up, said in words --------------------------------------

STEPS_HEAD = LOANER.split("steps:\n")[0] + "steps:\n"


@pytest.mark.parametrize(("steps", "line", "column", "message", "hint"), [
    ("  - id: open\n    say: Hello.\n   next: close\n  - id: close\n    say: Bye.\n", 12, 4,
     "the indentation of line 12 ('next: close') does not line up: it is indented 3 spaces, but 'say:' on line 11 "
     "is indented 4 spaces; the fields of one item start in the same column",
     "indent line 12 by 4 spaces, like 'say:' on line 11"),
    ("  - id: open\n    say: Hello.\n      next: close\n  - id: close\n    say: Bye.\n", 12, 7,
     "the indentation of line 12 ('next: close') does not line up: it is indented 6 spaces, but 'say:' on line 11 "
     "is indented 4 spaces; the fields of one item start in the same column",
     "indent line 12 by 4 spaces, like 'say:' on line 11"),
    ("  - id: open\n    say: Hello.\n - id: close\n   say: Bye.\n", 12, 2,
     "the indentation of line 12 ('- id: close') does not line up: it is indented 1 space, but the list item "
     "'- id: open' on line 10 is indented 2 spaces; the items of one list start in the same column",
     "indent line 12 by 2 spaces, like the item on line 10"),
    ("  - id: open\n    say: Hello.\n    options:\n      - when: yes\n        next: close\n     - when: no\n"
     "        next: close\n  - id: close\n    say: Bye.\n", 15, 6,
     "the indentation of line 15 ('- when: no') does not line up: it is indented 5 spaces, but the list item "
     "'- when: yes' on line 13 is indented 6 spaces; the items of one list start in the same column",
     "indent line 15 by 6 spaces, like the item on line 13"),
    ("  - id: open\n    say: Hello.\n  -id: close\n    say: Bye.\n", 12, 3,
     "line 12 starts with '-id: close': a list item needs a space after the dash", "write '- id: close'"),
    ("  - id: open\n    say: Hello there,\n    how are you today?\n  - id: close\n    say: Bye.\n", 12, 5,
     "line 12 ('how are you today?') is not a field, and it is not indented under 'say:' on line 11, so YAML "
     "cannot tell it goes on from there",
     "indent line 12 further than 'say:' if it continues that text, or write it as 'field: text'"),
    ("  - id: open\n    say: Sorry: that is late.\n", 11, 15,
     "the text after 'say:' on line 11 contains ': ', which YAML reads as the start of another field",
     "put the whole text in double quotes: say: \"...\""),
])
def test_indentation_that_does_not_line_up_names_both_lines(cli, kb_root, steps, line, column, message, hint):
    root = kb_root({LOANER_PATH: STEPS_HEAD + steps})
    problem = only(cli, root)
    assert (problem["line"], problem["column"], problem["rule"]) == (line, column, "yaml-syntax")
    assert (problem["message"], problem["hint"]) == (message, hint)


def test_every_line_of_the_bundled_scripts_moved_by_a_space_gets_a_message_about_that_place():
    """Each line of every bundled script, indented one space less and one more: loading never
    fails, and an indentation message names the line it is reported at."""
    import re

    from kbtool.reading.loader import parse
    from tests.conftest import REPO

    explained = 0
    for file in sorted((REPO / "scripts_library" / "scripts").glob("*.yaml")):
        lines = file.read_text(encoding="utf-8").split("\n")
        for index, written in enumerate(lines):
            if not written.startswith("  "):
                continue
            for moved in (written[1:], " " + written):
                text = "\n".join(lines[:index] + [moved] + lines[index + 1:])
                _, problems = parse(text, file.name)
                for problem in problems:
                    assert problem.message and problem.hint
                    named = re.match(r"the indentation of line (\d+)", problem.message)
                    if named:
                        explained += 1
                        assert int(named.group(1)) == problem.line
    assert explained > 20


# -- 4. kbtool diff against a branch that is not there -----------------------------------------

def git(root, *args: str) -> None:
    import os
    import subprocess

    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "Mo", "GIT_AUTHOR_EMAIL": "mo@example.com",
                        "GIT_COMMITTER_NAME": "Mo", "GIT_COMMITTER_EMAIL": "mo@example.com"})


def test_diff_against_a_missing_branch_lists_the_branches(cli, kb_root):
    root = kb_root({LOANER_PATH: LOANER})
    git(root, "init", "-q", "-b", "master")
    run = cli("diff", "main", "--root", str(root))
    assert run.code == 1 and run.stderr.strip() == ("Error: no branch 'main': the repository has no commits yet "
                                                    "(commit the knowledge base, then compare)")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "branch", "feature-x")
    run = cli("diff", "main", "--root", str(root))
    assert run.code == 1 and run.stderr.strip() == "Error: no branch 'main' (branches: feature-x, master)"
    run = cli("diff", "HEAD~5", "--root", str(root))
    assert run.code == 1 and run.stderr.strip() == "Error: no revision 'HEAD~5' (branches: feature-x, master)"
    run = cli("diff", "HEAD^{tree}", "--root", str(root))
    assert run.code == 1 and "'HEAD^{tree}' is not a commit" in run.stderr
    assert cli("diff", "master", "--root", str(root)).code == 0
    assert cli("diff", "--root", str(root)).code == 0  # the merge base with master


def test_diff_without_main_or_master_names_the_branches_to_use(cli, kb_root):
    root = kb_root({LOANER_PATH: LOANER})
    git(root, "init", "-q", "-b", "develop")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    run = cli("diff", "--root", str(root))
    assert run.code == 1
    assert run.stderr.strip() == ("Error: no branch 'main' or 'master' to compare with (branches: develop); "
                                  "name a base, for example: kbtool diff develop")


# -- 5, 6. kbtool init in a subfolder of a repository; dist/ ignored ----------------------------

def run_in(folder, *args: str):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PRE_COMMIT_HOME": str(folder.parent / "pre-commit-cache"), "GIT_AUTHOR_NAME": "T",
           "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@e",
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    return subprocess.run(args, cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def test_init_in_a_subfolder_puts_the_hook_and_workflow_where_git_and_github_read_them(cli, tmp_path):
    import sys

    import yaml

    repo = tmp_path / "repo"
    kb = repo / "docs" / "kb"
    kb.mkdir(parents=True)
    run_in(repo, "git", "init", "-q")
    run = cli("init", "--root", str(kb))
    assert run.code == 0, run.output
    assert "../../.pre-commit-config.yaml" in run.stdout and "../../.github/workflows/knowledge-base.yml" in run.stdout
    assert "is inside the git repository" in run.stderr
    assert not (kb / ".pre-commit-config.yaml").exists() and not (kb / ".github").exists()
    hook = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"][0]
    assert hook["files"] == r"^docs/kb/(standards/|scripts_library/|kb\.yaml$)"
    assert hook["entry"] == "kbtool validate --strict --root docs/kb"
    job = yaml.safe_load((repo / ".github/workflows/knowledge-base.yml").read_text())["jobs"]["check"]
    assert job["defaults"]["run"]["working-directory"] == "docs/kb"
    assert "at the repository's top" in (kb / "README.md").read_text()
    # The hook runs as written from the repository's top: a broken entry under docs/kb fails it.
    assert cli("new", "phrases", "hello", "--root", str(kb)).code == 0
    run_in(repo, "git", "add", "-A")
    passed = run_in(repo, sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    (kb / "scripts_library/phrases/hello.yaml").write_text("kind: phrases\nid: Hello\n", encoding="utf-8")
    run_in(repo, "git", "add", "-A")
    failed = run_in(repo, sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert failed.returncode != 0 and "hello.yaml" in failed.stdout


def test_init_in_a_subfolder_keeps_the_repositorys_own_hooks_and_says_what_to_add(cli, tmp_path):
    repo = tmp_path / "repo"
    kb = repo / "support"
    kb.mkdir(parents=True)
    run_in(repo, "git", "init", "-q")
    mine = "repos:\n  - repo: local\n    hooks: []\n"
    (repo / ".pre-commit-config.yaml").write_text(mine, encoding="utf-8")
    run = cli("init", "--root", str(kb))
    assert run.code == 0, run.output
    assert (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8") == mine
    assert "kept ../.pre-commit-config.yaml (already there)" in run.stderr
    assert "add this hook" in run.stderr and "entry: \"kbtool validate --strict --root support\"" in run.stderr
    assert (repo / ".github/workflows/knowledge-base.yml").is_file()


def test_init_at_the_top_of_a_repository_writes_as_before(cli, tmp_path):
    run_in(tmp_path, "git", "init", "-q")
    assert cli("init", "--root", str(tmp_path)).code == 0
    config = (tmp_path / ".pre-commit-config.yaml").read_text()
    assert "files: ^(standards/|scripts_library/|kb\\.yaml$)" in config and "--root" not in config
    assert "working-directory" not in (tmp_path / ".github/workflows/knowledge-base.yml").read_text()


def test_init_ignores_the_espanso_export(cli, tmp_path):
    run_in(tmp_path, "git", "init", "-q")
    assert cli("init", "--root", str(tmp_path)).code == 0
    assert "/dist/" in (tmp_path / ".gitignore").read_text().splitlines()
    (tmp_path / "dist" / "espanso" / "kbtool-x").mkdir(parents=True)
    (tmp_path / "dist" / "espanso" / "kbtool-x" / "package.yml").write_text("x", encoding="utf-8")
    assert run_in(tmp_path, "git", "check-ignore", "-q", "dist/espanso/kbtool-x/package.yml").returncode == 0


def test_github_annotations_name_files_from_the_checkout_top_when_the_kb_is_in_a_subfolder(cli, tmp_path):
    kb = tmp_path / "docs" / "kb"
    kb.mkdir(parents=True)
    (kb / "standards").mkdir()
    (kb / "standards" / "x.yaml").write_text("kind: standard\nid: X\n", encoding="utf-8")
    run = cli("validate", "--root", str(kb), "--format", "github", env={"GITHUB_WORKSPACE": str(tmp_path)})
    assert run.code == 1 and "file=docs/kb/standards/x.yaml," in run.stdout
    run = cli("validate", "--root", str(kb), "--format", "github", env={"GITHUB_WORKSPACE": str(kb)})
    assert "file=standards/x.yaml," in run.stdout


# -- 7. a letter saved as a draft reads in paragraphs --------------------------------------------

WRAPPED = DELAY.replace("""body: |
  Dear {{ customer_name }},

  Your order is running late. The new delivery date is {{ new_date }}.
  We will email you if anything changes.
""", """body: |
  Dear {{ customer_name }},

  Your order is running late, and I am sorry. The new delivery date is
  {{ new_date }}. I will check on it that morning and
  email you if anything changes.

  Before then, there are two things you can do:
  - reply to this email with a safe place to leave it
  - call us to change the day

  Kind regards,
  {{ agent_name }}
  {{ company_name }}
""")


def test_an_eml_draft_joins_wrapped_lines_and_keeps_lists_and_the_signature(cli, kb_root, tmp_path):
    import email
    import email.policy

    root = kb_root({DELAY_PATH: WRAPPED})
    out = tmp_path / "reply.eml"
    run = cli("render", "letter", "delay", "--root", str(root), "--no-input", "--var", "customer_name=Ms Patel",
              "--var", "new_date=Friday 17 March", "--var", "agent_name=Sam", "--eml", str(out))
    assert run.code == 0, run.output
    body = email.message_from_bytes(out.read_bytes(), policy=email.policy.default).get_content().replace("\r\n", "\n")
    assert body == (
        "Dear Ms Patel,\n\n"
        "Your order is running late, and I am sorry. The new delivery date is Friday 17 March. I will check on it "
        "that morning and email you if anything changes.\n\n"
        "Before then, there are two things you can do:\n"
        "- reply to this email with a safe place to leave it\n"
        "- call us to change the day\n\n"
        "Kind regards,\nSam\nAcme Homeware\n")
    # Printed, the letter keeps the lines as written (a terminal is not a mail client).
    printed = cli("render", "letter", "delay", "--root", str(root), "--no-input", "--var", "customer_name=Ms Patel",
                  "--var", "new_date=Friday 17 March", "--var", "agent_name=Sam").stdout
    assert "The new delivery date is\nFriday 17 March." in printed


def test_values_are_filled_as_given_after_the_paragraphs_are_joined(kb_root):
    from kbtool.authoring.letters import render_letter
    from kbtool.pipeline import check

    kb = check(kb_root({DELAY_PATH: WRAPPED})).kb
    values = {"customer_name": "Ms Patel", "new_date": "Friday\n17 March", "agent_name": "Sam"}
    body = render_letter(kb.by_id["delay"], values, kb.config, paragraphs=True).body
    assert "The new delivery date is Friday\n17 March. I will check" in body


@pytest.mark.parametrize(("written", "joined"), [
    ("A line that is long enough to have been wrapped by the\neditor goes on.",
     "A line that is long enough to have been wrapped by the editor goes on."),
    ("Short line.\nAnother short line.", "Short line.\nAnother short line."),
    ("Short and\ncontinued in lower case.", "Short and continued in lower case."),
    ("A long line that introduces an indented block below it:\n    kept as it is",
     "A long line that introduces an indented block below it:\n    kept as it is"),
    ("1. The first question, which is long enough to wrap on its own\n2. The second",
     "1. The first question, which is long enough to wrap on its own\n2. The second"),
    ("With apologies,\nSam Lee, the team lead who wrote to you last week\nFernleaf",
     "With apologies,\nSam Lee, the team lead who wrote to you last week\nFernleaf"),
    ("First paragraph that is long enough to be a wrapped line of text\nends here.\n\n\nSecond.",
     "First paragraph that is long enough to be a wrapped line of text ends here.\n\n\nSecond."),
])
def test_reflow_joins_only_wrapped_lines(written, joined):
    from kbtool.authoring.letters import reflow

    assert reflow(written) == joined
    assert reflow(joined) == joined  # once is enough: nothing left to join


# -- 8. kbtool report: gaps only in what the team uses -----------------------------------------

def test_report_lists_gaps_only_for_the_channels_and_situations_the_team_uses(cli, kb_root):
    standard = LOANER.replace("kind: script", "kind: standard").replace("id: loaner-call", "id: refunds-standard") \
        .split("steps:")[0].replace("situation: greeting", "situation: refund") + \
        "rules:\n  - id: quick\n    text: Refund within a day.\n"
    kb_yaml = KB_YAML + "situations:\n  loans: Lending a device while we repair the customer's.\n"
    root = kb_root({LOANER_PATH: LOANER, "standards/refunds.yaml": standard}, kb_yaml=kb_yaml)
    run = cli("report", "--root", str(root), "--format", "json")
    assert run.code == 0, run.output
    gaps = json.loads(run.stdout)["gaps"]
    # refund: a standard is filed under it, with no script, letter or phrases; loans: kb.yaml adds
    # it. The built-in situations nobody uses (pricing, closing...) are not gaps.
    assert gaps["situations_without_guidance"] == ["refund", "loans"]
    # Only phone is used, and the loaner script greets on it: email, chat and the rest are not gaps.
    assert gaps["channels_without_greeting_script"] == []
    text = cli("report", "--root", str(root)).stdout
    assert "situations with no script, letter or phrases: refund, loans" in text
    assert "channels with no greeting script: none" in text


# -- 9. another tool's placeholders are flagged, so none reaches a customer as written ------------

@pytest.mark.parametrize(("written", "column_of"), [
    ("#{ticket.customer.firstname}", "#{"),
    ("[[first name]]", "[["),
    ("%firstname%", "%"),
    ("{first_name}", "{"),
    ("${customer.name}", "$"),
])
def test_a_foreign_placeholder_is_a_warning_at_its_column(cli, kb_root, written, column_of):
    text = LOANER.replace("say: Is there anything else I can help with today?",
                          f"say: \"Is there anything else I can help with today, {written}?\"")
    root = kb_root({LOANER_PATH: text})
    problem = only(cli, root)
    line = text.splitlines()[20]
    assert (problem["line"], problem["column"]) == (21, line.index(column_of) + 1)
    assert (problem["rule"], problem["level"]) == ("foreign-placeholder", "warning")
    assert problem["message"].startswith(f"{written} is another tool's placeholder")
    assert problem["hint"] == "write {{ customer_name }} instead: kbtool fills it in every text"
    assert cli("validate", "--root", str(root), "--strict").code == 1  # CI's --strict stops it


def test_a_help_desk_placeholder_in_kbtool_braces_is_named_as_one(cli, kb_root):
    for written, rule in (("{{ticket.requester.first_name}}", "template-forbidden"),
                          ("{%customer.firstName,fallback=there%}", "template-syntax")):
        root = kb_root({LOANER_PATH: LOANER.replace("say: I'll book a loaner device for you today.",
                                                    f"say: \"{written}, I'll book a loaner for you today.\"")})
        problem = only(cli, root)
        assert problem["rule"] == rule and "is another tool's placeholder, not a kbtool blank" in problem["message"]
        assert problem["line"] == 18
        assert problem["column"] == 11 + (written.startswith("{{") and 2)  # the name in kbtool's braces


def test_foreign_placeholders_is_one_public_pattern_that_leaves_kbtool_text_alone():
    from kbtool.templating import foreign_placeholders

    found = foreign_placeholders("Hi #{ticket.customer.firstname} and [[name]] and %agent_name% and {order.id}.")
    assert [(f.written, f.name) for f in found] == [
        ("#{ticket.customer.firstname}", "ticket.customer.firstname"), ("[[name]]", "name"),
        ("%agent_name%", "agent_name"), ("{order.id}", "order.id")]
    assert [(f.start, f.end) for f in found][0] == (3, 31)
    for text in ("Hi {{ customer_name }}", "{% if a %}b{% endif %}", "Save 50% now, 20% later",
                 "https://example.com/a%E2%80%99b", "{{ new_date }", "{ new_date }}", "a {b c} d", "[company name]"):
        assert foreign_placeholders(text) == [], text


def test_foreign_placeholders_stay_linear_in_the_text():
    import time

    from kbtool.templating import foreign_placeholders

    for text in ("#{" * 200_000, "[[ " * 200_000, "%a" * 200_000, "${a" * 200_000, "{" * 200_000 + "a"):
        started = time.perf_counter()
        foreign_placeholders(text)
        assert time.perf_counter() - started < 2
