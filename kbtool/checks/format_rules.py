"""Documentation of the rules the loader and the format check report while reading files.

They run while files are read (kbtool/loader.py, kbtool/schema.py), not as separate passes;
they are listed here so the mentors' guide documents every rule id a report can show.
"""

from __future__ import annotations

from kbtool.checks.base import RuleDoc
from kbtool.problems import Level

E = Level.ERROR
RULES = (
    RuleDoc("yaml-syntax", E, "The file is not valid YAML; the message says where the parser stopped.",
            bad="say: Sorry: that's late", good='say: "Sorry: that\'s late"'),
    RuleDoc("duplicate-key", E, "A field appears twice in one mapping; YAML would silently keep the last one.",
            bad="title: Greeting\ntitle: Phone greeting", good="title: Phone greeting"),
    RuleDoc("yaml-anchor", E, "Anchors (&name) are not allowed: they hide where text comes from.",
            bad="channels: &all [phone, email]", good="channels: [phone, email]"),
    RuleDoc("yaml-alias", E, "Aliases (*name) are not allowed: a few bytes of aliases can expand to gigabytes.",
            bad="channels: *all", good="channels: [phone, email]"),
    RuleDoc("yaml-tag", E, "Explicit tags (!!str, !!python/object) are not allowed; kbtool reads all values as text.",
            bad="review_by: !!str 2027-01-01", good='review_by: "2027-01-01"'),
    RuleDoc("non-string-key", E, "A key is a list, a mapping, empty, or a word YAML 1.1 reads as true/false/number.",
            bad="yes: ok", good="answer: ok"),
    RuleDoc("invalid-utf8", E, "The file is not UTF-8 text.", bad="(a file saved as Windows-1252)",
            good="(the same file saved as UTF-8)"),
    RuleDoc("tab-indentation", E, "A line is indented with a tab; YAML indentation must be spaces.",
            bad="rules:\n\t- id: greet", good="rules:\n  - id: greet"),
    RuleDoc("empty-file", E, "The file holds no entry.", bad="# just a comment", good="kind: phrases\nid: ..."),
    RuleDoc("not-a-mapping", E, "The top level is a list or a single value instead of an entry's fields.",
            bad="- kind: phrases", good="kind: phrases"),
    RuleDoc("multiple-documents", E, "The file holds several YAML documents (---); one entry per file.",
            bad="kind: phrases\n---\nkind: script", good="kind: phrases"),
    RuleDoc("too-deep", E, "Nesting is deeper than any entry needs (10 levels).", bad="a: {b: {c: {d: ...}}}",
            good="rules:\n  - id: greet"),
    RuleDoc("file-too-large", E, "The file is over 1 MiB; split it into several entries."),
    RuleDoc("unreadable-file", E, "The file cannot be read (permissions, or it vanished)."),
    RuleDoc("required-field", E, "A required field is missing or empty.", bad="kind: standard\nid: greeting",
            good="kind: standard\nid: greeting\ntitle: Greeting customers\n..."),
    RuleDoc("unknown-field", E, "A field the format does not know; usually a typo (the hint suggests the right name).",
            bad="titel: Greeting", good="title: Greeting"),
    RuleDoc("wrong-type", E, "A value has the wrong shape: text where a list is expected, or the reverse.",
            bad="channels: phone", good="channels: [phone]"),
    RuleDoc("unknown-value", E, "A value is not in its vocabulary (kind, status, channel, situation).",
            bad="channels: [telephone]", good="channels: [phone]"),
    RuleDoc("invalid-slug", E, "An id is not a slug: lower-case letters, digits and hyphens.",
            bad="id: Late_Delivery", good="id: late-delivery"),
    RuleDoc("invalid-date", E, "A date is not a real YYYY-MM-DD date.", bad="review_by: 31/01/2027",
            good='review_by: "2027-01-31"'),
    RuleDoc("invalid-name", E, "A variable or situation name is not allowed.", bad="variables:\n  Order No: ...",
            good="variables:\n  order_no: ..."),
    RuleDoc("invalid-value", E, "A value does not have the required form.", bad="review_period_days: soon",
            good="review_period_days: 180"),
    RuleDoc("control-character", E, "A value contains a control character (written as an escape such as \\x1b); "
            "it could rewrite a terminal's screen or hide text.", bad='say: "Hello\\x1b[2J"', good="say: Hello"),
    RuleDoc("bidi-control", Level.WARNING, "A value contains a bidirectional override character, which makes text "
            "display in a different order than it is stored. Right-to-left text itself is fine.",
            bad='say: "Refund \\u202e01 ylno"', good="say: Refund only"),
    RuleDoc("no-content", Level.WARNING, "The folder has no standards/ or scripts_library/ entries."),
)
