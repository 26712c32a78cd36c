"""Meaning-aware site search (kb.yaml `search: {semantic_site: true}`; kbtool/sitesearch/meaning.py and
kbtool/assets/kbsearch/kbsearch-meaning.js): the browser ranks as `kbtool search` does with the
[semantic] extra, from the same vectors, and only when kb.yaml asks.

One site build per session (the bundled knowledge base with the setting on); the browser tests
drive Debian's /usr/bin/chromium with Playwright.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import KB_YAML, PHRASES, REPO, built_once, bundled_with, serve_folder, write_kb
from test_site_search import ARTIFACTS, data_files, entries, json_docs, needs_chromium, search

from kbtool.search import semantic

TESTS = Path(__file__).resolve().parent
QUERY_SETS = ("search_queries.yaml", "paraphrase_queries.yaml", "lexicon_holdout.yaml", "blind_queries.yaml")


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The bundled knowledge base with `semantic_site: true`, its site and its terminal index."""
    from kbtool.builders.build import build_site

    assert semantic.available(), "the test extra installs wordllama"
    return built_once(tmp_path_factory, "meaning", lambda root: build_site(bundled_with(root, "semantic_site: true")))


@pytest.fixture(scope="session")
def data(built):
    return data_files(built / "site")


@pytest.fixture(scope="session")
def server(built):
    with serve_folder(built / "site") as url:
        yield url


def all_queries() -> list[str]:
    queries: list[str] = []
    for name in QUERY_SETS:
        queries += [case["query"] for case in yaml.safe_load((TESTS / name).read_text(encoding="utf-8"))]
    return queries


def fused(root: Path, query: str, **filters) -> list[tuple[str, str | None, float]]:
    """The rows `kbtool search` shows with the extra (one per entry), as the box shows them."""
    from kbtool.search.api import open_index, search_rows

    with open_index(root) as index:
        return [(h.id, h.item, h.score) for h in search_rows(index, query, limit=10, **filters).hits]


# -- the files --------------------------------------------------------------------------------------

def test_the_site_carries_the_tokenizer_the_table_and_the_document_vectors(data):
    spec = data["core"]["meaning"]
    assert spec["model"] == semantic.MODEL
    assert (spec["floor"], spec["weight"], spec["depth"]) == (semantic.FLOOR, semantic.WEIGHT, semantic.DEPTH)
    model = semantic.load_model()
    rows, dims = model.table.shape
    assert (spec["rows"], spec["dims"]) == (rows, dims)
    table = b"".join(base64.b64decode(data[f"mt{c}"]) for c in range(-(-rows // spec["tokensPerChunk"])))
    assert table == np.asarray(model.table).astype("<f2").tobytes()
    tokens, merges = model.tokenizer.tables()
    assert data["mtok"] == {"tokens": tokens, "merges": merges, "unknown": model.tokenizer.unknown}


def test_the_sites_document_vectors_are_the_terminals_exactly(built, data):
    from kbtool.search.api import open_index

    with open_index(built) as index:
        vectors = semantic.open_vectors(index.folder)
        keys = list(vectors.keys)
        terminal = np.asarray(vectors.matrix)
    spec = data["core"]["meaning"]
    site = np.concatenate([np.frombuffer(base64.b64decode(data[f"mv{c}"]), dtype="<f2")
                           for c in range(spec["vectorChunks"])]).reshape(-1, spec["dims"])
    docs = json_docs(built / "site")
    assert [k.split("\x1f")[:2] for k in keys] == [[d[0], d[1] or ""] for d in docs]
    assert np.array_equal(site.astype(np.float32), terminal)


def test_off_unless_kb_yaml_asks(tmp_path):
    from kbtool.assemble import load_knowledge_base
    from kbtool.publish.urls import SiteAddress
    from kbtool.sitesearch.index import build_site_index

    plain = build_site_index(load_knowledge_base(REPO), SiteAddress())
    assert not [name for name in plain.files if re.search(r"/m(tok|t\d+|v\d+)\.js$", name)]
    assert '"meaning":null' in plain.files["kbsearch/index.js"].replace("\\", "")


@pytest.mark.parametrize("setting, missing, said", [
    ("semantic_site: true", True, 'the kbtool[semantic] extra is not installed here'),
    ("semantic_site: true\n  semantic: false", False, "also sets search.semantic: false"),
])
def test_a_site_that_cannot_rank_by_meaning_is_built_with_word_search_and_a_note(tmp_path, monkeypatch, cli,
                                                                                  setting, missing, said):
    # The decision needs no content to speak of: one entry keeps the two builds quick.
    root = write_kb(tmp_path / "kb", {"scripts_library/phrases/greetings.yaml": PHRASES},
                    KB_YAML + f"search:\n  {setting}\n")
    if missing:
        monkeypatch.setattr(semantic, "available", lambda: False)
    result = cli("build", "--root", str(root))
    assert result.code == 0, result.output
    assert f"kbtool: note: kb.yaml asks for search.semantic_site but {said}" in result.output
    site = root / "site" / "kbsearch"
    assert (site / "index.js").exists() and not list(site.glob("m*.js"))


def test_kb_yaml_schema_knows_the_setting_and_rejects_a_non_boolean(tmp_path):
    from kbtool.pipeline import check

    schema = (REPO / "schema" / "kb.schema.json").read_text(encoding="utf-8")
    assert '"semantic_site"' in schema
    root = bundled_with(tmp_path, "semantic_site: sometimes")
    problems = check(root).problems
    bad = [p for p in problems if p.path.endswith("kb.yaml") and p.level == "error"]
    assert bad and "semantic_site" in bad[0].message


# -- the browser --------------------------------------------------------------------------------------

@needs_chromium
@pytest.mark.browser
def test_the_browser_tokenizes_as_the_terminal_on_every_text(page, server, built):
    from kbtool.assemble import load_knowledge_base
    from kbtool.publish.documents import documents
    from kbtool.publish.urls import site_address

    kb = load_knowledge_base(built)
    texts = [semantic.document_text(d) for d in documents(kb, site_address(built, kb.config.site_url))]
    texts += all_queries() + ["Grüße aus Köln", "naïve café", "money back 💸", "日本語", "tab\there", "  two  spaces ",
                              "\udc80", "refund \udcff please"]
    tokenizer = semantic.load_model().tokenizer
    expected = [tokenizer.ids(text) for text in texts]
    page.goto(f"{server}/index.html")
    got = page.evaluate("""async texts => {
        await KbSearch.rank('refund', {});
        const load = name => new Promise((ok, bad) => { const tag = document.createElement('script');
            tag.src = new URL('kbsearch/' + name + '.js', location.href).href;
            tag.onload = () => ok(self.__kbsearch[name]); tag.onerror = bad; document.head.append(tag); });
        const tokenizer = new KbSearchMeaning.Tokenizer(await load('mtok'));
        return texts.map(t => tokenizer.ids(t));
    }""", texts)
    assert got == expected


@needs_chromium
@pytest.mark.browser
def test_the_site_ranks_by_meaning_exactly_as_kbtool_search(page, server, built):
    """Every query set, unfiltered and under filters: the same rows and close flags as the terminal with the extra."""
    from kbtool.search.api import open_index, search_rows

    queries = all_queries() + ["qwxz", "the", "I want my money back 💸", "naïve café", "hasn't arrived"]
    filters = [{"channel": "phone"}, {"kind": "letter"}, {"situation": "delivery-delay"}, {"kind": "script"}]
    cases = [(q, {}) for q in queries] + [(q, filters[i % 4]) for i, q in enumerate(queries)]
    with open_index(built) as index:
        expected = [[[h.id, h.item, h.close] for h in search_rows(index, q, limit=10, **f).hits] for q, f in cases]
    page.goto(f"{server}/index.html")
    got = page.evaluate("""async cases => { const out = [];
        for (const [q, f] of cases) out.push((await KbSearch.rank(q, f)).rows.map(r => [r.doc, r.close]));
        return out; }""", [[q, f] for q, f in cases])
    docs = json_docs(built / "site")
    differ = [(q, f) for (q, f), want, rows in zip(cases, expected, got, strict=True)
              if want != [[*docs[d], close] for d, close in rows]]
    print(f"\nsame top 10 as kbtool search with [semantic]: {len(cases) - len(differ)} of {len(cases)}")
    assert differ == []


@needs_chromium
@pytest.mark.browser
def test_customer_words_find_by_meaning_in_the_search_box(page, server, built):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server}/index.html")
    query = "they rang me up for more than the tag showed"
    got = entries(search(page, query, typed=True))
    assert got[:10] == [(a, b) for a, b, _ in fused(built, query)]
    # Only the table chunks of the tokens typed came down (each prefix's), not all 250.
    tables = {m.group(1) for url in requests if (m := re.search(r"/kbsearch/mt(\d+)\.js", url))}
    tokenizer = semantic.load_model().tokenizer
    typed = {str(i // 128) for n in range(1, len(query) + 1) for i in tokenizer.ids(query[:n])}
    assert tables and tables <= typed and len(tables) < 40
    assert all(url.startswith(server) for url in requests if not url.startswith(("https://fonts.",)))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "site-search-meaning-1280.png"))


@needs_chromium
@pytest.mark.browser
def test_nonsense_still_finds_nothing(page, server):
    page.goto(f"{server}/index.html")
    assert entries(search(page, "qwzx blorf")) == []
    assert page.locator(".kb-search__status").inner_text().startswith("Nothing found for \u201cqwzx blorf\u201d.")


def test_a_rebuild_embeds_only_the_documents_an_edit_changed(built, monkeypatch):
    """`kbtool serve` rebuilds the index on every edit: unchanged documents keep their vectors."""
    from dataclasses import replace

    from kbtool.assemble import load_knowledge_base
    from kbtool.publish.documents import documents
    from kbtool.publish.urls import site_address
    from kbtool.sitesearch import meaning

    kb = load_knowledge_base(built)
    docs = documents(kb, site_address(built, kb.config.site_url))
    first, _ = meaning.meaning_files(kb.config, docs)
    embedded: list[list[str]] = []
    real = semantic.embed_texts
    monkeypatch.setattr(semantic, "embed_texts", lambda texts: (embedded.append(list(texts)), real(texts))[1])
    edited = list(docs)
    edited[3] = replace(edited[3], say="Thank you for waiting while I checked the courier's notes.")
    again, _ = meaning.meaning_files(kb.config, edited)
    assert embedded == [[semantic.document_text(edited[3])]]
    monkeypatch.setattr(meaning, "_VECTORS", {})
    fresh, _ = meaning.meaning_files(kb.config, edited)
    assert again == fresh and again != first


@needs_chromium
@pytest.mark.browser
def test_on_a_slow_line_words_show_first_and_the_ranking_by_meaning_follows(browser, built):
    """The first search fetches the meaning files: while they are held back the box shows the
    ranking by words, marked busy; once they arrive, the list is kbtool search's with the extra."""
    from conftest import new_page

    held = []
    with serve_folder(built / "site") as url:
        tab = new_page(browser)
        tab.route(re.compile(r".*/kbsearch/m(tok|v\d+|t\d+)\.js.*"), lambda route: held.append(route))
        tab.goto(f"{url}/index.html")
        query = "give me my cash back"
        tab.locator("input[type=search]").first.fill(query)
        tab.wait_for_selector(".kb-search__results[aria-busy=true] > li[data-kb-entry]", timeout=15_000)
        assert tab.locator(".kb-search__results").get_attribute("data-kb-query") is None
        assert held
        tab.unroute(re.compile(r".*/kbsearch/m(tok|v\d+|t\d+)\.js.*"))
        for route in held:
            route.continue_()
        got = entries(search(tab, query))
        assert got[:10] == [(a, b) for a, b, _ in fused(built, query)]
        tab.context.close()
