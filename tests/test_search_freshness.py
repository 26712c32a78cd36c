"""The search index's freshness check: cheap when nothing changed, and every edit still seen."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from kbtool.search import store
from kbtool.search.api import fresh_index, run_query
from tests.test_search import FILES, KB_YAML

REFUNDS = "scripts_library/phrases/refunds.yaml"
HOUR_AGO = time.time() - 3600


@pytest.fixture
def kb(kb_root) -> Path:
    root = kb_root(FILES, KB_YAML)
    # Files written an hour before the index, as in real use: an edit made now gets a new time.
    for path in [*root.rglob("*.yaml"), *(p for p in root.rglob("*") if p.is_dir())]:
        os.utime(path, (HOUR_AGO, HOUR_AGO))
    index, reason = fresh_index(root)
    index.close()
    assert reason == "there was no search index yet"
    return root


def top_item(root: Path, query: str) -> tuple[str | None, str | None]:
    index, reason = fresh_index(root)
    with index:
        hits = run_query(index, query, limit=1).hits
    return reason, (hits[0].item if hits else None)


def no_walks(monkeypatch: pytest.MonkeyPatch) -> None:
    def walk(*args: object, **kwargs: object) -> list[Path]:
        raise AssertionError("the folders were walked")

    monkeypatch.setattr(store, "content_files", walk)


def test_an_unchanged_knowledge_base_is_fresh_without_a_walk(kb, monkeypatch):
    no_walks(monkeypatch)
    assert top_item(kb, "refunded card") == (None, "refund-today")


def manifest_of(root: Path) -> dict:
    index, _ = fresh_index(root)
    with index:
        manifest = store.read_manifest(index.folder)
    assert manifest is not None
    return manifest


def test_a_file_rewritten_in_place_with_the_same_size_is_seen_by_the_cheap_check(kb):
    manifest = manifest_of(kb)
    assert store.quick_check(kb, manifest)
    path = kb / REFUNDS
    folder_time = path.parent.stat().st_mtime_ns
    text = path.read_text(encoding="utf-8")
    edited = text.replace("full amount", "walrus fund")
    assert len(edited) == len(text)
    with path.open("r+", encoding="utf-8") as handle:  # in place: same inode, same folder entry
        handle.write(edited)
    assert path.parent.stat().st_mtime_ns == folder_time and path.stat().st_size == len(text.encode())
    assert not store.quick_check(kb, manifest)
    assert top_item(kb, "walrus") == ("the YAML changed since the index was built", "refund-today")


def test_a_file_replaced_by_rename_is_seen(kb):
    path = kb / REFUNDS
    temp = path.with_name(".refunds.yaml.swp")
    temp.write_text(path.read_text(encoding="utf-8").replace("full amount", "walrus fund"), encoding="utf-8")
    os.utime(temp, (HOUR_AGO, HOUR_AGO))  # even with the old time: the folder's time moved
    os.replace(temp, path)
    assert top_item(kb, "walrus") == ("the YAML changed since the index was built", "refund-today")


def test_a_new_and_a_deleted_file_are_seen(kb):
    (kb / "scripts_library/phrases/walrus.yaml").write_text(
        (kb / REFUNDS).read_text(encoding="utf-8").replace("id: refunds", "id: walrus")
        .replace("refund-today", "walrus-today").replace("full amount", "walrus fund"), encoding="utf-8")
    assert top_item(kb, "walrus") == ("the YAML changed since the index was built", "walrus-today")
    (kb / "scripts_library/phrases/walrus.yaml").unlink()
    assert top_item(kb, "walrus") == ("the YAML changed since the index was built", None)


def test_a_file_in_a_new_subfolder_and_a_new_content_folder_are_seen(kb):
    (kb / "standards").rename(kb / "old-standards")
    assert top_item(kb, "refunded card")[0] == "the YAML changed since the index was built"
    (kb / "old-standards").rename(kb / "standards")
    deep = kb / "scripts_library/phrases/team/walrus.yaml"
    deep.parent.mkdir()
    top_item(kb, "refunded card")  # the empty folder is recorded now
    deep.write_text((kb / REFUNDS).read_text(encoding="utf-8").replace("id: refunds", "id: walrus")
                    .replace("refund-today", "walrus-today").replace("full amount", "walrus fund"), encoding="utf-8")
    assert top_item(kb, "walrus") == ("the YAML changed since the index was built", "walrus-today")


def test_kb_yaml_edited_in_place_is_seen(kb):
    config = kb / "kb.yaml"
    with config.open("a", encoding="utf-8") as handle:
        handle.write("  - [lamp, walrus]\n")
    reason, item = top_item(kb, "walrus")
    assert reason == "the YAML changed since the index was built" and item == "split-order"


def test_a_folder_change_that_is_not_content_walks_once_then_is_cheap_again(kb, monkeypatch):
    (kb / "scripts_library/phrases/README.md").write_text("notes", encoding="utf-8")
    assert top_item(kb, "refunded card") == (None, "refund-today")  # walked: still fresh, no rebuild
    no_walks(monkeypatch)
    assert top_item(kb, "refunded card") == (None, "refund-today")


@pytest.mark.parametrize("damage", ["", "{", '{"signature": "x"}', "[]"])
def test_a_missing_or_damaged_manifest_falls_back_to_a_walk(kb, damage):
    index, _ = fresh_index(kb)
    with index:
        manifest = index.folder / store.MANIFEST_FILE
    if damage:
        manifest.write_text(damage, encoding="utf-8")
    else:
        manifest.unlink()
    assert top_item(kb, "refunded card") == (None, "refund-today")
    assert json.loads(manifest.read_text(encoding="utf-8"))["signature"]  # rewritten by the walk
    path = kb / REFUNDS
    path.write_text(path.read_text(encoding="utf-8").replace("full amount", "walrus fund"), encoding="utf-8")
    assert top_item(kb, "walrus") == ("the YAML changed since the index was built", "refund-today")


def test_the_manifest_vouches_only_for_the_signature_it_was_taken_with(kb):
    index, _ = fresh_index(kb)
    index.close()
    path = kb / REFUNDS
    path.write_text(path.read_text(encoding="utf-8").replace("full amount", "walrus fund"), encoding="utf-8")
    # A manifest of the edited files beside the index of the old ones (a crash between steps, say).
    store.write_manifest(index.folder, store.fingerprint(kb))
    assert store.quick_check(kb, store.read_manifest(index.folder))
    assert top_item(kb, "walrus") == ("the YAML changed since the index was built", "refund-today")
