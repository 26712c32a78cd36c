"""`kbtool render letter|phrase|script`: templates filled in for a real customer.

A letter prints or saves as .eml; a phrase or a script's steps print as the words to say or paste.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from kbtool.cli.options import complete_entry_ids, load_or_fail, root_option
from kbtool.terminal import safe_for_terminal


@click.group()
def render() -> None:
    """Fill templates for a real customer.

    \b
    Examples:
      kbtool render letter delay-apology --var customer_name="Ms Patel" --var order_number=FH-104233 ...
      kbtool render letter refund-confirmation --vars case-8812.yaml --eml reply.eml
      kbtool render phrase greetings phone-name-first --var agent_name=Sam
      kbtool render script late-delivery-call --var customer_name="Ms Patel" --var agent_name=Sam
    """


def interactive() -> bool:
    """Ask for missing values only when a person is at the terminal (never in CI or a pipe)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def parse_pairs(pairs: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.UsageError(f"--var takes NAME=VALUE, got '{pair}'")
        values[name.strip()] = value
    return values


def check_address(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """--to must be an address a mail header can carry: checked before any work, exit 2 if not."""
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.authoring.letters import LetterError, mail_address

    if value:
        try:
            mail_address(value, "--to")
        except LetterError as exc:
            raise click.BadParameter(str(exc).replace("--to is not", "not").replace("\n", "; ")) from None
    return value


def read_vars_file(path: Path) -> dict[str, str]:
    """A flat YAML mapping of name -> text, read with the safe loader; problems name file:line."""
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.reading.loader import Mapping, Scalar, load_file

    if not path.is_file():
        raise click.ClickException(f"{path}: no such file")
    source = load_file(path, str(path))
    if source.problems:
        first = source.problems[0]
        raise click.ClickException(f"{first.path}:{first.line}:{first.column}: {first.message}")
    node = source.root
    if not isinstance(node, Mapping):
        line = getattr(node, "line", 1)
        raise click.ClickException(f"{path}:{line}: expected a mapping of variable names to values, "
                                   "e.g.\n  customer_name: Ms Patel\n  order_number: FH-104233")
    values: dict[str, str] = {}
    for name, (key, value) in node.items.items():
        if not isinstance(value, Scalar):
            raise click.ClickException(f"{path}:{value.line}: the value of '{name}' must be text, "
                                       "not a list or mapping")
        values[name] = value.value if value.value is not None else ""
        del key
    return values


@render.command("letter")
@root_option
@click.argument("letter_id", metavar="ID", shell_complete=complete_entry_ids)
@click.option("--var", "pairs", multiple=True, metavar="NAME=VALUE", help="A value to fill in (repeatable).")
@click.option("--vars", "vars_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A YAML file of NAME: VALUE lines (--var wins over it).")
@click.option("--eml", type=click.Path(dir_okay=False, path_type=Path),
              help="Write an .eml draft here instead, its wrapped lines joined into paragraphs.")
@click.option("--to", "recipient", metavar="ADDRESS", default="", callback=check_address,
              help="The To: address for --eml.")
@click.option("--no-input", is_flag=True, help="Never ask for missing values, even on a terminal.")
@click.option("--force", is_flag=True, help="Let --eml replace a file kbtool did not write.")
def letter(root: Path, letter_id: str, pairs: tuple[str, ...], vars_file: Path | None, eml: Path | None,
           recipient: str, no_input: bool, force: bool) -> None:
    """Fill a letter template and print its subject and body (or save an .eml draft).

    On a terminal, kbtool asks for each missing required value, showing its description and an
    example. Otherwise a missing value is an error listing every one. Templates render in a
    sandbox: values are used as plain text. --eml replaces an existing file only if it is a
    draft kbtool wrote, unless --force.

    \b
    Examples:
      kbtool render letter delay-apology --var customer_name="Ms Patel" \\
          --var order_number=FH-104233 --var promised_date="Tuesday 14 March" \\
          --var new_date="Friday 17 March" --var reason="The courier missed its collection." \\
          --var agent_name=Sam
      kbtool render letter delay-apology --vars case.yaml --eml reply.eml --to customer@example.com
    """
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.authoring.letters import LetterError, letter_values, mail_address, render_letter, to_eml
    from kbtool.format.types import did_you_mean

    if eml is not None:
        refuse_foreign_eml(eml, force)  # before asking for values that could not be saved
    values = read_vars_file(vars_file) if vars_file else {}
    values.update(parse_pairs(pairs))
    kb = load_or_fail(root)
    # This command is the letter kind's own: it asks the knowledge base for letters by kind.
    by_id = {e.id: e for e in kb.of_kind("letter")}
    entry = by_id.get(letter_id)
    if entry is None:
        letters = sorted(by_id)
        if letter_id in kb.by_id:
            raise click.ClickException(f"'{letter_id}' is a {kb.by_id[letter_id].kind}, not a letter")
        hint = did_you_mean(letter_id, letters)
        raise click.ClickException(f"no letter with id '{letter_id}'" + (f"; {hint}" if hint else "")
                                   + (f"\nletters: {', '.join(letters)}" if letters else ""))
    if not entry.published:
        click.echo(f"note: letter '{letter_id}' is retired; check with its owner ({entry.owner}) before sending",
                   err=True)
    if interactive() and not no_input:
        _ask_for_missing(letter_values(entry, kb.config).needed, values)
    try:
        # A draft is read in a mail client that wraps to its window: the YAML's wrapped lines are
        # joined into paragraphs, so no line breaks off mid-sentence there.
        rendered = render_letter(entry, values, kb.config, paragraphs=eml is not None)
        if eml is not None and kb.config.variables.get("support_email"):
            # kb.yaml's sender goes into the draft too; a bad one is the content's error (exit 1).
            mail_address(kb.config.variables["support_email"], "kb.yaml's support_email")
    except LetterError as exc:
        raise click.ClickException(str(exc)) from None
    if eml is not None:
        # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
        from kbtool.fileops import atomic_write_bytes

        sender = kb.config.variables.get("support_email", "")
        refuse_foreign_eml(eml, force)
        try:
            atomic_write_bytes(eml, EML_SIGN + to_eml(rendered, sender, recipient))
        except OSError as exc:
            raise click.ClickException(f"cannot write {eml}: {exc.strerror or exc}") from None
        click.echo(f"Wrote {eml} (subject: {safe_for_terminal(rendered.subject)})", err=True)
        return
    click.echo(f"Subject: {safe_for_terminal(rendered.subject)}\n")
    click.echo(safe_for_terminal(rendered.body), nl=False)


# The first header of every draft kbtool writes, so a later --eml knows the file is its own to
# replace. X-Mailer names the program that made a message; mail clients ignore it.
EML_SIGN = b"X-Mailer: kbtool render letter\r\n"


def refuse_foreign_eml(path: Path, force: bool) -> None:
    """Exit 1, naming the file, rather than replace a file that is not a kbtool draft (unless --force)."""
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.fileops import WouldOverwrite, refuse_overwrite

    try:
        refuse_overwrite(path, lambda head: head.startswith(EML_SIGN), force=force)
    except WouldOverwrite as exc:
        raise click.ClickException(f"not overwriting {exc.path}: {exc.reason}; pass --force to replace it") from None


def _ask_for_missing(needed: list[Any], values: dict[str, str]) -> None:
    for item in needed:
        if not item.required or str(values.get(item.name, "")).strip():
            continue
        click.echo(click.style(item.name, bold=True) + f": {item.description}", err=True)
        prompt = f"  value (e.g. {item.example})" if item.example else "  value"
        values[item.name] = click.prompt(prompt, err=True).strip()


def value_options(func: Any) -> Any:
    """--var, --vars and --no-input, as `render letter` has them."""
    func = click.option("--no-input", is_flag=True, help="Never ask for missing values, even on a terminal.")(func)
    func = click.option("--vars", "vars_file", type=click.Path(dir_okay=False, path_type=Path),
                        help="A YAML file of NAME: VALUE lines (--var wins over it).")(func)
    return click.option("--var", "pairs", multiple=True, metavar="NAME=VALUE",
                        help="A value to fill in (repeatable).")(func)


def _fill_items(root: Path, kind: str, noun: str, entry_id: str, item: str | None, pairs: tuple[str, ...],
                vars_file: Path | None, no_input: bool) -> list[tuple[str, str]]:
    """(item id, filled text) for one item of an entry of `kind`, or every item; exits 1 with every problem."""
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.authoring.letters import LetterError, entry_values, fill_texts, item_texts
    from kbtool.format.types import did_you_mean

    values = read_vars_file(vars_file) if vars_file else {}
    values.update(parse_pairs(pairs))
    kb = load_or_fail(root)
    by_id = {e.id: e for e in kb.of_kind(kind)}
    entry = by_id.get(entry_id)
    if entry is None:
        if entry_id in kb.by_id:
            raise click.ClickException(f"'{entry_id}' is a {kb.by_id[entry_id].kind}, not a {noun}")
        hint = did_you_mean(entry_id, sorted(by_id))
        raise click.ClickException(f"no {noun} with id '{entry_id}'" + (f"; {hint}" if hint else ""))
    items = item_texts(entry)
    if item is not None:
        chosen = [pair for pair in items if pair[0] == item]
        if not chosen:
            ids = [i for i, _ in items]
            hint = did_you_mean(item, ids)
            raise click.ClickException(f"'{entry_id}' has no item '{item}'" + (f"; {hint}" if hint else "")
                                       + (f"\nitems: {', '.join(ids)}" if ids else ""))
        items = chosen
    if not entry.published:
        click.echo(f"note: '{entry_id}' is retired; check with its owner ({entry.owner}) before using it", err=True)
    texts = [text for _, text in items]
    if interactive() and not no_input:
        _ask_for_missing(entry_values(entry, texts, kb.config).needed, values)
    what = f"'{entry_id}/{item}'" if item is not None else f"'{entry_id}'"
    try:
        filled = fill_texts(entry, texts, values, kb.config, f"{noun} {what}", f"this {noun}")
    except LetterError as exc:
        raise click.ClickException(str(exc)) from None
    return [(item_id, text.strip()) for (item_id, _), text in zip(items, filled, strict=True)]


@render.command("phrase")
@root_option
@click.argument("set_id", metavar="ID", shell_complete=complete_entry_ids)
@click.argument("phrase_id", metavar="PHRASE")
@value_options
def phrase(root: Path, set_id: str, phrase_id: str, pairs: tuple[str, ...], vars_file: Path | None,
           no_input: bool) -> None:
    """Fill one phrase of a phrase set and print it, ready to say or paste.

    The set's declared blanks, customer_name and agent_name are asked for on a terminal when
    missing; otherwise a missing value is an error listing every one. kb.yaml's values are
    filled in for you.

    \b
    Examples:
      kbtool render phrase greetings phone-name-first --var agent_name=Sam
      kbtool render phrase refund-wording amount --vars case.yaml --no-input
    """
    for _, text in _fill_items(root, "phrases", "phrase set", set_id, phrase_id, pairs, vars_file, no_input):
        click.echo(safe_for_terminal(text))


@render.command("script")
@root_option
@click.argument("script_id", metavar="ID", shell_complete=complete_entry_ids)
@click.argument("step_id", metavar="[STEP]", required=False)
@value_options
def script(root: Path, script_id: str, step_id: str | None, pairs: tuple[str, ...], vars_file: Path | None,
           no_input: bool) -> None:
    """Fill a script's steps (or one STEP) and print what to say.

    One set of values fills every step, so a call can be prepared in one go: each step prints
    as [step-id] followed by its words. With STEP, only that step's words print.

    \b
    Examples:
      kbtool render script late-delivery-call --var customer_name="Ms Patel" --var agent_name=Sam
      kbtool render script late-delivery-call close --vars case.yaml
    """
    filled = _fill_items(root, "script", "script", script_id, step_id, pairs, vars_file, no_input)
    if step_id is not None:
        click.echo(safe_for_terminal(filled[0][1]))
        return
    click.echo("\n\n".join(safe_for_terminal(f"[{item}] {text}") for item, text in filled))
