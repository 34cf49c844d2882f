"""The validation order of crm.activity.add is pinned (clause REQ-010): with several faults in one
request, the first failing rule of validation.RULES answers."""
from __future__ import annotations

import re

import pytest

from b24conform.contract import load_contract
from b24conform.portal.seed import SeedWorld
from b24conform.portal.testing import seed_fields
from b24conform.portal.validation import RULE_NAMES, RULES, AddRequest, first_error

WORLD = SeedWorld.load()
NO_BINDING = {"OWNER_ID": 999999, "COMMUNICATIONS": [{"VALUE": "+1", "ENTITY_ID": 999999, "ENTITY_TYPE_ID": 3}]}
BAD_FILES = [{"fileData": ["a", "%%%"]}]
EMAIL = [{"VALUE": "john.smith@example.com", "ENTITY_ID": 134, "ENTITY_TYPE_ID": 3}]

# (faults, user, expected first error). Each row has the expected fault plus later ones.
TABLE = [
    ({"TYPE_ID": None, "SUBJECT": None, "COMMUNICATIONS": None, "RESPONSIBLE_ID": None}, 1, "ADD_TYPE_ID_INVALID"),
    ({"TYPE_ID": "abc", "PROVIDER_ID": "CONFIGURABLE_REST_APP"}, 3, "ADD_TYPE_ID_INVALID"),
    ({"TYPE_ID": 5, "COMMUNICATIONS": None, "SUBJECT": None}, 1, "ADD_CUSTOM_WITHOUT_PROVIDER"),
    ({"TYPE_ID": 6, "COMMUNICATIONS": [], "RESPONSIBLE_ID": 0}, 1, "ADD_CUSTOM_WITHOUT_PROVIDER"),
    ({"PROVIDER_ID": "CONFIGURABLE_REST_APP", "COMMUNICATIONS": "x", "SUBJECT": ""}, 3, "ADD_USE_CONFIGURABLE"),
    ({"TYPE_ID": 6, "PROVIDER_ID": "REST_APP", "COMMUNICATIONS": None}, 1, "ADD_APP_CONTEXT_REQUIRED"),
    ({"COMMUNICATIONS": [{"ENTITY_ID": 134}], "OWNER_ID": 999999, "RESPONSIBLE_ID": None}, 3, "ADD_COMMUNICATIONS_INVALID"),
    ({"COMMUNICATIONS": [{"VALUE": "+1"}, {"VALUE": "+2"}], "OWNER_ID": 999999, "SUBJECT": None}, 3, "ADD_ONE_COMMUNICATION_ONLY"),
    ({**NO_BINDING, "RESPONSIBLE_ID": None, "SUBJECT": None, "FILES": BAD_FILES}, 3, "ADD_BINDING_FAILED"),
    ({"RESPONSIBLE_ID": "x", "SUBJECT": None, "FILES": BAD_FILES}, 3, "ADD_RESPONSIBLE_INVALID"),
    ({"SUBJECT": " ", "FILES": BAD_FILES}, 3, "ADD_SUBJECT_MISSING"),
    ({"FILES": BAD_FILES}, 3, "ADD_ACCESS_DENIED"),
    ({"FILES": BAD_FILES, "TYPE_ID": 4, "COMMUNICATIONS": EMAIL, "SETTINGS": {"MESSAGE_FROM": "bad"}}, 1, "FILES_INVALID"),
    ({"TYPE_ID": 4, "COMMUNICATIONS": [{"VALUE": "+1", "TYPE": "PHONE"}], "SUBJECT": None}, 1, "EMAIL_TO_NOT_FOUND"),
    ({"TYPE_ID": 4, "COMMUNICATIONS": [{"VALUE": "nope"}], "RESPONSIBLE_ID": None}, 1, "EMAIL_INVALID_ADDRESS"),
    ({"TYPE_ID": 4, "COMMUNICATIONS": EMAIL, "DIRECTION": 2, "COMPLETED": "Y"}, 1, "EMAIL_FROM_NOT_FOUND"),
    ({"TYPE_ID": 4, "COMMUNICATIONS": EMAIL, "SETTINGS": {"MESSAGE_FROM": "x <y>"}}, 1, "EMAIL_INVALID_ADDRESS"),
    ({}, 1, None),
]


@pytest.mark.parametrize("faults, user, expected", TABLE, ids=[f"{i}-{row[2]}" for i, row in enumerate(TABLE)])
def test_first_error_wins(faults, user, expected):
    req = AddRequest(seed_fields(**faults), user_id=user, app_context=None, world=WORLD)
    assert first_error(req) == expected


def test_order_matches_clause_req_010():
    statement = load_contract().clauses["REQ-010"].statement
    words = {
        "type_id": "TYPE_ID", "provider": "provider", "communications": "COMMUNICATIONS",
        "count": "communication count", "binding": "binding", "responsible": "RESPONSIBLE_ID",
        "subject": "SUBJECT", "permissions": "permissions", "files": "files", "email": "e-mail",
    }
    order = statement.split(":", 1)[1]
    positions = [order.index(words[name]) for name in RULE_NAMES if name in words]
    assert positions == sorted(positions), "validation.RULES and clause REQ-010 disagree"
    assert RULE_NAMES[0] == "fields"


def test_the_order_is_documented_in_the_module_docstring():
    from b24conform.portal import validation

    doc = validation.__doc__ or ""
    numbered = re.findall(r"^\s+\d+\.\s+(\w+)", doc, flags=re.M)
    assert tuple(numbered) == RULE_NAMES


def test_skipping_a_rule_moves_on_to_the_next():
    req = AddRequest(seed_fields(SUBJECT=None, FILES=BAD_FILES), user_id=1, app_context=None, world=WORLD)
    assert first_error(req) == "ADD_SUBJECT_MISSING"
    assert first_error(req, [(n, r) for n, r in RULES if n != "subject"]) == "FILES_INVALID"
