"""kbtool.audit.conversations: messages fed one at a time to the Auditor, against the small audit
knowledge base (tests/audit_fixtures/kb): what each agent message breaks, a greeting in the first
agent message only, a closing in the last only, promises kept or not, and the counts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kbtool.audit.conversations import Auditor
from kbtool.audit.entries import EntryIndex
from kbtool.audit.records import AGENT, CUSTOMER, FINDING_FIELDS, Conversation, Finding, Message
from kbtool.review import Checker, compile_rules

KB = Path(__file__).resolve().parent.parent / "audit_fixtures" / "kb"
GREETING = "Hi there, thanks for getting in touch with Acme Homeware."
CLOSING = "Is there anything else I can help with today?"


@pytest.fixture(scope="module")
def kb():
    from kbtool.pipeline import check

    return check(KB).kb


def url(entry, item=None) -> str:
    return f"{entry.id}.html" + (f"#{item}" if item else "")


def auditor(kb, levels: dict | None = None, since: dt.date | None = None) -> Auditor:
    entries = EntryIndex(kb, url)
    rules = compile_rules(kb, entries.link)
    entries.learn(rules)
    return Auditor(Checker(rules), entries, levels or {}, since)


def audit(kb, messages: list[Message], **options):
    checking = auditor(kb, **options)
    for message in messages:
        checking.add(message)
    return checking.finish()


def say(conversation: str, author: str, text: str, minute: int = 0, *, channel: str | None = "chat",
        agent: str | None = "Sam Lee", day: str = "2024-05-02", line: int = 1) -> Message:
    return Message(conversation, author, text, "messages.jsonl", line, agent if author == AGENT else None, channel,
                   f"{day}T10:{minute:02d}:00Z" if day else None)


def found(audited) -> list[tuple[str, int, str]]:
    return [(f.conversation, f.message, f.rule) for f in audited.findings]


def test_a_clean_conversation_has_no_findings_and_is_counted(kb):
    audited = audit(kb, [say("G", CUSTOMER, "Hello?"), say("G", AGENT, GREETING, 1), say("G", CUSTOMER, "Where?", 2),
                         say("G", AGENT, f"It arrives Friday. {CLOSING}", 3)])
    assert audited.findings == []
    assert audited.conversations == [Conversation("G", "chat", "2024-05-02T10:00:00Z", ("Sam Lee",), 4, 2, 0)]
    assert (audited.messages, audited.agent_messages, audited.by_agent) == (4, 2, {"Sam Lee": 2})


def test_a_finding_names_the_message_its_entry_and_page(kb):
    audited = audit(kb, [say("A", CUSTOMER, "Hi"), say("A", AGENT, f"{GREETING} Yeah, what is it? {CLOSING}", 1,
                                                        line=7)])
    [finding] = audited.findings
    assert (finding.conversation, finding.message, finding.agent, finding.channel) == ("A", 2, "Sam Lee", "chat")
    assert (finding.rule, finding.level, finding.entry, finding.url) == (
        "avoided-phrase", "warning", "greetings", "greetings.html#hello")
    assert (finding.path, finding.line, finding.at) == ("messages.jsonl", 7, "2024-05-02T10:01:00Z")


def test_an_example_value_points_at_its_entry_and_a_style_rule_or_blank_at_none(kb):
    audited = audit(kb, [say("X", AGENT, f"{GREETING} Your order AC-55501 has shipped. {CLOSING}")])
    [finding] = audited.findings
    assert (finding.rule, finding.level, finding.entry, finding.url) == ("example-value", "error", "refunds",
                                                                         "refunds.html")
    # A style rule or a blank belongs to no entry.
    audited = audit(kb, [say("X", AGENT, f"{GREETING} Please calm down, [NAME]. {CLOSING}")])
    assert {(f.rule, f.entry, f.url) for f in audited.findings} == {("style-phrase", None, None),
                                                                    ("unfilled-blank", None, None)}


def test_the_same_wording_twice_in_one_message_is_one_finding(kb):
    text = (f"{GREETING} Yeah, what is it? Your lamp is with the courier and arrives at the depot on Friday "
            f"morning. Yeah, what is it? {CLOSING}")
    assert found(audit(kb, [say("D", AGENT, text)])) == [("D", 1, "avoided-phrase")]


def test_only_the_first_agent_message_needs_the_greeting(kb):
    audited = audit(kb, [say("L", CUSTOMER, "Hello?"), say("L", AGENT, "Your lamp arrives on Friday.", 1),
                         say("L", AGENT, f"Hi there. {CLOSING}", 2)])
    assert found(audited) == [("L", 2, "missing-greeting")]  # a greeting later does not make up for it
    # Later agent messages need none.
    audited = audit(kb, [say("K", AGENT, GREETING), say("K", AGENT, f"Your lamp arrives on Friday. {CLOSING}", 1)])
    assert audited.findings == []


def test_only_the_last_agent_message_needs_the_closing(kb):
    audited = audit(kb, [say("E", AGENT, f"{GREETING} {CLOSING}"), say("E", CUSTOMER, "One more thing.", 1),
                         say("E", AGENT, "Your lamp arrives on Friday.", 2)])
    assert found(audited) == [("E", 3, "missing-closing")]
    # A closing in an earlier message does not count for the last.
    later = audit(kb, [say("E", AGENT, f"{GREETING} {CLOSING}"), say("E", AGENT, "Oh, and it is blue.", 1)])
    assert found(later) == [("E", 2, "missing-closing")]


def test_customer_messages_are_counted_and_never_checked(kb):
    audited = audit(kb, [say("C", CUSTOMER, "Yeah, what is it? {{ order_number }} I'll call you back by 4pm.")])
    assert audited.findings == []
    assert audited.conversations[0].agent_messages == 0 and audited.conversations[0].agents == ()
    assert audited.by_agent == {}


def test_a_channel_kbtool_does_not_know_is_kept_but_sets_no_greeting_or_closing(kb):
    audited = audit(kb, [say("W", AGENT, "Your lamp arrives on Friday.", channel="whatsapp")])
    assert audited.findings == [] and audited.conversations[0].channel == "whatsapp"
    # A conversation takes the first channel any of its messages names.
    audited = audit(kb, [say("N", CUSTOMER, "Hello?", channel=None), say("N", AGENT, GREETING, 1, channel="email")])
    assert audited.conversations[0].channel == "email"


def test_findings_come_in_conversation_order_whatever_the_interleaving(kb):
    audited = audit(kb, [say("B", AGENT, "Your lamp arrives on Friday.", 0), say("A", AGENT, "It left today.", 1),
                         say("B", AGENT, "Yeah, what is it?", 2)])
    assert found(audited) == [("B", 1, "missing-greeting"), ("B", 2, "avoided-phrase"), ("B", 2, "missing-closing"),
                              ("A", 1, "missing-greeting"), ("A", 1, "missing-closing")]
    assert [c.id for c in audited.conversations] == ["B", "A"]
    assert [c.findings for c in audited.conversations] == [3, 2]


def test_agents_are_listed_in_order_of_their_first_message(kb):
    audited = audit(kb, [say("T", AGENT, GREETING, 0, agent="Jo Evans"), say("T", AGENT, "Ok.", 1, agent="Sam Lee"),
                         say("T", AGENT, CLOSING, 2, agent="Jo Evans")])
    assert audited.conversations[0].agents == ("Jo Evans", "Sam Lee")
    assert audited.by_agent == {"Jo Evans": 2, "Sam Lee": 1}


# -- promises -------------------------------------------------------------------------------------------

PROMISE = f"{GREETING} I'll check with the courier and call you back by 4pm. {CLOSING}"


def test_a_timed_promise_with_no_later_agent_message_is_a_finding_against_the_follow_up_standard(kb):
    audited = audit(kb, [say("P", AGENT, PROMISE), say("P", CUSTOMER, "Thanks.", 1),
                         say("Q", CUSTOMER, "Hello?", 0, day="2024-05-09")])
    [finding] = audited.findings
    assert (finding.conversation, finding.message, finding.rule, finding.level) == ("P", 1, "no-follow-up", "warning")
    assert finding.message_text == ('promised to come back to the customer "by 4pm" and no agent wrote again in '
                                    "this conversation")
    assert (finding.entry, finding.url) == ("follow-up", "follow-up.html")
    assert finding.hint.endswith("(see follow-up.html)")


def test_a_promise_followed_by_an_agent_message_is_kept(kb):
    audited = audit(kb, [say("P", AGENT, PROMISE), say("P", AGENT, f"The courier comes at 5. {CLOSING}", 5),
                         say("Q", CUSTOMER, "Hello?", 0, day="2024-05-09")])
    assert audited.findings == []


def test_a_promise_the_export_ends_before_is_not_yet_due(kb):
    audited = audit(kb, [say("P", AGENT, PROMISE)])
    assert audited.findings == [] and audited.promises_not_due == 1


def test_follow_up_off_in_kb_yaml_looks_for_no_promise(kb):
    audited = audit(kb, [say("P", AGENT, PROMISE), say("Q", CUSTOMER, "Hello?", 0, day="2024-05-09")],
                    levels={"no-follow-up": "off"})
    assert audited.findings == [] and audited.promises_not_due == 0


# -- since ----------------------------------------------------------------------------------------------

def test_since_leaves_out_whole_conversations_that_started_before_it(kb):
    audited = audit(kb, [say("Old", AGENT, "It left.", 0, day="2024-04-30"),
                         say("Old", AGENT, "Yeah, what is it?", 1, day="2024-05-02"),
                         say("Undated", AGENT, "It left.", day=""),
                         say("New", AGENT, f"{GREETING} {CLOSING}", 0, day="2024-05-01")],
                    since=dt.date(2024, 5, 1))
    assert [c.id for c in audited.conversations] == ["New"]
    assert audited.left_out == 2 and audited.findings == []


# -- the finding record ---------------------------------------------------------------------------------

def test_the_finding_record_is_exactly_the_contract_fields():
    finding = Finding("C-1", 2, "Sam Lee", "chat", "2024-05-02T10:00:00Z", "avoided-phrase", "wording to avoid",
                      "say instead", "greetings", "greetings.html#hello", "warning", "m.jsonl", 9)
    record = finding.record()
    assert tuple(record) == FINDING_FIELDS
    assert record["message"] == 2 and record["message_text"] == "wording to avoid"
    assert "level" not in record and "path" not in record and "line" not in record
