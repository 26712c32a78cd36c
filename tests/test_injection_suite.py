"""Script injection: every payload of tests/payloads.py in every text field of every kind is
inert in the built site, in Material's search index, in `kbtool search` and in `kbtool render`.

The audit here is independent of the build's own post-build scan: it parses each page and
the search index with the standard library's HTML parser and looks for anything that runs.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.payloads import SCRIPT_PAYLOADS

CONTROL = [p for p in SCRIPT_PAYLOADS if any(ord(c) < 0x20 and c not in "\n\t" for c in p)]
SITE_PAYLOADS = [p for p in SCRIPT_PAYLOADS if p not in CONTROL]
FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "base", "meta", "link", "style", "form", "svg", "math",
                  "frame", "frameset", "applet"}
URL_ATTRS = {"href", "src", "action", "formaction", "data", "srcdoc", "xlink:href", "background", "poster"}


def q(text: str, one_line: bool = False) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text.replace("\n", " ") if one_line else text, ensure_ascii=False)


def entries_for(i: int, payload: str) -> dict[str, str]:
    line = q(payload, one_line=True)
    text = q(payload)
    head = (f"title: {line}\nsummary: {line}\nowner: {line}\nstatus: approved\nreview_by: \"2099-01-01\"\n"
            f"channels: [phone, email]\nsituation: complaint\ntags: [{line}]\n")
    return {
        f"standards/s{i}.yaml": f"kind: standard\nid: s{i}\n{head}rules:\n  - id: r\n    text: {text}\n"
        f"    why: {text}\n    do: [{text}]\n    dont: [{text}]\ntargets:\n  - metric: {line}\n    within: {line}\n"
        f"procedure: [{text}]\n",
        f"scripts_library/scripts/c{i}.yaml": f"kind: script\nid: c{i}\n{head}steps:\n  - id: a\n    say: {text}\n"
        f"    note: {text}\n    options:\n      - when: {line}\n        next: b\n      - when: {line}\n        next: c\n"
        f"  - id: b\n    say: {text}\n    end: true\n  - id: c\n    say: {text}\n",
        f"scripts_library/letters/l{i}.yaml": f"kind: letter\nid: l{i}\n{head}subject: {line}\n"
        f"body: {q(payload + chr(10) + '{{ order }}')}\nvariables:\n  order:\n    description: {line}\n"
        f"    example: {line}\n",
        f"scripts_library/phrases/p{i}.yaml": f"kind: phrases\nid: p{i}\n{head}phrases:\n  - id: x\n    say: {text}\n"
        f"    avoid: [{text}]\n    why: {text}\n",
    }


def write_kb(root: Path, payloads: list[str]) -> Path:
    for i, payload in enumerate(payloads):
        for rel, text in entries_for(i, payload).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    (root / "kb.yaml").write_text(
        f"name: {q(payloads[0], True)}\nvariables:\n  company_name: {q(payloads[3], True)}\n", encoding="utf-8")
    return root


class Audit(HTMLParser):
    """Collects anything in the HTML that a browser would run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.depth = 0  # inside <article> (page content) when > 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            self.depth += 1
        if not self.depth:
            return
        if tag in FORBIDDEN_TAGS and not (tag == "svg" and dict(attrs).get("class", "").startswith("md-")):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in URL_ATTRS and value:
                squashed = "".join(value.split()).lower()
                if squashed.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.found.append(f"<{tag} {name}={value[:30]}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self.depth:
            self.depth -= 1


def audit(html: str, whole_fragment: bool = False) -> list[str]:
    parser = Audit()
    if whole_fragment:
        parser.depth = 1
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def injected(request, tmp_path_factory):
    """The payload knowledge base built by each builder (the same checks run on both sites)."""
    from kbtool.builders.build import build_site

    root = write_kb(tmp_path_factory.mktemp(f"injected-{request.param}"), SITE_PAYLOADS)
    result = build_site(root, builder=request.param)
    return root, result.site_dir


def test_payload_list_is_large_enough():
    assert len(SCRIPT_PAYLOADS) >= 50 and len(SITE_PAYLOADS) >= 50


@pytest.mark.slow
def test_every_page_is_inert(injected):
    _, site = injected
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 4 * len(SITE_PAYLOADS)
    findings = {}
    for page in pages:
        found = audit(page.read_text(encoding="utf-8"))
        if found:
            findings[page.relative_to(site).as_posix()] = found
    assert findings == {}


class WholePage(HTMLParser):
    """Outside the content too (title, navigation, metadata): no handler, no script URL, and no
    script element carrying a payload (Material's own scripts are fine)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in URL_ATTRS and value and "".join(value.split()).lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:>")

    def handle_data(self, data: str) -> None:
        if self.in_script and "__kb_pwned" in data:
            self.found.append("<script> with a payload")

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False


@pytest.mark.slow
def test_titles_navigation_and_metadata_carry_no_markup(injected):
    _, site = injected
    findings = {}
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        title = html[html.find("<title>") + 7: html.find("</title>")]
        parser = WholePage()
        parser.feed(html)
        found = parser.found + (["< in <title>"] if "<" in title else [])
        if found:
            findings[page.relative_to(site).as_posix()] = found
    assert findings == {}


@pytest.mark.slow
def test_site_search_index_is_inert(injected):
    """The site's search index files are plain data (each one JSON string parsed once), so the
    payloads they carry are text whatever it says; how results show it is tested in Chromium
    (tests/test_site_search.py)."""
    from test_site_search import data_files

    _, site = injected
    data = data_files(site)  # asserts each file is a data file and nothing else
    assert data and not (site / "search").exists()


@pytest.mark.slow
def test_kbtool_search_output_is_inert(injected, cli):
    root, _ = injected
    run = cli("search", "click", "--json", "--no-log", "--limit", "50", "--root", str(root))
    hits = json.loads(run.stdout)
    assert hits, run.stderr
    texts = " ".join(hit["text"] for hit in hits)
    assert "__kb_pwned" in texts  # the payload is there, as data
    text_run = cli("search", "click", "--no-log", "--limit", "50", "--root", str(root))
    assert "\x1b" not in text_run.stdout.replace("\x1b[1m", "").replace("\x1b[0m", "").replace("\x1b[22m", "")


def test_control_character_payloads_are_refused_at_validation(cli, tmp_path):
    root = write_kb(tmp_path, CONTROL + SITE_PAYLOADS[:3])
    run = cli("validate", "--root", str(root), "--format", "json")
    assert run.code == 1
    assert {p["rule"] for p in json.loads(run.stdout) if p["level"] == "error"} == {"control-character"}


@pytest.mark.parametrize("payload", SCRIPT_PAYLOADS)
def test_render_letter_output_is_inert(cli, tmp_path, payload):
    root = write_kb(tmp_path, [SITE_PAYLOADS[0]] * 4)
    run = cli("render", "letter", "l0", "--root", str(root), "--no-input", "--var", f"order={payload}",
              "--var", "customer_name=Ann", "--var", "agent_name=Sam")
    assert run.code == 0, run.output
    out = run.stdout
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    visible = payload.replace("\x1b", "\\x1b").replace("\x07", "\\x07").replace("\u202e", "\\u202e")
    assert visible in out  # customer values are text, shown as typed


def test_search_output_never_carries_terminal_control(cli, tmp_path):
    # Validation refuses control characters, but search indexes whatever loads: the output
    # must still be safe on a staff member's terminal.
    root = write_kb(tmp_path, CONTROL + SITE_PAYLOADS[:3])
    run = cli("search", "terminal escape", "--no-log", "--root", str(root))
    assert run.code == 0, run.output
    assert "terminal escape" in run.stdout
    assert "\x1b" not in run.stdout and "\x07" not in run.stdout
    assert "\\x1b]0;pwned\\x07" in run.stdout
