"""kbtool.checks.ids: an id used by two entries, an item id used twice in one entry, and a file
named other than its entry's id."""

from __future__ import annotations

from conftest import PHRASES, write_kb

from kbtool.assemble import load_knowledge_base
from kbtool.checks import ids
from kbtool.checks.base import rules_off


def id_problems(tmp_path, files: dict[str, str]) -> list[tuple[str, int, int, str, str, str, str]]:
    kb = load_knowledge_base(write_kb(tmp_path, files, None))
    assert kb.problems == []
    return sorted((p.path, p.line, p.column, p.level.value, p.rule, p.message, p.hint) for p in ids.check(kb))


def test_an_entry_in_a_file_named_after_its_id_is_clean(tmp_path):
    assert id_problems(tmp_path, {"scripts_library/phrases/greetings.yaml": PHRASES}) == []


def test_a_file_named_other_than_its_id_is_a_warning_at_the_id(tmp_path):
    assert id_problems(tmp_path, {"scripts_library/phrases/hello.yaml": PHRASES}) == [
        ("scripts_library/phrases/hello.yaml", 2, 5, "warning", "id-filename",
         "the file is named 'hello' but the id is 'greetings'", "rename the file to greetings.yaml or change the id")]


def test_an_id_used_twice_names_both_files_and_lines(tmp_path):
    problems = id_problems(tmp_path, {"scripts_library/phrases/greetings.yaml": PHRASES,
                                      "standards/greetings.yaml": PHRASES})
    assert len(problems) == 1
    path, line, column, level, rule, message, hint = problems[0]
    first = ({"scripts_library/phrases/greetings.yaml", "standards/greetings.yaml"} - {path}).pop()
    assert (line, column, level, rule) == (2, 5, "error", "duplicate-id")
    assert message == f"id 'greetings' is also used by {first}:2"
    assert hint == f"rename one of them: {first}:2 and {path}:2"
    # A copy under another name breaks both rules.
    problems = id_problems(tmp_path / "copy", {"scripts_library/phrases/greetings.yaml": PHRASES,
                                               "scripts_library/phrases/hello.yaml": PHRASES})
    assert {(path, rule) for path, _, _, _, rule, _, _ in problems} == {
        ("scripts_library/phrases/hello.yaml", "duplicate-id"), ("scripts_library/phrases/hello.yaml", "id-filename")}


def test_an_item_id_used_again_points_at_each_repeat_and_the_first(tmp_path):
    three = PHRASES + "  - id: other\n    say: Other.\n  - id: hello\n    say: Hi.\n  - id: hello\n    say: Hey.\n"
    problems = id_problems(tmp_path, {"scripts_library/phrases/greetings.yaml": three})
    assert [(line, column, level, rule, message) for _, line, column, level, rule, message, _ in problems] == [
        (17, 9, "error", "duplicate-item-id", "phrase id 'hello' is used twice in this entry (first on line 10)"),
        (19, 9, "error", "duplicate-item-id", "phrase id 'hello' is used twice in this entry (first on line 10)"),
    ]
    assert {hint for *_, hint in problems} == {"give each item its own id"}


def test_item_ids_may_repeat_across_entries(tmp_path):
    other = PHRASES.replace("id: greetings", "id: greetings-two").replace("Good morning", "Good afternoon")
    assert id_problems(tmp_path, {"scripts_library/phrases/greetings.yaml": PHRASES,
                                  "scripts_library/phrases/greetings-two.yaml": other}) == []


def test_a_rule_turned_off_is_reported_without_looking_up_its_position(tmp_path):
    kb = load_knowledge_base(write_kb(tmp_path, {"scripts_library/phrases/hello.yaml": PHRASES}, None))
    with rules_off(frozenset({"id-filename"})):
        [problem] = ids.check(kb)
    assert (problem.rule, problem.line, problem.column) == ("id-filename", 0, 0)
