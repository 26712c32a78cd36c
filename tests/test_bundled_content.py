"""The bundled starter knowledge base: valid, complete, and reads as real guidance.

These checks read the content itself, so they stay true as mentors change it.
"""

from __future__ import annotations

import difflib
import itertools
import re

import pytest

from kbtool.assemble import load_knowledge_base
from kbtool.checks import validate
from kbtool.format.kinds.letter import Letter
from kbtool.format.kinds.phrases import PhraseSet
from kbtool.format.kinds.script import Script
from kbtool.format.kinds.standard import Standard
from kbtool.matching import words
from tests.conftest import REPO

CONVERSATIONAL = ("phone", "email", "chat", "in_person", "social")


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(REPO)


def test_validates_strict_clean(kb):
    assert validate(kb) == []


def test_sizes(kb):
    assert len(kb.of_kind("standard")) >= 14
    assert len(kb.of_kind("script")) >= 16
    assert len(kb.of_kind("letter")) >= 12
    sets = kb.of_kind("phrases")
    assert sum(len(s.phrases) for s in sets) >= 150
    assert len({s.situation for s in sets}) >= 14


def test_every_situation_has_a_script_letter_or_phrase_set(kb):
    covered = {e.situation for e in kb.published() if e.kind in ("script", "letter", "phrases")}
    assert set(kb.config.situations) - covered == set()


def test_every_conversational_channel_has_a_greeting_script(kb):
    greeting_channels = {c for e in kb.published() if isinstance(e, Script) and e.situation == "greeting"
                         for c in e.channels}
    assert set(CONVERSATIONAL) - greeting_channels == set()


def test_standards_explain_why_and_show_examples(kb):
    for standard in kb.of_kind("standard"):
        assert isinstance(standard, Standard)
        assert all(rule.why for rule in standard.rules), standard.id
        assert any(rule.do and rule.dont for rule in standard.rules), standard.id


def test_letters_declare_every_variable_with_an_example(kb):
    for letter in kb.of_kind("letter"):
        assert isinstance(letter, Letter)
        for name, variable in letter.variables.items():
            assert variable.description.strip() and variable.example.strip(), (letter.id, name)


FILLER = re.compile(r"\b(lorem|ipsum|tbd|todo|xxx|placeholder|foo|bar baz)\b|\.\.\.$", re.I)


def said_texts(kb) -> list[tuple[str, str]]:
    out = []
    for entry in kb.entries:
        if isinstance(entry, (Script, PhraseSet)):
            out.extend((f"{entry.path}:{entry.pos(*ref.ptr)[0]}", ref.text) for ref in entry.texts() if ref.role == "say")
    return out


def test_no_filler_text(kb):
    offenders = [(where, ref.text) for entry in kb.entries for ref in entry.texts()
                 for where in [entry.path] if FILLER.search(ref.text)]
    assert offenders == []


def test_no_exact_or_near_duplicate_say_texts(kb):
    texts = said_texts(kb)
    normalised = [(where, " ".join(words(text))) for where, text in texts]
    close = []
    for (w1, a), (w2, b) in itertools.combinations(normalised, 2):
        if a == b:
            close.append((w1, w2, 1.0))
            continue
        matcher = difflib.SequenceMatcher(None, a, b)
        if matcher.real_quick_ratio() > 0.85 and matcher.quick_ratio() > 0.85 and matcher.ratio() > 0.85:
            close.append((w1, w2, round(matcher.ratio(), 2)))
    assert close == []
