"""The rules `kbtool check` reports on a reply or transcript.

Wordings to avoid and style rules are the knowledge base's own rules (kbtool.checks), reported
under the same ids and levels whether they turn up in the content or in a real conversation.
"""

from __future__ import annotations

from kbtool.checks.avoided import AVOIDED_PHRASE
from kbtool.checks.style import OVERPROMISE, STYLE_PHRASE
from kbtool.problems import Level, RuleDoc

UNFILLED_BLANK = RuleDoc(
    "unfilled-blank", Level.ERROR,
    "A blank from a template is still in the reply: {{ order_number }}, [NAME], <DATE>, XXX or ___.",
    bad="Your order {{ order_number }} left our warehouse today.", good="Your order FH-20931 left our warehouse today.",
)
EXAMPLE_VALUE = RuleDoc(
    "example-value", Level.ERROR,
    "The reply still holds an example value a template's blank was filled with in previews "
    "(an order number, a date, a sentence from a letter's `variables`).",
    bad="Your order FH-104233 will now arrive on Friday 17 March.", good="Your order FH-20931 will now arrive on Monday.",
)
MISSING_GREETING = RuleDoc(
    "missing-greeting", Level.WARNING,
    "With --channel: the conversation does not open with a greeting the channel's phrase sets or scripts give.",
    bad="Order FH-20931 is at the depot.", good="Hi, Sam here from Fernleaf Home. Order FH-20931 is at the depot.",
)
MISSING_CLOSING = RuleDoc(
    "missing-closing", Level.WARNING,
    "With --channel: the conversation does not end with a closing the channel's phrase sets or scripts give.",
    bad="Order FH-20931 is at the depot.", good="Order FH-20931 is at the depot. Is there anything else I can help with?",
)

RULES: tuple[RuleDoc, ...] = (AVOIDED_PHRASE, STYLE_PHRASE, OVERPROMISE, UNFILLED_BLANK, EXAMPLE_VALUE,
                              MISSING_GREETING, MISSING_CLOSING)
