"""kbtool.review.engine: the rules compiled from a small knowledge base, and the findings for a text.

The knowledge base is three entries and a kb.yaml whose built-in style lists are off, so every
pattern the engine compiles is one this file wrote.
"""

from __future__ import annotations

import pytest
from conftest import write_kb

from kbtool.review import Checker, check_text, compile_rules
from kbtool.review.engine import WILDCARD, allowed_cost, best_match, opening_words, spans, whole_match
from kbtool.review.words import tokens

GREETINGS = """\
kind: phrases
id: greetings
title: Greetings
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [chat, email]
situation: greeting
phrases:
  - id: hi-there
    say: Hi there, thanks for getting in touch with {{ company_name }}.
    avoid:
      - Yeah, what is it?
    why: A warm opening reads as a person.
"""

CLOSING = """\
kind: phrases
id: closing
title: Closing
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [chat]
situation: closing
phrases:
  - id: anything-else
    say: Is there anything else I can help with today?
    avoid:
      - Please do not reply to this email.
"""

REFUNDS = """\
kind: standard
id: refunds
title: Refunds
summary: Say when the money arrives.
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [chat]
situation: refund
variables:
  order_number:
    description: The order's number.
    example: AC-55501
  courier:
    description: Who delivers it.
    example: DPD
rules:
  - id: say-when
    text: Give the day the refund arrives.
    why: A refund without a date sounds like no refund.
    do:
      - Your refund for {{ order_number }} ({{ courier }}) arrives on Friday.
    dont:
      - It has been processed, that is all I can tell you.
"""

KB_YAML = """\
variables:
  company_name: Acme Homeware
style:
  builtin: false
  phrases:
    - text: to be honest
      why: It suggests the rest was not.
  letter_words:
    - text: guarantee
"""

FILES = {"scripts_library/phrases/greetings.yaml": GREETINGS, "scripts_library/phrases/closing.yaml": CLOSING,
         "standards/refunds.yaml": REFUNDS}


def link(entry, item):
    return f"{entry.id}#{item}"


def knowledge_base(root, kb_yaml: str = KB_YAML, files: dict | None = None):
    from kbtool.pipeline import check

    checked = check(write_kb(root, files or FILES, kb_yaml))
    assert checked.problems == []
    return checked.kb


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return knowledge_base(tmp_path_factory.mktemp("review"))


@pytest.fixture(scope="module")
def rules(kb):
    return compile_rules(kb, link)


@pytest.fixture(scope="module")
def checker(rules):
    return Checker(rules)


def found(checker: Checker, text: str, channel: str | None = None) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.rule) for p in checker.check(text, "reply.txt", channel)]


def words(text: str, line: int = 1) -> list[tuple]:
    """Words as a passage holds them; each sentence's first word starts a sentence."""
    out = []
    for i, token in enumerate(tokens(text)):
        before = text[:token.start].rstrip()
        out.append((token.stem, token.weight, line, token.start + 1, i == 0 or before.endswith((".", "?", "!"))))
    return out


def stems_and_weights(text: str) -> tuple[list[str], list[float]]:
    found_tokens = tokens(text)
    return [t.stem for t in found_tokens], [t.weight for t in found_tokens]


# -- compiling the rules ------------------------------------------------------------------------------

def test_every_wording_of_the_knowledge_base_becomes_one_pattern(rules):
    assert sorted((p["rule"], " ".join(p["t"])) for p in rules["patterns"]) == [
        ("avoided-phrase", "it has been process that is all i can tell you"),
        ("avoided-phrase", "pleas do not reply to thi email"),
        ("avoided-phrase", "yeah what is it"),
        ("example-value", "ac 55501"),
        ("overpromise", "guarante"),
        ("style-phrase", "to be honest"),
    ]


def test_an_avoided_wording_says_what_to_say_instead_why_and_where(rules):
    [pattern] = [p for p in rules["patterns"] if p["t"] == ["yeah", "what", "is", "it"]]
    assert pattern["message"] == 'wording to avoid: "Yeah, what is it?" (Greetings, hi-there)'
    # The approved wording is shown filled in with kb.yaml's values.
    assert pattern["hint"] == ('say instead: "Hi there, thanks for getting in touch with Acme Homeware." '
                               "Why: A warm opening reads as a person. See greetings#hi-there")
    assert pattern["link"] == "greetings#hi-there" and pattern["level"] == "warning"


def test_a_short_wording_to_avoid_compiles_exact_and_whole_and_a_long_one_tolerant(rules):
    by_words = {" ".join(p["t"]): p for p in rules["patterns"]}
    assert by_words["yeah what is it"]["max"] == 0.0 and by_words["yeah what is it"]["whole"] is True
    assert by_words["pleas do not reply to thi email"]["max"] == 1.24
    assert by_words["pleas do not reply to thi email"]["whole"] is False


def test_only_distinctive_example_values_are_checked(rules):
    examples = [p for p in rules["patterns"] if p["rule"] == "example-value"]
    # "AC-55501" has four digits in a row; "DPD" is what a real reply says too.
    assert [p["message"] for p in examples] == [
        'example value left in: "AC-55501" (the example for order_number in Refunds)']
    assert examples[0]["level"] == "error" and examples[0]["max"] == 0.0


def test_style_rules_come_from_kb_yaml_with_their_why_or_a_default_hint(rules):
    by_rule = {p["rule"]: p for p in rules["patterns"] if p["rule"] in ("style-phrase", "overpromise")}
    assert by_rule["style-phrase"]["message"] == 'avoid "to be honest" with customers'
    assert by_rule["style-phrase"]["hint"] == "It suggests the rest was not."
    assert by_rule["overpromise"]["hint"] == "promise only what you control, with a date"


def test_greeting_and_closing_requirements_follow_each_entrys_channels(rules):
    required = {channel: [(n["rule"], n["leads"]) for n in needs] for channel, needs in rules["requirements"].items()}
    assert required["chat"] == [("missing-greeting", [["hi", "ther"]]), ("missing-closing", [["is", "ther", "anyth"]])]
    assert required["email"] == [("missing-greeting", [["hi", "ther"]])]
    assert required["phone"] == [] and required["sms"] == []
    [greeting] = rules["requirements"]["email"]
    assert greeting["message"] == ("the email conversation does not open with a greeting the knowledge base "
                                   "gives for Email")
    assert greeting["hint"] == ('for example: "Hi there, thanks for getting in touch with Acme Homeware." '
                                "(greetings#hi-there)")


def test_kb_yaml_levels_set_each_pattern_and_off_leaves_it_out(tmp_path):
    levels = KB_YAML + "rules:\n  avoided-phrase: error\n  style-phrase: 'off'\n  missing-closing: 'off'\n"
    compiled = compile_rules(knowledge_base(tmp_path, levels), link)
    assert {p["level"] for p in compiled["patterns"] if p["rule"] == "avoided-phrase"} == {"error"}
    assert "style-phrase" not in {p["rule"] for p in compiled["patterns"]}
    assert [n["rule"] for n in compiled["requirements"]["chat"]] == ["missing-greeting"]


def test_the_same_wording_in_two_entries_is_one_pattern(tmp_path):
    twin = GREETINGS.replace("id: greetings", "id: greetings-two").replace("title: Greetings", "title: Greetings two") \
        .replace("Hi there, thanks for getting in touch", "Hello, thank you for writing to")
    kb = knowledge_base(tmp_path, files={**FILES, "scripts_library/phrases/greetings-two.yaml": twin})
    compiled = compile_rules(kb, link)
    assert [p["t"] for p in compiled["patterns"]].count(["yeah", "what", "is", "it"]) == 1


# -- matching a text ----------------------------------------------------------------------------------

def test_findings_point_at_the_first_word_of_the_wording_with_the_texts_path(checker):
    assert found(checker, "Hi there, your refund for AC-2041 arrives on Friday.") == []
    assert found(checker, "Agent: Well, to be honest it left.") == [(1, 14, "style-phrase")]
    assert found(checker, "We guarantee it.") == [(1, 4, "overpromise")]
    assert found(checker, "Your order AC-55501 is late.") == [(1, 12, "example-value")]
    [problem] = checker.check("Yeah, what is it?", "chat-114.txt")
    assert (problem.path, problem.line, problem.column, problem.level.value) == ("chat-114.txt", 1, 1, "warning")
    assert problem.message == 'wording to avoid: "Yeah, what is it?" (Greetings, hi-there)'


def test_a_long_wording_survives_contractions_and_a_small_change_but_not_a_rewrite(checker):
    assert found(checker, "It's been processed, that's all I can tell you.") == [(1, 1, "avoided-phrase")]
    assert found(checker, "So please don't reply to the email.") == [(1, 4, "avoided-phrase")]
    assert found(checker, "So please never answer this email.") == []


def test_a_short_wording_must_be_exact_and_one_to_avoid_a_sentence_of_its_own(checker):
    assert found(checker, "To be really honest, it left.") == []
    assert found(checker, "Yeah, what is it you would like to change?") == []
    assert found(checker, "Agent: Yeah. What is it?") == [(1, 8, "avoided-phrase")]


def test_each_occurrence_of_a_wording_is_its_own_finding(checker):
    # With words between them, each place is reported...
    assert found(checker, "To be honest. It left on time. To be honest.") == [(1, 1, "style-phrase"),
                                                                                 (1, 32, "style-phrase")]
    # ...and so it must be on two lines of one turn: the mentor needs both places.
    assert found(checker, "To be honest.\nTo be honest.") == [(1, 1, "style-phrase"), (2, 1, "style-phrase")]
    assert found(checker, "To be honest. To be honest.") == [(1, 1, "style-phrase"), (1, 15, "style-phrase")]


def test_customer_and_quoted_lines_are_never_checked(checker):
    assert found(checker, "Customer: To be honest, {{ name }}\nAgent: Fine.") == []
    assert found(checker, "> To be honest, [NAME]\n\nThanks for your email.") == []


def test_a_speaker_label_is_skipped_but_a_sentence_with_a_colon_is_read(checker):
    assert found(checker, "To be honest: it left.") == [(1, 1, "style-phrase")]
    assert found(checker, "[10:02] Sam Lee: To be honest it left.") == [(1, 18, "style-phrase")]


def test_passages_split_by_speaker_and_blank_line_and_list_staff_lines(checker):
    passages, staff = checker.passages("Agent: Hello there.\nSecond line.\n\nCustomer: Hi!\n> quoted\n"
                                       "[10:02] Sam Lee: Ok")
    assert [(p.agent, [w[0] for w in p.words]) for p in passages] == [
        (True, ["hello", "ther", "second", "line"]), (False, []), (True, ["ok"])]
    assert staff == [(1, 6, "Agent: Hello there."), (2, 0, "Second line."), (6, 16, "[10:02] Sam Lee: Ok")]
    # Positions are 1-based; "Second" starts a sentence of its own.
    assert passages[0].words[2] == ("second", 1.0, 2, 1, True)


# -- blanks -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("blank", ["{{ order_number }}", "[NAME]", "<DATE>", "XXX", "___", "#{ticket.id}",
                                   "{ticket.requester.name}", "[[ first_name ]]", "%FIRST_NAME%", "[Insert reason]"])
def test_each_kind_of_blank_is_found_at_its_column(checker, blank):
    assert found(checker, f"Hi, {blank} here.") == [(1, 5, "unfilled-blank")]


@pytest.mark.parametrize("text", ["See [the returns page](https://example.test/returns).", "Call [I] me.",
                                  "Use {Size} here."])
def test_brackets_that_are_not_blanks(checker, text):
    assert found(checker, text) == []


def test_a_blank_is_an_error_with_its_text_in_the_message(checker):
    [problem] = checker.check("Agent: Your order {{ order_number }}?", "r.txt")
    assert (problem.line, problem.column, problem.level.value) == (1, 19, "error")
    assert problem.message == 'unfilled blank "{{ order_number }}"' and problem.hint == "fill it in before sending"


# -- greeting and closing -------------------------------------------------------------------------------

def test_without_a_channel_or_staff_words_nothing_is_required(checker):
    assert found(checker, "Agent: Your parcel is at the depot.") == []
    assert found(checker, "Customer: Hello, where is my parcel?", "chat") == []


def test_a_missing_greeting_points_at_the_first_staff_word_and_a_closing_at_the_last_turn(checker):
    text = "Customer: Hello?\nAgent: Your parcel is at the depot.\nCustomer: ok\nAgent: Bye."
    assert found(checker, text, "chat") == [(2, 8, "missing-greeting"), (4, 8, "missing-closing")]


def test_a_greeting_counts_in_the_first_two_staff_turns_only(checker):
    assert found(checker, "Agent: Thanks.\nAgent: Hi there. Is there anything else?", "chat") == []
    assert found(checker, "Agent: Thanks.\nAgent: Ok.\nAgent: Hi there. Is there anything else?", "chat") == \
        [(1, 8, "missing-greeting")]


def test_a_closing_counts_in_the_last_two_staff_turns_only(checker):
    assert found(checker, "Agent: Hi there. Is there anything else?\nAgent: Bye.", "chat") == []
    assert found(checker, "Agent: Hi there. Is there anything else?\nAgent: Ok.\nAgent: Bye.", "chat") == \
        [(3, 8, "missing-closing")]


def test_a_channel_the_content_gives_no_greeting_for_is_not_checked(checker):
    assert found(checker, "Agent: Hello", "email") == [(1, 8, "missing-greeting")]
    assert found(checker, "Agent: Hello", "sms") == []


def test_check_text_compiles_and_checks_in_one_call(kb):
    got = [(p.column, p.rule) for p in check_text(kb, "To be honest, XXX.", link, channel="chat")]
    assert sorted(got) == [(1, "missing-closing"), (1, "missing-greeting"), (1, "style-phrase"), (15, "unfilled-blank")]


# -- the matching functions -----------------------------------------------------------------------------

@pytest.mark.parametrize(("weights", "tolerant", "allowed"), [
    ([1.0, 1.0, 1.0], True, 0.74),
    ([1.0, 1.0, 0.5, 0.5], True, 0.74),
    ([1.0, 1.0, 0.5], True, 0.0),      # weighing under 3 ("calm down, please"): exact
    ([1.0, 1.0, 1.0], False, 0.0),
    ([], True, 0.0),
])
def test_allowed_cost_is_a_quarter_of_the_wording_from_three_words(weights, tolerant, allowed):
    assert allowed_cost(weights, tolerant) == allowed


def test_opening_words_run_to_the_first_word_with_meaning():
    assert opening_words(["hello", "you", "are"], [1.0, 0.5, 1.0]) == ["hello", "you"]
    assert opening_words(["take", "care"], [1.0, 1.0]) == ["take", "care"]
    assert opening_words(["i", "will", "email", "you"], [0.5, 0.5, 1.0, 0.5]) == ["i", "will", "email"]
    assert opening_words(["is", "it", "you", "ok"], [0.5, 0.5, 0.5, 0.5]) == ["is", "it", "you"]


def test_best_match_returns_where_the_wording_starts():
    pattern, weights = stems_and_weights("please do not reply to this email")
    allowed = allowed_cost(weights)
    assert best_match(pattern, weights, allowed, words("so please do not reply to this email")) == 1
    assert best_match(pattern, weights, allowed, words("so please don't reply to the email")) == 1
    assert best_match(pattern, weights, allowed, words("so please never answer this email")) is None
    # A placeholder in the wording stands for exactly one word.
    pattern, weights = ["thank", WILDCARD, "call"], [1.0, 0.5, 1.0]
    assert best_match(pattern, weights, 0.0, words("well thank bob call")) == 1
    assert best_match(pattern, weights, 0.0, words("well thank call")) is None


def test_whole_match_needs_the_wording_to_be_its_own_sentence():
    pattern = ["order", "number"]
    assert whole_match(pattern, words("Thanks. Order number?")) == 1
    assert whole_match(pattern, words("Thanks. Order number? Ok.")) == 1
    assert whole_match(pattern, words("Read me the order number.")) is None


def test_spans_are_the_stretches_around_the_wordings_content_words():
    pattern, weights = stems_and_weights("please do not reply to this email")
    allowed = allowed_cost(weights)
    long_text = words(" ".join("abcdefghijklmnopqrst") + " please do not reply to this email")
    # The first content word ("not") is word 22; the reach is the wording's length plus two changes.
    assert spans(pattern, weights, allowed, long_text) == [(13, 27)]
    assert spans(pattern, weights, allowed, words("nothing like it here")) == []
