"""The registry of kinds: every kind of entry, declared once in its own module.

Adding a kind: write its module (fields, model class, units, export, review texts, skeleton),
list it here, and add its page template `kbtool/site/templates/<kind>.md.j2`.
"""

from __future__ import annotations

from kbtool.format.common import COMMON_FIELDS, VARIABLES
from kbtool.format.kinds import letter, phrases, script, standard
from kbtool.format.kinds.base import Kind, Snippet, Unit
from kbtool.format.types import Field, Obj, Text
from kbtool.model import Entry

# Order is the site's reading order: how we work, what to say, then call flows and letters.
REGISTRY: dict[str, Kind] = {k.name: k for k in (standard.KIND, phrases.KIND, script.KIND, letter.KIND)}
KIND_NAMES: tuple[str, ...] = tuple(REGISTRY)

KIND_FIELD = Field("kind", Text(enum=KIND_NAMES), True,
                   f"What the entry is: {', '.join(KIND_NAMES[:-1])} or {KIND_NAMES[-1]}.")
# Every kind may declare its own blanks; a letter must (its fields list `variables` as required).
_OPTIONAL_VARIABLES = Field("variables", VARIABLES, False, "The entry's own placeholders (blanks to fill).")


def _entry_type(kind: Kind) -> Obj:
    own = {f.name for f in kind.fields}
    extra = () if "variables" in own else (_OPTIONAL_VARIABLES,)
    return Obj(kind.name, (KIND_FIELD, *COMMON_FIELDS, *kind.fields, *extra))


ENTRY_TYPES: dict[str, Obj] = {name: _entry_type(kind) for name, kind in REGISTRY.items()}
# Used when `kind` is missing or wrong: common fields are still checked, other keys are not.
COMMON_ENTRY = Obj("entry", (KIND_FIELD, *COMMON_FIELDS))


def kind_of(entry: Entry) -> Kind:
    return REGISTRY[entry.kind]


# The searchable unit kinds, ready-to-say first (the order of the site's kind filter), with the
# weight each carries in the ranking and its label in results.
UNIT_BOOSTS: dict[str, float] = {unit: kind.unit_boosts.get(unit, 1.0)
                                 for kind in REGISTRY.values() for unit in kind.unit_kinds}
UNIT_KINDS: tuple[str, ...] = tuple(sorted(UNIT_BOOSTS, key=lambda unit: -UNIT_BOOSTS[unit]))
UNIT_LABELS: dict[str, str] = {unit: kind.unit_labels.get(unit, unit.capitalize())
                               for kind in REGISTRY.values() for unit in kind.unit_kinds}


def unit_kind_aliases() -> dict[str, tuple[str, ...]]:
    """`--kind` accepts an entry kind for the units it yields (`script` finds its steps)."""
    return {name: kind.unit_kinds for name, kind in REGISTRY.items()}


__all__ = ["REGISTRY", "KIND_NAMES", "ENTRY_TYPES", "COMMON_ENTRY", "Kind", "Snippet", "Unit", "kind_of",
           "unit_kind_aliases", "UNIT_BOOSTS", "UNIT_KINDS", "UNIT_LABELS"]
