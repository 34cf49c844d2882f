"""Authorization (AUTH-001..AUTH-007): every credential failure gets its catalogue error."""
from __future__ import annotations

import pytest
from ._support import add_ok, clause_accepted_errors, judge, try_add

from b24conform.judge.checks.errors import check_error_one_of
from b24conform.verdict.problems import within

# (clause, Target auth mode). The expected error is the clause's own error id in clauses.yaml.
BAD_CREDENTIALS = [
    pytest.param("AUTH-001", "bad_code", id="wrong-code", marks=pytest.mark.b24conform_clause("AUTH-001")),
    pytest.param("AUTH-002", "bad_user", id="other-user", marks=pytest.mark.b24conform_clause("AUTH-002")),
    pytest.param("AUTH-003", "none", id="no-credentials", marks=pytest.mark.b24conform_clause("AUTH-003")),
    pytest.param("AUTH-004", "expired", id="expired-token", marks=pytest.mark.b24conform_clause("AUTH-004")),
    pytest.param("AUTH-005", "unscoped", id="no-crm-scope", marks=pytest.mark.b24conform_clause("AUTH-005")),
    pytest.param("AUTH-007", "restricted", id="no-add-right", marks=pytest.mark.b24conform_clause("AUTH-007")),
]


@pytest.mark.parametrize("clause_id,auth", BAD_CREDENTIALS)
def test_bad_credentials_on_add(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields, clause_id, auth):
    if auth == "bad_user" and b24_target.endpoints.webhook is None:
        pytest.skip("a webhook code under another user id needs a webhook target (--target https://HOST/rest/USER/CODE/)")
    # AUTH-001/002 read AMB-WRONG-CODE: NO_AUTH_FOUND or INVALID_CREDENTIALS, both 401.
    error_ids = clause_accepted_errors(b24_contract, b24_mode, clause_id)
    # The seed example: valid in every other respect, so only the credential can be refused.
    # try_add ledgers it, in case a non-conformant portal creates it anyway.
    reply = try_add(b24_target, seed_fields(), auth=auth)
    judge(b24_evidence, reply, check_error_one_of(reply, b24_contract, b24_mode, error_ids), f"{clause_id} auth={auth}")


def _read_companions(contract, kind):
    """Every read-only companion and enum method, with params that would otherwise be valid. On a live
    portal (the rate budget of a real portal is better spent elsewhere) get stands for the methods, and
    one batch with a wrong code asks list, fields and one enum at once: refused as a whole, it answers
    none of them. The embedded mock is asked every one on its own route."""
    enums = [(enum.method, {}) for enum in contract.enums.values()]
    if kind != "mock":
        inner = {"l": "crm.activity.list?filter[ID]=1", "f": "crm.activity.fields", "e": enums[0][0]}
        return [("crm.activity.get", {"id": 1}), ("batch", {"cmd": inner})]
    calls = [
        ("crm.activity.get", {"id": 1}),
        ("crm.activity.list", {"filter": {"ID": 1}}),
        ("crm.activity.fields", {}),
        ("batch", {"cmd": {"f": "crm.activity.fields"}}),
    ]
    return calls + enums


def _refused_everywhere(target, contract, mode, evidence, calls):
    error_ids = clause_accepted_errors(contract, mode, "AUTH-006")
    problems, reply = [], None
    for method, params in calls:
        reply = target.call(method, params, auth="bad_code")
        evidence.record(reply, note=method)
        problems += within(method, check_error_one_of(reply, contract, mode, error_ids))
    return reply, problems


@pytest.mark.b24conform_clause("AUTH-006")
def test_read_companions_require_credentials(b24_target, b24_contract, b24_mode, b24_evidence):
    reply, problems = _refused_everywhere(b24_target, b24_contract, b24_mode, b24_evidence, _read_companions(b24_contract, b24_target.kind))
    judge(b24_evidence, reply, problems, "read companions with a wrong webhook code")


@pytest.mark.b24conform_clause("AUTH-006")
def test_write_companions_require_credentials(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    """update and delete with a wrong code, aimed at an activity this run created (never a fixed
    id: a portal that wrongly accepts the code must lose nothing but the judge's own record)."""
    # The activity every reading check shares on a live portal: a conformant portal leaves it as it was.
    activity_id = add_ok(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields(), envelope=False,
                         note="an activity of this run to aim at", reuse=True)
    calls = [("crm.activity.update", {"id": activity_id, "fields": {"DESCRIPTION": "x"}}),
             ("crm.activity.delete", {"id": activity_id})]
    if b24_target.kind != "mock":
        # On a live portal one batch with a wrong code asks both (refused as a whole, it runs neither), as
        # the read companions' probe does: the rate budget of a real portal is better spent elsewhere.
        calls = [("batch", {"cmd": {"u": f"crm.activity.update?id={activity_id}&fields[DESCRIPTION]=x",
                                    "d": f"crm.activity.delete?id={activity_id}"}})]
    reply, problems = _refused_everywhere(b24_target, b24_contract, b24_mode, b24_evidence, calls)
    judge(b24_evidence, reply, problems, "update and delete with a wrong webhook code")
