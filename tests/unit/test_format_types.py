"""kbtool.format.types: the type language and the converter, one value or mapping at a time.

Each test parses a few lines of YAML into nodes and converts them against a declared type, then
checks the value and the problems: rule id, line and column, message and hint.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kbtool.format.types import (
    MISSING,
    Bool,
    Conversion,
    Field,
    ListOf,
    MapOf,
    Obj,
    OneOf,
    Text,
    closest,
    convert,
    convert_object,
    did_you_mean,
    label_of,
    slug,
    template,
)
from kbtool.problems import Level
from kbtool.reading import rules
from kbtool.reading.loader import parse

STEP = Obj("step", (
    Field("id", slug(""), True, "Step id"),
    Field("say", template("What to say."), True),
    Field("next", slug(""), False),
    Field("end", Bool(), False),
))


def node_of(text: str):
    node, problems = parse(text, "f.yaml")
    assert problems == [] and node is not None
    return node


def value(text: str, t, vocabularies: dict | None = None):
    """Convert the value of `x:` in `text`; returns (value, [(line, column, rule, message, hint)])."""
    conv = Conversion("f.yaml", vocabularies or {})
    got = convert(node_of(text).items["x"][1], t, conv, ("x",))
    return got, [(p.line, p.column, p.rule, p.message, p.hint) for p in conv.problems]


def obj(text: str, t: Obj = STEP, ptr: tuple = (), check_unknown: bool = True):
    conv = Conversion("f.yaml", {})
    got = convert_object(node_of(text), t, conv, ptr, check_unknown=check_unknown)
    return got, [(p.line, p.column, p.rule, p.message, p.hint) for p in conv.problems]


# -- closest and did_you_mean ----------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "choices", "meant"), [
    ("chanels", ["channels", "status"], "channels"),
    ("tilte", ["title", "tags"], "title"),
    ("di", ["id", "say"], "id"),          # two neighbours swapped: difflib's ratio alone misses it
    ("ab", ["ba"], "ba"),
    ("abc", ["cba"], None),               # the same letters, but not one swap of neighbours
    ("x", ["y"], None),
    ("zzzz", ["channels", "status"], None),
])
def test_closest_finds_the_probable_misspelling(typed, choices, meant):
    assert closest(typed, choices) == meant


def test_did_you_mean_is_a_hint_or_nothing():
    assert did_you_mean("phnoe", ("phone", "email")) == "did you mean 'phone'?"
    assert did_you_mean("fax", ("phone", "email")) == ""


def test_label_of_reads_a_place_as_a_mentor_writes_it():
    assert label_of(("steps", 2, "say")) == "steps[3].say"
    assert label_of(("variables", "order_no", "#key")) == "variables.order_no"
    assert label_of((0, "when")) == "[1].when"
    assert label_of(()) == ""


# -- Text -------------------------------------------------------------------------------------------

def test_text_is_kept_exactly_as_written_and_empty_text_is_missing():
    assert value("x: 012\n", Text()) == ("012", [])
    assert value("x: no\n", Text()) == ("no", [])
    assert value("x:\n", Text()) == (MISSING, [(1, 3, rules.REQUIRED_FIELD.id, "'x' is empty", "")])


def test_a_list_where_text_belongs_is_wrong_type_at_the_list():
    got, problems = value("x:\n  - a\n", Text())
    assert got is MISSING
    assert problems == [(2, 3, rules.WRONG_TYPE.id, "'x' must be text, found a list",
                         'if the text contains ": " or starts with "[" or "{", put it in double quotes')]


def test_a_whole_number_must_be_written_without_quotes():
    assert value("x: 180\n", Text(integer=True)) == ("180", [])
    assert value("x: '180'\n", Text(integer=True))[1] == [
        (1, 4, rules.WRONG_TYPE.id, "'x' must be a whole number, without quotes", "write 180 without quotes")]
    assert value('x: "soon"\n', Text(integer=True))[1][0][4] == "write a whole number"


def test_one_line_text_refuses_a_second_line_but_not_a_trailing_newline():
    assert value("x: |\n  a\n", Text(one_line=True)) == ("a\n", [])
    got, problems = value("x: |\n  a\n  b\n", Text(one_line=True))
    assert got is MISSING and problems == [(1, 4, rules.WRONG_TYPE.id, "'x' must be a single line", "")]


def test_an_enum_value_outside_the_list_names_the_allowed_values():
    assert value("x: b\n", Text(enum=("a", "b"))) == ("b", [])
    assert value("x: zzz\n", Text(enum=("a", "b")))[1] == [
        (1, 4, rules.UNKNOWN_VALUE.id, "'zzz' is not a valid x", "allowed values: a, b")]
    # In a list, the value is named after its field, not its place.
    conv = Conversion("f.yaml", {})
    assert convert(node_of("x: [zzz]\n").items["x"][1].items[0], Text(enum=("a",)), conv, ("channels", 0)) is MISSING
    assert conv.problems[0].message == "'zzz' is not a valid channels"


def test_a_vocabulary_value_suggests_the_close_one_and_where_to_add_new_ones():
    channels = {"channel": ("phone", "email")}
    assert value("x: phone\n", Text(vocabulary="channel"), channels) == ("phone", [])
    assert value("x: phnoe\n", Text(vocabulary="channel"), channels)[1] == [
        (1, 4, rules.UNKNOWN_VALUE.id, "'phnoe' is not a valid x",
         "did you mean 'phone'? (add new channels under 'channels:' in kb.yaml)")]
    assert value("x: fax\n", Text(vocabulary="channel"), channels)[1][0][4] == \
        "allowed values: phone, email (add new channels under 'channels:' in kb.yaml)"


def test_a_slug_reports_its_own_rule_and_hint():
    assert slug("The id").pattern_rule == rules.INVALID_SLUG.id
    got, problems = value("x: Late_Delivery\n", slug("id"))
    assert got is MISSING
    assert problems == [(1, 4, rules.INVALID_SLUG.id, "'Late_Delivery' is not a valid x",
                         "use lower-case letters, digits and hyphens, starting with a letter or digit")]
    assert value("x: 24h-refunds\n", slug("id")) == ("24h-refunds", [])


@pytest.mark.parametrize("written", ["2027-02-30", "2027-2-3", "31/01/2027", "2027-02-03T10:00"])
def test_a_date_must_be_a_real_yyyy_mm_dd_date(written):
    assert value('x: "2027-01-31"\n', Text(date=True)) == (dt.date(2027, 1, 31), [])
    got, problems = value(f"x: {written}\n", Text(date=True))
    assert got is MISSING
    assert problems == [(1, 4, rules.INVALID_DATE.id, f"'{written}' is not a date", "write the date as YYYY-MM-DD")]


# -- Bool -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["'true'", "yes", "1", "on"])
def test_bool_is_plain_true_or_false_never_quoted_or_a_yaml_1_1_boolean(written):
    assert value("x: true\n", Bool()) == (True, []) and value("x: False\n", Bool()) == (False, [])
    got, problems = value(f"x: {written}\n", Bool())
    assert got is MISSING
    assert problems == [(1, 4, rules.WRONG_TYPE.id, "'x' must be true or false", "write true or false (without quotes)")]


# -- ListOf -----------------------------------------------------------------------------------------

def test_a_list_converts_each_item_and_drops_the_bad_ones():
    got, problems = value("x: [phone, fax, email]\n", ListOf(Text(enum=("phone", "email"))))
    assert got == ["phone", "email"]
    assert [(line, column, rule) for line, column, rule, _, _ in problems] == [(1, 12, rules.UNKNOWN_VALUE.id)]


def test_a_value_or_mapping_where_a_list_belongs_shows_the_list_to_write():
    assert value("x: phone\n", ListOf(Text())) == (MISSING, [
        (1, 4, rules.WRONG_TYPE.id, "'x' must be a list, found a value", "write it as a list: [phone]")])
    assert value("x:\n  a: 1\n", ListOf(Text()))[1] == [
        (2, 3, rules.WRONG_TYPE.id, "'x' must be a list, found a mapping", "write it as a list, one '- item' per line")]


def test_an_empty_list_below_its_minimum_is_a_required_field_problem():
    assert value("x: []\n", ListOf(Text(), min_items=1)) == ([], [
        (1, 4, rules.REQUIRED_FIELD.id, "'x' must not be empty", "add at least one item")])
    assert value("x: []\n", ListOf(Text())) == ([], [])


# -- MapOf and OneOf --------------------------------------------------------------------------------

def test_a_map_key_that_is_not_a_name_is_reported_at_the_key_and_left_out():
    got, problems = value("x:\n  Order No: 1\n  order_no: 2\n", MapOf(Text(), key_hint="lower_case_with_underscores"))
    assert got == {"order_no": "2"}
    assert problems == [(2, 3, rules.INVALID_NAME.id, "'Order No' is not a valid name in 'x'",
                         "lower_case_with_underscores")]
    assert value("x: [a]\n", MapOf(Text())) == (MISSING, [
        (1, 4, rules.WRONG_TYPE.id, "'x' must be a mapping of name: value, found a list", "")])


def test_a_map_key_from_a_vocabulary_suggests_the_known_key():
    t = MapOf(Text(), key_pattern=r"^[a-z-]+$", key_vocabulary="rule")
    got, problems = value("x:\n  avoided-phrase: error\n  avoded-phrase: 'off'\n", t, {"rule": ("avoided-phrase",)})
    assert got == {"avoided-phrase": "error"}
    assert problems == [(3, 3, rules.UNKNOWN_VALUE.id, "'avoded-phrase' is not a known rule",
                         "did you mean 'avoided-phrase'?")]
    assert value("x:\n  zzz: 'off'\n", t, {"rule": ("avoided-phrase",)})[1][0][4] == \
        "see the rules in the mentors' guide"


SITUATION = OneOf((Text(), Obj("situation", (Field("description", Text()),))))


def test_one_of_takes_the_option_that_fits_the_shape():
    assert value("x: Late parcels\n", SITUATION) == ("Late parcels", [])
    assert value("x:\n  description: Late parcels\n", SITUATION) == ({"description": "Late parcels"}, [])
    assert value("x: [a]\n", SITUATION) == (MISSING, [(1, 4, rules.WRONG_TYPE.id, "'x' must be text or a mapping", "")])


# -- Obj --------------------------------------------------------------------------------------------

def test_an_object_with_its_fields_converts_cleanly():
    assert obj("id: greet\nsay: Hello.\nend: true\n") == ({"id": "greet", "say": "Hello.", "end": True}, [])


def test_an_unknown_field_suggests_the_field_and_its_value_stands_in():
    got, problems = obj("id: greet\nsays: Hello.\n")
    assert problems == [(2, 1, rules.UNKNOWN_FIELD.id, "unknown field 'says' in step", "did you mean 'say'?")]
    # Read as `say`, so the missing `say` is not reported a second time and the step keeps its words.
    assert got == {"id": "greet", "say": "Hello."}
    # A key like no field lists the fields there are.
    assert obj("id: greet\nsay: Hi.\nzzzz: 1\n")[1] == [
        (3, 1, rules.UNKNOWN_FIELD.id, "unknown field 'zzzz' in step", "allowed fields: id, say, next, end")]


def test_a_misspelt_field_whose_value_would_not_convert_does_not_stand_in():
    got, problems = obj("id: greet\nsay: Hello.\nnxet: [close]\n")
    assert got == {"id": "greet", "say": "Hello."}
    assert [(rule, hint) for _, _, rule, _, hint in problems] == [(rules.UNKNOWN_FIELD.id, "did you mean 'next'?")]


def test_a_missing_required_field_is_reported_at_the_mapping_with_its_description():
    got, problems = obj("say: Hello.\n")
    assert problems == [(1, 1, rules.REQUIRED_FIELD.id, "step is missing the required field 'id'", "add 'id:' (Step id)")]
    assert "id" not in got  # an id gets no stand-in: an empty id would be a wrong problem of its own
    conv = Conversion("standards/x.yaml", {})
    convert_object(node_of("say: Hi.\n"), STEP, conv, ())
    assert [(p.path, p.level) for p in conv.problems] == [("standards/x.yaml", Level.ERROR)]


def test_a_missing_required_field_is_reported_however_many_unknown_fields_there_are():
    # Three unknown keys beside `say` make as many keys as the step has fields: `id` is still missing.
    got, problems = obj("say: Hi.\nzzz1: 1\nzzz2: 2\nzzz3: 3\n")
    assert (1, 1, rules.REQUIRED_FIELD.id, "step is missing the required field 'id'", "add 'id:' (Step id)") in problems
    assert obj("say: Hi.\nzzz1: 1\nzzz2: 2\nzzz3: 3\n", check_unknown=False)[1] == [
        (1, 1, rules.REQUIRED_FIELD.id, "step is missing the required field 'id'", "add 'id:' (Step id)")]


def test_an_entry_without_a_kind_is_reported_even_with_every_other_field_written():
    from kbtool.format.kinds import COMMON_ENTRY

    # What the loader checks of a file whose kind it cannot tell: the fields every entry shares,
    # the kind's own fields (here `steps`) being unknown to it.
    entry = ("id: late-call\ntitle: Late delivery\nsummary: A parcel is late.\nowner: Sam Lee\nstatus: approved\n"
             'review_by: "2030-01-01"\nchannels: [phone]\nsituation: delivery-delay\ntags: [delivery]\n'
             "related: []\nkeywords: [late]\ncustomer_says: [where is my parcel]\nsteps:\n  - id: greet\n"
             "    say: Hello.\n")
    conv = Conversion("scripts_library/scripts/late-call.yaml", {"situation": ("delivery-delay",)})
    convert_object(node_of(entry), COMMON_ENTRY, conv, (), check_unknown=False)
    assert [(p.line, p.column, p.rule, p.message) for p in conv.problems] == [
        (1, 1, rules.REQUIRED_FIELD.id, "entry is missing the required field 'kind'")]


def test_a_missing_required_text_stands_in_as_empty_so_the_item_is_kept():
    got, problems = obj("id: greet\n")
    assert got == {"id": "greet", "say": ""}
    assert problems == [(1, 1, rules.REQUIRED_FIELD.id, "step is missing the required field 'say'", "add 'say:'")]


def test_an_empty_required_field_is_reported_at_its_value():
    got, problems = obj("id: greet\nsay:\n")
    assert got == {"id": "greet", "say": ""}
    assert problems == [(2, 5, rules.REQUIRED_FIELD.id, "'say' is empty", "give step a say")]
    # An empty optional field is simply absent.
    assert obj("id: greet\nsay: Hi.\nnext:\n") == ({"id": "greet", "say": "Hi."}, [])


def test_a_misspelt_required_field_is_one_problem_not_two():
    got, problems = obj("di: greet\nsay: Hi.\n")
    assert [(rule, hint) for _, _, rule, _, hint in problems] == [(rules.UNKNOWN_FIELD.id, "did you mean 'id'?")]
    assert got["id"] == "greet"


def test_without_unknown_field_checks_other_keys_are_ignored():
    got, problems = obj("id: greet\nsay: Hi.\nkind: phrases\n", check_unknown=False)
    assert (got, problems) == ({"id": "greet", "say": "Hi."}, [])


def test_a_list_where_an_object_belongs_names_its_place():
    got, problems = obj("- a\n", ptr=("steps", 2))
    assert got is MISSING
    assert problems == [(1, 1, rules.WRONG_TYPE.id, "'steps[3]' must be a mapping of fields, found a list",
                         "write 'field: value' lines indented under it")]
    assert obj("- a\n")[1][0][3] == "'step' must be a mapping of fields, found a list"

