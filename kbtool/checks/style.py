"""Style rules: wording the team has agreed not to use with customers, and over-promising in letters.

They look only at what customers hear or read (`say`, rule `do` examples, letter subject and
body), never at `avoid` and `dont` texts, which exist to show what not to say.
"""

from __future__ import annotations

from collections.abc import Iterator

from kbtool.checks.base import at
from kbtool.matching import PhraseMatcher
from kbtool.model import KnowledgeBase, StyleRule
from kbtool.problems import Level, Problem, RuleDoc

CUSTOMER_FACING = frozenset({"say", "do", "subject", "body"})
# The texts of a letter or email, where over-promising words are checked too.
LETTER_ROLES = frozenset({"subject", "body"})

STYLE_PHRASE = RuleDoc(
    "style-phrase", Level.WARNING,
    "Customer-facing text uses wording the team avoids (built in: \"that's our policy\", \"calm down\", "
    "\"if I do that for you I'll have to do it for everyone\", \"you're wrong\"; kb.yaml `style.phrases` adds more).",
    bad="say: I'm afraid that's our policy.", good="say: Here is what I can do for you today.",
)
OVERPROMISE = RuleDoc(
    "overpromise", Level.WARNING,
    "A letter uses an over-promising word (built in: guarantee, always, immediately; kb.yaml `style.letter_words` "
    "adds more). Promise what you control and give a date.",
    bad="body: We guarantee it will arrive tomorrow.", good="body: The courier expects to deliver on Friday.",
)
RULES = (STYLE_PHRASE, OVERPROMISE)


def check(kb: KnowledgeBase) -> Iterator[Problem]:
    phrases: PhraseMatcher[StyleRule] = PhraseMatcher()
    for rule in kb.config.style_phrases:
        phrases.add(rule.text, rule)
    letter_words: PhraseMatcher[StyleRule] = PhraseMatcher()
    for rule in kb.config.letter_words:
        letter_words.add(rule.text, rule)
    for entry in kb.entries:
        for ref in entry.texts():
            if ref.role not in CUSTOMER_FACING:
                continue
            for rule in phrases.find(ref.text):
                yield at(entry, ref.ptr, STYLE_PHRASE, f"avoid \"{rule.text}\" in customer-facing text",
                         rule.why or "rephrase it")
            if ref.role in LETTER_ROLES:
                for rule in letter_words.find(ref.text):
                    yield at(entry, ref.ptr, OVERPROMISE, f"over-promising word \"{rule.text}\" in a letter",
                             rule.why or "promise only what you control, with a date")
