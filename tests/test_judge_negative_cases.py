"""Which generated schema-violating requests a conformant portal must refuse (judge/negative_cases.py)."""
from __future__ import annotations

import pytest

from b24conform.contract import load_contract
from b24conform.judge.negative_cases import backed, refused_properties, rejection_demanded, request_schema

ADD = "/rest/{user_id}/{webhook}/crm.activity.add"
GET = "/rest/{user_id}/{webhook}/crm.activity.get"
LIST = "/rest/{user_id}/{webhook}/crm.activity.list"
UPDATE = "/rest/{user_id}/{webhook}/crm.activity.update"
BATCH = "/rest/{user_id}/{webhook}/batch"


def add_body(**fields):
    base = {"TYPE_ID": 2, "COMMUNICATIONS": [{"VALUE": "+15550100"}], "RESPONSIBLE_ID": 1, "SUBJECT": "x"}
    return {"fields": {**base, **fields}}


def test_only_the_fields_with_a_documented_error_are_refusal_tests():
    assert refused_properties(load_contract()) == {"TYPE_ID", "COMMUNICATIONS", "RESPONSIBLE_ID", "SUBJECT", "FILES"}
    assert refused_properties(load_contract(), "communication.json") == {"VALUE"}


@pytest.mark.parametrize("body", [
    # AMB-UNLISTED-VALUES: found at max-examples 100 as false alarms of ENV-001, ENV-007, ERR-001.
    add_body(PRIORITY=-1, START_TIME="yesterday"),
    add_body(STATUS={"x": 1}, DIRECTION=7),
    # The wire: numeric strings, numbers as text, unknown keys, a body `auth` on the webhook route.
    add_body(TYPE_ID="2", SUBJECT=5),
    add_body(SUBJCT="typo"),
    {**add_body(), "auth": 7},
    add_body(OWNER_ID=0, COMMUNICATIONS=[{"VALUE": "+15550100", "TYPE": "FAX", "ENTITY_ID": -3}]),
    add_body(ASSOCIATED_ENTITY_ID=-1, COMPLETED="maybe", WEBDAV_ELEMENTS=[{"fileData": []}]),
    add_body(FILES=None, SETTINGS=""),
], ids=["unlisted", "unlisted-types", "coercions", "unknown-key", "auth", "binding-and-type", "others", "absent"])
def test_no_refusal_is_demanded_for_what_a_portal_reads(body):
    assert not rejection_demanded(ADD, body)


@pytest.mark.parametrize("body", [
    add_body(TYPE_ID=99),
    add_body(TYPE_ID=99, PRIORITY=-1),  # a documented refusal stays one beside an unrefused field
    add_body(SUBJECT=""),
    add_body(COMMUNICATIONS=[]),
    add_body(COMMUNICATIONS=[{"TYPE": "FAX"}]),  # no VALUE: refused whatever TYPE says
    add_body(COMMUNICATIONS=None),  # null is absence, and COMMUNICATIONS is required
    {"fields": "not an object"},
    [],
], ids=["type", "type-beside-unlisted", "subject", "communications", "no-value", "null-required", "fields", "not-object"])
def test_a_refusal_is_demanded_where_the_docs_give_one(body):
    assert rejection_demanded(ADD, body)


@pytest.mark.parametrize("value", [0, -3, None, "abc"])
def test_a_responsible_id_a_portal_may_fill_from_the_owner_is_no_refusal_test(value):
    # AMB-RESPONSIBLE-FALLBACK b, accepted even by --strict (x-b24-refusal-waived-by): the tutorial and
    # the vendor's module fill an absent, empty, non-numeric, zero or negative RESPONSIBLE_ID.
    assert not rejection_demanded(ADD, add_body(RESPONSIBLE_ID=value))


def test_a_mark_covers_what_lies_inside_it_unless_a_schema_inside_marks_its_own():
    root = request_schema(load_contract(), ADD)
    assert backed(root, ["fields"]) and backed(root, ["fields", "SUBJECT"])
    assert backed(root, ["fields", "FILES", 0, "fileData", 1])
    assert backed(root, ["fields", "COMMUNICATIONS", 0, "VALUE"])
    assert not backed(root, ["fields", "COMMUNICATIONS", 0, "TYPE"])
    assert not backed(root, ["fields", "PRIORITY"]) and not backed(root, ["auth"])
    assert not backed(request_schema(load_contract(), BATCH), ["cmd"])


def test_companions():
    assert not rejection_demanded(GET, {"id": 1, "": None})  # an unknown key is ignored
    assert not rejection_demanded(GET, {"id": "5"})
    assert rejection_demanded(GET, {"id": "abc"})
    assert rejection_demanded(GET, {})
    # list takes only optional parameters: malformed ones read as absent
    assert not rejection_demanded(LIST, {"start": -7, "order": {"ID": "UP"}})
    # update: an empty `fields` changes nothing; its absence is refused (AMB-UPDATE-NO-FIELDS a)
    assert not rejection_demanded(UPDATE, {"id": 999, "fields": {}})
    assert rejection_demanded(UPDATE, {"id": 999})
    # batch: no page gives an error for a batch without cmd
    assert not rejection_demanded(BATCH, {})
    assert not rejection_demanded(BATCH, None)
    assert rejection_demanded(GET, None)  # no body at all: no id


def test_spec_validate_refuses_a_refusal_mark_naming_no_error():
    import copy

    from b24conform.contract.validate import read_spec, refusal_mark_problems

    spec = read_spec(load_contract().root)
    assert refusal_mark_problems(spec) == []
    spec.schemas = copy.deepcopy(spec.schemas)
    spec.schemas["activity-add-fields.json"]["properties"]["SUBJECT"]["x-b24-refused-by"] = ["NO_SUCH_ERROR"]
    spec.schemas["communication.json"]["properties"]["VALUE"]["x-b24-refused-by"] = []
    problems = refusal_mark_problems(spec)
    assert any("NO_SUCH_ERROR" in p and "SUBJECT" in p for p in problems)
    assert any("non-empty" in p and "VALUE" in p for p in problems)
