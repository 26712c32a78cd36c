"""kbtool.mkdocs.plugin: the thin MkDocs adapter over the pipeline and the page functions."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import REPO


@pytest.fixture
def small_root(tmp_path):
    root = tmp_path / "kb"
    for folder in ("standards", "scripts_library"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copy(REPO / "kb.yaml", root / "kb.yaml")
    return root


def test_kbtool_build_loads_and_checks_the_knowledge_base_once(small_root, monkeypatch):
    from kbtool import pipeline
    from kbtool.builders.build import build_site

    calls = []
    real = pipeline.check
    monkeypatch.setattr(pipeline, "check", lambda root: calls.append(root) or real(root))
    result = build_site(small_root, search_index=False)
    assert result.pages > 10
    assert len(calls) == 1, "the plugin must use the Checked that kbtool build made"


def test_plain_mkdocs_build_runs_the_pipeline_itself_and_stops_on_errors(small_root, tmp_path):
    import subprocess
    import sys

    (small_root / "docs").mkdir()
    (small_root / "mkdocs.yml").write_text("site_name: Test\nuse_directory_urls: false\ntheme:\n  name: material\n"
                                            "plugins:\n  - kbtool\n", encoding="utf-8")
    ok = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp_path / "out")],
                        cwd=small_root, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "out" / "phrases" / "empathy.html").is_file()
    broken = small_root / "scripts_library" / "phrases" / "empathy.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("status: approved", "status: live"),
                      encoding="utf-8")
    failed = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp_path / "out2")],
                            cwd=small_root, capture_output=True, text=True, timeout=300)
    assert failed.returncode != 0
    assert "scripts_library/phrases/empathy.yaml:" in failed.stderr and "[unknown-value]" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_a_team_template_with_a_mistake_stops_the_build_naming_the_template_line(small_root, cli):
    """Entry pages are rendered when MkDocs reads them; a broken team template still says where."""
    (small_root / "site_templates").mkdir()
    (small_root / "site_templates" / "phrases.md.j2").write_text("# {{ entry.title }\n\nfine\n", encoding="utf-8")
    (small_root / "mkdocs.yml").write_text(
        (REPO / "mkdocs.yml").read_text(encoding="utf-8").replace(
            "# templates_dir: site_templates", "templates_dir: site_templates"), encoding="utf-8")
    shutil.copytree(REPO / "docs_site", small_root / "docs_site")
    result = cli("build", "--root", str(small_root), "--site-dir", str(small_root / "out"))
    assert result.code == 1, result.output
    assert "site_templates/phrases.md.j2:1" in result.output and "TemplateSyntaxError" in result.output
    assert "Traceback" not in result.output
    assert not (small_root / "out").exists()


def test_pages_held_compressed_read_and_write_as_before():
    """Between MkDocs reading a generated page and writing it, its HTML is kept compressed and its
    Markdown made again on demand; other plugins must see exactly what they would have."""
    from kbtool.mkdocs.plugin import compress_text

    class Page:
        def __init__(self) -> None:
            self.content = "<p>Grüße</p>" * 100
            self.markdown = "# Grüße"

    page = Page()
    compress_text(page, lambda: "# made again")
    assert isinstance(page, Page) and page.content == "<p>Grüße</p>" * 100
    assert "content" not in vars(page) and len(vars(page)["_kb_content"]) < 200
    assert page.markdown == "# made again"
    page.content, page.markdown = "<p>changed by a plugin</p>", "# set by a plugin"
    assert (page.content, page.markdown) == ("<p>changed by a plugin</p>", "# set by a plugin")
    page.content = page.markdown = None
    assert page.content is None and page.markdown is None
    kept = Page()
    compress_text(kept)
    assert kept.markdown == "# Grüße"
