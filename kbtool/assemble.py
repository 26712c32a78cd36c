"""Finds a knowledge base's files and turns them into a KnowledgeBase, collecting every problem."""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kbtool.format.kinds import COMMON_ENTRY, ENTRY_TYPES, REGISTRY
from kbtool.format.types import Conversion, closest, convert_object, did_you_mean
from kbtool.kbyaml import load_config
from kbtool.model import Entry, KnowledgeBase, Variable
from kbtool.problems import KbError, Level, Problem
from kbtool.reading.layout import CONFIG_FILE, CONTENT_DIRS, content_files, has_knowledge_base
from kbtool.reading.loader import SourceFile, load_file
from kbtool.reading.rules import NO_CONTENT, REQUIRED_FIELD

# A guard against pointing --root at a home folder by mistake, and a cap on memory.
MAX_ENTRIES = 50_000


def relative(root: Path, file: Path) -> str:
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return file.as_posix()


def build_entry(source: SourceFile, vocabularies: dict[str, tuple[str, ...]]) -> tuple[Entry | None, list[Problem]]:
    """Check one parsed file against its kind's declaration and build its model object."""
    root = source.root
    assert root is not None
    conv = Conversion(source.path, vocabularies)
    kind_node = root.items.get("kind")  # type: ignore[union-attr]
    kind = kind_node[1].value if kind_node and hasattr(kind_node[1], "value") else None
    declared = REGISTRY.get(kind) if isinstance(kind, str) else None
    if declared is None:
        # Without a kind we cannot tell which fields belong, so only the common ones are checked
        # (a missing kind is one of them, reported once with the kinds to choose from).
        convert_object(root, COMMON_ENTRY, conv, (), "", check_unknown=False)
        return None, conv.problems
    entry_type = ENTRY_TYPES[declared.name]
    data = convert_object(root, entry_type, conv, (), "")
    if declared.requires_situation and "situation" not in root.items \
            and not _misspelt("situation", root, entry_type):
        conv.report(root, REQUIRED_FIELD.id, f"a {kind} entry is missing the required field 'situation'",
                    f"add 'situation:' with one of: {', '.join(vocabularies['situation'][:6])}, ...")
    if "id" not in data or "title" not in data or not data["title"] and not _written(root, "title"):
        # No title at all (the converter's empty stand-in is for items, not a whole entry): the
        # file's own problem says so, and references to its id are not reported again.
        return None, conv.problems
    common = dict(
        id=data["id"], title=data["title"], owner=data.get("owner", ""), status=data.get("status", "draft"),
        review_by=data.get("review_by"), channels=data.get("channels", []), situation=data.get("situation"),
        summary=data.get("summary", ""), tags=data.get("tags", []), related=data.get("related", []),
        source=source, keywords=data.get("keywords", []),
        customer_says=data.get("customer_says", []),
        variables={name: Variable(v["description"], v["example"], v.get("required", True))
                   for name, v in data.get("variables", {}).items() if "description" in v and "example" in v},
    )
    return declared.build(data, common), conv.problems


def _written(root: Any, name: str) -> bool:
    """True when the file gives `name` a value, even an empty text ("")."""
    item = root.items.get(name)
    return item is not None and getattr(item[1], "value", "") is not None


def _misspelt(name: str, root: Any, entry_type: Any) -> bool:
    """True when an unknown key of `root` is close to `name`: its unknown-field error already says so."""
    fields = entry_type.field_map()
    unknown = [key for key in root.items if key not in fields]
    return closest(name, unknown) is not None


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic objects.

    Loading 10,000 entries creates millions of nodes and tuples; the collector's repeated
    full scans over them took half the validation time, and none of them form cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# A long-running caller's memory of loaded files: path -> (what the file and the vocabularies were
# when it was read, its SourceFile, its Entry or None, the Entry's problems).
LoadCache = dict[Path, tuple[Any, SourceFile, Entry | None, list[Problem]]]


def load_knowledge_base(root: Path | str, vocabularies: dict[str, tuple[str, ...]] | None = None,
                        reuse: LoadCache | None = None) -> KnowledgeBase:
    """Load every file under `root`; content problems are collected, never raised.

    `vocabularies` names values the format cannot know by itself (the rule ids kb.yaml may set
    levels for); the pipeline passes them. `reuse` (kept by `kbtool serve` between rebuilds)
    skips parsing files unchanged since they were last read there: an edit touches one file,
    and parsing the other 999 was a fifth of each rebuild at 1,000 entries.
    """
    with paused_gc():
        return _load(Path(root), vocabularies or {}, reuse)


def _file_key(file: Path, vocabularies: dict[str, tuple[str, ...]]) -> Any:
    try:
        link, target = file.lstat(), file.stat()
    except OSError:
        return None
    return (link.st_mtime_ns, link.st_size, link.st_ino, target.st_mtime_ns, target.st_size, target.st_ino,
            tuple(sorted(vocabularies.items())))


def _load(root: Path, vocabularies: dict[str, tuple[str, ...]], reuse: LoadCache | None = None) -> KnowledgeBase:
    if not root.is_dir():
        raise KbError(f"knowledge-base root '{root}' is not a folder")
    config, problems = load_config(root, vocabularies)
    vocabularies = {**vocabularies, "situation": tuple(config.situations)}
    files = content_files(root)
    if len(files) > MAX_ENTRIES:
        raise KbError(f"{len(files):,} entry files under '{root}'; the limit is {MAX_ENTRIES:,}. "
                      "Is --root pointing at the right folder?")
    if not files and not (root / CONFIG_FILE).exists():
        if has_knowledge_base(root):
            problems.append(Problem(".", 1, 1, Level.WARNING, NO_CONTENT.id,
                                    "no entries found: standards/ and scripts_library/ hold no entry files yet",
                                    "kbtool new KIND ID starts an entry"))
        else:
            # Nothing here is a knowledge base (--root / or a mistyped folder): passing would let CI
            # go green on the wrong folder, so it is an error.
            problems.append(Problem(".", 1, 1, Level.ERROR, NO_CONTENT.id,
                                    "no knowledge base here: there is no kb.yaml, standards/ or "
                                    "scripts_library/ in this folder",
                                    "run kbtool from the knowledge base's folder, or pass --root DIR"))
    entries: list[Entry] = []
    names: list[str] = []
    unloaded: dict[str, str] = {}
    for file in files:
        display = relative(root, file)
        names.append(display)
        key = _file_key(file, vocabularies) if reuse is not None else None
        known = reuse.get(file) if reuse is not None and key is not None else None
        if known is not None and known[0] == key:
            _, source, entry, entry_problems = known
        else:
            source = load_file(file, display, root)
            entry, entry_problems = build_entry(source, vocabularies) if source.root is not None else (None, [])
            source.release()
            if reuse is not None and key is not None:
                reuse[file] = (key, source, entry, entry_problems)
        problems.extend(source.problems)
        problems.extend(entry_problems)
        if entry is not None:
            entries.append(entry)
        else:
            for guess in _ids_of_unloaded(file, source.text):
                unloaded.setdefault(guess, display)
    if reuse is not None:
        for gone in set(reuse) - set(files):
            del reuse[gone]
    return KnowledgeBase(root=root, config=config, entries=entries, problems=problems, files=names,
                         unloaded=unloaded)


_ID_LINE = re.compile(r"""^id:[ \t]*["']?([^\s"'#]+)""", re.MULTILINE)


def _ids_of_unloaded(file: Path, text: str) -> set[str]:
    """The ids a file that did not load probably holds: its `id:` line and its name.

    A file that fails to load has its own problems reported; references to it from other files
    would only repeat them, one per referring file, so the reference checks skip these ids.
    """
    found = {file.stem}
    match = _ID_LINE.search(text or "")
    if match:
        found.add(match.group(1))
    return found


__all__ = ["CONFIG_FILE", "CONTENT_DIRS", "content_files", "did_you_mean", "load_knowledge_base"]
