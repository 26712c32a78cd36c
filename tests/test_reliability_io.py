"""Reliability at the file-system edge: what kbtool may replace, read, write and run, and where."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PHRASES, write_kb


@pytest.fixture
def small_kb(tmp_path):
    return write_kb(tmp_path / "kb", {"scripts_library/phrases/greetings.yaml": PHRASES})


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- 1. a build replaces only a site it built ------------------------------------------------------

def test_build_refuses_a_site_dir_of_user_files_and_leaves_it_alone(small_kb, tmp_path, cli):
    mine = tmp_path / "my-notes"
    mine.mkdir()
    (mine / "notes.txt").write_text("years of work", encoding="utf-8")
    for _ in range(2):  # the first build used to rename it away, the second to delete it
        run = cli("build", "--root", str(small_kb), "--site-dir", str(mine), "--no-search-index")
        assert run.code == 2, run.output
        assert "refusing to replace" in run.stderr and ".kbtool-site" in run.stderr
        assert snapshot(mine) == {"notes.txt": b"years of work"}
    assert not (tmp_path / ".my-notes.previous").exists()


@pytest.mark.parametrize("where", [".", "standards", "scripts_library", "scripts_library/phrases",
                                   "standards/site", ".."])
def test_build_never_uses_the_knowledge_base_or_its_content_folders(small_kb, cli, where):
    (small_kb / "standards").mkdir(exist_ok=True)
    before = snapshot(small_kb.parent)
    run = cli("build", "--root", str(small_kb), "--site-dir", str(small_kb / where), "--no-search-index")
    assert run.code == 2, run.output
    assert "refusing to use" in run.stderr
    assert snapshot(small_kb.parent) == before


def test_build_refuses_the_home_folder_and_the_file_system_root(small_kb, tmp_path, cli):
    from kbtool.builders.errors import UnsafeSiteDir
    from kbtool.builders.sitefolder import check_site_dir

    home = tmp_path / "home"
    home.mkdir()
    run = cli("build", "--root", str(small_kb), "--site-dir", str(home), "--no-search-index",
              env={"HOME": str(home), "NO_COLOR": "1"})
    assert run.code == 2 and "home folder" in run.stderr
    with pytest.raises(UnsafeSiteDir, match="root of the file system"):
        check_site_dir(Path("/"))
    # Even a planted marker does not make the protected folders replaceable.
    (small_kb / ".kbtool-site").write_text("", encoding="utf-8")
    with pytest.raises(UnsafeSiteDir, match="root folder"):
        check_site_dir(small_kb, small_kb)


def test_build_into_an_empty_or_missing_folder_then_again_keeps_the_rollback(small_kb, tmp_path, cli):
    empty = tmp_path / "public"
    empty.mkdir()
    assert cli("build", "--root", str(small_kb), "--site-dir", str(empty), "--no-search-index").code == 0
    assert (empty / ".kbtool-site").is_file() and (empty / "index.html").is_file()
    run = cli("build", "--root", str(small_kb), "--site-dir", str(empty), "--no-search-index")
    assert run.code == 0, run.output
    previous = tmp_path / ".public.previous"
    assert (previous / ".kbtool-site").is_file()
    assert cli("build", "--root", str(small_kb), "--site-dir", str(empty), "--rollback").code == 0
    missing = tmp_path / "new" / "site"
    assert cli("build", "--root", str(small_kb), "--site-dir", str(missing), "--no-search-index").code == 0
    assert (missing / ".kbtool-site").is_file()


def test_previous_folder_without_the_marker_is_never_deleted_or_rolled_back(small_kb, cli):
    assert cli("build", "--root", str(small_kb), "--no-search-index").code == 0
    previous = small_kb / ".site.previous"
    previous.mkdir()
    (previous / "mine.txt").write_text("keep", encoding="utf-8")
    run = cli("build", "--root", str(small_kb), "--no-search-index")
    assert run.code == 2 and "refusing to delete" in run.stderr
    run = cli("build", "--root", str(small_kb), "--rollback")
    assert run.code == 2 and "not a kbtool build" in run.stderr
    assert snapshot(previous) == {"mine.txt": b"keep"}
    assert (small_kb / "site" / ".kbtool-site").is_file()


def test_rollback_refuses_to_park_a_site_folder_of_user_files(small_kb, cli):
    assert cli("build", "--root", str(small_kb), "--no-search-index").code == 0
    assert cli("build", "--root", str(small_kb), "--no-search-index").code == 0
    site = small_kb / "site"
    (site / ".kbtool-site").unlink()
    (site / "index.html").unlink()  # no longer recognisably a kbtool site
    run = cli("build", "--root", str(small_kb), "--rollback")
    assert run.code == 2 and "refusing to replace" in run.stderr
    assert (site / "assets").is_dir()


def test_sites_built_before_the_marker_are_still_replaced(small_kb, cli):
    from kbtool.builders.sitefolder import SITE_MARKER, is_kbtool_site

    assert cli("build", "--root", str(small_kb), "--no-search-index").code == 0
    site = small_kb / "site"
    (site / SITE_MARKER).unlink()  # as an older kbtool left it
    assert is_kbtool_site(site)
    assert cli("build", "--root", str(small_kb), "--no-search-index").code == 0
    assert (site / SITE_MARKER).is_file()


def test_swap_into_place_refuses_an_unmarked_build_or_target(tmp_path):
    from kbtool.builders.errors import SiteError, UnsafeSiteDir
    from kbtool.builders.sitefolder import mark_site, swap_into_place

    new = tmp_path / "new"
    new.mkdir()
    target = tmp_path / "target"
    with pytest.raises(SiteError, match="not a finished kbtool build"):
        swap_into_place(new, target)
    mark_site(new)
    target.mkdir()
    (target / "a.txt").write_text("a", encoding="utf-8")
    with pytest.raises(UnsafeSiteDir):
        swap_into_place(new, target)
    assert (target / "a.txt").exists() and (new / ".kbtool-site").exists()


# -- 2. commands that write files replace only kbtool's own output -----------------------------------

def test_espanso_export_refuses_a_folder_of_other_files(small_kb, tmp_path, cli):
    (small_kb / "README.md").write_text("# Our knowledge base\n", encoding="utf-8")
    before = snapshot(small_kb)
    run = cli("export", "espanso", "--root", str(small_kb), "-o", str(small_kb))
    assert run.code == 1 and "pass --force" in run.stderr and str(small_kb) in run.stderr
    assert snapshot(small_kb) == before
    other = tmp_path / "kbtool-other"
    other.mkdir()
    (other / "README.md").write_text("mine", encoding="utf-8")
    (other / "package.yml").write_text("matches: []\n", encoding="utf-8")
    run = cli("export", "espanso", "--root", str(small_kb), "-o", str(other))
    assert run.code == 1 and "package.yml" in run.stderr and "--force" in run.stderr
    assert (other / "README.md").read_text(encoding="utf-8") == "mine"
    run = cli("export", "espanso", "--root", str(small_kb), "-o", str(other), "--force")
    assert run.code == 0, run.output
    assert (other / "README.md").read_text(encoding="utf-8") != "mine"


def test_espanso_export_replaces_its_own_package(small_kb, tmp_path, cli):
    from kbtool.cli.commands.export import ESPANSO_SIGN

    folder = tmp_path / "kbtool-acme"
    assert cli("export", "espanso", "--root", str(small_kb), "-o", str(folder)).code == 0
    assert (folder / "package.yml").read_bytes().startswith(ESPANSO_SIGN)
    (folder / "README.md").write_text("stale", encoding="utf-8")
    assert cli("export", "espanso", "--root", str(small_kb), "-o", str(folder)).code == 0
    assert (folder / "README.md").read_text(encoding="utf-8") != "stale"
    empty = tmp_path / "kbtool-empty"
    empty.mkdir()
    assert cli("export", "espanso", "--root", str(small_kb), "-o", str(empty)).code == 0


def test_json_export_replaces_only_an_export_or_its_schema(small_kb, tmp_path, cli):
    target = tmp_path / "notes.json"
    target.write_text('{"mine": true}\n', encoding="utf-8")
    run = cli("export", "json", "--root", str(small_kb), "-o", str(target))
    assert run.code == 1 and f"not overwriting {target}" in run.stderr and "--force" in run.stderr
    assert target.read_text(encoding="utf-8") == '{"mine": true}\n'
    assert cli("export", "json", "--root", str(small_kb), "-o", str(target), "--force").code == 0
    assert cli("export", "json", "--root", str(small_kb), "-o", str(target)).code == 0  # its own export now
    assert cli("export", "json", "--schema", "-o", str(target)).code == 0
    assert '"$id"' in target.read_text(encoding="utf-8")
    assert cli("export", "json", "--root", str(small_kb), "-o", str(target)).code == 0  # and its own schema
    folder = tmp_path / "a-folder.json"
    folder.mkdir()
    assert cli("export", "json", "--root", str(small_kb), "-o", str(folder)).code in (1, 2)
    assert folder.is_dir()


def test_eml_replaces_only_a_draft_kbtool_wrote(kb_root, tmp_path, cli):
    from test_render_letter import LETTER, VALUES

    root = kb_root({"scripts_library/letters/delay.yaml": LETTER})
    out = tmp_path / "letter.eml"
    out.write_text("From: me\n\nmy own mail\n", encoding="utf-8")
    run = cli("render", "letter", "delay", "--root", str(root), *VALUES, "--eml", str(out))
    assert run.code == 1 and f"not overwriting {out}" in run.stderr and "--force" in run.stderr
    assert out.read_text(encoding="utf-8") == "From: me\n\nmy own mail\n"
    assert cli("render", "letter", "delay", "--root", str(root), *VALUES, "--eml", str(out), "--force").code == 0
    assert cli("render", "letter", "delay", "--root", str(root), *VALUES, "--eml", str(out)).code == 0
    import email
    import email.policy

    message = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Your order FH-1 is late" and message["X-Mailer"] == "kbtool render letter"


def test_schema_replaces_only_its_own_files(small_kb, cli):
    folder = small_kb / "schema"
    folder.mkdir()
    (folder / "kb.schema.json").write_text('{"title": "our own"}', encoding="utf-8")
    run = cli("schema", "--root", str(small_kb))
    assert run.code == 1 and "kb.schema.json" in run.stderr and "--force" in run.stderr
    assert not (folder / "entry.schema.json").exists()  # nothing half-written
    assert cli("schema", "--root", str(small_kb), "--force").code == 0
    assert cli("schema", "--root", str(small_kb)).code == 0


def test_refuse_overwrite_reads_no_pipe_and_names_the_file(tmp_path):
    import os

    from kbtool.fileops import WouldOverwrite, refuse_overwrite

    refuse_overwrite(tmp_path / "missing", lambda head: False)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(WouldOverwrite, match="not a regular file"):
        refuse_overwrite(fifo, lambda head: True)
    refuse_overwrite(fifo, lambda head: False, force=True)


# -- 3. only regular files are read, and never more than the cap -------------------------------------

def kbtool_process(*args: str, timeout: float = 120):
    """kbtool in its own process, so a hang fails the test instead of stalling the run."""
    import os
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "kbtool", *args], capture_output=True, text=True,
                            timeout=timeout, env={**os.environ, "NO_COLOR": "1"})
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no named pipes here")
def test_named_pipe_among_the_entries_is_reported_not_waited_on(small_kb):
    import os

    os.makedirs(small_kb / "standards")
    os.mkfifo(small_kb / "standards" / "x.yaml")
    result = kbtool_process("validate", "--root", str(small_kb), timeout=60)
    assert result.returncode == 1
    assert "standards/x.yaml:1:1: error [unreadable-file]" in result.stdout
    assert "it is a named pipe, not a regular file" in result.stdout
    result = kbtool_process("search", "hello", "--root", str(small_kb), "--no-log", timeout=60)
    assert result.returncode in (0, 1) and "problem(s) in the YAML" in result.stderr
    result = kbtool_process("build", "--root", str(small_kb), "--no-search-index", timeout=120)
    assert result.returncode == 1 and "unreadable-file" in result.stdout


def test_link_to_a_device_is_reported_not_read(small_kb, cli):
    os_ = __import__("os")
    if not os_.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    link = small_kb / "scripts_library" / "phrases" / "zero.yaml"
    link.symlink_to("/dev/zero")
    from kbtool.reading.loader import load_file

    source = load_file(link, "zero.yaml")
    assert [p.rule for p in source.problems] == ["unreadable-file"]
    assert "a symbolic link to /dev/zero, which is a device" in source.problems[0].message
    run = cli("validate", "--root", str(small_kb))
    assert run.code == 1 and "zero.yaml:1:1: error [unreadable-file]" in run.stdout


def test_size_cap_holds_while_reading_a_file_that_grew(tmp_path, monkeypatch):
    import os

    from kbtool.reading import loader

    path = tmp_path / "grows.yaml"
    path.write_bytes(b"a: " + b"x" * loader.MAX_FILE_BYTES + b"\n")
    real_lstat = os.lstat

    def small_at_first(file, *args, **kwargs):
        st = real_lstat(file, *args, **kwargs)
        # What stat() said before the file grew: small enough to pass the first check.
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, 10,
                               st.st_atime, st.st_mtime, st.st_ctime))

    monkeypatch.setattr(loader.os, "lstat", small_at_first)
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(loader.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    source = loader.load_file(path, "grows.yaml")
    assert [p.rule for p in source.problems] == ["file-too-large"]
    assert "more than 1,048,576 bytes" in source.problems[0].message
    assert sum(reads) <= loader.MAX_FILE_BYTES + 1 + 8192


def test_linked_content_folders_inside_are_followed_and_others_reported(small_kb, tmp_path, cli):
    from conftest import PHRASES

    shared = small_kb / "shared"
    shared.mkdir()
    (shared / "thanks.yaml").write_text(PHRASES.replace("id: greetings", "id: thanks")
                                        .replace("title: Greetings", "title: Thanks")
                                        .replace("id: hello", "id: thank-you"), encoding="utf-8")
    (small_kb / "scripts_library" / "shared").symlink_to(shared, target_is_directory=True)
    run = cli("validate", "--root", str(small_kb), "--format", "json")
    import json

    assert [p for p in json.loads(run.stdout) if p["level"] == "error"] == [], run.stdout
    from kbtool.assemble import load_knowledge_base

    assert "thanks" in load_knowledge_base(small_kb).by_id  # was skipped without a word

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("kind: Config\n", encoding="utf-8")
    (small_kb / "standards").mkdir()
    (small_kb / "standards" / "elsewhere").symlink_to(outside, target_is_directory=True)
    (small_kb / "standards" / "loop").symlink_to(small_kb / "scripts_library", target_is_directory=True)
    (small_kb / "standards" / "one.yaml").symlink_to(outside / "secret.yaml")
    problems = {p["path"]: p for p in json.loads(cli("validate", "--root", str(small_kb), "--format", "json").stdout)}
    assert problems["standards/elsewhere"]["rule"] == "unreadable-file"
    assert "outside the knowledge base" in problems["standards/elsewhere"]["message"]
    assert problems["standards/loop"]["rule"] == "unreadable-file"
    assert "a folder, not a regular file" in problems["standards/loop"]["message"]
    assert "only inside the knowledge base" in problems["standards/loop"]["hint"]
    assert "outside the knowledge base" in problems["standards/one.yaml"]["message"]
    assert not any("secret" in p["path"] for p in problems.values())


# -- 4. a raw control character is reported where it is ----------------------------------------------

@pytest.mark.parametrize("char", ["\x0b", "\x1b", "\x7f", "\x9b"])
def test_raw_control_character_points_at_its_line_and_column(kb_root, cli, char):
    # Non-ASCII text before it: the C parser's offset counts bytes, which used to shift columns too.
    text = PHRASES.replace("title: Greetings", f"title: Café greetings{char}to all")
    root = kb_root({"scripts_library/phrases/greetings.yaml": text})
    run = cli("validate", "--root", str(root))
    assert run.code == 1
    assert "scripts_library/phrases/greetings.yaml:3:22: error [control-character]" in run.stdout
    assert f"U+{ord(char):04X}" in run.stdout and "position" not in run.stdout


def test_reader_errors_are_positioned_with_either_parser():
    from kbtool.reading.loader import parse

    for text in ("a: é\nb: c\x0bd\n", "a: é\nb: c\x0bd\n" + "[" * 300 + "]" * 300):
        root, problems = parse(text, "x.yaml")
        assert root is None
        assert [(p.line, p.column, p.rule) for p in problems] == [(2, 5, "control-character")]


# -- 5. kbtool diff reads git exactly and writes only inside its temporary folder ---------------------

def git(cwd, *args):
    import os
    import subprocess

    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          env={**os.environ, "GIT_AUTHOR_NAME": "Mo", "GIT_AUTHOR_EMAIL": "mo@example.com",
                               "GIT_COMMITTER_NAME": "Mo", "GIT_COMMITTER_EMAIL": "mo@example.com"}).stdout


def committed_kb(repo: Path, subfolder: str, files: dict[str, str]) -> Path:
    root = write_kb(repo / subfolder if subfolder else repo, files)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    return root


@pytest.mark.parametrize("subfolder", ["", "kb", "kb-ü"])
def test_diff_reads_non_ascii_names_exactly_wherever_the_kb_sits(tmp_path, cli, subfolder):
    import json

    stray = Path("/standards")
    existed = stray.exists()
    root = committed_kb(tmp_path / "repo", subfolder, {"scripts_library/phrases/café.yaml": PHRASES})
    run = cli("diff", "HEAD", "--root", str(root), "--format", "json")
    assert run.code == 0, run.output
    assert json.loads(run.stdout) == {"base": "HEAD", "changes": [], "invalid": []}
    assert stray.exists() == existed  # it once wrote an empty file under /standards/


def test_diff_refuses_paths_outside_its_folder(tmp_path):
    from kbtool.authoring.diffing import _safe_target
    from kbtool.problems import KbError

    for name in (b"/etc/x.yaml", b"../x.yaml", b"standards/../../x.yaml", b""):
        with pytest.raises(KbError, match="outside the temporary folder"):
            _safe_target(tmp_path, name)
    assert _safe_target(tmp_path, "standards/café.yaml".encode()) == tmp_path / "standards" / "café.yaml"


def test_diff_stops_cleanly_when_git_cannot_read_an_object(tmp_path, cli):
    root = committed_kb(tmp_path / "repo", "", {"scripts_library/phrases/greetings.yaml": PHRASES})
    blob = git(root, "rev-parse", "HEAD:scripts_library/phrases/greetings.yaml").decode().strip()
    (root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # a damaged clone
    run = cli("diff", "HEAD", "--root", str(root))
    assert run.code == 1 and "Error: git" in run.stderr
    assert "Added" not in run.stdout and "Removed" not in run.stdout


def test_diff_reports_invalid_content_instead_of_false_changes(tmp_path, cli):
    import json

    path = "scripts_library/phrases/greetings.yaml"
    broken = PHRASES.replace("status: approved", "status: aproved")
    root = committed_kb(tmp_path / "repo", "", {path: broken})
    (root / path).write_text(PHRASES, encoding="utf-8")  # fixed in the working tree
    data = json.loads(cli("diff", "HEAD", "--root", str(root), "--format", "json").stdout)
    assert data["changes"] == []
    assert [(i["path"], i["side"], i["errors"]) for i in data["invalid"]] == [(path, "base", 1)]
    run = cli("diff", "HEAD", "--root", str(root))
    assert f"`{path}` is invalid at BASE (`HEAD`): 1 error" in run.stdout
    git(root, "commit", "-qam", "fixed")
    (root / path).write_text(broken, encoding="utf-8")
    run = cli("diff", "HEAD", "--root", str(root))
    assert run.code == 0
    assert f"`{path}` is invalid at HEAD (this change): 1 error" in run.stdout
    assert "Status:" not in run.stdout and "Removed" not in run.stdout


def test_diff_markdown_makes_no_image_link_or_mention_from_content(tmp_path, cli):
    import markdown

    path = "scripts_library/phrases/greetings.yaml"
    root = committed_kb(tmp_path / "repo", "", {path: PHRASES})
    evil = ("![pixel](https://evil.example/p.png) [click](https://evil.example) <https://evil.example> "
            "<img src=x> @octocat www.evil.example https://evil.example/raw &#64;team `code`")
    say = next(line for line in PHRASES.splitlines() if line.strip().startswith("say:"))
    changed = PHRASES.replace(say, f'    say: "{evil}"').replace(
        "title: Greetings", "title: 'Hi @octocat ![x](https://e.example/y.png)'")
    (root / path).write_text(changed, encoding="utf-8")
    out = cli("diff", "HEAD", "--root", str(root)).stdout
    for raw in ("![", "](", "<http", "<img", "@octocat", "@team", "&#64;", "www.evil", "https://evil"):
        assert raw not in out, raw
    html = markdown.markdown(out)
    assert "<img" not in html and "<a " not in html and "<code>code</code>" not in html
    assert "octocat" in html  # the text is still there to review


# -- 6. search on a read-only checkout, and no index where there is no knowledge base ---------------

def stale_index(root: Path, cli) -> None:
    assert cli("index", "--root", str(root)).code == 0
    path = root / "scripts_library" / "phrases" / "greetings.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Good morning", "Good afternoon"), encoding="utf-8")


def test_search_on_a_read_only_checkout_uses_the_stale_index_with_a_note(small_kb, cli, monkeypatch):
    from kbtool.search import store

    stale_index(small_kb, cli)
    monkeypatch.setattr(store, "index_writable", lambda root: False)
    run = cli("search", "morning", "--root", str(small_kb), "--no-log")
    assert run.code == 0, run.output
    assert "Good morning" in run.stdout  # what the index holds
    assert "cannot be rebuilt here (the folder is read-only)" in run.stderr


def test_search_falls_back_to_the_stale_index_when_writing_fails(small_kb, cli, monkeypatch):
    import errno

    from kbtool.search import store

    stale_index(small_kb, cli)

    def read_only(root):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(store, "new_build", read_only)
    run = cli("search", "morning", "--root", str(small_kb), "--no-log")
    assert run.code == 0, run.output
    assert "Read-only file system" in run.stderr and "Good morning" in run.stdout


def test_search_without_any_index_on_a_read_only_checkout_says_so(small_kb, cli, monkeypatch):
    from kbtool.search import store

    monkeypatch.setattr(store, "index_writable", lambda root: False)
    run = cli("search", "morning", "--root", str(small_kb))
    assert run.code == 1 and "no usable index" in run.stderr and "kbtool index" in run.stderr


@pytest.mark.parametrize("command", [("search", "hello"), ("index",), ("find", "hello")])
def test_search_and_index_refuse_a_folder_without_a_knowledge_base(tmp_path, cli, command):
    empty = tmp_path / "not-a-kb"
    empty.mkdir()
    (empty / "notes.txt").write_text("x", encoding="utf-8")
    run = cli(*command, "--root", str(empty))
    assert run.code == 1 and "no knowledge base in" in run.stderr, run.output
    assert not (empty / ".kbtool").exists()


def test_root_of_the_file_system_is_no_knowledge_base(cli):
    existed = Path("/.kbtool").exists()
    run = cli("search", "hello", "--root", "/")
    assert run.code == 1 and "no knowledge base in /" in run.stderr
    assert Path("/.kbtool").exists() == existed
    run = cli("validate", "--root", "/")
    assert run.code == 1 and "no knowledge base here" in run.stdout


def test_validate_a_folder_without_a_knowledge_base_is_an_error(tmp_path, cli):
    import json

    run = cli("validate", "--root", str(tmp_path), "--format", "json")
    assert run.code == 1
    assert [(p["rule"], p["level"]) for p in json.loads(run.stdout)] == [("no-content", "error")]
    (tmp_path / "standards").mkdir()  # a knowledge base being started: only a warning
    run = cli("validate", "--root", str(tmp_path), "--format", "json")
    assert run.code == 0 and [(p["rule"], p["level"]) for p in json.loads(run.stdout)] == [("no-content", "warning")]
    assert cli("new", "phrases", "first", "--root", str(tmp_path)).code == 0


from kbtool.search.store import FORMAT_VERSION  # noqa: E402


@pytest.mark.parametrize("meta", [
    [], "text", {"format": FORMAT_VERSION}, {"format": FORMAT_VERSION, "signature": 1, "documents": 1, "log_misses": True, "synonyms": []},
    {"format": FORMAT_VERSION, "signature": "s", "documents": True, "log_misses": True, "synonyms": []},
    {"format": FORMAT_VERSION, "signature": "s", "documents": 1, "log_misses": True, "synonyms": [1, 2]},
    {"format": FORMAT_VERSION, "signature": "s", "documents": 1, "log_misses": True, "synonyms": [["a", 1]]},
    {"format": FORMAT_VERSION, "signature": "s", "documents": 1, "log_misses": True, "synonyms": [], "kinds": ["phrase"]},
    {"format": FORMAT_VERSION, "signature": "s", "documents": 1, "log_misses": True, "synonyms": [], "kinds": {"script": "step"}},
])
def test_index_metadata_of_the_wrong_shape_is_not_usable(meta):
    from kbtool.search.store import usable_meta

    assert not usable_meta(meta)
    assert usable_meta({"format": FORMAT_VERSION, "signature": "s", "documents": 1, "log_misses": True, "synonyms": [["a", "b"]],
                        "kinds": {"script": ["step"]}})


def test_index_metadata_of_the_wrong_shape_means_a_rebuild_not_a_crash(small_kb, cli):
    import json

    from kbtool.search.store import META_FILE, _current_folder, cache_dir

    assert cli("index", "--root", str(small_kb)).code == 0
    meta = _current_folder(cache_dir(small_kb)) / META_FILE
    data = json.loads(meta.read_text(encoding="utf-8"))
    meta.write_text(json.dumps({**data, "synonyms": "late,delay", "kinds": ["phrase"]}), encoding="utf-8")
    run = cli("search", "morning", "--root", str(small_kb), "--kind", "phrase", "--no-log")
    assert run.code == 0, run.output
    assert "rebuilt the search index" in run.stderr


# -- 7. serve checks its address before starting ------------------------------------------------------

@pytest.mark.parametrize("addr", ["127.0.0.1:99999", "127.0.0.1:0", "127.0.0.1", ":8000", "example.com:80",
                                  "127.0.0.1:http", "127.0.0.1:８０", "[::1:8000"])
def test_serve_rejects_a_bad_dev_addr_as_a_usage_error(small_kb, cli, addr):
    run = cli("serve", "--root", str(small_kb), "--dev-addr", addr)
    assert run.code == 2, run.output
    assert "--dev-addr" in run.stderr and "unexpectedly" not in run.stderr


@pytest.mark.parametrize("addr", ["127.0.0.1:8000", "0.0.0.0:1", "localhost:65535", "[::1]:8080"])
def test_serve_accepts_the_addresses_mkdocs_takes(addr):
    from kbtool.cli.commands.serve import check_dev_addr

    assert check_dev_addr(None, None, addr) == addr


# -- atomic writes keep the file's permissions --------------------------------------------------------

@pytest.mark.skipif(not hasattr(__import__("os"), "fchmod"), reason="no POSIX modes here")
def test_atomic_write_keeps_the_replaced_files_mode_and_new_files_follow_the_umask(tmp_path):
    import os

    from kbtool.fileops import atomic_write_text

    existing = tmp_path / "export.json"
    existing.write_text("old", encoding="utf-8")
    existing.chmod(0o640)
    atomic_write_text(existing, "new")
    assert (existing.stat().st_mode & 0o777, existing.read_text(encoding="utf-8")) == (0o640, "new")
    mask = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "fresh.json", "x")
    finally:
        os.umask(mask)
    assert (tmp_path / "fresh.json").stat().st_mode & 0o777 == 0o644  # mkstemp alone gave 0o600
