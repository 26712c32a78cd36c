"""`kbtool audit`: each input format over example exports with expected JSON, each conversation
check positive and negative, customer messages never flagged, the summaries, --by, --since,
--anonymise, bad input as FILE:LINE, exit codes, the test set's scores, and the HTML report in
Chromium (axe-core at 390 and 1280 px, nothing requested).

The format fixtures are audited against the small knowledge base in tests/audit_fixtures/kb/ so
their expected JSON (tests/audit_fixtures/expected/) changes only when the audit does;
KBTOOL_UPDATE_GOLDEN=1 rewrites it after a deliberate change. The test set (month.jsonl) runs
against the bundled knowledge base, as `kbtool check`'s test set does.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import REPO

FIXTURES = Path(__file__).resolve().parent / "audit_fixtures"
KB = FIXTURES / "kb"
EXPECTED = FIXTURES / "expected"
UPDATE = os.environ.get("KBTOOL_UPDATE_GOLDEN") == "1"
# What customers write in the fixtures: wordings to avoid, style phrases, a blank, a promise. None
# of it may be flagged, and no report may quote it.
CUSTOMER_WORDS = ("what is it you lot want", "To be honest I'm fed up", "with excuses", "Nobody has answered me")


def audit_json(cli, *args: str, root: Path = KB) -> dict:
    run = cli("audit", *args, "--root", str(root), "--format", "json", "-q")
    assert run.code in (0, 1), run.output
    return json.loads(run.stdout)


def jsonl(tmp_path: Path, messages: list[dict], name: str = "messages.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    return path


def conversation(cid: str, channel: str, *turns: tuple[str, str], day: str = "2024-05-02", agent: str = "Sam Lee"
                 ) -> list[dict]:
    """Messages of one conversation, a minute apart: turns are ("agent" | "customer", text)."""
    out = []
    for minute, (author, text) in enumerate(turns):
        message = {"conversation": cid, "author": author, "channel": channel, "at": f"{day}T10:{minute:02d}:00Z",
                   "text": text}
        if author == "agent":
            message["agent"] = agent
        out.append(message)
    return out


def found(document: dict) -> list[tuple[str, int, str]]:
    return [(f["conversation"], f["message"], f["rule"]) for f in document["findings"]]


# -- acceptance: each input format, with its expected JSON -----------------------------------------

FORMAT_CASES = ["messages.jsonl", "zendesk_tickets.json", "zendesk_export.jsonl", "freshdesk_tickets.json",
                "freshdesk_conversations.json", "transcripts"]


@pytest.mark.parametrize("fixture", FORMAT_CASES)
def test_each_input_format_gives_its_expected_json(cli, fixture):
    document = audit_json(cli, str(FIXTURES / fixture))
    golden = EXPECTED / f"{fixture.replace('.', '_')}.json"
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert document == json.loads(golden.read_text(encoding="utf-8")), \
        f"output differs from {golden.name} (KBTOOL_UPDATE_GOLDEN=1 rewrites it)"


def test_the_finding_record_is_the_contract(cli):
    document = audit_json(cli, str(FIXTURES / "messages.jsonl"))
    assert list(document) == ["version", "conversations", "messages", "agent_messages", "findings", "summaries"]
    assert (document["conversations"], document["messages"], document["agent_messages"]) == (5, 15, 7)
    for finding in document["findings"]:
        assert list(finding) == ["conversation", "message", "agent", "channel", "at", "rule", "message_text", "hint",
                                 "entry", "url"]
    first = document["findings"][0]
    assert first["conversation"] == "C-2" and first["message"] == 2 and first["agent"] == "Ann Cole"
    assert first["at"] == "2024-05-14T10:30:00+01:00" and first["entry"] == "greetings"
    assert first["url"] == "site/phrases/greetings.html#hi-there"
    assert found(document) == [("C-2", 2, "avoided-phrase"), ("C-2", 2, "missing-greeting"),
                               ("C-2", 2, "avoided-phrase"), ("C-2", 2, "example-value"),
                               ("C-2", 2, "avoided-phrase"), ("C-2", 2, "missing-closing"),
                               ("C-3", 3, "no-follow-up")]


def test_the_same_messages_as_csv_give_the_same_json(cli):
    assert audit_json(cli, str(FIXTURES / "messages.csv")) == audit_json(cli, str(FIXTURES / "messages.jsonl"))


def test_help_desk_exports_read_as_the_same_conversations(cli):
    """The Zendesk and Freshdesk fixtures hold the JSON Lines file's conversations: the same
    findings, by ticket id, with internal notes and private notes left out."""
    zendesk = audit_json(cli, str(FIXTURES / "zendesk_tickets.json"))
    assert [(f["conversation"], f["message"], f["rule"], f["agent"], f["channel"]) for f in zendesk["findings"]] == [
        ("4101", 2, rule, "Ann Cole", "email") for rule in ("avoided-phrase", "missing-greeting", "avoided-phrase",
                                                            "example-value", "avoided-phrase", "missing-closing")
    ] + [("4102", 3, "no-follow-up", "Sam Lee", "phone")]
    assert zendesk["messages"] == 10  # the internal note is not a message
    freshdesk = audit_json(cli, str(FIXTURES / "freshdesk_tickets.json"))
    assert [f["rule"] for f in freshdesk["findings"]] == [r for _, _, r in found(zendesk)][:6]
    assert {f["agent"] for f in freshdesk["findings"]} == {"Freshdesk agent 7001"}
    assert freshdesk["summaries"]["by_channel"][0]["channel"] in ("email", "chat")


def test_zendesk_without_users_takes_the_requester_for_the_customer_and_reads_html(cli):
    document = audit_json(cli, str(FIXTURES / "zendesk_export.jsonl"))
    assert found(document) == [("4201", 2, "missing-greeting"), ("4201", 2, "avoided-phrase"),
                               ("4201", 2, "missing-closing")]
    assert document["findings"][0]["agent"] == "Zendesk user 8101"
    assert document["messages"] == 4  # the private note is not a message


def test_a_promise_the_export_ends_before_is_not_yet_due(cli):
    document = audit_json(cli, str(FIXTURES / "freshdesk_conversations.json"))
    assert document["findings"] == []
    assert document["summaries"]["promises_not_due"] == 1


def test_transcripts_take_channel_and_date_from_their_names(cli):
    document = audit_json(cli, str(FIXTURES / "transcripts"))
    assert document["conversations"] == 3  # README.md is not read
    assert found(document) == [("2024-05-21-unlabelled-0144.txt", 2, "avoided-phrase"),
                               ("phone/2024-05-20-call-0143.txt", 3, "no-follow-up")]
    phone = document["findings"][1]
    assert (phone["channel"], phone["at"]) == ("phone", "2024-05-20")
    agents = {row["agent"] for row in document["summaries"]["by_agent"]}
    assert agents == {"Sam Lee", None}
    with_channel = audit_json(cli, str(FIXTURES / "transcripts"), "--channel", "email")
    assert ("2024-05-21-unlabelled-0144.txt", 2, "missing-greeting") in found(with_channel)


def test_the_input_is_told_from_its_content_and_input_forces_it(tmp_path, cli):
    from kbtool.audit.inputs import detect

    assert detect(b'{"conversation": "1", "author": "agent", "text": "Hi"}\n') == "jsonl"
    assert detect(b"\xef\xbb\xbfconversation;author;text\r\n") == "csv"
    assert detect((FIXTURES / "zendesk_tickets.json").read_bytes()) == "zendesk"
    assert detect((FIXTURES / "zendesk_export.jsonl").read_bytes()) == "zendesk"
    assert detect((FIXTURES / "freshdesk_tickets.json").read_bytes()) == "freshdesk"
    assert detect((FIXTURES / "freshdesk_conversations.json").read_bytes()) == "freshdesk"
    assert detect(b"[09:02] Customer: hello\n[09:03] Sam: Hi there\n") == "transcripts"
    assert detect(b'{"name": "something else"}') is None
    assert detect(b'{"conversation": "1", "author": "agent", "text": "Hi"\n{"conversation": "1"}\n') == "jsonl"
    odd = tmp_path / "chat.log"
    odd.write_text('{"conversation": "1", "author": "agent", "text": "Hi"}\n', encoding="utf-8")
    forced = cli("audit", str(odd), "--root", str(KB), "--input", "transcripts", "--format", "json", "-q")
    assert json.loads(forced.stdout)["conversations"] == 1  # one unlabelled staff message


def test_zendesk_one_ticket_saved_beside_its_comments(tmp_path, cli):
    tickets = json.loads((FIXTURES / "zendesk_tickets.json").read_text(encoding="utf-8"))
    ticket = tickets["tickets"][1]
    comments = ticket.pop("comments")
    path = tmp_path / "ticket.json"
    path.write_text(json.dumps({"ticket": ticket, "comments": comments, "users": tickets["users"]}), encoding="utf-8")
    document = audit_json(cli, str(path))
    assert document["messages"] == 4 and document["findings"] == []
    # The call-back was promised a minute before the file's last message: not yet due.
    assert document["summaries"]["promises_not_due"] == 1


def test_freshdesk_agents_sideloaded_name_the_replies(tmp_path, cli):
    tickets = json.loads((FIXTURES / "freshdesk_tickets.json").read_text(encoding="utf-8"))
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps({"tickets": tickets, "agents": [{"id": 7001, "contact": {"name": "Ann Cole"}}]}),
                    encoding="utf-8")
    assert {f["agent"] for f in audit_json(cli, str(path))["findings"]} == {"Ann Cole"}


# -- the checks, each positive and negative -------------------------------------------------------

@pytest.fixture
def small(tmp_path, cli):
    """Audit a few conversations against the small knowledge base; returns the JSON."""

    def run(*conversations: list[dict], extra: tuple[str, ...] = ()) -> dict:
        path = jsonl(tmp_path, [m for c in conversations for m in c])
        return audit_json(cli, str(path), *extra)

    return run


GOOD_CHAT = conversation("G", "chat", ("customer", "Hello?"),
                         ("agent", "Hi there, thanks for getting in touch with Acme Homeware."),
                         ("customer", "Where is my lamp?"),
                         ("agent", "It arrives on Friday. Is there anything else I can help with today?"))


def test_a_clean_conversation_has_no_findings(small):
    assert small(GOOD_CHAT)["findings"] == []


def test_wordings_to_avoid_are_found_in_agent_messages_only(small):
    bad = conversation("A", "chat", ("customer", "Yeah, what is it? Anything else? No? Bye then."),
                       ("agent", "Hi there, thanks for getting in touch. Yeah, what is it?"),
                       ("agent", "Is there anything else I can help with today?"))
    assert found(small(bad)) == [("A", 2, "avoided-phrase")]


def test_missing_greeting_is_the_first_agent_message_only(small):
    late = conversation("L", "chat", ("customer", "Hello?"), ("agent", "Your lamp arrives on Friday."),
                        ("agent", "Hi there. Is there anything else I can help with today?"))
    assert found(small(late)) == [("L", 2, "missing-greeting")]
    # A later agent message without a greeting is fine once the first had one.
    assert [r for _, _, r in found(small(GOOD_CHAT))] == []


def test_missing_closing_is_the_last_agent_message_only(small):
    early = conversation("E", "email", ("customer", "Hello?"),
                         ("agent", "Hi there. Is there anything else I can help with today?"),
                         ("customer", "Yes, one more thing."),
                         ("agent", "Your lamp arrives on Friday."))
    assert found(small(early)) == [("E", 4, "missing-closing")]


def test_greeting_and_closing_follow_the_channel(small):
    """Social media has no greeting or closing in the small knowledge base: nothing to check."""
    terse = conversation("S", "social", ("customer", "Hello?"), ("agent", "Your lamp arrives on Friday."))
    assert small(terse)["findings"] == []
    assert found(small(conversation("S", "chat", *(("customer", "Hello?"), ("agent", "Your lamp arrives Friday.")))))\
        == [("S", 2, "missing-greeting"), ("S", 2, "missing-closing")]


def test_a_timed_promise_needs_a_later_agent_message(small):
    promised = ("agent", "Hi there. I'll check with the courier and call you back by 4pm. Take care, and thanks "
                         "for getting in touch.")
    broken = conversation("P", "chat", ("customer", "Where is it?"), promised, ("customer", "Thanks."))
    later = conversation("Q", "chat", ("customer", "ok"), ("agent", "Hi there."), day="2024-05-09")
    assert found(small(broken, later)) == [("P", 2, "no-follow-up"), ("Q", 2, "missing-closing")]
    kept = conversation("P", "chat", ("customer", "Where is it?"), promised, ("customer", "Thanks."),
                        ("agent", "Hello again: the courier comes at 5. Take care, and thanks for getting in touch."))
    assert found(small(kept, later)) == [("Q", 2, "missing-closing")]
    untimed = conversation("P", "chat", ("customer", "Where is it?"),
                           ("agent", "Hi there. I'll call you back soon. Take care, and thanks for getting in touch."))
    assert found(small(untimed, later)) == [("Q", 2, "missing-closing")]
    finding = small(broken, later)["findings"][0]
    assert '"by 4pm"' in finding["message_text"] and finding["entry"] == "follow-up"
    assert finding["url"] == "site/standards/follow-up.html"


def test_promises_that_are_not_about_coming_back_are_not_follow_ups():
    from kbtool.audit.promises import find_promise

    assert find_promise("I'll call you back by 4pm.").when == "by 4pm"
    assert find_promise("We'll email you within 2 working days.").when == "within 2 working days"
    assert find_promise("You'll hear from me tomorrow.").when == "tomorrow"
    assert find_promise("I'll check with the warehouse and let you know by Friday.").when == "by friday"
    for text in ("Your parcel will arrive by Friday.", "I'll call the courier today.", "I'll call you back soon.",
                 "I won't be able to call you today.", "Shall I call you back tomorrow?",
                 "> I'll call you back by 4pm (the customer's email, quoted)"):
        assert find_promise(text) is None, text


def test_customer_messages_are_never_flagged(small):
    customer = conversation("C", "chat", *[("customer", text) for text in (
        "Yeah, what is it? Anything else? No? Bye then.", "{{ order_number }} [NAME] AC-55501",
        "I'll call you back by 4pm. To be honest, calm down, that's our policy, I guarantee it.")])
    document = small(GOOD_CHAT, customer)
    assert document["findings"] == [] and document["summaries"]["unanswered"] == 1


def test_kb_yaml_rule_levels_apply(tmp_path, cli):
    import shutil

    root = tmp_path / "kb"
    shutil.copytree(KB, root)
    with (root / "kb.yaml").open("a", encoding="utf-8") as handle:
        handle.write("rules:\n  missing-closing: off\n  avoided-phrase: error\n  no-follow-up: error\n")
    assert cli("validate", "--root", str(root)).code == 0  # kb.yaml knows the audit's own rule
    document = audit_json(cli, str(FIXTURES / "messages.jsonl"), root=root)
    assert "missing-closing" not in {f["rule"] for f in document["findings"]}
    levels = {(r["rule"], r["level"]) for r in document["summaries"]["top_findings"]}
    assert ("avoided-phrase", "error") in levels and ("no-follow-up", "error") in levels
    assert ("no-follow-up", "warning") not in levels


# -- the test set ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """The test set audited against the bundled knowledge base, in-process (no CLI)."""
    from kbtool.audit.run import audit
    from kbtool.pipeline import check

    kb = check(REPO).kb
    return audit([FIXTURES / "month.jsonl"], kb, lambda entry, item=None: f"{entry.id}#{item or ''}")


def test_the_test_set_scores(month):
    """At least 30 conversations, half clean: detection at least 0.90, at most 2 false alarms on the
    clean half, no customer message flagged."""
    cases = yaml.safe_load((FIXTURES / "month_expected.yaml").read_text(encoding="utf-8"))
    clean = {c["conversation"] for c in cases if not c["expect"]}
    assert len(cases) >= 30 and len(clean) >= 15 and len(cases) - len(clean) >= 15
    want = Counter((c["conversation"], int(e.split()[0]), e.split()[1]) for c in cases for e in c["expect"])
    got = Counter((f.conversation, f.message, f.rule) for f in month.audited.findings)
    detection = sum((want & got).values()) / sum(want.values())
    false_alarms = [f for f in month.audited.findings if f.conversation in clean]
    assert detection >= 0.90, sorted((want - got).elements())
    assert len(false_alarms) <= 2, false_alarms
    # The one false alarm: "Good afternoon" opens no greeting the knowledge base gives (docs/check.md).
    assert [(f.conversation, f.rule) for f in false_alarms] == [("T-1011", "missing-greeting")]
    authors = {}
    for line in (FIXTURES / "month.jsonl").read_text(encoding="utf-8").splitlines():
        message = json.loads(line)
        authors.setdefault(message["conversation"], []).append(message["author"])
    assert all(authors[f.conversation][f.message - 1] == "agent" for f in month.audited.findings)


def test_the_summaries_of_the_test_set(month):
    summary = month.summary
    assert (summary.conversations, summary.judged, summary.unanswered) == (33, 33, 0)
    assert summary.clean == 15 and summary.clean_share == round(15 / 33, 4)
    channels = {row["channel"]: row for row in summary.by_channel}
    assert set(channels) == {"chat", "email", "phone", "social", "sms"}
    assert channels["sms"] == {"channel": "sms", "conversations": 1, "clean": 1, "clean_share": 1.0, "findings": 0}
    assert sum(row["conversations"] for row in summary.by_channel) == 33
    assert [row["month"] for row in summary.by_month] == ["2024-04", "2024-05"]
    assert summary.trend["unit"] == "week" and summary.trend["points"][0]["period"] == "2024-W18"
    agents = {row["agent"]: row for row in summary.by_agent}
    assert set(agents) == {"Sam Lee", "Priya Shah", "Tom Okafor", "Jo Evans"}
    assert sum(row["messages"] for row in summary.by_agent) == month.audited.agent_messages
    assert sum(row["findings"] for row in summary.by_agent) == len(month.audited.findings)
    top = summary.top_findings[0]
    assert top["findings"] >= summary.top_findings[-1]["findings"] and top["examples"]
    entries = [row["entry"] for row in summary.by_entry]
    assert len(entries) == len(set(entries)) and "follow-up" in entries
    assert summary.rules[0]["rule"] == "avoided-phrase"


def test_since_leaves_earlier_conversations_out(cli):
    document = audit_json(cli, str(FIXTURES / "month.jsonl"), "--since", "2024-05-01", root=REPO)
    assert document["conversations"] == 32 and document["summaries"]["left_out"] == 1
    assert "T-0901" not in {f["conversation"] for f in document["findings"]}


# -- the report: text, csv, --by, --anonymise, html ------------------------------------------------

def test_the_text_report(cli):
    run = cli("audit", str(FIXTURES / "messages.jsonl"), "--root", str(KB))
    assert run.code == 1
    text = run.stdout
    for heading in ("By channel", "By month", "Most frequent findings", "Per agent, for coaching",
                    "Standards and phrases broken most", "Trend by week"):
        assert f"\n{heading}" in text
    assert "Free of findings: 50% of conversations (2 of 4 with an agent reply)" in text
    assert 'say instead: "Hi there, thanks for getting in touch with Acme Homeware."' in text
    assert "site/phrases/greetings.html#hi-there" in text
    assert "e.g. conversation C-2 (message 2)" in text
    assert run.stderr.strip() == "5 conversations audited: 7 findings"


@pytest.mark.parametrize("by", ["agent", "channel", "month", "entry"])
def test_by_shows_one_breakdown_in_text_and_csv(cli, by):
    text = cli("audit", str(FIXTURES / "messages.jsonl"), "--root", str(KB), "--by", by, "-q").stdout
    assert text.count("\n\n") == 1 and "Most frequent findings" not in text
    rows = list(csv.DictReader(io.StringIO(cli("audit", str(FIXTURES / "messages.jsonl"), "--root", str(KB),
                                                "--by", by, "--format", "csv", "-q").stdout)))
    assert rows and by in rows[0]


def test_csv_is_one_row_per_finding(cli):
    out = cli("audit", str(FIXTURES / "messages.jsonl"), "--root", str(KB), "--format", "csv", "-q").stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["conversation", "message", "agent", "channel", "at", "rule", "message_text", "hint", "entry",
                       "url"]
    assert len(rows) == 8 and rows[-1][5] == "no-follow-up"


def test_csv_cells_never_run_as_formulas(tmp_path, cli):
    path = jsonl(tmp_path, conversation("=HYPERLINK(1)", "chat", ("agent", "Your lamp arrives Friday."),
                                        agent="@Sam"))
    out = cli("audit", str(path), "--root", str(KB), "--format", "csv", "-q").stdout
    assert "'=HYPERLINK(1)" in out and "'@Sam" in out


def test_anonymise_gives_stable_pseudonyms_everywhere(tmp_path, cli):
    source = FIXTURES / "messages.jsonl"
    html = tmp_path / "report.html"
    outputs = [cli("audit", str(source), "--root", str(KB), "--anonymise", "--format", fmt, "-q",
                   *(["--html", str(html)] if fmt == "text" else [])).stdout for fmt in ("text", "json", "csv")]
    outputs.append(html.read_text(encoding="utf-8"))
    document = json.loads(outputs[1])
    names = {row["agent"] for row in document["summaries"]["by_agent"]}
    assert len(names) == 2 and all(name.startswith("Agent ") and len(name) == 11 for name in names)
    for out in outputs:
        assert "Sam Lee" not in out and "Ann Cole" not in out
        assert all(name in out for name in names)
    # Stable: the same name gives the same pseudonym in another run, and from another input format.
    again = audit_json(cli, str(FIXTURES / "zendesk_tickets.json"), "--anonymise")
    assert {f["agent"] for f in again["findings"]} == {f["agent"] for f in document["findings"]}
    from kbtool.audit.pseudonyms import Pseudonyms

    assert Pseudonyms().of("sam  LEE") == Pseudonyms().of("Sam Lee") != Pseudonyms(b"team key").of("Sam Lee")
    assert Pseudonyms(b"k" * 100).of("Sam Lee") != Pseudonyms(b"k" * 64).of("Sam Lee")


def test_no_report_quotes_a_customer(tmp_path, cli):
    html = tmp_path / "report.html"
    outputs = [cli("audit", str(FIXTURES / "messages.jsonl"), "--root", str(KB), "--format", fmt, "-q",
                   "--html", str(html), "--force").stdout for fmt in ("text", "json", "csv")]
    outputs.append(html.read_text(encoding="utf-8"))
    for out in outputs:
        for words in CUSTOMER_WORDS:
            assert words not in out


def test_html_is_not_written_over_a_file_kbtool_did_not_write(tmp_path, cli):
    mine = tmp_path / "notes.html"
    mine.write_text("<p>my notes</p>", encoding="utf-8")
    run = cli("audit", str(FIXTURES / "messages.jsonl"), "--root", str(KB), "--html", str(mine), "-q")
    assert run.code == 1 and "not overwriting" in run.stderr and mine.read_text(encoding="utf-8") == "<p>my notes</p>"
    report = tmp_path / "report.html"
    for _ in range(2):  # its own report it replaces
        assert cli("audit", str(FIXTURES / "messages.jsonl"), "--root", str(KB), "--html", str(report), "-q").code == 1


# -- bad input, usage and exit codes ------------------------------------------------------------

@pytest.mark.parametrize(("fixture", "expected"), [
    ("bad_messages.jsonl", ["bad_messages.jsonl:2: not valid JSON: Expecting ',' delimiter (column 1)",
                            "bad_messages.jsonl:3: 'author' is 'bot', not agent or customer",
                            "bad_messages.jsonl:4: 'at': '2nd May, 9am' is not an ISO 8601 time",
                            "bad_messages.jsonl:5: the line holds a JSON list, not an object",
                            "bad_messages.jsonl:6: no 'conversation': each message names its conversation's id"]),
    ("bad_header.csv", ["bad_header.csv:1: the header has no 'author' column (it has: conversation, who, text)"]),
    ("zendesk_broken.json", ["zendesk_broken.json:7: not valid JSON: Expecting ',' delimiter (column 7)"]),
    ("freshdesk_wrong_shape.json", ["freshdesk_wrong_shape.json:2: the conversations of ticket 5301 are not a list"]),
])
def test_bad_input_is_file_line_and_exit_1(cli, fixture, expected):
    run = cli("audit", str(FIXTURES / fixture), "--root", str(KB), "--format", "json")
    assert run.code == 1 and run.stdout == ""
    lines = [line for line in run.stderr.splitlines() if not line.startswith(("  hint:", "Error:"))]
    assert [line.split("audit_fixtures/", 1)[1] for line in lines] == expected
    assert f"nothing audited: {len(expected)} problem" in run.stderr


def test_bad_input_in_one_file_stops_the_whole_audit(tmp_path, cli):
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b'{"conversation": "1", "author": "agent", "text": "caf\xe9"}\n')
    run = cli("audit", str(FIXTURES / "messages.jsonl"), str(broken), "--root", str(KB))
    assert run.code == 1 and run.stdout == ""
    assert "broken.jsonl:1: the line is not UTF-8 text" in run.stderr


def test_exit_codes(tmp_path, cli):
    clean = jsonl(tmp_path, GOOD_CHAT)
    assert cli("audit", str(clean), "--root", str(KB), "-q").code == 0
    assert cli("audit", str(FIXTURES / "messages.jsonl"), "--root", str(KB), "-q").code == 1
    for args in (["no-such-file.jsonl"], [str(clean), "--since", "May"], [str(clean), "--by", "team"],
                 [str(clean), "--format", "xml"], [str(clean), "--input", "intercom"], []):
        assert cli("audit", *args, "--root", str(KB)).code == 2, args


def test_format_and_input_choices_come_from_their_registries():
    from click import Context

    from kbtool.audit.inputs import INPUTS
    from kbtool.audit.reporters import REPORTERS
    from kbtool.cli.main import cli as group

    command = group.get_command(Context(group), "audit")
    params = {p.name: p for p in command.params}
    assert list(params["output_format"].type.choices) == list(REPORTERS)
    assert list(params["input_name"].type.choices) == list(INPUTS)


def test_a_json_document_is_read_ticket_by_ticket_with_lines():
    from kbtool.audit.jsondoc import JsonDocument, JsonError

    document = JsonDocument('{\n "tickets": [\n  {"id": 1},\n  {"id": 2}\n ],\n "users": [{"id": 9}]\n}', ("tickets",))
    assert document.members == {"users": [{"id": 9}]}
    assert list(document.items("tickets")) == [(3, {"id": 1}), (4, {"id": 2})]
    with pytest.raises(JsonError) as exc:
        JsonDocument('{"tickets": [\n{"id": 1}\n{"id": 2}]}', ("tickets",))
    assert exc.value.line == 3


# -- the HTML report in Chromium ------------------------------------------------------------------

@pytest.mark.browser
def test_the_html_report_is_accessible_offline_and_fits_a_phone(tmp_path, cli, browser):
    """One page load: at 390 px, then at 1280 px, axe-core (WCAG 2.0-2.2 A/AA) finds nothing, the
    page never scrolls sideways, the charts are drawn, and no request leaves the file."""
    from axe_playwright_python import sync_playwright as axe_playwright
    from conftest import new_page

    report = tmp_path / "audit.html"
    run = cli("audit", str(FIXTURES / "month.jsonl"), "--root", str(REPO), "--html", str(report), "-q")
    assert run.code == 1
    html = report.read_text(encoding="utf-8")
    # Nothing to load: no script, stylesheet, image or frame; links to pages open only when followed.
    assert not any(tag in html for tag in ("<script", "<link", "<img", "<iframe", "src=", "url("))
    tab = new_page(browser, width=390, height=844)
    requests: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    wcag = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
            "resultTypes": ["violations"]}
    try:
        tab.goto(report.as_uri())
        axe = axe_playwright.Axe()
        for width in (390, 1280):
            tab.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
            violations = axe.run(tab, options=wcag).response["violations"]
            assert [f"{v['id']}: {v['nodes'][0]['target']}" for v in violations] == [], width
            assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
            charts = tab.evaluate("[...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect().width)")
            assert len(charts) == 4 and all(0 < w <= width for w in charts)
            # Chart text stays legible on a phone: at least 11 px as drawn.
            smallest = tab.evaluate("Math.min(...[...document.querySelectorAll('svg.chart text')].map("
                                    "t => t.getBoundingClientRect().height))")
            assert smallest >= 11, (width, smallest)
            if os.environ.get("KBTOOL_SCREENSHOTS"):
                tab.screenshot(path=str(REPO / "test-artifacts" / f"audit-report-{width}.png"), full_page=True)
    finally:
        tab.context.close()
    assert [url for url in requests if not url.startswith("file://")] == []
    assert len(requests) == 1  # the file itself


def test_a_number_too_long_for_python_is_kept_as_its_digits(tmp_path, cli):
    """An id of over 4,300 digits (Python's limit for int) is read as its digits, not a crash."""
    export = tmp_path / "tickets.json"
    export.write_text('[{"id": ' + "7" * 5000 + ', "comments": [{"author_id": 1, "public": true, '
                      '"body": "Calm down, it is only a parcel."}]}]', encoding="utf-8")
    run = cli("audit", str(export), "--root", str(KB), "--input", "zendesk", "--format", "json")
    assert run.code == 1 and "failed unexpectedly" not in run.output  # 1: a finding
    document = json.loads(run.stdout)
    assert document["conversations"] == 1 and document["findings"][0]["conversation"] == "7" * 5000
