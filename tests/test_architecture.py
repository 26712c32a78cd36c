"""The layers as a contract: no import loop between kbtool's modules (imports inside functions
count too), no module takes another's private names, Whoosh only behind the search engine seam,
MkDocs only behind the builder adapter, every import inside a function says why it waits (`# lazy:`),
and docs/architecture.md names every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "kbtool"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(module, names taken from it) for every import in the file, wherever it stands."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, tuple(a.name for a in node.names)))
        elif isinstance(node, ast.Import):
            out.extend((a.name, ()) for a in node.names)
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for target, names in imports(path):
            if not target.startswith("kbtool"):
                continue
            for taken in names:
                if f"{target}.{taken}" in known:  # `from kbtool.search import closeness`
                    edges[name].add(f"{target}.{taken}")
                elif target in known:
                    edges[name].add(target)
            if not names and target in known:
                edges[name].add(target)
    return edges


def loops(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_loop_between_modules():
    assert loops(graph()) == []


def test_the_loop_finder_finds_a_loop():
    assert loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# The floors of the house, lowest first (docs/architecture.md draws them). A module belongs to the
# longest prefix listed; it may import from its own floor and the floors below, never above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("kbtool", "kbtool.problems", "kbtool.terminal", "kbtool.fileops", "kbtool.memory", "kbtool.matching",
     "kbtool.templating", "kbtool.jsontext", "kbtool.browser"),
    ("kbtool.reading",),
    ("kbtool.format.vocab",),
    ("kbtool.model",),
    ("kbtool.format",),
    ("kbtool.kbyaml", "kbtool.assemble"),
    ("kbtool.checks",),
    ("kbtool.review", "kbtool.audit.rules"),
    ("kbtool.pipeline", "kbtool.reporters"),
    ("kbtool.publish",),
    ("kbtool.search",),
    ("kbtool.sitesearch", "kbtool.authoring", "kbtool.exports", "kbtool.imports", "kbtool.audit"),
    ("kbtool.site",),
    ("kbtool.builders",),
    ("kbtool.mkdocs",),
    ("kbtool.builders.build", "kbtool.builders.zensical"),
    ("kbtool.cli", "kbtool.__main__"),
)


def floor(module: str) -> int:
    best, found = -1, -1
    for level, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), level
    return found


def test_every_module_has_a_floor():
    assert [name for name in modules() if floor(name) < 0] == []


def test_no_import_runs_up_a_floor():
    upward = sorted(f"{source} (floor {floor(source)}) -> {target} (floor {floor(target)})"
                    for source, targets in graph().items() for target in targets if floor(target) > floor(source))
    assert upward == []


def test_the_floor_check_sees_an_upward_import():
    assert floor("kbtool.search.ranking") > floor("kbtool.model") > floor("kbtool.reading.loader")
    assert floor("kbtool.builders.build") > floor("kbtool.mkdocs.plugin") > floor("kbtool.builders.staging")


def test_no_module_takes_another_modules_private_names():
    taken = []
    for name, path in modules().items():
        for target, names in imports(path):
            if target.startswith("kbtool"):
                taken += [f"{name} <- {target}.{n}" for n in names if n.startswith("_") and not n.startswith("__")]
    assert taken == []


@pytest.mark.parametrize(("library", "allowed"), [
    ("whoosh", ("kbtool.search.whoosh_engine",)),
    ("mkdocs", ("kbtool.mkdocs.",)),
    ("material", ("kbtool.mkdocs.",)),
])
def test_a_library_is_imported_only_behind_its_seam(library, allowed):
    outside = sorted(name for name, path in modules().items()
                     if any(target.split(".")[0] == library for target, _ in imports(path))
                     and not name.startswith(allowed))
    assert outside == []


def test_architecture_md_names_every_module():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = []
    for path in modules().values():
        if path.name == "__init__.py":
            continue
        relative = path.relative_to(PACKAGE).as_posix()
        if path.name not in text and relative not in text:
            missing.append(relative)
    assert missing == [], "add these modules to docs/architecture.md"


def test_each_rule_id_is_written_once_in_its_declaration():
    """Code raises a problem through the rule's constant (`YAML_SYNTAX.id`), never by retyping its id."""
    from kbtool.pipeline import rule_ids

    ids = set(rule_ids())
    retyped = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        declared = {id(call.args[0]) for call in ast.walk(tree)
                    if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "RuleDoc" and call.args}
        retyped += [f"{name}:{node.lineno} {node.value!r}" for node in ast.walk(tree)
                    if isinstance(node, ast.Constant) and node.value in ids and id(node) not in declared]
    assert retyped == []


def function_level_imports(tree: ast.AST) -> list[ast.stmt]:
    """The import statements inside a function (a method or a nested function included)."""
    found: list[ast.stmt] = []

    def visit(node: ast.AST, inside: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if inside and isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            visit(child, inside or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return found


def lines_of(statement: ast.stmt) -> range:
    return range(statement.lineno, (statement.end_lineno or statement.lineno) + 1)


def says_why_it_is_lazy(lines: list[str], statement: ast.stmt, import_lines: set[int]) -> bool:
    """A `# lazy:` comment on the import's own line(s), or in the comment lines just above it; the
    imports, comments and blank lines of the same block may stand between, nothing else."""
    if any("# lazy:" in lines[n - 1] for n in lines_of(statement)):
        return True
    number = statement.lineno - 1
    while number >= 1:
        text = lines[number - 1].strip()
        if text.startswith("# lazy:"):
            return True
        if text and not text.startswith("#") and number not in import_lines:
            return False
        number -= 1
    return False


def unexplained_lazy_imports(source: str) -> list[int]:
    """The lines of the imports inside functions that carry no `# lazy:` reason."""
    tree = ast.parse(source)
    lines = source.splitlines()
    import_lines = {n for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                    for n in lines_of(node)}
    return [s.lineno for s in function_level_imports(tree) if not says_why_it_is_lazy(lines, s, import_lines)]


def test_every_import_inside_a_function_says_why_it_is_lazy():
    """Imports stand at the module's top; one kept inside a function for a reason (a heavy or
    optional dependency, a path that must stay light) names that reason in a `# lazy:` comment."""
    unexplained = []
    for path in modules().values():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        unexplained += [f"{path.relative_to(REPO)}:{n}: {lines[n - 1].strip()}" for n in unexplained_lazy_imports(source)]
    assert unexplained == [], "move these imports to the module's top, or say why they wait: `# lazy: ...`"


def test_the_lazy_comment_check_reads_blocks_and_stops_at_code():
    source = ("import os\n"
              "def f():\n"
              "    # lazy: numpy is heavy\n"
              "    import json\n"
              "\n"
              "    import numpy\n"
              "    x = 1\n"
              "    import yaml\n"
              "    import csv  # lazy: only here\n"
              "    import zlib\n")
    assert unexplained_lazy_imports(source) == [8, 10]
