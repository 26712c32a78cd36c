"""Safe, position-aware YAML loading: bytes -> a small node tree that remembers line and column.

The tree is built from parser events, never through PyYAML's constructors, so no YAML tag can
build a Python object and no scalar is type-guessed: `no`, `012` and `2027-01-01` stay the
strings the mentor wrote. Anything surprising in a file is a Problem, never an exception.
"""

from __future__ import annotations

import operator
import os
import re
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from kbtool.problems import Level, Problem
from kbtool.reading.rules import (
    BIDI_CONTROL,
    CONTROL_CHARACTER,
    DUPLICATE_KEY,
    EMPTY_FILE,
    FILE_TOO_LARGE,
    INVALID_UTF8,
    MULTIPLE_DOCUMENTS,
    NON_STRING_KEY,
    NOT_A_MAPPING,
    TAB_INDENTATION,
    TOO_DEEP,
    UNREADABLE_FILE,
    YAML_ALIAS,
    YAML_ANCHOR,
    YAML_SYNTAX,
    YAML_TAG,
)

try:  # libyaml parses about ten times faster; both are SafeLoader-family and keep marks.
    from yaml import CSafeLoader as FastSafeLoader
except ImportError:  # pragma: no cover - libyaml is in every PyYAML wheel we install
    from yaml import SafeLoader as FastSafeLoader
from yaml import SafeLoader as PureSafeLoader

MAX_FILE_BYTES = 1024 * 1024
# An entry needs at most six levels (entry > steps > step > options > option > value);
# the headroom is for optional fields, and the bound keeps every later walk cheap.
MAX_DEPTH = 10
# libyaml recurses on flow collections and crashes the process tens of thousands deep, so a
# file whose brackets could nest past this goes to the pure-Python parser, which does not.
FLOW_SCREEN_DEPTH = 200

NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
# Plain keys that YAML 1.1 tools (PyYAML, many editors) would read as booleans, numbers or null.
_NON_STRING_KEY = re.compile(
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|~|null|Null|NULL|[-+]?(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][-+]?\d+)?|0x[0-9a-fA-F_]+|0o?[0-7_]+)$"
)
_TAB_INDENT = re.compile(r"^[ ]*\t", re.MULTILINE)
# Control characters only get into a value through escapes in double quotes ("\x1b"); they
# can rewrite a staff member's terminal or hide text, so they are refused.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Characters YAML does not allow raw anywhere in a file (PyYAML's reader stops at the first one
# with only a stream offset); found first so the problem points at their line and column.
_UNACCEPTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONTROL_NAMES = {0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed", 0x1B: "escape", 0x7F: "delete"}
# Bidirectional overrides make text display in a different order than it is stored.
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_FLOW_CHARS = re.compile(r"[\[\]{}]")


class Scalar(tuple):
    """A scalar exactly as written; `style` is None for plain scalars, else the quote or block char.

    A tuple underneath: built by C code with no Python-level __init__, which matters because
    one is made for every value of every file.
    """

    __slots__ = ()

    def __new__(cls, value: str | None, line: int, column: int, style: str | None) -> Scalar:
        return tuple.__new__(cls, (value, line, column, style))

    value = property(operator.itemgetter(0))
    line = property(operator.itemgetter(1))
    column = property(operator.itemgetter(2))
    style = property(operator.itemgetter(3))

    def __repr__(self) -> str:
        return f"Scalar({self.value!r}@{self.line}:{self.column})"


_new_scalar = tuple.__new__


class Mapping:
    """A mapping; `items` maps each key to (key scalar, value node) in file order."""

    __slots__ = ("items", "line", "column")

    def __init__(self, line: int, column: int) -> None:
        self.items: dict[str, tuple[Scalar, Node]] = {}
        self.line = line
        self.column = column


class Sequence:
    __slots__ = ("items", "line", "column")

    def __init__(self, line: int, column: int) -> None:
        self.items: list[Node] = []
        self.line = line
        self.column = column


Node = Scalar | Mapping | Sequence


@dataclass
class SourceFile:
    """One loaded file: its path as shown to users, its text and its node tree (None if unusable).

    Once its entry is built, `release()` drops the tree: at 10,000 entries the trees held some
    110 MB, twice the model built from them, for positions asked of a few files at a time.
    `root` then parses the text again (about 0.1 ms a file) and keeps the last few trees.
    """

    path: str
    text: str = ""
    problems: list[Problem] = field(default_factory=list)
    _tree: Node | None = None
    _released: bool = False
    _lines: list[str] | None = None

    @property
    def root(self) -> Node | None:
        return _reparsed(self) if self._released else self._tree

    @root.setter
    def root(self, tree: Node | None) -> None:
        self._tree = tree
        self._released = False

    def release(self) -> None:
        """Let the node tree go; it is made again from the text when asked for."""
        if type(self._tree) is Mapping:
            self._tree = None
            self._released = True

    def line_text(self, line: int) -> str:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines[line - 1] if 0 < line <= len(self._lines) else ""


# Trees parsed again for released files, newest last. A caller asks for many positions in one
# entry before moving to the next (a page, a search document, a report), so a few suffice.
_REPARSED: dict[int, tuple[SourceFile, Node | None]] = {}
_REPARSED_KEEP = 16
_REPARSED_LOCK = threading.Lock()


def _reparsed(source: SourceFile) -> Node | None:
    # Keyed by id: the cache holds the source itself, so its id cannot be reused meanwhile.
    key = id(source)
    with _REPARSED_LOCK:
        kept = _REPARSED.pop(key, None)
    tree = kept[1] if kept is not None else parse(source.text, source.path)[0]
    with _REPARSED_LOCK:
        _REPARSED[key] = (source, tree)
        while len(_REPARSED) > _REPARSED_KEEP:
            del _REPARSED[next(iter(_REPARSED))]
    return tree


def locate(root: Node | None, ptr: tuple[Any, ...]) -> tuple[int, int]:
    """Line and column of the value at `ptr` (keys and list indexes; a final "#key" asks for the
    key itself), or of the nearest enclosing value when the path does not exist.

    Positions are looked up only when something is reported, so loading stores none.
    """
    if root is None:
        return (1, 1)
    node: Node = root
    key_position = (root.line, root.column)
    for part in ptr:
        if part == "#key":
            return key_position
        if type(node) is Mapping:
            item = node.items.get(part)
            if item is None:
                break
            key, node = item
            key_position = (key.line, key.column)
        elif type(node) is Sequence and type(part) is int and 0 <= part < len(node.items):
            node = node.items[part]
        else:
            break
    return (node.line, node.column)


def _problem(path: str, line: int, column: int, rule: str, message: str, hint: str = "") -> Problem:
    return Problem(path, line, column, Level.ERROR, rule, message, hint)


def decode(data: bytes, path: str) -> tuple[str | None, Problem | None]:
    """Decode UTF-8 (a BOM is allowed), pointing at the first bad byte when it is not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, _problem(
            path, line, column, INVALID_UTF8.id,
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x} cannot start a character)",
            "save the file as UTF-8 in your editor (most editors: File > Save with Encoding > UTF-8)",
        )
    return text.removeprefix("\ufeff"), None


def _needs_pure_parser(text: str) -> bool:
    if text.count("[") + text.count("{") < FLOW_SCREEN_DEPTH:
        return False
    depth = 0
    for match in _FLOW_CHARS.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        if depth > FLOW_SCREEN_DEPTH:
            return True
    return False


def parse(text: str, path: str) -> tuple[Node | None, list[Problem]]:
    """Parse YAML text into nodes. Returns (None, problems) when the file cannot be used."""
    problems: list[Problem] = []
    tab = _TAB_INDENT.search(text) if "\t" in text else None
    if tab:
        line = text.count("\n", 0, tab.start()) + 1
        column = tab.end() - tab.start()
        return None, [_problem(
            path, line, column, TAB_INDENTATION.id, "a tab is used for indentation",
            "YAML indentation must be spaces; replace the tab with spaces (two per level)",
        )]
    loader_class = PureSafeLoader if _needs_pure_parser(text) else FastSafeLoader
    loader = None
    try:
        # Inside the try: the pure-Python reader checks every character as it is constructed.
        loader = loader_class(text)
        root = _build(loader, path, problems)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        plain = explain_syntax_error(text, line, column, message)
        if plain is None and exc.context_mark is not None and "could not find expected ':'" in message:
            # A line without "key:" among fields: the parser notices a line later, where it gives up.
            line, column = exc.context_mark.line + 1, exc.context_mark.column + 1
            plain = explain_syntax_error(text, line, column, message)
        if plain is not None:
            column, plain_message, hint = plain
            return None, [_problem(path, line, column, YAML_SYNTAX.id, plain_message, hint)]
        return None, [_problem(
            path, line, column, YAML_SYNTAX.id, f"YAML syntax error: {message}", _syntax_hint(message)
        )]
    except yaml.reader.ReaderError as exc:
        # Not reached for control characters (raw_control_character finds them first), but a
        # reader error must still point at its character: the C reader's position counts bytes,
        # the Python one's characters, and the first occurrence of the character is where both stopped.
        at = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        return None, [raw_control_character(text, path, at) if at >= 0 else
                      _problem(path, 1, 1, YAML_SYNTAX.id, f"YAML error: {exc}", "")]
    except yaml.YAMLError as exc:
        return None, [_problem(path, 1, 1, YAML_SYNTAX.id, f"YAML error: {exc}", "")]
    finally:
        if loader is not None:
            loader.dispose()
    if root is _TOO_DEEP:
        return None, problems
    return root, problems


def raw_control_character(text: str, path: str, at: int | None = None) -> Problem | None:
    """The first character YAML refuses in `text` (or the one at `at`), at its line and column."""
    if at is None:
        match = _UNACCEPTABLE.search(text)
        if match is None:
            return None
        at = match.start()
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    code = ord(text[at])
    name = f" ({_CONTROL_NAMES[code]})" if code in _CONTROL_NAMES else ""
    hint = ("delete it; word processors insert U+000B for a line break, so retype the line break in a text editor"
            if code == 0x0B else "delete it; YAML files cannot hold raw control characters, and they could rewrite "
            "a terminal or hide text")
    return _problem(path, line, column, CONTROL_CHARACTER.id,
                    f"the file contains the control character U+{code:04X}{name}", hint)


# The parser's words for "this line is not where the lines around it say it should be".
_INDENTATION_ERRORS = ("did not find expected key", "did not find expected '-' indicator", "expected <block end>",
                       "mapping values are not allowed", "could not find expected ':'")


@dataclass(frozen=True)
class _Block:
    """Something a line opens that later lines may line up with: a list item or a field."""

    kind: str  # "item" or "field"
    column: int  # 0-based
    line: int
    label: str  # as the message shows it: "- id: open" or "say:"
    has_value: bool = False  # its value follows on the same line, so nothing may be indented under it
    block_text: bool = False  # a field followed by `|` or `>` text


def explain_syntax_error(text: str, line: int, column: int, message: str) -> tuple[int, str, str] | None:
    """A parser error about indentation or a stray ": " in words a support lead uses (column,
    message, hint), or None when the line gives no plain explanation. The column is where the
    line's text starts when its indentation is the problem.

    Read from the text up to the error's line: which list items and fields are open there, and
    which of them the line should start under.
    """
    if not any(words in message for words in _INDENTATION_ERRORS):
        return None
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    written = lines[line - 1].rstrip("\r")
    content = written.strip()
    if not content or content.startswith("#"):
        return None
    shown = _shorten(content)
    if content[0] == "-" and len(content) > 1 and content[1] not in " -":
        return (column, f"line {line} starts with '{_shorten(content, 12)}': a list item needs a space after the dash",
                f"write '- {_shorten(content[1:])}'")
    tokens = _blocks_of(written, line)
    if not tokens:
        above = _open_blocks(lines[:line - 1])
        field = above[-1] if above and above[-1].kind == "field" and above[-1].has_value else None
        indent = len(written) - len(written.lstrip(" "))
        if field is not None and indent <= field.column:
            return (column, f"line {line} ('{shown}') is not a field, and it is not indented under '{field.label}' on "
                    f"line {field.line}, so YAML cannot tell it goes on from there",
                    f"indent line {line} further than '{field.label}' if it continues that text, or write it as "
                    "'field: text'")
        return None
    first = tokens[0]
    if "mapping values are not allowed" in message and (first.kind == "item" or column - 1 > first.column):
        key = tokens[-1].label if tokens[-1].kind == "field" else ""
        if key and column - 1 > tokens[-1].column + len(key):
            return (column, f"the text after '{key}' on line {line} contains ': ', which YAML reads as the start of "
                    "another field", f"put the whole text in double quotes: {key} \"...\"")
    same_kind = [b for b in _open_blocks(lines[:line - 1]) if b.kind == first.kind]
    if not same_kind or any(b.column == first.column for b in same_kind):
        return None
    wanted = min(same_kind, key=lambda b: (abs(b.column - first.column), -b.column))
    spaces, like = _indented(first.column), _indented(wanted.column)
    move = f"indent line {line} by {_spaces(wanted.column)}" if wanted.column else \
        f"remove the spaces at the start of line {line}"
    if first.kind == "item":
        what = f"the list item '{_shorten(wanted.label)}' on line {wanted.line} is {like}"
        rule = "the items of one list start in the same column"
        hint = f"{move}, like the item on line {wanted.line}"
    else:
        what = f"'{wanted.label}' on line {wanted.line} is {like}"
        rule = "the fields of one item start in the same column"
        hint = f"{move}, like '{wanted.label}' on line {wanted.line}"
    return (first.column + 1, f"the indentation of line {line} ('{shown}') does not line up: it is {spaces}, but {what}; "
            f"{rule}", hint)


def _spaces(count: int) -> str:
    return "1 space" if count == 1 else f"{count} spaces"


def _indented(count: int) -> str:
    return f"indented {_spaces(count)}" if count else "not indented"


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _blocks_of(written: str, line: int) -> list[_Block]:
    """The list items and the field that `written` opens, left to right (string work, no regex,
    so a long line costs its length)."""
    column = len(written) - len(written.lstrip(" "))
    rest = written[column:]
    found: list[_Block] = []
    while rest == "-" or rest.startswith("- "):
        found.append(_Block("item", column, line, rest.strip()))
        after = rest[1:]
        step = 1 + len(after) - len(after.lstrip(" "))
        column += step
        rest = rest[step:]
    if rest[:1] in ('"', "'"):
        end = rest.find(rest[0], 1)
        colon = rest.find(":", end + 1) if end > 0 else -1
        if colon != end + 1 and rest[end + 1:colon].strip():
            colon = -1
    else:
        colon = rest.find(": ")
        if colon < 0 and rest.endswith(":"):
            colon = len(rest) - 1
        comment = rest.find(" #")
        if comment >= 0 and (colon < 0 or comment < colon) or rest[:1] in ("#", "[", "{", "|", ">"):
            colon = -1
    if colon > 0:
        value = rest[colon + 1:].strip()
        has_value = bool(value) and not value.startswith("#")
        found.append(_Block("field", column, line, rest[:colon].strip() + ":", has_value,
                            has_value and value[:1] in ("|", ">")))
    return found


def _open_blocks(lines: list[str]) -> list[_Block]:
    """The items and fields still open after `lines`: what the next line may line up with."""
    stack: list[_Block] = []
    text_under: int | None = None  # the column of a field whose | or > text is being skipped
    for number, raw in enumerate(lines, 1):
        written = raw.rstrip("\r")
        stripped = written.strip()
        if not stripped or stripped.startswith("#") or stripped in ("---", "..."):
            continue
        indent = len(written) - len(written.lstrip(" "))
        if text_under is not None:
            if indent > text_under:
                continue
            text_under = None
        tokens = _blocks_of(written, number)
        if not tokens:
            continue  # a text running on from the line above
        first = tokens[0]
        while stack and (stack[-1].column > first.column or (
                stack[-1].column == first.column
                and not (first.kind == "item" and stack[-1].kind == "field" and not stack[-1].has_value))):
            stack.pop()
        stack.extend(tokens)
        if tokens[-1].block_text:
            text_under = tokens[-1].column
    return stack


def _syntax_hint(message: str) -> str:
    if "mapping values are not allowed" in message:
        return 'a value contains ": "; put the whole value in double quotes'
    if "found character" in message and "cannot start any token" in message:
        return "quote the value: it starts with a character YAML reserves (such as @ or `)"
    if "could not find expected ':'" in message:
        return "each line of a mapping needs 'key: value'; check the indentation of this line"
    if "expected <block end>" in message:
        return "this line's indentation does not match the lines around it"
    if "found unexpected end of stream" in message or "found unexpected end" in message:
        return "a quote or bracket is opened but never closed"
    return "check the quoting and indentation around this position"


class _TooDeep:
    pass


_TOO_DEEP = _TooDeep()


def _build(loader: yaml.SafeLoader, path: str, problems: list[Problem]) -> Node | None:
    # Containers being filled, and for mappings the key waiting for its value.
    stack: list[Mapping | Sequence] = []
    keys: list[Scalar | None] = []
    root: Node | None = None
    documents = 0
    get_event = loader.get_event

    def add(node: Node) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        top = stack[-1]
        if type(top) is Sequence:
            top.items.append(node)
            return
        key = keys[-1]
        if key is None:
            if type(node) is not Scalar or node.value is None:
                problems.append(_problem(
                    path, node.line, node.column, NON_STRING_KEY.id,
                    "a mapping key must be a plain word, not a list, mapping or empty value",
                    "write 'name: value'",
                ))
                keys[-1] = _SKIP
            else:
                if node.style is None and _NON_STRING_KEY.match(node.value):
                    problems.append(_problem(
                        path, node.line, node.column, NON_STRING_KEY.id,
                        f"the key '{node.value}' is read as a boolean, number or null by YAML 1.1 tools",
                        "use a word as the key (field names are lower-case words)",
                    ))
                keys[-1] = node
            return
        keys[-1] = None
        if key is _SKIP:
            return
        name = key.value
        first = top.items.get(name)  # type: ignore[arg-type]
        if first is not None:
            problems.append(_problem(
                path, key.line, key.column, DUPLICATE_KEY.id,
                f"duplicate key '{name}': also defined on line {first[0].line}",
                f"keep one '{name}' (lines {first[0].line} and {key.line}); YAML would silently keep the last",
            ))
            return
        top.items[name] = (key, node)  # type: ignore[index]

    while True:
        event = get_event()
        cls = type(event)
        if cls is ScalarEvent:
            mark = event.start_mark
            if event.anchor is not None or event.tag is not None:
                _check_anchor_tag(event, path, problems)
            value = event.value
            style = event.style or None
            if style is None and value in NULL_WORDS:
                value = None
            node = _new_scalar(Scalar, (value, mark.line + 1, mark.column + 1, style))
            # Inlined add(): this loop runs once per value of every file.
            if stack:
                top = stack[-1]
                if type(top) is Sequence:
                    top.items.append(node)
                else:
                    key = keys[-1]
                    if key is None and value is not None and (style is not None or not _NON_STRING_KEY.match(value)):
                        keys[-1] = node
                    else:
                        add(node)
            else:
                add(node)
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            mark = event.start_mark
            if event.anchor is not None or event.tag is not None:
                _check_anchor_tag(event, path, problems)
            container: Mapping | Sequence = (
                Mapping(mark.line + 1, mark.column + 1) if cls is MappingStartEvent
                else Sequence(mark.line + 1, mark.column + 1)
            )
            add(container)
            if len(stack) >= MAX_DEPTH:
                problems.append(_problem(
                    path, container.line, container.column, TOO_DEEP.id,
                    f"nesting is deeper than {MAX_DEPTH} levels",
                    "entries never need this much nesting; check the indentation",
                ))
                return _TOO_DEEP  # type: ignore[return-value]
            stack.append(container)
            keys.append(None)
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            stack.pop()
            keys.pop()
        elif cls is AliasEvent:
            mark = event.start_mark
            problems.append(_problem(
                path, mark.line + 1, mark.column + 1, YAML_ALIAS.id,
                f"YAML alias '*{event.anchor}' is not allowed",
                "write the value out in full; anchors and aliases are not supported",
            ))
            add(Scalar(None, mark.line + 1, mark.column + 1, None))
        elif cls is DocumentStartEvent:
            documents += 1
            if documents > 1:
                mark = event.start_mark
                problems.append(_problem(
                    path, mark.line + 1, mark.column + 1, MULTIPLE_DOCUMENTS.id,
                    "the file holds more than one YAML document",
                    "put one entry per file; remove the '---' line and move the rest to a new file",
                ))
                return root
        elif cls is StreamEndEvent:
            return root


class _Skip(Scalar):
    pass


_SKIP = _Skip(None, 0, 0, None)


def _check_anchor_tag(event: ScalarEvent | MappingStartEvent | SequenceStartEvent, path: str,
                      problems: list[Problem]) -> None:
    mark = event.start_mark
    if event.anchor is not None:
        problems.append(_problem(
            path, mark.line + 1, mark.column + 1, YAML_ANCHOR.id,
            f"YAML anchor '&{event.anchor}' is not allowed",
            "write the value out in full; anchors and aliases are not supported",
        ))
    if event.tag is not None and event.tag != "!":
        problems.append(_problem(
            path, mark.line + 1, mark.column + 1, YAML_TAG.id,
            f"YAML tag '{event.tag}' is not allowed",
            "remove the tag; kbtool reads every value as text and checks its type itself",
        ))


def _character_problems(root: Node, path: str) -> list[Problem]:
    problems = []
    todo: list[Node] = [root]
    while todo:
        node = todo.pop()
        if type(node) is Mapping:
            for key, value in node.items.values():
                todo.extend((key, value))
        elif type(node) is Sequence:
            todo.extend(node.items)
        elif node.value is not None:
            control = _CONTROL.search(node.value)
            if control:
                problems.append(_problem(
                    path, node.line, node.column, CONTROL_CHARACTER.id,
                    f"the text contains the control character U+{ord(control.group()):04X}",
                    "remove the escape sequence; it could rewrite a terminal or hide text",
                ))
            elif _BIDI.search(node.value):
                problems.append(Problem(
                    path, node.line, node.column, Level.WARNING, BIDI_CONTROL.id,
                    "the text contains a bidirectional override, so it displays in a different order than stored",
                    "remove the U+202A-U+202E / U+2066-U+2069 characters; right-to-left text needs none",
                ))
    return sorted(problems)


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


# Opened without blocking (a named pipe would otherwise wait for a writer forever), without
# becoming the controlling terminal, and never inherited by a child process.
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


def read_content(file: Path, display_path: str, root: Path | None = None) -> tuple[bytes | None, Problem | None]:
    """The bytes of one content file, or the problem that stops it being read.

    Only regular files are read: a named pipe would block forever and a device such as
    /dev/zero never ends, so the type is checked before opening and again on the open
    descriptor (it could be swapped in between). The size cap holds while reading too,
    since a file can grow after stat(). With `root`, a symbolic link must lead inside it.
    """
    def refuse(message: str, hint: str = "") -> tuple[None, Problem]:
        return None, _problem(display_path, 1, 1, UNREADABLE_FILE.id, message, hint)

    link = ""
    try:
        st = os.lstat(file)
        if stat.S_ISLNK(st.st_mode):
            target = os.readlink(file)
            link = f"a symbolic link to {target}, which is "
            if root is not None and not _inside(os.path.realpath(file), os.path.realpath(root)):
                return refuse(f"cannot read the file: it is a symbolic link to {target}, outside the knowledge base",
                              "kbtool reads only what is inside the knowledge base's folder; copy it in "
                              "instead of linking to it")
            st = os.stat(file)
    except OSError as exc:
        return refuse(f"cannot read the file: {exc.strerror}")
    if not stat.S_ISREG(st.st_mode):
        what = _kind_of(st.st_mode)
        if what == "a folder" and not link:
            # Listed by the content walk only when it could not be opened.
            try:
                os.scandir(file).close()
            except OSError as exc:
                return refuse(f"cannot read the folder: {exc.strerror}")
        hint = ("kbtool follows a linked folder once, and only inside the knowledge base; remove the link "
                "or link the files themselves" if link and what == "a folder" else
                "entries are plain text files; remove this from standards/ and scripts_library/")
        return refuse(f"cannot read the file: it is {link}{what}, not a regular file", hint)
    if st.st_size > MAX_FILE_BYTES:
        return None, _too_large(display_path, f"{st.st_size:,} bytes")
    try:
        fd = os.open(file, _OPEN_FLAGS)
    except OSError as exc:
        return refuse(f"cannot read the file: {exc.strerror}")
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return refuse(f"cannot read the file: it is {link}{_kind_of(st.st_mode)}, not a regular file")
        chunks: list[bytes] = []
        total = 0
        while total <= MAX_FILE_BYTES:
            # Sized by stat() so a small file is one read, but never past the cap plus one byte.
            chunk = os.read(fd, min(MAX_FILE_BYTES + 1 - total, max(st.st_size - total + 1, 8192)))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        return refuse(f"cannot read the file: {exc.strerror}")
    finally:
        os.close(fd)
    if total > MAX_FILE_BYTES:
        return None, _too_large(display_path, f"more than {MAX_FILE_BYTES:,} bytes")
    return b"".join(chunks), None


def _too_large(display_path: str, size: str) -> Problem:
    return _problem(display_path, 1, 1, FILE_TOO_LARGE.id, f"the file is {size}; the limit is {MAX_FILE_BYTES:,}",
                    "split it into several entries")


def load_file(file: Path, display_path: str, root: Path | None = None) -> SourceFile:
    """Read and parse one file; every failure becomes a problem on the returned SourceFile.

    With `root` (the knowledge base's folder), a file that is a link leading outside it is refused.
    """
    data, problem = read_content(Path(file), display_path, root)
    if data is None:
        source = SourceFile(display_path)
        source.problems.append(problem)  # type: ignore[arg-type]
        return source
    return load_bytes(data, display_path)


def load_bytes(data: bytes, display_path: str) -> SourceFile:
    source = SourceFile(display_path)
    if len(data) > MAX_FILE_BYTES:
        source.problems.append(_too_large(display_path, f"{len(data):,} bytes"))
        return source
    text, bad = decode(data, display_path)
    if bad is not None or text is None:
        source.problems.append(bad)  # type: ignore[arg-type]
        return source
    source.text = text
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        source.problems.append(_problem(
            display_path, line, 1, YAML_SYNTAX.id, "the file contains a NUL character",
            "this looks like a binary file; entries are plain text",
        ))
        return source
    control = raw_control_character(text, display_path)
    if control is not None:
        source.problems.append(control)
        return source
    root, problems = parse(text, display_path)
    source.problems.extend(problems)
    if root is not None and ("\\" in text or (not text.isascii() and _BIDI.search(text))):
        source.problems.extend(_character_problems(root, display_path))
    if root is None and not problems:
        source.problems.append(_problem(
            display_path, 1, 1, EMPTY_FILE.id, "the file is empty",
            "write an entry (kbtool new KIND ID makes a skeleton) or delete the file",
        ))
    elif root is not None and type(root) is not Mapping:
        what = "a list" if type(root) is Sequence else "a single value"
        source.problems.append(_problem(
            display_path, root.line, root.column, NOT_A_MAPPING.id,
            f"the top level of the file is {what}; an entry is a mapping of fields",
            "start the file with 'kind: ...' and 'id: ...' lines",
        ))
        root = None
    source.root = root
    return source
