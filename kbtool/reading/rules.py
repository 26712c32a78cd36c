"""The rules reading and converting a file can break, each an id constant declared with its documentation.

They are reported while files are read (reading/loader.py), converted (format/types.py) and assembled
(assemble.py), not by a separate pass; `kbtool.checks.all_rules` lists them first so the mentors'
guide documents every rule id a report can show, and kb.yaml may not lower the errors among them.
"""

from __future__ import annotations

from kbtool.problems import Level, RuleDoc

E = Level.ERROR

YAML_SYNTAX = RuleDoc("yaml-syntax", E, "The file is not valid YAML; the message says where the parser stopped.",
    bad="say: Sorry: that's late", good='say: "Sorry: that\'s late"')
DUPLICATE_KEY = RuleDoc("duplicate-key", E, "A field appears twice in one mapping; YAML would silently keep the last one.",
    bad="title: Greeting\ntitle: Phone greeting", good="title: Phone greeting")
YAML_ANCHOR = RuleDoc("yaml-anchor", E, "Anchors (&name) are not allowed: they hide where text comes from.",
    bad="channels: &all [phone, email]", good="channels: [phone, email]")
YAML_ALIAS = RuleDoc("yaml-alias", E, "Aliases (*name) are not allowed: a few bytes of aliases can expand to gigabytes.",
    bad="channels: *all", good="channels: [phone, email]")
YAML_TAG = RuleDoc("yaml-tag", E, "Explicit tags (!!str, !!python/object) are not allowed; kbtool reads all values as text.",
    bad="review_by: !!str 2027-01-01", good='review_by: "2027-01-01"')
NON_STRING_KEY = RuleDoc("non-string-key", E, "A key is a list, a mapping, empty, or a word YAML 1.1 reads as true/false/number.",
    bad="yes: ok", good="answer: ok")
INVALID_UTF8 = RuleDoc("invalid-utf8", E, "The file is not UTF-8 text.", bad="(a file saved as Windows-1252)",
    good="(the same file saved as UTF-8)")
TAB_INDENTATION = RuleDoc("tab-indentation", E, "A line is indented with a tab; YAML indentation must be spaces.",
    bad="rules:\n\t- id: greet", good="rules:\n  - id: greet")
EMPTY_FILE = RuleDoc("empty-file", E, "The file holds no entry.", bad="# just a comment", good="kind: phrases\nid: ...")
NOT_A_MAPPING = RuleDoc("not-a-mapping", E, "The top level is a list or a single value instead of an entry's fields.",
    bad="- kind: phrases", good="kind: phrases")
MULTIPLE_DOCUMENTS = RuleDoc("multiple-documents", E, "The file holds several YAML documents (---); one entry per file.",
    bad="kind: phrases\n---\nkind: script", good="kind: phrases")
TOO_DEEP = RuleDoc("too-deep", E, "Nesting is deeper than any entry needs (10 levels).", bad="a: {b: {c: {d: ...}}}",
    good="rules:\n  - id: greet")
FILE_TOO_LARGE = RuleDoc("file-too-large", E, "The file is over 1 MiB; split it into several entries.")
UNREADABLE_FILE = RuleDoc("unreadable-file", E, "The file cannot be read (permissions, or it vanished).")
REQUIRED_FIELD = RuleDoc("required-field", E, "A required field is missing or empty.", bad="kind: standard\nid: greeting",
    good="kind: standard\nid: greeting\ntitle: Greeting customers\n...")
UNKNOWN_FIELD = RuleDoc("unknown-field", E, "A field the format does not know; usually a typo (the hint suggests the right name).",
    bad="titel: Greeting", good="title: Greeting")
WRONG_TYPE = RuleDoc("wrong-type", E, "A value has the wrong shape: text where a list is expected, or the reverse.",
    bad="channels: phone", good="channels: [phone]")
UNKNOWN_VALUE = RuleDoc("unknown-value", E, "A value is not in its vocabulary (kind, status, channel, situation).",
    bad="channels: [telephone]", good="channels: [phone]")
INVALID_SLUG = RuleDoc("invalid-slug", E, "An id is not a slug: lower-case letters, digits and hyphens.",
    bad="id: Late_Delivery", good="id: late-delivery")
INVALID_DATE = RuleDoc("invalid-date", E, "A date is not a real YYYY-MM-DD date.", bad="review_by: 31/01/2027",
    good='review_by: "2027-01-31"')
INVALID_NAME = RuleDoc("invalid-name", E, "A variable or situation name is not allowed.", bad="variables:\n  Order No: ...",
    good="variables:\n  order_no: ...")
INVALID_VALUE = RuleDoc("invalid-value", E, "A value does not have the required form.", bad="review_period_days: soon",
    good="review_period_days: 180")
CONTROL_CHARACTER = RuleDoc("control-character", E, "A value contains a control character (written as an escape such as \\x1b); "
    "it could rewrite a terminal's screen or hide text.", bad='say: "Hello\\x1b[2J"', good="say: Hello")
BIDI_CONTROL = RuleDoc("bidi-control", Level.WARNING, "A value contains a bidirectional override character, which makes text "
    "display in a different order than it is stored. Right-to-left text itself is fine.",
    bad='say: "Refund \\u202e01 ylno"', good="say: Refund only")
NO_CONTENT = RuleDoc("no-content", Level.WARNING, "The folder has no standards/ or scripts_library/ entries.")

RULES: tuple[RuleDoc, ...] = (
    YAML_SYNTAX,
    DUPLICATE_KEY,
    YAML_ANCHOR,
    YAML_ALIAS,
    YAML_TAG,
    NON_STRING_KEY,
    INVALID_UTF8,
    TAB_INDENTATION,
    EMPTY_FILE,
    NOT_A_MAPPING,
    MULTIPLE_DOCUMENTS,
    TOO_DEEP,
    FILE_TOO_LARGE,
    UNREADABLE_FILE,
    REQUIRED_FIELD,
    UNKNOWN_FIELD,
    WRONG_TYPE,
    UNKNOWN_VALUE,
    INVALID_SLUG,
    INVALID_DATE,
    INVALID_NAME,
    INVALID_VALUE,
    CONTROL_CHARACTER,
    BIDI_CONTROL,
    NO_CONTENT,
)
