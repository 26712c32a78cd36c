"""Filling templates for a real customer (a letter, a phrase, a script's steps): checks the values given,
then renders in the sandbox."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from typing import TYPE_CHECKING, Any

from kbtool.format.kinds import kind_of
from kbtool.format.vocab import BUILTIN_VARIABLE_EXAMPLES, BUILTIN_VARIABLES
from kbtool.templating import RenderError, analyse, render
from kbtool.terminal import safe_for_terminal

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from kbtool.format.kinds.letter import Letter
    from kbtool.model import Entry, KbConfig


class LetterError(Exception):
    """A letter cannot be filled: values missing or unknown, or the template refused.

    `missing` holds (name, description, example) for every required value not given, so a
    caller can list them all at once or ask for each.
    """

    def __init__(self, message: str, missing: list[tuple[str, str, str]] | None = None,
                 unknown: list[str] | None = None) -> None:
        super().__init__(message)
        self.missing = missing or []
        self.unknown = unknown or []


@dataclass(frozen=True)
class RenderedLetter:
    subject: str
    body: str


@dataclass(frozen=True)
class Needed:
    """A value the letter needs from whoever sends it."""

    name: str
    description: str
    example: str
    required: bool = True


@dataclass
class LetterValues:
    """What a letter takes: its own variables, the built-ins it uses, and kb.yaml's settings."""

    needed: list[Needed] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> set[str]:
        # The built-ins are always accepted, so a tool can pass customer_name to every letter.
        return {n.name for n in self.needed} | set(self.settings) | set(BUILTIN_VARIABLES)


def letter_values(letter: Letter, kb_config: KbConfig) -> LetterValues:
    """The values `letter` needs (in the order they appear) and those kb.yaml fills in."""
    return entry_values(letter, (letter.subject, letter.body), kb_config)


def entry_values(entry: Entry, texts: Sequence[str], kb_config: KbConfig) -> LetterValues:
    """The values `texts` of `entry` need (in the order they appear) and those kb.yaml fills in.

    The entry's declared blanks that `texts` do not use are accepted as optional, so one set of
    values can fill every phrase of a set or every step of a script.
    """
    used = _used(texts)
    needed: list[Needed] = []
    for name in used:
        if name in entry.variables:
            var = entry.variables[name]
            needed.append(Needed(name, var.description, var.example, var.required))
        elif name in BUILTIN_VARIABLES:
            needed.append(Needed(name, BUILTIN_VARIABLES[name], BUILTIN_VARIABLE_EXAMPLES.get(name, "")))
    # Declared but unused variables are still accepted (the validator warns about them).
    for name, var in entry.variables.items():
        if name not in used:
            needed.append(Needed(name, var.description, var.example, False))
    return LetterValues(needed, dict(kb_config.variables))


def render_letter(letter: Letter, values: dict[str, str], kb_config: KbConfig,
                  paragraphs: bool = False) -> RenderedLetter:
    """Fill `letter` with `values` (plus kb.yaml's variables); raise LetterError listing every problem.

    Values are data, never templates: a customer name containing `{{ }}` is printed as typed.
    Rendering uses the sandboxed, allowlisted environment with strict undefined values.
    With `paragraphs`, the body's lines are joined into paragraphs first (see `reflow`), for a
    mail client that wraps text to its own window; the values are filled in as given.
    """
    body_template = reflow(letter.body) if paragraphs else letter.body
    subject, body = fill_texts(letter, (letter.subject, body_template), values, kb_config,
                               f"letter '{letter.id}'", "this letter")
    return RenderedLetter(" ".join(subject.split()), body.strip("\n") + "\n")


# A line opening a list item: "- ", "* ", "• ", "1. ", "2) ".
_LIST_ITEM = re.compile(r"(?:[-*\u2022]|[0-9]{1,3}[.)])[ \t]")
# Lines shorter than this end where the author ended them (a greeting, a name, a short line on
# purpose); longer ones were wrapped to fit the editor, and run on into the next line.
WRAPPED_LINE_CHARS = 40


def reflow(text: str) -> str:
    """`text` with each paragraph's wrapped lines joined into one line.

    A blank line separates paragraphs. A line runs on into the next when it is long (wrapped to
    fit an editor) or the next starts in lower case, unless the next is indented or opens a list
    item. A closing ("Kind regards,": a few words and a comma) keeps the rest of its paragraph
    line by line, as a signature is written.
    """
    out: list[str] = []
    previous = ""  # the previous line as written, "" after a blank line
    signature = False
    for line in text.split("\n"):
        if not line.strip():
            out.append(line)
            previous, signature = "", False
            continue
        if previous and not signature and _runs_on(previous, line):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
        signature = signature or _closing(line)
        previous = line
    return "\n".join(out)


def _runs_on(previous: str, line: str) -> bool:
    if line[:1] in (" ", "\t") or _LIST_ITEM.match(line) or _closing(previous):
        return False
    return len(previous.strip()) >= WRAPPED_LINE_CHARS or line[:1].islower()


def _closing(line: str) -> bool:
    written = line.strip()
    return written.endswith(",") and len(written.split()) <= 4 and not _LIST_ITEM.match(written)


def fill_texts(entry: Entry, texts: Sequence[str], values: dict[str, str], kb_config: KbConfig,
               what: str, this: str) -> list[str]:
    """Fill `texts` of `entry` with `values` and kb.yaml's variables; raise LetterError listing every problem.

    `what` names the texts in messages ("letter 'delay'", "phrase 'greetings/hello'") and `this`
    refers back to them ("this letter takes: ..."). Values are data, never templates, and
    rendering uses the sandboxed, allowlisted environment with strict undefined values.
    """
    spec = entry_values(entry, texts, kb_config)
    _refuse_undecodable(values)
    unknown = sorted(name for name in values if name not in spec.names)
    missing = [(n.name, n.description, n.example) for n in spec.needed
               if n.required and not str(values.get(n.name, "")).strip()]
    undefined_settings = [name for name in _used(texts) if name not in spec.names]
    problems = []
    if missing:
        problems.append("missing required value(s):\n" + "\n".join(
            f"  {name}: {description}" + (f" (e.g. {example})" if example else "")
            for name, description, example in missing))
    if unknown:
        known = ", ".join(sorted(n.name for n in spec.needed)) or "none"
        problems.append(f"unknown variable(s) for {what}: {', '.join(unknown)} "
                        f"({this} takes: {known})")
    if undefined_settings:
        noun = what.split(" ")[0]
        problems.append(f"the template uses {', '.join(undefined_settings)}, which neither the {noun} nor "
                        "kb.yaml defines (run `kbtool validate`)")
    if problems:
        raise LetterError("\n".join(problems), missing, unknown)
    # Optional values not given become empty, so `{% if name %}` blocks drop out cleanly.
    context = {n.name: "" for n in spec.needed}
    context.update(spec.settings)
    context.update({k: str(v) for k, v in values.items()})
    try:
        return [render(text, context) for text in texts]
    except RenderError as exc:
        raise LetterError(f"{what} cannot be filled: {exc}") from None


def item_texts(entry: Entry, item: str | None = None) -> list[tuple[str, str]]:
    """(item id, template) of what staff say from `entry`: every item, or the one named `item`.

    Asks the kind's own declaration which text of each item is said (a phrase's `say`, a step's
    `say`), so this works for any kind whose units name their items.
    """
    templates = {ref.ptr: ref.text for ref in entry.texts() if ref.template}
    found = [(unit.item, templates[unit.ptr]) for unit in kind_of(entry).units(entry, lambda text: text)
             if unit.item is not None and unit.ptr in templates]
    return [pair for pair in found if item is None or pair[0] == item]


def _refuse_undecodable(values: dict[str, str]) -> None:
    # Bytes that are not UTF-8 (an argument in another encoding) arrive as lone surrogates, which
    # no printout or mail can carry: say which value it is rather than fail while writing.
    bad = sorted(name for name, value in values.items() if _SURROGATE.search(f"{name}{value}"))
    if bad:
        shown = ", ".join(f"'{safe_for_terminal(name, True)}'" for name in bad)
        raise LetterError(f"the value given for {shown} is not valid UTF-8 text; "
                          "retype it, or save it in a UTF-8 file and pass it with --vars")


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _used(texts: Sequence[str]) -> list[str]:
    names: list[str] = []
    for text in texts:
        for placeholder in analyse(text)[0]:
            if placeholder.name not in names:
                names.append(placeholder.name)
    return names


# Addresses kbtool writes into a draft: a plain addr-spec, optionally with a display name. Only
# the common dot-atom form is accepted (no quoted local parts, no [1.2.3.4] literals, ASCII), so
# the mail library's own parser, which fails on some malformed input, never sees anything odd.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDR_SPEC = re.compile(rf"({_ATOM}(?:\.{_ATOM})*)@({_LABEL}(?:\.{_LABEL})+)")
_NAMED_ADDRESS = re.compile(r"(.*?)\s*<([^<>]*)>")
_NOT_IN_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff<>]")


def mail_address(text: str, what: str = "the address") -> Any:
    """`text` as an address for a mail header ("ann@example.com" or "Ann Smith <ann@example.com>").

    Raises LetterError saying what is wrong, naming `what` (--to, kb.yaml's support_email).
    """
    written = text.strip()
    named = _NAMED_ADDRESS.fullmatch(written)
    name, spec = (named.group(1).strip().strip('"'), named.group(2).strip()) if named else ("", written)
    match = _ADDR_SPEC.fullmatch(spec)
    if match is None or len(spec) > 254 or _NOT_IN_NAME.search(name):
        raise LetterError(f"{what} is not a mail address kbtool can write: '{safe_for_terminal(text, True)}'"
                          "\nwrite it as ann@example.com or Ann Smith <ann@example.com>")
    return Address(display_name=name, username=match.group(1), domain=match.group(2))


def to_eml(rendered: RenderedLetter, sender: str = "", to: str = "") -> bytes:
    """The letter as an RFC 5322 message a mail client opens as a draft.

    Raises LetterError when `sender` or `to` is not an address (a newline in kb.yaml's
    support_email would otherwise add headers of its own).
    """
    message = EmailMessage(policy=SMTP)
    # One line whatever the caller built: every line break Python knows (\x85, \u2028...) splits.
    message["Subject"] = " ".join(rendered.subject.split())
    if sender:
        message["From"] = mail_address(sender, "kb.yaml's support_email")
    if to:
        message["To"] = mail_address(to, "--to")
    # Opens as an unsent draft in Thunderbird and Outlook, so staff can check it before sending.
    message["X-Unsent"] = "1"
    message.set_content(rendered.body)
    return message.as_bytes()
