"""Finds a knowledge base's files and turns them into a KnowledgeBase, collecting every problem."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kbtool.format.types import (
    BUILTIN_SITUATIONS,
    COMMON_ENTRY,
    ENTRY_TYPES,
    KB_CONFIG,
    KINDS,
    MISSING,
    Conversion,
    convert_object,
    did_you_mean,
)
from kbtool.model import (
    DEFAULT_LETTER_WORDS,
    DEFAULT_STYLE_PHRASES,
    ENTRY_CLASSES,
    Entry,
    KbConfig,
    KnowledgeBase,
    Letter,
    Option,
    Phrase,
    PhraseSet,
    Rule,
    Script,
    Standard,
    Step,
    StyleRule,
    Target,
    Variable,
)
from kbtool.problems import KbError, Level, Problem
from kbtool.source.layout import CONFIG_FILE, CONTENT_DIRS, content_files
from kbtool.source.loader import SourceFile, load_file

# A guard against pointing --root at a home folder by mistake, and a cap on memory.
MAX_ENTRIES = 50_000


def relative(root: Path, file: Path) -> str:
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return file.as_posix()


def load_config(root: Path) -> tuple[KbConfig, list[Problem]]:
    config = KbConfig()
    file = root / CONFIG_FILE
    if not file.exists():
        return config, []
    source = load_file(file, CONFIG_FILE)
    problems = list(source.problems)
    if source.root is None:
        return config, problems
    conv = Conversion(CONFIG_FILE, {})
    data = convert_object(source.root, KB_CONFIG, conv, (), "")
    problems.extend(conv.problems)
    config.source = source
    if data is MISSING:
        return config, problems
    config.name = data.get("name", config.name)
    config.site_url = data.get("site_url", "")
    config.variables = data.get("variables", {})
    config.situations = {**BUILTIN_SITUATIONS, **data.get("situations", {})}
    config.synonyms = data.get("synonyms", [])
    style = data.get("style", {})
    keep_builtin = style.get("builtin", True)
    config.style_phrases = (list(DEFAULT_STYLE_PHRASES) if keep_builtin else []) + [
        StyleRule(r["text"], r.get("why", "")) for r in style.get("phrases", []) if "text" in r]
    config.letter_words = (list(DEFAULT_LETTER_WORDS) if keep_builtin else []) + [
        StyleRule(r["text"], r.get("why", "")) for r in style.get("letter_words", []) if "text" in r]
    config.start_here = data.get("start_here", [])
    if "review_period_days" in data:
        config.review_period_days = int(data["review_period_days"])
    config.log_misses = data.get("search", {}).get("log_misses", True)
    return config, problems


def build_entry(source: SourceFile, vocabularies: dict[str, tuple[str, ...]]) -> tuple[Entry | None, list[Problem]]:
    """Check one parsed file against the format and build its model object."""
    root = source.root
    assert root is not None
    conv = Conversion(source.path, vocabularies)
    kind_node = root.items.get("kind")  # type: ignore[union-attr]
    kind = kind_node[1].value if kind_node and hasattr(kind_node[1], "value") else None
    if kind in ENTRY_TYPES:
        data = convert_object(root, ENTRY_TYPES[kind], conv, (), "")
    else:
        # Without a kind we cannot tell which fields belong, so only the common ones are checked.
        data = convert_object(root, COMMON_ENTRY, conv, (), "", check_unknown=False)
        if kind_node is None:
            conv.report(root, "required-field", "the entry has no 'kind'",
                        f"add 'kind:' with one of: {', '.join(KINDS)}")
        return None, conv.problems
    if kind != "standard" and "situation" not in root.items:  # type: ignore[union-attr]
        conv.report(root, "required-field", f"a {kind} entry is missing the required field 'situation'",
                    f"add 'situation:' with one of: {', '.join(vocabularies['situation'][:6])}, ...")
    if "id" not in data or "title" not in data:
        return None, conv.problems
    entry = _make_entry(kind, data, source)
    return entry, conv.problems


def _make_entry(kind: str, data: dict[str, Any], source: SourceFile) -> Entry:
    common = dict(
        id=data["id"], title=data["title"], owner=data.get("owner", ""), status=data.get("status", "draft"),
        review_by=data.get("review_by"), channels=data.get("channels", []), situation=data.get("situation"),
        summary=data.get("summary", ""), tags=data.get("tags", []), related=data.get("related", []),
        source=source,
    )
    cls = ENTRY_CLASSES[kind]
    if cls is Standard:
        return Standard(
            **common,
            rules=[Rule(r["id"], r["text"], r.get("why", ""), r.get("do", []), r.get("dont", []))
                   for r in data.get("rules", []) if "id" in r and "text" in r],
            targets=[Target(t["metric"], t["within"], t.get("channel"))
                     for t in data.get("targets", []) if "metric" in t and "within" in t],
            procedure=data.get("procedure", []),
        )
    if cls is Script:
        return Script(**common, steps=[
            Step(s["id"], s["say"], s.get("note", ""), s.get("next"),
                 [Option(o["when"], o["next"]) for o in s.get("options", []) if "when" in o and "next" in o],
                 s.get("end", False))
            for s in data.get("steps", []) if "id" in s and "say" in s
        ])
    if cls is Letter:
        return Letter(**common, subject=data.get("subject", ""), body=data.get("body", ""), variables={
            name: Variable(v["description"], v["example"], v.get("required", True))
            for name, v in data.get("variables", {}).items() if "description" in v and "example" in v
        })
    return PhraseSet(**common, phrases=[
        Phrase(p["id"], p["say"], p.get("avoid", []), p.get("why", ""))
        for p in data.get("phrases", []) if "id" in p and "say" in p
    ])


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


def load_knowledge_base(root: Path | str) -> KnowledgeBase:
    """Load every file under `root`; content problems are collected, never raised."""
    with paused_gc():
        return _load(Path(root))


def _load(root: Path) -> KnowledgeBase:
    if not root.is_dir():
        raise KbError(f"knowledge-base root '{root}' is not a folder")
    config, problems = load_config(root)
    vocabularies = {"situation": tuple(config.situations)}
    files = content_files(root)
    if len(files) > MAX_ENTRIES:
        raise KbError(f"{len(files):,} entry files under '{root}'; the limit is {MAX_ENTRIES:,}. "
                      "Is --root pointing at the right folder?")
    if not files and not (root / CONFIG_FILE).exists():
        problems.append(Problem(".", 1, 1, Level.WARNING, "no-content",
                                "no entries found: there is no standards/ or scripts_library/ folder here",
                                "run kbtool from the knowledge base's folder, or pass --root DIR"))
    entries: list[Entry] = []
    names: list[str] = []
    for file in files:
        display = relative(root, file)
        names.append(display)
        source = load_file(file, display)
        problems.extend(source.problems)
        if source.root is None:
            continue
        entry, entry_problems = build_entry(source, vocabularies)
        problems.extend(entry_problems)
        if entry is not None:
            entries.append(entry)
    return KnowledgeBase(root=root, config=config, entries=entries, problems=problems, files=names)


__all__ = ["CONFIG_FILE", "CONTENT_DIRS", "content_files", "did_you_mean", "load_knowledge_base"]
