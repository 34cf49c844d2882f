"""Required fields (REQ-001..REQ-010): each missing, empty or wrongly typed → HTTP 400 and its catalogue error.

Which error belongs to which field is read from the catalogue: a method error whose message names
the field ("The field X is ...") is that field's error. Bad values come from the error's trigger
(absent, empty, not an integer, not an enum id, not an existing user, ...).
"""
from __future__ import annotations

import re

import pytest
from ._support import (
    check_responsible_fallback,
    clause_accepted_errors,
    clause_error,
    clause_errors,
    enum_id,
    expect_one_of,
    fits_one,
    judge,
    list_by_id,
    succeeded,
    try_add,
)

from b24conform.contract import load_contract
from b24conform.judge.checks.envelope import check_add_success, new_id
from b24conform.judge.checks.errors import check_error
from b24conform.verdict.problems import Problem, within

CONTRACT = load_contract()
FIELD_IN_MESSAGE = re.compile(r"^The field (\w+) is not defined")


def field_errors() -> dict[str, str]:
    """field name -> error id, from the catalogue's method messages."""
    out = {}
    for entry in CONTRACT.errors.values():
        match = FIELD_IN_MESSAGE.match(entry.message)
        if entry.kind == "method" and match:
            out[match.group(1)] = entry.id
    return out


FIELD_ERRORS = field_errors()
# The clause that proves "missing" and the clause that proves "invalid" for each required field.
CLAUSES = {"TYPE_ID": ("REQ-001", "REQ-002"), "COMMUNICATIONS": ("REQ-004", "REQ-005"),
           "RESPONSIBLE_ID": ("REQ-006", "REQ-007"), "SUBJECT": ("REQ-008", "REQ-008")}
NOT_AN_ENUM_ID = max(CONTRACT.enums["activitytype"].ids()) + 93  # 99, the clause's own example


def invalid_values(field: str, fixtures) -> list[tuple[str, object]]:
    """Values the field's trigger in errors.yaml names as invalid."""
    empty = [("empty-string", ""), ("null", None)]
    if field == "TYPE_ID":
        return empty + [("not-integer", "abc"), ("not-enum-id", NOT_AN_ENUM_ID), ("list", [2])]
    if field == "COMMUNICATIONS":
        return empty + [("empty-list", []), ("string", "+18005551234"), ("list-of-strings", ["+18005551234"]),
                        ("item-without-value", [{"ENTITY_ID": fixtures.contact_id, "ENTITY_TYPE_ID": fixtures.contact_type_id}])]
    if field == "RESPONSIBLE_ID":
        return empty + [("not-integer", "abc"), ("zero", 0), ("negative", -1), ("no-such-user", fixtures.missing_user_id)]
    if field == "SUBJECT":
        return empty + [("whitespace", "   ")]
    raise KeyError(field)


def missing_cases():
    for field, (missing_clause, _) in CLAUSES.items():
        yield pytest.param(field, id=f"{field}-missing", marks=pytest.mark.b24conform_clause(missing_clause))


@pytest.mark.parametrize("field", list(missing_cases()))
def test_required_field_missing(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields, field):
    missing_clause = CLAUSES[field][0]
    reply = try_add(b24_target, seed_fields(**{field: seed_fields.OMIT}))
    error_id = FIELD_ERRORS[field]
    assert error_id in clause_errors(b24_contract, missing_clause)
    amb = b24_contract.clauses[missing_clause].ambiguity
    if amb and succeeded(reply) and b24_contract.ambiguities[amb].accepts("b", b24_mode):
        if amb == "AMB-RESPONSIBLE-FALLBACK":
            # Filled from the owner: the owner's responsible user it must be.
            judge(b24_evidence, reply, check_responsible_fallback(b24_target, b24_contract, b24_mode, b24_evidence, reply,
                                                                  seed_fields(**{field: seed_fields.OMIT})),
                  f"{field} missing, filled from the owner")
            return
        # SUBJECT optional: the lenient reading accepts the add.
        b24_evidence.record(reply, note=f"{field} missing accepted ({amb} b)")
        return
    judge(b24_evidence, reply, check_error(reply, b24_contract, b24_mode, error_id), f"{field} missing")


def invalid_cases():
    from b24conform.judge.target import TargetFixtures

    for field, (_, invalid_clause) in CLAUSES.items():
        for name, _value in invalid_values(field, TargetFixtures()):
            yield pytest.param(field, name, id=f"{field}-{name}", marks=pytest.mark.b24conform_clause(invalid_clause))


# Values that fall back to the owner's responsible user (AMB-RESPONSIBLE-FALLBACK b): an empty or
# non-numeric RESPONSIBLE_ID (the add tutorial), zero and negative ids too (the vendor's CRM module).
# An unknown user's id is refused by every source.
FALLS_BACK = {("RESPONSIBLE_ID", "empty-string"), ("RESPONSIBLE_ID", "null"), ("RESPONSIBLE_ID", "not-integer"),
              ("RESPONSIBLE_ID", "zero"), ("RESPONSIBLE_ID", "negative")}


@pytest.mark.parametrize("field,case", list(invalid_cases()))
def test_required_field_invalid(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields, field, case):
    value = dict(invalid_values(field, b24_target.fixtures))[case]
    reply = try_add(b24_target, seed_fields(**{field: value}))
    if (field, case) in FALLS_BACK and succeeded(reply) \
            and b24_contract.ambiguities["AMB-RESPONSIBLE-FALLBACK"].accepts("b", b24_mode):
        judge(b24_evidence, reply, check_responsible_fallback(b24_target, b24_contract, b24_mode, b24_evidence, reply,
                                                              seed_fields(**{field: value})),
              f"{field}={value!r}, filled from the owner")
        return
    judge(b24_evidence, reply, check_error(reply, b24_contract, b24_mode, FIELD_ERRORS[field]), f"{field}={value!r}")


NO_FIELDS = [
    pytest.param({}, id="no-fields"),
    pytest.param({"fields": "not an object"}, id="string"),
    pytest.param({"fields": 42}, id="number"),
]


@pytest.mark.b24conform_clause("REQ-009")
@pytest.mark.parametrize("params", NO_FIELDS)
def test_no_fields_at_all(b24_target, b24_contract, b24_mode, b24_evidence, params):
    # Any of the clause's errors will do: the docs do not say which rule answers first.
    reply = b24_target.call("crm.activity.add", params)
    expect_one_of(b24_contract, b24_mode, b24_evidence, reply, clause_errors(b24_contract, "REQ-009"), "no fields")


@pytest.mark.b24conform_clause("REQ-010")
def test_validation_order(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    """Start with every rule broken and repair one at a time: each reply names the next rule of the
    reference portal's documented order."""
    fx = b24_target.fixtures
    call = seed_fields()
    steps = [
        # (fields, expected error): each step repairs what the previous one reported.
        (seed_fields(TYPE_ID="abc", COMMUNICATIONS=seed_fields.OMIT, OWNER_ID=fx.missing_owner_id,
                     RESPONSIBLE_ID=seed_fields.OMIT, SUBJECT=seed_fields.OMIT), FIELD_ERRORS["TYPE_ID"]),
        (seed_fields(COMMUNICATIONS=seed_fields.OMIT, OWNER_ID=fx.missing_owner_id,
                     RESPONSIBLE_ID=seed_fields.OMIT, SUBJECT=seed_fields.OMIT), FIELD_ERRORS["COMMUNICATIONS"]),
        # A meeting: every source limits it to one communication (a call may keep two, AMB-CALL-COMMUNICATIONS).
        (seed_fields(TYPE_ID=enum_id(b24_contract, "activitytype", "Meeting"),
                     COMMUNICATIONS=[call["COMMUNICATIONS"][0], {**call["COMMUNICATIONS"][0], "VALUE": "+18005550000"}],
                     OWNER_ID=fx.missing_owner_id, RESPONSIBLE_ID=seed_fields.OMIT, SUBJECT=seed_fields.OMIT),
         clause_error(b24_contract, "COMM-001")),
        (seed_fields(COMMUNICATIONS=[{**call["COMMUNICATIONS"][0], "ENTITY_ID": fx.missing_owner_id}],
                     OWNER_ID=fx.missing_owner_id, RESPONSIBLE_ID=seed_fields.OMIT, SUBJECT=seed_fields.OMIT),
         clause_accepted_errors(b24_contract, b24_mode, "COMM-002")),
        # An unknown user's id: refused whether or not the portal fills an absent one from the owner.
        (seed_fields(RESPONSIBLE_ID=fx.missing_user_id, SUBJECT=seed_fields.OMIT), FIELD_ERRORS["RESPONSIBLE_ID"]),
        (seed_fields(SUBJECT=seed_fields.OMIT), FIELD_ERRORS["SUBJECT"]),
    ]
    problems = []
    for fields, expected in steps:
        error_ids = (expected,) if isinstance(expected, str) else expected  # several where the sources differ
        reply = try_add(b24_target, fields)
        b24_evidence.record(reply, note=f"expect {' or '.join(error_ids)}")
        problems += within(f"step {error_ids[0]}",
                           fits_one(error_ids, lambda e: check_error(reply, b24_contract, b24_mode, e)))
    judge(b24_evidence, reply, problems, "validation order")


@pytest.mark.b24conform_clause("REQ-005")
def test_a_communication_without_value_among_others(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    """AMB-EMPTY-COMMUNICATION: refused as a whole (a), or the empty item dropped and the activity
    created with the others (b: the add tutorial, the vendor's CRM module); then it keeps only those."""
    comm = seed_fields()["COMMUNICATIONS"][0]
    fields = seed_fields(COMMUNICATIONS=[comm, {**comm, "VALUE": ""}])
    reply = try_add(b24_target, fields)
    problems = check_error(reply, b24_contract, b24_mode, FIELD_ERRORS["COMMUNICATIONS"])
    if problems and succeeded(reply) and b24_contract.ambiguities["AMB-EMPTY-COMMUNICATION"].accepts("b", b24_mode):
        # Created: judged as a success (a bad envelope is its own problem, not a refusal ignored).
        problems = check_add_success(reply, b24_contract, b24_mode)
    if not problems and succeeded(reply):
        listed = list_by_id(b24_target, new_id(reply))
        b24_evidence.record(listed, note="the communications kept")
        items = (listed.json or {}).get("result") if isinstance(listed.json, dict) else None
        kept = (items[0] or {}).get("COMMUNICATIONS") if isinstance(items, list) and items else None
        values = [c.get("VALUE") for c in kept] if isinstance(kept, list) else kept
        problems = [] if values == [comm["VALUE"]] else [
            Problem("readback-mismatch", "COMMUNICATIONS (the empty one dropped)", expected=[comm["VALUE"]], actual=values,
                    ambiguity="AMB-EMPTY-COMMUNICATION", mode=b24_mode)]
    judge(b24_evidence, reply, problems, "a communication without VALUE beside a valid one")
