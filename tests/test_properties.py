"""Property-based: random and mutated files never raise; they give problems or a clean result."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbtool.checks import validate
from kbtool.problems import Problem
from kbtool.source.kb import load_knowledge_base
from kbtool.source.loader import load_bytes
from tests.test_validate import GOOD

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

unicode_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80
) | st.sampled_from(["\u202eevil", "e\u0301\u0301", "🙂👍🏽", "{{ x }}", "{% for %}", "no", "012", "&a", "*a", "!!str"])

yaml_scalars = st.one_of(unicode_text, st.integers(), st.booleans(), st.none())
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def _to_yaml(value: object) -> str:
    import yaml

    return yaml.safe_dump(value, allow_unicode=True)


def _check_kb(files: dict[str, bytes]) -> list[Problem]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, data in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        kb = load_knowledge_base(root)
        problems = validate(kb)
    for p in problems:
        assert p.line >= 1 and p.column >= 1 and p.rule and p.message
    return problems


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data):
    source = load_bytes(data, "x.yaml")
    assert source.root is not None or source.problems


@SETTINGS
@given(yaml_values)
def test_random_structures_as_entries_never_raise(value):
    _check_kb({"standards/x.yaml": _to_yaml(value).encode()})


@SETTINGS
@given(st.sampled_from(sorted(GOOD)), st.data())
def test_mutated_valid_files_never_raise(path, data):
    original = GOOD[path].encode()
    how = data.draw(st.sampled_from(["truncate", "flip", "insert", "delete-line", "dup-line"]))
    if how == "truncate":
        mutated = original[: data.draw(st.integers(0, len(original)))]
    elif how == "flip":
        i = data.draw(st.integers(0, len(original) - 1))
        mutated = original[:i] + bytes([data.draw(st.integers(0, 255))]) + original[i + 1:]
    elif how == "insert":
        i = data.draw(st.integers(0, len(original)))
        piece = data.draw(unicode_text).encode("utf-8", "surrogatepass")
        mutated = original[:i] + piece + original[i:]
    else:
        lines = original.splitlines(keepends=True)
        i = data.draw(st.integers(0, len(lines) - 1))
        mutated = b"".join(lines[:i] + (lines[i + 1:] if how == "delete-line" else [lines[i]] + lines[i:]))
    files = {k: v.encode() for k, v in GOOD.items()}
    files[path] = mutated
    _check_kb(files)


STRUCTURAL = {"kind", "id", "status", "review_by", "channels", "situation", "related", "next"}


def _replace_text(data, text):
    """Put `text` into every free-text leaf (ids, vocabularies and dates keep their values)."""
    if isinstance(data, dict):
        return {k: (v if k in STRUCTURAL else _replace_text(v, text)) for k, v in data.items()}
    if isinstance(data, list):
        return [_replace_text(v, text) for v in data]
    return text if isinstance(data, str) else data


@SETTINGS
@given(st.sampled_from(sorted(GOOD)), unicode_text)
def test_any_text_in_every_text_field_never_raises(path, text):
    import yaml

    data = _replace_text(yaml.safe_load(GOOD[path]), text)
    files = {k: v.encode() for k, v in GOOD.items()}
    files[path] = yaml.safe_dump(data, allow_unicode=True).encode()
    _check_kb(files)


@pytest.fixture(scope="module")
def bundled_index(tmp_path_factory):
    import shutil

    from kbtool.search.api import build_index, open_index
    from tests.conftest import REPO

    root = tmp_path_factory.mktemp("search")
    for name in ("standards", "scripts_library"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "kb.yaml", root / "kb.yaml")
    build_index(load_knowledge_base(root))
    index = open_index(root)
    yield index
    index.close()


@SETTINGS
@given(query=unicode_text | st.text(alphabet="abcdefghijklmnopqrstuvwxyz *?~^\"'()[]{}:-+!ANDORNOT", max_size=40))
def test_any_search_query_never_raises(bundled_index, query):
    from kbtool.search.api import run_query

    results = run_query(bundled_index, query, limit=5)
    assert all(hit.text for hit in results.hits)


@SETTINGS
@given(st.dictionaries(st.sampled_from(["order_number", "new_date", "promised_date", "reason", "customer_name",
                                        "agent_name", "unknown", "__class__"]), unicode_text, max_size=8))
def test_any_letter_values_render_or_give_a_letter_error(values):
    from kbtool.authoring.letters import LetterError, render_letter

    kb = _bundled_kb()
    letter = kb.by_id["delay-apology"]
    try:
        rendered = render_letter(letter, values, kb.config)
    except LetterError:
        return
    for value in values.values():
        assert value.strip() in rendered.body or value.strip() in rendered.subject or not value.strip()


@functools.lru_cache(maxsize=1)
def _bundled_kb():
    from tests.conftest import REPO

    return load_knowledge_base(REPO)


def test_huge_strings_and_deep_nesting():
    big = "x" * 900_000
    _check_kb({"standards/big.yaml": f"kind: standard\nid: big\ntitle: '{big}'\n".encode()})
    deep = "a: " + "{b: " * 5000 + "c" + "}" * 5000 + "\n"
    problems = _check_kb({"standards/deep.yaml": deep.encode()})
    assert [p.rule for p in problems] == ["too-deep"]


template_text = st.lists(
    st.sampled_from(["{{", "}}", "{%", "%}", "{#", "#}", " if ", " else ", " endif ", "customer_name", "|",
                     "title", "default(", ")", "'x'", ".", "__class__", "[", "]", "*", "10", "~", " for ",
                     " in ", "(", "\n", "é", "🙂", "\u202e"]) | unicode_text,
    max_size=25,
).map("".join)


@SETTINGS
@given(template_text)
def test_templates_never_raise_anything_but_render_errors(text):
    from kbtool.templating import RenderError, analyse, render

    analyse(text)
    try:
        out = render(text, {"customer_name": "Ms Patel", "agent_name": "Sam"})
    except RenderError:
        return
    assert len(out) <= 100_000
