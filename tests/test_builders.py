"""The site builders: the lock, swap and rollback every builder shares, the staged pages, the
Zensical adapter (its configuration, its Markdown extension, a missing extra, `- kbtool` that
Zensical would drop) and the same pages from MkDocs and from Zensical.

The browser suites (search, accessibility, phone, offline, practice, check a reply) run on both
builders' sites themselves: their tests marked `@on_both_builders` in conftest.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# -- the lock, the swap and rollback (builders/lock.py, builders/sitefolder.py) ----------------------


def test_the_lock_is_exclusive_and_released(tmp_path):
    from kbtool.builders.errors import BuildLocked
    from kbtool.builders.lock import build_lock

    site = tmp_path / "site"
    with build_lock(site) as lock:
        assert lock == tmp_path / ".site.lock"
        with pytest.raises(BuildLocked, match="already writing"), build_lock(site):
            pass
    with build_lock(site):
        pass  # released when the first holder let go


def test_swap_keeps_the_previous_build_and_rollback_swaps_back(tmp_path):
    from kbtool.builders.sitefolder import mark_site, previous_dir, rollback, swap_into_place

    site = tmp_path / "site"
    for n in (1, 2):
        new = tmp_path / f"new{n}"
        new.mkdir()
        (new / "index.html").write_text(f"build {n}", encoding="utf-8")
        mark_site(new)
        kept = swap_into_place(new, site)
        assert kept == (previous_dir(site) if n == 2 else None)
    assert (site / "index.html").read_text(encoding="utf-8") == "build 2"
    rollback(site)
    assert (site / "index.html").read_text(encoding="utf-8") == "build 1"
    assert (previous_dir(site) / "index.html").read_text(encoding="utf-8") == "build 2"


def test_the_scan_finds_a_script_in_page_content_whatever_built_it():
    from kbtool.builders.htmlscan import scan_html

    page = '<html><body><article><p>Hi</p><script>alert(1)</script></article></body></html>'
    (finding,) = scan_html(page, "a.html")
    assert finding.path == "a.html" and "page content" in finding.message


# -- staging (builders/staging.py) -------------------------------------------------------------------


def test_staging_writes_pages_assets_nav_and_search_with_team_pages_merged(kb_root, tmp_path):
    from conftest import PHRASES

    from kbtool.builders.staging import GENERATED_MARK, stage_site
    from kbtool.pipeline import check

    root = kb_root({"standards/.keep": "", "scripts_library/phrases/greetings.yaml": PHRASES,
                    "docs_site/index.md": "# Our own home\n", "docs_site/team/how-we-work.md": "---\ntitle: How we work\n---\nText\n"})
    docs = tmp_path / "staged"
    staged = stage_site(check(root), docs, team_docs=root / "docs_site")
    # The team's home page wins over kbtool's; kbtool's entry pages carry the mark and a safe title.
    assert (docs / "index.md").read_text(encoding="utf-8") == "# Our own home\n"
    assert "index.md" not in {page.src_uri for page in staged.pages}
    entry = (docs / "phrases/greetings.md").read_text(encoding="utf-8")
    assert entry.startswith('---\ntitle: "Greetings"\n') and f"\n{GENERATED_MARK}\n" in entry
    for uri in ("assets/kbtool/kbtool.css", "assets/kbtool/iframe-worker.js", "assets/kbsearch/kbsearch.js",
                "assets/kbtool/mermaid/mermaid.min.js", "kbsearch/index.js"):
        assert (docs / uri).is_file(), uri
    assert {"More": ["team/how-we-work.md"]} in staged.nav
    assert staged.page_by_url()["phrases/greetings.html"].title == "Greetings"


@pytest.mark.parametrize(("text", "title"), [
    ("---\ntitle: From the front\n---\n# Heading\n", "From the front"),
    ("Intro\n\n# The heading #\n", "The heading"),
    ("No heading at all\n", "How we work"),
])
def test_team_page_titles_are_found_as_mkdocs_finds_them(text, title):
    from kbtool.builders.staging import team_page_title

    assert team_page_title(text, "team/how-we-work.md") == title


# -- the Zensical adapter (builders/zensical.py, builders/generated_markdown.py) ---------------------


def test_a_missing_zensical_is_a_clear_error_naming_the_extra(kb_root, cli, monkeypatch):
    from conftest import PHRASES

    small_kb = kb_root({"scripts_library/phrases/greetings.yaml": PHRASES})
    monkeypatch.setitem(sys.modules, "zensical", None)  # what an install without the extra sees
    run = cli("build", "--root", str(small_kb), "--builder", "zensical", "--no-search-index")
    assert run.code == 1
    assert 'pip install "kbtool[zensical]"' in run.stderr and "Traceback" not in run.stderr
    assert not (small_kb / "site").exists()


def test_zensical_killed_for_memory_is_explained_and_the_site_kept(kb_root, cli, monkeypatch):
    import signal
    import subprocess

    from conftest import PHRASES

    from kbtool.builders import zensical

    small_kb = kb_root({"scripts_library/phrases/greetings.yaml": PHRASES})
    assert cli("build", "--root", str(small_kb), "--no-search-index").code == 0
    before = html_pages(small_kb / "site")
    # What the kernel's out-of-memory killer leaves: the process ended by SIGKILL, nothing said.
    monkeypatch.setattr(zensical.subprocess, "run", lambda cmd, **kw: subprocess.CompletedProcess(
        cmd, -signal.SIGKILL, "Build started\n", ""))
    run = cli("build", "--root", str(small_kb), "--builder", "zensical", "--no-search-index")
    assert run.code == 1 and "Traceback" not in run.stderr
    assert "killed by the system" in run.stderr and "out of memory" in run.stderr and "--builder mkdocs" in run.stderr
    assert html_pages(small_kb / "site") == before


def test_kb_yaml_chooses_the_builder_and_validation_knows_the_names(kb_root, cli):
    from conftest import KB_YAML, PHRASES

    from kbtool.builders.build import chosen_builder, configured_builder

    files = {"scripts_library/phrases/greetings.yaml": PHRASES}
    root = kb_root(files, KB_YAML + "site:\n  builder: zensical\n")
    assert configured_builder(root) == "zensical"
    assert chosen_builder(root, "mkdocs") == "mkdocs"  # the command line wins
    assert cli("validate", "--root", str(root)).code == 0
    (root / "kb.yaml").write_text(KB_YAML + "site:\n  builder: hugo\n", encoding="utf-8")
    run = cli("validate", "--root", str(root))
    assert run.code == 1 and "kb.yaml:" in run.stdout + run.stderr and "hugo" in run.stdout + run.stderr
    assert configured_builder(root) is None


def test_plugins_zensical_would_drop_are_named_and_kbtool_is_explained(tmp_path):
    from kbtool.builders.zensical import plan

    (tmp_path / "mkdocs.yml").write_text("site_name: T\nplugins:\n  - tags\n  - offline\n  - git-revision-date\n"
                                         "  - kbtool:\n      root: .\n      nav: false\n", encoding="utf-8")
    settings = plan(tmp_path, "T")
    said = " ".join(settings.notes)
    assert "`- kbtool`, which Zensical drops without a word" in said
    assert "git-revision-date" in said and "tags" not in said.split("plugins")[-1]
    assert settings.nav is False and settings.team_docs == (tmp_path / "docs").resolve()


def test_zensical_gets_the_staged_folder_kbtools_extension_and_no_search_of_its_own(tmp_path):
    from kbtool.builders.staging import StagedSite
    from kbtool.builders.zensical import MARKDOWN_EXTENSION, zensical_config

    staged = StagedSite(tmp_path, [], [], False, nav=[{"Home": "index.md"}], extra_css=["a.css"],
                        extra_javascript=["b.js"])
    config = zensical_config({"site_name": "T", "docs_dir": "docs_site", "theme": {"name": "material", "custom_dir": "o"},
                              "plugins": ["tags", "search", {"kbtool": {"root": "."}}],
                              "markdown_extensions": ["attr_list"]}, staged, tmp_path)
    assert config["docs_dir"] == "docs" and config["site_dir"] == "site" and config["nav"] == staged.nav
    assert config["plugins"] == ["tags", {"search": {"enabled": False}}]
    assert config["markdown_extensions"] == ["attr_list", MARKDOWN_EXTENSION]
    assert config["theme"]["variant"] == "classic" and config["theme"]["custom_dir"] == str(tmp_path / "o")
    assert config["extra_css"] == ["a.css"] and config["extra_javascript"] == ["b.js"]


def test_generated_pages_are_stashed_and_sanitised_and_team_pages_left_alone():
    import markdown

    from kbtool.builders.staging import GENERATED_MARK

    md = markdown.Markdown(extensions=["kbtool.builders.generated_markdown"])
    unsafe = '<div class="x" onclick="go()"><p>Hi</p></div>\n\n<!-- material/tags -->\n'
    out = md.convert(f"\n{GENERATED_MARK}\n\n{unsafe}")
    assert "onclick" not in out and '<div class="x"><p>Hi</p></div>' in out
    assert "<!-- material/tags -->" in out and GENERATED_MARK not in out
    assert "onclick" in md.convert(unsafe)  # a team page: as written


# -- both builders, the same site ------------------------------------------------------------------

def html_pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html")}


@pytest.mark.slow
def test_both_builders_write_the_same_pages_and_pass_the_same_scan(bundled_build, zensical_build):
    from kbtool.builders.htmlscan import scan_site
    from kbtool.builders.sitefolder import is_kbtool_site

    mkdocs_site, zensical_site = bundled_build / "site", zensical_build / "site"
    assert html_pages(zensical_site) == html_pages(mkdocs_site)
    assert is_kbtool_site(zensical_site) and scan_site(zensical_site) == []
    for folder in ("kbsearch", "assets/kbtool", "assets/kbsearch"):
        ours = {p.relative_to(mkdocs_site).as_posix() for p in (mkdocs_site / folder).rglob("*") if p.is_file()}
        theirs = {p.relative_to(zensical_site).as_posix() for p in (zensical_site / folder).rglob("*") if p.is_file()}
        assert theirs == ours, folder
