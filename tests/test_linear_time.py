"""Time in proportion to the input: a pasted reply (`kbtool check`, the site's "Check a reply"
page) and an imported export (`kbtool import`) cost time that grows with their size, never with
its square, however they repeat the characters the readers' patterns look for.

Each property test runs one reader on a repeat of one such token ({{, {%, <a, a \\u escape, a
quote, a bracket...) at a size where it takes at least 10 ms of CPU, then on four times as much,
and requires less than ten times the CPU (a cost growing with the square would take sixteen).
CPU time, the least of three runs: other work on a shared machine moves it little. The
regression tests replay each reported input at its reported size with a generous bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import KB_YAML, PHRASES, REPO, write_kb

from kbtool.review import Checker, compile_rules

CHECK_JS = REPO / "kbtool" / "assets" / "review" / "check.js"
# The smaller run takes at least this much CPU, so timer grain and noise are small beside it.
TARGET = 0.01
RATIO = 10


def cpu(run: Callable[[], object]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


def assert_linear(make: Callable[[int], Any], run: Callable[[Any], object], start: int = 1000,
                  chars: int = 200_000) -> None:
    """`run(make(4n))` costs under RATIO times `run(make(n))`, for an n where the latter takes TARGET.

    n doubles from `start` until a run takes TARGET, or the input holds `chars` characters (a
    reader that fast there has no square to hide). Noise only ever adds time: the smaller run's
    time is the least of three, and the larger passes at its first run under the bound.
    """
    n = start
    while True:
        small_input = make(n)
        small = cpu(lambda: run(small_input))  # noqa: B023 (called before the loop goes on)
        if small >= TARGET or len(small_input) >= chars:
            break
        n *= 2
    small = min(small, cpu(lambda: run(small_input)), cpu(lambda: run(small_input)))
    big_input = make(4 * n)
    bound = RATIO * max(small, TARGET)
    times = []
    for _ in range(3):
        times.append(cpu(lambda: run(big_input)))
        if times[-1] < bound:
            return
    raise AssertionError(f"n={n}: {small:.4f} s, 4n: {min(times):.4f} s ({min(times) / small:.1f}x)")


def repeat(token: str) -> Callable[[int], str]:
    return lambda n: token * n


# -- kbtool check ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def kb_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_kb(tmp_path_factory.mktemp("kb"), {"scripts_library/phrases/greetings.yaml": PHRASES}, KB_YAML)


@pytest.fixture(scope="module")
def rules(kb_folder: Path) -> dict[str, Any]:
    from kbtool.pipeline import check

    return compile_rules(check(kb_folder).kb, lambda entry, item: f"{entry.id}#{item}")


@pytest.fixture(scope="module")
def checker(rules: dict[str, Any]) -> Checker:
    return Checker(rules)


# Every token the blank, speaker, quote and word patterns give meaning to, and their neighbours.
CHECK_TOKENS = ["{{", "{%", "{#", "{%}", "%}", "}}", "{", "{a", "{{ a", "{% a", "[A", "[A ", "[Insert ", "[",
                "]", "(", ")", "<A", "<A ", "<a>", "<", ">", "> ", "X", "x", "_", " ", "\t", "'", '"', "\u2019",
                "a'", "\\u", ":", ".", "Agent: ", "Customer: ", "10:00 ", "[10:02] ", "a ", "calm down ",
                "Yeah, what is it? ", "\U0001F600 a "]
# Lines built around a run the patterns could read in many ways.
CHECK_SHAPES: dict[str, Callable[[int], str]] = {
    "a time, then spaces": lambda n: "10:00" + " " * n + "1",
    "a time, then spaces and a bracket": lambda n: "[10:00" + " " * n + "]" + " " * n + "-",
    "a label, then spaces": lambda n: "Sam Lee" + " " * n + "x",
    "spaces, then no quote": lambda n: " " * n + "x",
    "a blank opened and never closed": lambda n: "{% " + "a " * n,
    "a marker opened and never closed": lambda n: "[A" + "A " * n,
    "one word a line": lambda n: "Agent: hi\n" * n,
}


@pytest.mark.parametrize("token", CHECK_TOKENS)
def test_check_is_linear_on_repeats(checker: Checker, token: str) -> None:
    assert_linear(repeat(token), checker.check)


@pytest.mark.parametrize("shape", sorted(CHECK_SHAPES))
def test_check_is_linear_on_shapes(checker: Checker, shape: str) -> None:
    assert_linear(CHECK_SHAPES[shape], checker.check)


def test_check_of_one_line_of_template_openers(checker: Checker) -> None:
    """Reported: one 80 KB line of `{%` took 33 s."""
    start = time.process_time()
    assert checker.check("{%" * 40_000) == []
    assert time.process_time() - start < 2


def test_check_of_a_time_followed_by_spaces(checker: Checker) -> None:
    """A time, then a long run of spaces: the speaker pattern read every split of the run (hours)."""
    start = time.process_time()
    checker.check("10:00" + " " * 80_000 + "1")
    assert time.process_time() - start < 2


def test_check_still_finds_blanks_and_speakers(checker: Checker) -> None:
    blanks = [p.message for p in checker.check("Agent: {% if x %} {%%} {%}{%} {{ a }} {% a {% b %} [NAME] {%")]
    assert blanks == ['unfilled blank "{% if x %}"', 'unfilled blank "{%%}"', 'unfilled blank "{%}{%}"',
                      'unfilled blank "{{ a }}"', 'unfilled blank "{% b %}"', 'unfilled blank "[NAME]"']
    for line in ("[10:02 pm] Agent: {{ x }}", "10:02 - Agent: {{ x }}", "10:02pm) Sam Lee: {{ x }}",
                 "(10:02 PM) \u2013 Agent: {{ x }}"):
        assert [p.column for p in checker.check(line)] == [line.index("{{") + 1]
    # Customers' lines are read, not checked.
    assert checker.check("[10:02 pm] Customer: {{ x }}") == []
