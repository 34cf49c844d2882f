"""Calling conventions: the seed's example in every wire format the docs allow (CALL-001..CALL-010)."""
from __future__ import annotations

import pytest
from ._support import ADD, add_ok, call_no_input, clause_accepted_errors, clause_error, get, judge

from b24conform.judge.checks.envelope import check_add_success
from b24conform.judge.checks.errors import check_error, check_error_one_of, check_error_shape
from b24conform.judge.checks.readback import check_readback_equal
from b24conform.verdict.problems import Problem

# (clause, call keyword arguments) for the ways of sending the same add that must all succeed.
WIRE_FORMATS = [
    pytest.param("CALL-001", {}, id="json-webhook", marks=pytest.mark.b24conform_clause("CALL-001")),
    pytest.param("CALL-002", {"suffix": ".json"}, id="json-suffix", marks=pytest.mark.b24conform_clause("CALL-002")),
    pytest.param("CALL-004", {"auth": "oauth_body"}, id="oauth-body", marks=pytest.mark.b24conform_clause("CALL-004")),
    pytest.param("CALL-005", {"auth": "oauth_query"}, id="oauth-query", marks=pytest.mark.b24conform_clause("CALL-005")),
    pytest.param("CALL-007", {"encoding": "query"}, id="get-query", marks=pytest.mark.b24conform_clause("CALL-007")),
]


@pytest.mark.parametrize("clause_id,kwargs", WIRE_FORMATS)
def test_seed_example_in_each_wire_format(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields, clause_id, kwargs):
    add_ok(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields(), note=f"{clause_id} {kwargs}", reuse=True, **kwargs)


@pytest.mark.b24conform_clause("CALL-003")
def test_method_name_is_case_insensitive(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    # b24pysdk sends crm.activity.Add.json; Target.call marks and ledgers add methods whatever their case.
    reply = b24_target.call("crm.activity.Add", {"fields": seed_fields()}, suffix=".json")
    judge(b24_evidence, reply, check_add_success(reply, b24_contract, b24_mode), "crm.activity.Add.json")


@pytest.mark.b24conform_clause("CALL-006")
def test_form_encoded_gives_the_same_activity(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    fields = seed_fields()
    json_id = add_ok(b24_target, b24_contract, b24_mode, b24_evidence, fields, note="JSON body", envelope=False, reuse=True)
    form_id = add_ok(b24_target, b24_contract, b24_mode, b24_evidence, fields, note="form body", encoding="form")
    json_read, form_read = get(b24_target, json_id), get(b24_target, form_id)
    b24_evidence.record(json_read, note="get of the JSON-created activity")
    # The form-created activity must read back like the sent fields, and like the JSON-created one.
    judge(b24_evidence, form_read, check_readback_equal(form_read, b24_contract, b24_mode, sent=b24_target.mark(fields)),
          "form read-back vs sent")
    comparable = {k: v for k, v in (json_read.json or {}).get("result", {}).items()
                  if k not in {"ID", "CREATED", "LAST_UPDATED", "SUBJECT", "ASSOCIATED_ENTITY_ID"}}
    judge(b24_evidence, form_read, check_readback_equal(form_read, b24_contract, b24_mode, sent=comparable),
          "form read-back vs JSON read-back")


@pytest.mark.b24conform_clause("CALL-008")
def test_unknown_method(b24_target, b24_contract, b24_mode, b24_evidence):
    error_id = clause_error(b24_contract, "CALL-008")
    reply = call_no_input(b24_target, "crm.activity.nosuchmethod")
    judge(b24_evidence, reply, check_error(reply, b24_contract, b24_mode, error_id), error_id)


MALFORMED = [
    pytest.param(b'{"fields": {"TYPE_ID": 2,', "application/json", id="truncated-json"),
    pytest.param(b'{"fields": "\xff\xfe"}', "application/json", id="not-utf8"),
]


@pytest.mark.b24conform_clause("CALL-009")
@pytest.mark.parametrize("body,ctype", MALFORMED)
def test_malformed_body(b24_target, b24_contract, b24_mode, b24_evidence, body, ctype):
    reply = b24_target.call(ADD, raw_body=body, content_type=ctype)
    problems = check_error_shape(reply, b24_contract, b24_mode)
    if not 400 <= reply.status < 500:
        problems.append(Problem("http-status", "HTTP status", expects="a 4xx refusal", actual=reply.status))
    if b24_target.kind == "mock":
        # The message is b24conform's own (the vendor documents none): pinned on the reference portal only.
        problems += check_error(reply, b24_contract, b24_mode, clause_error(b24_contract, "CALL-009"))
    judge(b24_evidence, reply, problems, "malformed body")


@pytest.mark.b24conform_clause("CALL-010")
def test_plain_http_is_refused(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    # AMB-HTTPS-STATUS: 400 (the docs' table) or 401 with the vendor's period.
    error_ids = clause_accepted_errors(b24_contract, b24_mode, "CALL-010")
    # Refused before any validation, so nothing is created; Target.call ledgers it anyway.
    reply = b24_target.call(ADD, {"fields": seed_fields()}, http=True)
    judge(b24_evidence, reply, check_error_one_of(reply, b24_contract, b24_mode, error_ids), error_ids[0])
