"""The loader: safe by construction, every bad input one clear problem at the right line."""

from __future__ import annotations

import json

import pytest

from kbtool.reading.loader import MAX_FILE_BYTES, Mapping, Scalar, Sequence, load_bytes
from tests.conftest import PHRASES


def rules_of(source):
    return [p.rule for p in source.problems]


def one(text: str | bytes, rule: str):
    data = text.encode() if isinstance(text, str) else text
    source = load_bytes(data, "x.yaml")
    assert rules_of(source) == [rule], source.problems
    return source.problems[0]


def test_valid_entry_keeps_positions_and_strings():
    source = load_bytes(PHRASES.encode(), "x.yaml")
    assert source.problems == []
    root = source.root
    assert isinstance(root, Mapping)
    key, value = root.items["review_by"]
    assert (key.line, key.column) == (6, 1)
    assert value.value == "2030-01-01" and (value.line, value.column) == (6, 12)
    phrases = root.items["phrases"][1]
    assert isinstance(phrases, Sequence)
    assert phrases.items[0].line == 10


@pytest.mark.parametrize("text, expected", [
    ("a: no", "no"), ("a: 012", "012"), ("a: +441234567890", "+441234567890"),
    ("a: 2027-01-01", "2027-01-01"), ("a: 1e3", "1e3"), ("a: 0x1F", "0x1F"), ("a: .inf", ".inf"),
])
def test_yaml_11_type_guessing_is_not_applied(text, expected):
    source = load_bytes(text.encode(), "x.yaml")
    assert source.problems == []
    value = source.root.items["a"][1]
    assert isinstance(value, Scalar) and value.value == expected


def test_duplicate_key_names_both_lines():
    p = one("title: One\nowner: Sam\ntitle: Two\n", "duplicate-key")
    assert (p.line, p.column) == (3, 1)
    assert "line 1" in p.message and "3" in p.hint


def test_anchor_and_alias_are_errors():
    source = load_bytes(b"a: &x [1, 2]\nb: *x\n", "x.yaml")
    assert rules_of(source) == ["yaml-anchor", "yaml-alias"]
    assert [p.line for p in source.problems] == [1, 2]


def test_alias_bomb_is_cheap_and_rejected():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    data = "\n".join(lines).encode()
    assert len(data) < 800
    source = load_bytes(data, "bomb.yaml")
    assert "yaml-alias" in rules_of(source) and "yaml-anchor" in rules_of(source)


@pytest.mark.parametrize("text", [
    "a: !!python/object/apply:os.system ['echo pwned']\n",
    "a: !!str 2027-01-01\n",
    "a: !custom x\n",
])
def test_explicit_tags_are_errors_and_never_constructed(text):
    p = one(text, "yaml-tag")
    assert p.line == 1


@pytest.mark.parametrize("text", ["yes: 1\n", "1: a\n", "? [a, b]\n: c\n", "null: x\n"])
def test_non_string_keys(text):
    p = one(text, "non-string-key")
    assert p.line == 1


def test_invalid_utf8_points_at_the_byte():
    p = one(b"title: ok\nsay: caf\xe9 au lait\n", "invalid-utf8")
    assert (p.line, p.column) == (2, 9)
    assert "UTF-8" in p.hint


def test_tab_indentation():
    p = one("rules:\n\t- id: a\n", "tab-indentation")
    assert (p.line, p.column) == (2, 1)


def test_tab_inside_text_is_fine():
    source = load_bytes(b'say: "a\tb"\n', "x.yaml")
    assert source.problems == []


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n"])
def test_empty_file(text):
    one(text, "empty-file")


@pytest.mark.parametrize("text, what", [("- a\n- b\n", "list"), ("just text\n", "single value")])
def test_top_level_must_be_a_mapping(text, what):
    p = one(text, "not-a-mapping")
    assert what in p.message


def test_deep_block_nesting_is_bounded():
    text = "".join("  " * i + f"k{i}:\n" for i in range(30)) + "  " * 30 + "v\n"
    p = one(text, "too-deep")
    assert p.line == 11


def test_deep_flow_nesting_does_not_crash_libyaml():
    # libyaml recurses on flow collections; tens of thousands deep kills the process.
    text = "a: " + "[" * 50_000 + "]" * 50_000 + "\n"
    p = one(text, "too-deep")
    assert p.line == 1


def test_unbalanced_deep_flow_is_a_syntax_or_depth_problem():
    source = load_bytes(("a: " + "[" * 30_000).encode(), "x.yaml")
    assert rules_of(source) in (["too-deep"], ["yaml-syntax"])


def test_file_size_cap():
    p = one(b"a: " + b"x" * MAX_FILE_BYTES, "file-too-large")
    assert "1,048,576" in p.message


def test_multiple_documents():
    p = one("a: 1\n---\nb: 2\n", "multiple-documents")
    assert p.line == 2


def test_syntax_error_position_and_hint():
    p = one("title: ok\nsay: Sorry: that's late\n", "yaml-syntax")
    assert p.line == 2
    assert "quotes" in p.hint


def test_nul_byte():
    one(b"a: b\x00c\n", "yaml-syntax")


def test_bom_is_allowed():
    source = load_bytes("\ufeffa: b\n".encode(), "x.yaml")
    assert source.problems == []


def test_problems_serialise():
    p = one("a: 1\na: 2\n", "duplicate-key")
    assert json.loads(json.dumps(p.as_dict()))["rule"] == "duplicate-key"


def test_control_characters_from_escapes_are_refused():
    p = one('say: "Hello\\x1b]0;pwned\\x07"\n', "control-character")
    assert (p.line, p.column) == (1, 6)
    assert "U+001B" in p.message


def test_bidi_overrides_warn_but_right_to_left_text_is_fine():
    source = load_bytes("say: مرحبا بك\n".encode(), "x.yaml")
    assert source.problems == []
    source = load_bytes("say: \"abc \u202e fed\"\n".encode(), "x.yaml")
    assert [(p.rule, p.level.value) for p in source.problems] == [("bidi-control", "warning")]


def test_ordinary_escapes_are_fine():
    source = load_bytes(b'say: "Line one\\nLine two \\u00e9 \\"quoted\\""\n', "x.yaml")
    assert source.problems == []


def test_a_loaded_entry_lets_its_tree_go_and_still_points_at_lines(tmp_path):
    # The node trees were twice the size of the model at 10,000 entries; positions are made
    # again from the text, and must come out exactly as before.
    from kbtool.assemble import load_knowledge_base
    from tests.conftest import write_kb

    kb = load_knowledge_base(write_kb(tmp_path, {"scripts_library/phrases/greetings.yaml": PHRASES}))
    entry = kb.entries[0]
    assert entry.source._tree is None and entry.source.text == PHRASES
    fresh = load_bytes(PHRASES.encode(), entry.path)
    from kbtool.reading.loader import locate

    for ptr in [("review_by",), ("review_by", "#key"), ("phrases", 1, "say"), ("phrases", 9), ("nothing",)]:
        assert entry.pos(*ptr) == locate(fresh.root, ptr)
    assert entry.pos("review_by") == (6, 12)
