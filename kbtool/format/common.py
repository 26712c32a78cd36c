"""The fields every entry shares, the shapes several kinds reuse, and kb.yaml's format.

Kind-specific fields live with each kind in kbtool/format/kinds/.
"""

from __future__ import annotations

from kbtool.format.types import Bool, Field, ListOf, MapOf, Obj, Text, slug, template
from kbtool.format.vocab import CHANNELS, SLUG, STATUSES

SLUG_HINT = "use lower-case letters, digits and hyphens, starting with a letter or digit"
STRINGS = ListOf(Text())
TEMPLATES = ListOf(template(""))
RULE_LEVELS = ("off", "warning", "error")
KEYWORDS = ListOf(Text(one_line=True))
# The site builders `kbtool build` knows; the first is the default (docs/builders.md).
SITE_BUILDERS = ("mkdocs", "zensical")
# What a customer says at the moment the entry (or item) is the right thing to say or do: search
# matches the customer's own words, and pages show them under "You might hear".
CUSTOMER_SAYS = ListOf(Text(one_line=True))
CUSTOMER_SAYS_HELP = ("What a customer says when this is the right thing to say or do, one line each "
                      "(search finds it by these words; the page shows them as \"You might hear\").")

# `kind` comes first and is added by the kind registry, which knows the kinds.
COMMON_FIELDS = (
    Field("id", slug(""), True, "Unique id across the knowledge base; also the page address."),
    Field("title", Text(one_line=True), True, "The title shown to staff."),
    Field("summary", Text(one_line=True), False, "One line saying what the entry is for."),
    Field("owner", Text(one_line=True), True, "The person who maintains the entry."),
    Field("status", Text(enum=STATUSES), True, "draft, approved or retired (retired entries are not published)."),
    Field("review_by", Text(date=True), True, "The date by which the owner reviews the entry (YYYY-MM-DD)."),
    Field("channels", ListOf(Text(enum=CHANNELS), min_items=1), True, "Where the entry applies."),
    Field("situation", Text(vocabulary="situation"), False, "The situation from the vocabulary."),
    Field("tags", ListOf(Text(one_line=True)), False, "Free-form tags for the site's tag index."),
    Field("related", ListOf(slug("")), False, "Ids of related entries."),
    Field("keywords", KEYWORDS, False,
          "Words staff or customers use for the entry, such as a help-desk macro's label (search finds it by them)."),
    Field("customer_says", CUSTOMER_SAYS, False, CUSTOMER_SAYS_HELP),
)

VARIABLE = Obj("variable", (
    Field("description", Text(one_line=True), True, "What the value is, for whoever fills it in."),
    Field("example", Text(), True, "An example value, used for the filled-in preview."),
    Field("required", Bool(), False, "Whether a value must be given (default true)."),
))
VARIABLES = MapOf(VARIABLE, key_hint="use lower_case_with_underscores")

STYLE_RULE = Obj("style rule", (
    Field("text", Text(one_line=True), True, "The wording to flag (case-insensitive)."),
    Field("why", Text(), False, "Why it is flagged; shown as the hint."),
))
KB_CONFIG = Obj("kb.yaml", (
    Field("name", Text(one_line=True), False, "The knowledge base's name, used as the site title."),
    Field("site_url", Text(one_line=True), False, "The published site's address, for links from search."),
    Field("variables", MapOf(Text(), key_hint="use lower_case_with_underscores"), False,
          "Organisation-wide placeholder values, such as company_name and support_phone."),
    Field("situations", MapOf(Text(one_line=True), key_pattern=SLUG, key_hint=SLUG_HINT), False,
          "Situations added to the built-in vocabulary, each with a description."),
    Field("synonyms", ListOf(ListOf(Text(one_line=True), min_items=2)), False,
          "Groups of words that search treats as the same."),
    Field("style", Obj("style", (
        Field("builtin", Bool(), False, "Keep the built-in style rules (default true)."),
        Field("phrases", ListOf(STYLE_RULE), False, "Wording to flag in any staff-facing text."),
        Field("letter_words", ListOf(STYLE_RULE), False, "Over-promising words to flag in letters."),
    )), False, "Style rules reported as warnings."),
    Field("rules", MapOf(Text(enum=RULE_LEVELS), key_pattern=SLUG, key_hint=SLUG_HINT, key_vocabulary="rule"),
          False, "Rule levels for this knowledge base: a rule id and `off`, `warning` or `error`."),
    Field("start_here", ListOf(slug("")), False, "Reading order for new hires (entry ids)."),
    Field("feedback", Text(one_line=True, pattern=r"^(?:https?://|mailto:)\S+$",
                           pattern_hint="an issue-tracker address (https://...) or mailto:mentors@example.com"),
          False, "Where staff tell the mentors that a search found nothing useful (the site offers a link)."),
    Field("review_period_days", Text(pattern=r"^[1-9][0-9]{0,3}$", pattern_hint="a whole number of days",
                                     integer=True),
          False, "How far ahead `kbtool new` sets review_by."),
    Field("search", Obj("search", (
        Field("log_misses", Bool(), False, "Log searches that found nothing (default true)."),
        Field("lexicon", Bool(), False,
              "Use kbtool's built-in service lexicon of customer wordings (default true); `synonyms` extend it."),
        Field("semantic", Bool(), False,
              "Rank by meaning too when the kbtool[semantic] extra is installed (default true; docs/semantic.md)."),
        Field("semantic_site", Bool(), False,
              "Put meaning-aware ranking into the published site's search too (default false: it ships "
              "the model's token table with the site; docs/semantic.md)."),
    )), False, "Search settings."),
    Field("site", Obj("site", (
        Field("builder", Text(enum=SITE_BUILDERS), False,
              "What builds the site: mkdocs (the default) or zensical (the kbtool[zensical] extra; "
              "docs/builders.md). `kbtool build --builder` overrides it."),
    )), False, "Site settings."),
))
