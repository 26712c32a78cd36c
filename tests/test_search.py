"""kbtool search and the index behind it: ranking, synonyms, typos, filters, JSON, freshness, swaps."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kbtool.assemble import load_knowledge_base
from kbtool.search.api import (
    build_index,
    cache_dir,
    content_signature,
    fresh_index,
    open_index,
    read_misses,
    run_query,
    search,
)
from kbtool.search.store import remove_old_builds
from tests.conftest import REPO

COMMON = """\
owner: Sam Lee
status: approved
review_by: "2030-01-01"
"""

FILES = {
    "scripts_library/phrases/delays.yaml": COMMON + """\
kind: phrases
id: delays
title: Delivery delays
channels: [phone, email]
situation: delivery-delay
tags: [delivery]
phrases:
  - id: overdue-parcel
    say: I'm sorry your parcel is overdue; the new date is Thursday and I'll call {{ company_name }}'s courier today.
    avoid:
      - It's the courier's fault.
    why: Own the problem.
  - id: split-order
    say: The lamp is ready now, so I can send that today and the rest when it lands.
""",
    "scripts_library/phrases/refunds.yaml": COMMON + """\
kind: phrases
id: refunds
title: Refunds
channels: [chat]
situation: refund
tags: [money]
phrases:
  - id: refund-today
    say: I've refunded the full amount to your card today; it shows within three working days.
""",
    "scripts_library/scripts/greeting-call.yaml": COMMON + """\
kind: script
id: greeting-call
title: Greeting call
channels: [phone]
situation: greeting
steps:
  - id: hello
    say: Good morning, you're through to {{ agent_name }}. How can I help?
  - id: name
    say: May I take your name, please?
""",
    "standards/telephone.yaml": COMMON + """\
kind: standard
id: telephone
title: Telephone conduct
channels: [phone]
rules:
  - id: answer-fast
    text: Answer within three rings; mention an overdue parcel only when you know the new date.
    why: Waiting is the first frustration.
""",
    "standards/old.yaml": """\
kind: standard
id: old
owner: Sam Lee
status: retired
review_by: "2030-01-01"
title: Old fax standard
channels: [letter]
rules:
  - id: fax-back
    text: Always reply to a fax by fax within one hour.
""",
    "scripts_library/letters/sorry.yaml": COMMON + """\
kind: letter
id: sorry
title: Sorry for the wait
channels: [email]
situation: apology
subject: Sorry, {{ customer_name }}
body: |
  Dear {{ customer_name }}, your order {{ order }} is on its way. Call {{ support_phone }}.
variables:
  order:
    description: The order number.
    example: FH-1
""",
}

KB_YAML = """\
variables:
  company_name: Acme Homeware
  support_phone: "0800 111"
synonyms:
  - [late, overdue, delay]
  - [refund, "money back"]
"""


@pytest.fixture
def kb(kb_root):
    return kb_root(FILES, KB_YAML)


def build(root: Path):
    build_index(load_knowledge_base(root))
    return open_index(root)


def ids(hits):
    return [(h.id, h.item) for h in hits]


def test_one_document_per_phrase_step_rule_letter_and_standard_and_retired_left_out(kb):
    with build(kb) as index:
        assert index.meta["documents"] == 2 + 1 + 2 + 2 + 1  # phrases, phrase, steps, standard+rule, letter
        assert search(index, "fax") == []


def test_text_has_kb_placeholders_filled_and_builtins_left(kb):
    with build(kb) as index:
        top = search(index, "courier", limit=1)[0]
        assert "Acme Homeware's courier" in top.text
        hello = search(index, "good morning", limit=1)[0]
        assert "{{ agent_name }}" in hello.text


def test_phrase_outranks_standard_that_mentions_its_words(kb):
    with build(kb) as index:
        hits = search(index, "overdue parcel new date")
        assert ids(hits)[0] == ("delays", "overdue-parcel")
        assert ("telephone", "answer-fast") in ids(hits)[1:]


def test_stemming(kb):
    with build(kb) as index:
        assert ids(search(index, "refunding", limit=1)) == [("refunds", "refund-today")]


def test_synonyms_from_kb_yaml(kb):
    with build(kb) as index:
        assert ids(search(index, "late", limit=1)) == [("delays", "overdue-parcel")]
        assert ids(search(index, "money back", limit=1)) == [("refunds", "refund-today")]


def test_typo_finds_the_phrase_and_says_what_it_corrected(kb):
    with build(kb) as index:
        results = run_query(index, "refnud")
        assert ids(results.hits)[0] == ("refunds", "refund-today")
        assert results.did_you_mean == "refunded" or results.did_you_mean == "refund"
        assert results.fuzzy


def test_a_misspelt_word_is_corrected_once_while_the_rest_is_typed(kb, monkeypatch):
    from kbtool.search import planning

    asked: list[str] = []
    real = planning._corrections
    monkeypatch.setattr(planning, "_corrections", lambda reader, word, *rest: asked.append(word) or real(reader, word, *rest))
    with build(kb) as index:
        first = run_query(index, "refnud")
        typed = "refnud today"
        for end in range(len("refnud") + 1, len(typed) + 1):  # as kbtool find plans each key
            run_query(index, typed[:end])
        again = run_query(index, "refnud")
    assert asked.count("refnud") == 1
    assert ids(again.hits) == ids(first.hits) and again.did_you_mean == first.did_you_mean


def test_exact_query_does_not_run_fuzzy(kb):
    with build(kb) as index:
        results = run_query(index, "parcel")
        assert results.hits and not results.fuzzy and results.did_you_mean is None


def test_filters(kb):
    with build(kb) as index:
        assert {h.kind for h in search(index, "today", kind="phrase")} == {"phrase"}
        assert {h.kind for h in search(index, "good morning name", kind="script")} == {"step"}
        assert {h.kind for h in search(index, "overdue", kind="standard")} <= {"rule", "standard"}
        assert ids(search(index, "today", channel="chat")) == [("refunds", "refund-today")]
        assert {h.id for h in search(index, "today", situation="delivery-delay")} == {"delays"}
        assert {h.id for h in search(index, "today", tag="money")} == {"refunds"}
        assert len(search(index, "today", limit=1)) == 1


def test_cli_filters_and_json(kb, cli):
    result = cli("search", "today", "--root", str(kb), "--channel", "phone", "--kind", "phrase", "--json")
    assert result.code == 0
    hits = json.loads(result.stdout)
    assert hits and all("phone" in h["channels"] and h["kind"] == "phrase" for h in hits)
    for key in ("id", "item", "kind", "title", "text", "path", "line", "score", "url"):
        assert key in hits[0]
    top = hits[0]
    assert top["path"] == "scripts_library/phrases/delays.yaml"
    lines = (kb / top["path"]).read_text().splitlines()
    assert top["text"].split(";")[0].split("'")[0] in lines[top["line"] - 1]
    assert top["url"] == f"site/phrases/delays.html#{top['item']}"


def test_cli_json_letter_has_null_item(kb, cli):
    hits = json.loads(cli("search", "sorry wait", "--root", str(kb), "--kind", "letter", "--json").stdout)
    assert hits[0]["item"] is None and hits[0]["kind"] == "letter" and hits[0]["id"] == "sorry"


def test_cli_text_output_puts_the_text_first(kb, cli):
    result = cli("search", "money back", "--root", str(kb), "--limit", "1")
    lines = result.stdout.splitlines()
    assert lines[0].startswith(" 1. I've refunded the full amount")
    assert "Refunds: Refund today · phrase · chat" in lines[1]
    assert "scripts_library/phrases/refunds.yaml:" in lines[2] and "site/phrases/refunds.html#refund-today" in lines[2]


def test_site_url_from_kb_yaml(kb_root, cli):
    root = kb_root(FILES, KB_YAML + "site_url: https://kb.example.org/service/\n")
    hits = json.loads(cli("search", "money back", "--root", str(root), "--json", "-n", "1").stdout)
    assert hits[0]["url"] == "https://kb.example.org/service/phrases/refunds.html#refund-today"


def test_nothing_found_exits_1_logs_the_miss_and_lists_it(kb, cli):
    result = cli("search", "qwxz", "zzyzx", "--root", str(kb))
    assert result.code == 1 and "Nothing found" in result.stderr
    cli("search", "QWXZ  zzyzx", "--root", str(kb))
    cli("search", "unicorn", "--root", str(kb), "--no-log")
    misses = read_misses(kb)
    assert [(m.query.lower(), m.count) for m in misses] == [("qwxz zzyzx", 2)]
    listed = cli("search", "--misses", "--root", str(kb))
    assert "2  qwxz zzyzx" in listed.stdout


def test_kb_yaml_switch_turns_the_miss_log_off(kb_root, cli):
    root = kb_root(FILES, KB_YAML + "search:\n  log_misses: false\n")
    cli("search", "qwxz", "--root", str(root))
    assert read_misses(root) == []


def test_did_you_mean_when_nothing_matches_under_a_filter(kb, cli):
    result = cli("search", "refnud", "--root", str(kb), "--kind", "letter")
    assert result.code == 1
    assert "Did you mean: refund" in result.stderr


def test_no_query_is_a_usage_error(kb, cli):
    assert cli("search", "--root", str(kb)).code == 2


def test_copy_without_a_clipboard_says_so(kb, cli, monkeypatch):
    monkeypatch.setattr("kbtool.cli.clipboard.clipboard_commands", lambda: [])
    result = cli("search", "money back", "--root", str(kb), "--copy")
    assert result.code == 0 and "no clipboard found" in result.stderr
    assert "I've refunded" in result.stdout


def test_copy_uses_a_clipboard_program(kb, cli, tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "pbcopy"
    fake.parent.mkdir()
    out = tmp_path / "clipboard.txt"
    fake.write_text(f"#!/bin/sh\nexec {shutil.which('cat')} > {out}\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    result = cli("search", "money back", "--root", str(kb), "--copy", env={"PATH": str(fake.parent)})
    assert "Copied the top hit" in result.stderr
    assert out.read_text().startswith("I've refunded the full amount")


def test_stale_index_is_rebuilt_with_a_note(kb, cli):
    first = cli("search", "lamp", "--root", str(kb))
    assert "rebuilt the search index because there was no search index yet" in first.stderr
    again = cli("search", "lamp", "--root", str(kb))
    assert "rebuilt" not in again.stderr
    path = kb / "scripts_library/phrases/refunds.yaml"
    path.write_text(path.read_text().replace("to your card today", "to your card today, said the walrus"))
    later = time.time() + 5
    os.utime(path, (later, later))
    result = cli("search", "walrus", "--root", str(kb), "--json")
    assert "the YAML changed since the index was built" in result.stderr
    assert json.loads(result.stdout)[0]["item"] == "refund-today"


def test_kb_yaml_change_makes_the_index_stale(kb):
    index, reason = fresh_index(kb)
    index.close()
    assert reason
    with (kb / "kb.yaml").open("a") as handle:
        handle.write("  - [lamp, light]\n")
    index, reason = fresh_index(kb)
    with index:
        assert reason and ids(search(index, "light", limit=1)) == [("delays", "split-order")]


def test_a_new_or_deleted_file_makes_the_index_stale(kb):
    before = content_signature(kb)
    (kb / "standards/old.yaml").unlink()
    assert content_signature(kb) != before


def test_builds_swap_atomically_and_old_ones_go_after_the_grace_period(kb):
    kb_model = load_knowledge_base(kb)
    first = build_index(kb_model)
    second = build_index(kb_model)
    cache = cache_dir(kb)
    assert os.readlink(cache / "index") == second.name
    assert remove_old_builds(cache) == []  # just retired: marked, kept
    assert first.exists() and (first / ".retired").exists()
    assert remove_old_builds(cache, now=time.time() + 10_000) == [first]
    assert second.exists() and not first.exists()


@pytest.mark.slow
def test_search_during_concurrent_rebuilds_never_sees_an_empty_index(kb):
    kb_model = load_knowledge_base(kb)
    build_index(kb_model)
    stop = threading.Event()
    errors: list[BaseException] = []

    def rebuild() -> None:
        try:
            while not stop.is_set():
                build_index(kb_model)
                # Retire builds with no grace at all: the worst case for readers.
                remove_old_builds(cache_dir(kb), grace=0.0)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    worker = threading.Thread(target=rebuild)
    worker.start()
    searched = 0
    try:
        # At least 3 s and 10 searches: on a loaded machine ten can take longer than 3 s.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline or searched <= 10:
            index = open_index(kb)
            assert index is not None
            with index:
                hits = search(index, "money back", limit=1)
            assert ids(hits) == [("refunds", "refund-today")]
            searched += 1
    finally:
        stop.set()
        worker.join()
    assert not errors
    assert searched > 10


@pytest.mark.slow
def test_search_during_rebuilds_in_another_process(kb):
    code = (
        "import sys; from kbtool.assemble import load_knowledge_base; from kbtool.search.api import build_index\n"
        f"kb = load_knowledge_base({str(kb)!r})\n"
        "for _ in range(15): build_index(kb)\n"
    )
    build_index(load_knowledge_base(kb))
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
    seen = 0
    try:
        while proc.poll() is None:
            index = open_index(kb)
            with index:
                assert ids(search(index, "lamp", limit=1)) == [("delays", "split-order")]
            seen += 1
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == 0 and seen > 0


def test_search_command_imports_no_jinja_yaml_mkdocs_or_textual(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(REPO / "standards", root / "standards")
    shutil.copytree(REPO / "scripts_library", root / "scripts_library")
    shutil.copy(REPO / "kb.yaml", root / "kb.yaml")
    build_index(load_knowledge_base(root))
    code = (
        "import sys\nfrom kbtool.cli.main import main\n"
        f"try:\n    main(['search', 'parcel', 'late', '--root', {str(root)!r}, '--no-log'])\n"
        "except SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('jinja2', 'yaml', 'mkdocs', 'textual', 'markupsafe', 'material'))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert "HEAVY []" in result.stderr, result.stderr
    assert " 1. " in result.stdout


def test_unreadable_index_is_a_clean_error(kb, cli):
    cli("index", "--root", str(kb))
    current = cache_dir(kb) / os.readlink(cache_dir(kb) / "index")
    for child in current.iterdir():
        if child.suffix == ".toc":
            child.write_bytes(b"garbage")
    result = cli("search", "lamp", "--root", str(kb))
    assert "rebuilt the search index because the index could not be read" in result.stderr
    assert result.code == 0 and "The lamp is ready" in result.stdout


def test_index_command(kb, cli):
    result = cli("index", "--root", str(kb))
    assert result.code == 0 and "Indexed 8 texts from 5 entries" in result.stdout


def test_the_synonym_table_stored_with_the_index_plans_as_the_groups_do(kb):
    # Stored so that a cold search need not stem the lexicon; an index without it (an earlier
    # kbtool) still plans from the groups as written.
    queries = ["money back", "refnud", "someone senior", "parcel never came", "cancel my account", "furious"]
    with build(kb) as index:
        assert index.meta["synonym_stems"] and index.meta["synonym_words"]
        stored = [run_query(index, q) for q in queries]
        written = [run_query(index, q, synonyms=index.meta["synonyms"]) for q in queries]
        del index.meta["synonym_stems"], index.meta["synonym_words"]
        index.__dict__.pop("_synonyms", None)
        older = [run_query(index, q) for q in queries]
    for a, b, c in zip(stored, written, older, strict=True):
        assert [(h.id, h.item, h.score) for h in a.hits] == [(h.id, h.item, h.score) for h in b.hits] \
            == [(h.id, h.item, h.score) for h in c.hits]
        assert a.corrections == b.corrections == c.corrections
    assert any(r.hits for r in stored)
