"""How search weighs what it finds: field and kind boosts, synonyms and corrections, and when a
hit is close enough to read out. The terminal's search and the site's index both read these.

Tuned on tests/search_queries.yaml, tests/paraphrase_queries.yaml and tests/offtopic_queries.yaml;
the held-out sets are never tuned on (docs/benchmarks.md).
"""

from __future__ import annotations

# The words a document exists to say count most; a standard that merely mentions them ranks lower.
# Title (entry title plus item name), keywords (labels a mentor gave it), says (what customers say
# at that moment) and topic (tags, situation) say what the text is for. Customer wordings weigh
# most: written to be found by the customer's words, they are the surest sign of the moment
# (says 2, 3, 4, 5, 6 on the tuning sets: paraphrase recall@3 0.86, 0.88, 0.88, 0.91, 0.91).
FIELD_BOOSTS = {"say": 4.0, "title": 3.0, "keywords": 3.0, "says": 5.0, "topic": 2.5, "context": 0.8}
# Each unit kind's weight is declared with its kind (kbtool/format/kinds/, `unit_boosts`) and
# stored with each document when the index is built.
SYNONYM_BOOST = 0.9
# Synonyms are not looked for in the long avoid/why notes: a third fewer postings to merge (p95
# 19 -> 14 ms at 10,000 phrases) with recall@3 on the query set unchanged (0.914).
SYNONYM_FIELDS = ("say", "title", "keywords", "says", "topic")
CORRECTION_BOOST = 0.8
# How alike (difflib ratio) a correction must be to the word typed.
SIMILAR = 0.75
# "Too little" for the fuzzy fallback: fewer exact hits than this, or a word the index lacks.
FEW_HITS = 1
# Rows (one per entry) are made from this many hits, so a few entries with several matching items
# still fill a screen.
ROW_DEPTH = 20
# The fields every unit of an entry shares (its title, tags and situation, its keywords): a row
# whose best hit holds the query only there opens with the entry's first item instead, when that
# item holds it there as well. The fields an item has to itself come from the rest.
ENTRY_FIELDS = ("title", "topic", "keywords")
ITEM_FIELDS = ("say", "says", "context")
# On a spoken channel, templates only ever written (sms, email, letter) come after spoken lines.
SPOKEN = frozenset({"phone", "in_person"})
WRITTEN_ONLY = frozenset({"sms", "email", "letter"})
# A pasted query is cut to this many characters (and said so): a sentence or two is what a
# customer says; a pasted e-mail made planning and the semantic tokenizer cost seconds.
MAX_QUERY_CHARS = 500

# -- close matches (kbtool.search.closeness) -----------------------------------------------------
# A hit is close when it covers at least CLOSE_AT of the query's weight. A typed word it holds
# counts in full; a word it holds only through a synonym, or only once corrected, counts less, so
# the lexicon and typo correction can rank but never make an off-topic question look answered.
# Below CLOSE_AT, so a hit held only through the lexicon is never close on its own. Chosen on the
# tuning sets (tests/search_queries.yaml, paraphrase_queries.yaml, offtopic_queries.yaml): CLOSE_AT
# 0.5-0.65 by 0.05, SYNONYM_CREDIT 0.55/0.7/0.8, a word nothing holds weighing 0.5/0.75/1 of the
# rarest word (docs/benchmarks.md, "Trustworthy answers").
CLOSE_AT = 0.6
SYNONYM_CREDIT = 0.55
# A corrected word counts less than a typed one. A short one ("car" -> "card"), or one whose
# correction starts with another letter ("viscount" -> "discount"), is as likely another real
# word as a typo, and counts for less still than a long typo ("refnd" -> "refund").
CORRECTED_CREDIT = 0.7
UNLIKELY_CORRECTION_CREDIT = 0.3
LONG_WORD = 4
# Words that carry the question, not its subject: they still rank, but a hit is not close for
# holding them, and a query of only these has nothing to be close to.
FUNCTION_WORDS = frozenset("""
a about after again all also am an and any anyone anything are as at be because been before being
but by can can't cannot could couldn't did didn't do does doesn't doing don't done for from get
gets getting got had hadn't has hasn't have haven't having he her here hers him his how i i'd i'll
i'm i've if in into is isn't it it's its just let me mine my myself no not now of off on one or
our ours out over please really said say says she should so some someone something still than that
that's the their them then there these they this those to too up us very want wanted wants was
wasn't way we well were weren't what what's when where where's which while who why will with won't
would wouldn't yes yet you you're your yours
arent cant couldnt didnt doesnt dont hadnt hasnt havent id ill im isnt ive thats wasnt werent whats
wont wouldnt youre
give gave given giving gives know knew like make made take took tell told
""".split())
