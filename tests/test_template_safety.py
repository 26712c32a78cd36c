"""Template injection: every payload in every template field is refused by validation, and the
renderer (the second wall) never executes one either."""

from __future__ import annotations

import json

import pytest
import yaml

from kbtool.templating import RenderError, analyse, render
from tests.payloads import TEMPLATE_PAYLOADS
from tests.test_validate import GOOD

TEMPLATE_FIELDS = [
    ("scripts_library/scripts/late-call.yaml", ["steps", 0, "say"]),
    ("scripts_library/scripts/late-call.yaml", ["steps", 0, "note"]),
    ("scripts_library/letters/delay.yaml", ["subject"]),
    ("scripts_library/letters/delay.yaml", ["body"]),
    ("scripts_library/phrases/greetings.yaml", ["phrases", 0, "say"]),
    ("scripts_library/phrases/greetings.yaml", ["phrases", 0, "avoid", 0]),
    ("standards/greeting-standard.yaml", ["rules", 0, "text"]),
    ("standards/greeting-standard.yaml", ["rules", 0, "do", 0]),
    ("standards/greeting-standard.yaml", ["rules", 0, "dont", 0]),
    ("standards/greeting-standard.yaml", ["procedure", 0]),
]


def _set(data, ptr, value):
    for part in ptr[:-1]:
        data = data[part]
    data[ptr[-1]] = value


@pytest.mark.slow
@pytest.mark.parametrize("path, ptr", TEMPLATE_FIELDS, ids=lambda v: str(v))
def test_every_template_payload_in_every_template_field_is_an_error(cli, kb_root, path, ptr):
    files = dict(GOOD)
    data = yaml.safe_load(files[path])
    failures = []
    for payload in TEMPLATE_PAYLOADS:
        _set(data, ptr, "Hello " + payload)
        files[path] = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        run = cli("validate", "--root", str(kb_root(files)), "--format", "json")
        found = json.loads(run.stdout)
        template_errors = [p for p in found if p["rule"] in ("template-forbidden", "template-syntax",
                                                             "undeclared-placeholder") and p["path"] == path]
        if run.code != 1 or not template_errors:
            failures.append(payload)
    assert failures == []


@pytest.mark.parametrize("payload", TEMPLATE_PAYLOADS)
def test_renderer_refuses_payloads(payload):
    values = {"customer_name": "Ms Patel"}
    placeholders, issues = analyse(payload)
    with pytest.raises(RenderError):
        out = render(payload, values)
        # Anything that renders must be inert text, not an object dump or a huge string.
        assert "class" not in out and len(out) < 1000
        if not issues and all(p.name in values for p in placeholders):
            raise RenderError("rendered harmlessly")
        raise AssertionError(f"rendered without an issue: {out!r}")


def test_allowed_constructs_render():
    text = "{% if customer_name %}Dear {{ customer_name | title }}{% else %}Hello{% endif %}, {{ x | default('there') }}"
    assert analyse(text)[1] == []
    assert render(text, {"customer_name": "ms patel", "x": "y"}) == "Dear Ms Patel, y"
