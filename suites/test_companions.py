"""The companions the round trip and the cleanup rely on, as their pages describe them: list's BINDINGS
filter (RT-014), start=-1 (RT-015), update's errors (RT-016..RT-018), list's select (RT-019) and the
field descriptors (FLD-002)."""
from __future__ import annotations

import pytest
from ._support import add_ok, call_no_input, clause_error, judge, shared, succeeded

from b24conform.judge.checks.envelope import check_result_true, check_success
from b24conform.judge.checks.errors import check_error, check_error_shape
from b24conform.judge.checks.readback import check_list_select, check_list_uncounted
from b24conform.verdict.problems import Problem, canonical

DESCRIPTOR_FLAGS = ("type", "isRequired", "isReadOnly", "isImmutable", "isMultiple")
COMPANY_TYPE = 4  # crm.enum.ownertype: no seed activity is bound to a company directly


def _items(reply) -> list:
    body = reply.json if isinstance(reply.json, dict) else {}
    result = body.get("result")
    return result if isinstance(result, list) else []


def _ids(reply) -> list[str]:
    return [str(item.get("ID")) for item in _items(reply) if isinstance(item, dict)]


@pytest.fixture
def own(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    """One seed activity this check may change or delete: its id."""
    return add_ok(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields(), envelope=False)


@pytest.fixture
def refusing(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    """One seed activity for updates a conformant portal refuses, so they leave it as it was: on a
    live portal RT-017 and RT-018 share it (one add less of the rate budget), on the mock each has its own."""
    return shared(b24_target, "activity for refused updates",
                  lambda: add_ok(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields(), envelope=False))


@pytest.fixture
def readable(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    """One seed activity only read: its id. On a live portal the add is the one every reading check
    shares (add_once keys it by its fields), so these checks create nothing of their own."""
    return shared(b24_target, "seed activity to list", lambda: _readable(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields))


def _readable(target, contract, mode, evidence, seed_fields):
    return add_ok(target, contract, mode, evidence, seed_fields(), envelope=False, reuse=True)


@pytest.mark.b24conform_clause("RT-014")
@pytest.mark.parametrize("binding,found", [
    pytest.param("owner", True, id="by-owner"),
    pytest.param("communication", True, id="by-communication-item"),
    pytest.param("owner-type", True, id="by-owner-type"),
    pytest.param("elsewhere", False, id="not-bound-there"),
])
def test_list_filters_by_bindings(b24_target, b24_contract, b24_mode, b24_evidence, readable, binding, found):
    fx = b24_target.fixtures
    pair = {"owner": {"OWNER_TYPE_ID": fx.owner_type_id, "OWNER_ID": fx.owner_id},
            "communication": {"OWNER_TYPE_ID": fx.contact_type_id, "OWNER_ID": fx.contact_id},
            "owner-type": {"OWNER_TYPE_ID": fx.owner_type_id},
            "elsewhere": {"OWNER_TYPE_ID": COMPANY_TYPE, "OWNER_ID": fx.missing_owner_id}}[binding]
    reply = b24_target.call("crm.activity.list", {"filter": {"ID": readable, "BINDINGS": [pair]}, "select": ["ID"]})
    problems = check_success(reply, b24_contract, b24_mode)
    listed = str(readable) in _ids(reply)
    if listed != found:
        problems.append(Problem("list-bindings-filter", canonical([pair]), expected=[str(readable)] if found else [],
                                actual=_ids(reply)))
    judge(b24_evidence, reply, problems, f"BINDINGS {binding}")


@pytest.mark.b24conform_clause("RT-015")
def test_start_minus_one_skips_the_count(b24_target, b24_contract, b24_mode, b24_evidence):
    reply = b24_target.call("crm.activity.list", {"order": {"ID": "ASC"}, "select": ["ID"], "start": -1})
    problems = check_success(reply, b24_contract, b24_mode) + check_list_uncounted(reply, b24_contract, b24_mode)
    judge(b24_evidence, reply, problems, "start=-1")


@pytest.mark.b24conform_clause("RT-016")
def test_update_of_a_deleted_activity(b24_target, b24_contract, b24_mode, b24_evidence, own):
    deleted = b24_target.call("crm.activity.delete", {"id": own})
    judge(b24_evidence, deleted, check_result_true(deleted, b24_contract, b24_mode), "delete first")
    reply = b24_target.call("crm.activity.update", {"id": own, "fields": {"DESCRIPTION": "gone"}})
    judge(b24_evidence, reply, check_error(reply, b24_contract, b24_mode, clause_error(b24_contract, "RT-016")),
          "update after delete")


@pytest.mark.b24conform_clause("RT-017")
def test_update_to_the_configurable_provider(b24_target, b24_contract, b24_mode, b24_evidence, refusing):
    own = refusing
    reply = b24_target.call("crm.activity.update", {"id": own, "fields": {"PROVIDER_ID": "CONFIGURABLE_REST_APP"}})
    problems = check_error(reply, b24_contract, b24_mode, clause_error(b24_contract, "RT-017"))
    after = b24_target.call("crm.activity.get", {"id": own})
    provider = ((after.json or {}).get("result") or {}).get("PROVIDER_ID") if isinstance(after.json, dict) else None
    if provider == "CONFIGURABLE_REST_APP":
        problems.append(Problem("update-refused-applied", "PROVIDER_ID", actual=provider))
    judge(b24_evidence, reply, problems, "update to CONFIGURABLE_REST_APP")


@pytest.mark.b24conform_clause("RT-018")
def test_update_without_fields(b24_target, b24_contract, b24_mode, b24_evidence, refusing):
    # A reply of its own where the batch plan answers this check: the clause's HTTP 400 is this error's own,
    # and a portal that answers it with another status bends nothing a batch command carries.
    reply = b24_target.call("crm.activity.update", {"id": refusing}, top_level=True)
    amb = b24_contract.ambiguities[b24_contract.clauses["RT-018"].ambiguity]
    if succeeded(reply) and amb.accepts("b", b24_mode):
        problems = check_result_true(reply, b24_contract, b24_mode)
    else:
        # Refused (reading a): the page gives no text for it, so status, code and a description will do.
        problems = check_error(reply, b24_contract, b24_mode, clause_error(b24_contract, "RT-018"), pinned=False)
    judge(b24_evidence, reply, problems, "update without fields")


SELECTS = [
    pytest.param(["ID", "SUBJECT"], {"ID", "SUBJECT"}, set(), id="named-fields"),
    pytest.param(["*"], {"ID", "SUBJECT", "OWNER_ID"}, {"COMMUNICATIONS", "FILES"}, id="star"),
    pytest.param(["*", "COMMUNICATIONS"], {"ID", "COMMUNICATIONS"}, {"FILES"}, id="star-communications"),
    pytest.param(["*", "STORAGE_ELEMENT_IDS"], {"ID", "FILES"}, {"COMMUNICATIONS"}, id="star-storage-element-ids"),
]


@pytest.mark.b24conform_clause("RT-019")
@pytest.mark.parametrize("select,present,absent", SELECTS)
def test_list_gives_what_select_names(b24_target, b24_contract, b24_mode, b24_evidence, readable, select, present, absent):
    reply = b24_target.call("crm.activity.list", {"filter": {"ID": readable}, "select": select})
    problems = check_success(reply, b24_contract, b24_mode) + check_list_select(
        reply, b24_contract, b24_mode, activity_id=readable, select=select, present=present, absent=absent)
    judge(b24_evidence, reply, problems, f"select {select}")


@pytest.mark.b24conform_clause("FLD-002")
@pytest.mark.parametrize("method,table", [("crm.activity.fields", "activity"),
                                          ("crm.activity.communication.fields", "communication")])
def test_descriptors_agree_with_the_fields_page(b24_target, b24_contract, b24_mode, b24_evidence, method, table):
    reply = call_no_input(b24_target, method)
    problems = check_success(reply, b24_contract, b24_mode)
    result = reply.json.get("result") if isinstance(reply.json, dict) else None
    documented = b24_contract.fields[table]["fields"]
    if isinstance(result, dict):
        for name, expected in documented.items():
            got = result.get(name)
            if not isinstance(got, dict):
                problems.append(Problem("descriptor-not-served", f"{method} {name}"))
                continue
            problems += [Problem("descriptor-flag", f"{method} {name}.{flag}", expected=expected[flag], actual=got.get(flag))
                         for flag in DESCRIPTOR_FLAGS if got.get(flag) != expected[flag]]
    judge(b24_evidence, reply, problems, method)
