"""Schemathesis, driven by spec/openapi.yaml, against the target (settings: ../schemathesis.toml).

Every generated request is sent through the Target (so adds are marked and ledgered, the mail-
sending combination is never sent live, and secrets are redacted), then judged twice:
schemathesis' own checks (response schema, status code, content type, negative and positive data,
configured for an RPC API in schemathesis.toml) and the suite's pure checks (a success envelope
with a conformant time block, or an error of the catalogue).

Operations: crm.activity.add (webhook route) and the read-only companions. update/delete would
change activities the run did not create; batch commands are opaque strings to a schema; the OAuth
and .json routes carry the same body as the webhook route (test_calling.py proves them).
"""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from ._support import call_no_input, judge
from hypothesis import HealthCheck, assume, settings
from schemathesis.config import OperationsConfig, SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup

from b24conform.contract import load_contract
from b24conform.contract.paths import spec_dir
from b24conform.judge.checks.envelope import check_add_success, check_success
from b24conform.judge.checks.errors import check_catalogue_error
from b24conform.judge.hypothesis_profiles import BURST, live_cap, live_loaded
from b24conform.judge.safety import sends_mail
from b24conform.judge.suites_dir import schemathesis_config
from b24conform.judge.world import rebind
from b24conform.schemathesis_checks import b24_envelope, b24_error_catalogue, b24_time_block
from b24conform.verdict.problems import from_failure

CONTRACT = load_contract()
# Found beside this folder, in the checkout (suites/) and in the installed wheel (b24conform/_suites/) alike.
CONFIG_FILE = schemathesis_config(Path(__file__).parent)
ENUM_OPERATIONS = [op["post"]["operationId"] for path, op in CONTRACT.openapi["paths"].items()
                   if path.rsplit("/", 1)[-1].startswith("crm.enum.")]
CONFIG = SchemathesisConfig.from_path(CONFIG_FILE)
# The file's [[operations]] blocks serve `st run` from the repository root. Loaded here they become an
# include filter that matches every operation, so `include(operation_id=...)` below would select all
# 16 (and reach update/delete, which the gate refuses). The one exemption they hold is batch's, an
# operation this suite does not fuzz, so it drops them.
CONFIG.projects.default.operations = OperationsConfig(operations=[])
if BURST["on"]:
    # A live run sized to the standard plan's burst (--b24-batch-plan): no explicit-examples phase. The
    # add's example is the seed example, which ENV-* and CALL-001 send already; the readers' examples
    # read ids and filters of the docs, not the run's. Generated cases still come, one per mode.
    CONFIG.projects.default.phases.examples.enabled = False
# Inside the burst the operations without input are left to test_fields_enums.py and test_companions.py,
# which validate the same replies against the same schemas (fields-descriptor.json, enum-list.json).
STATIC_OPERATIONS = not BURST["on"]
loaded = schemathesis.openapi.from_path(spec_dir() / "openapi.yaml", config=CONFIG)
# The webhook path parameters are never sent: the Target calls every method with its own credentials
# (run_case). Generating them would only cost time (a regex-driven draw per case, most of the draw of
# an operation without a body) and add cases that are the same request on the wire, so they are
# pinned to the placeholders the checks are shown. Every generated body is still sent and judged.
PATH_PLACEHOLDERS = {"user_id": 1, "webhook": "redacted"}
loaded.config.parameters.update({f"path.{name}": value for name, value in PATH_PLACEHOLDERS.items()})
# One test per group of operations, so a failure is reported against the clauses of the operation
# that showed it.
add_schema = loaded.include(operation_id=["activityAdd"])
get_schema = loaded.include(operation_id=["activityGet"])
list_schema = loaded.include(operation_id=["activityList"])
fields_schema = loaded.include(operation_id=["activityFields"])
# On a live portal one enum operation stands for the seven (one response schema, enum-list.json; each
# enum's answer is judged against it by test_fields_enums.py): six requests of the rate budget saved.
enum_schema = loaded.include(operation_id=ENUM_OPERATIONS[:1] if live_loaded() else ENUM_OPERATIONS)

def takes_no_input(path: str) -> bool:
    """Whether an operation of spec/openapi.yaml has no body and no parameter but the webhook path ones
    (crm.activity.fields and the crm.enum.* lists)."""
    item = CONTRACT.openapi["paths"][path]
    params = [*(item.get("parameters") or []), *(item["post"].get("parameters") or [])]
    path_only = all(p.get("$ref", "").rsplit("/", 1)[-1] in {"UserId", "Webhook"} for p in params)
    return path_only and not item["post"].get("requestBody")


def send(target: Any, case: Any) -> Any:
    """The case as the Target sends it; returns the Reply."""
    method = case.operation.path.rsplit("/", 1)[-1]
    body = case.body if not isinstance(case.body, type(None)) and case.body.__class__.__name__ != "NotSet" else None
    if isinstance(body, dict) and case.media_type == "application/json":
        return target.call(method, body)
    if isinstance(body, dict) and case.media_type == "application/x-www-form-urlencoded":
        return target.call(method, body, encoding="form")
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    return target.call(method, raw_body=raw, content_type=case.media_type or "application/json")


def as_httpx(reply: Any) -> httpx.Response:
    # The Reply's text is already decoded: drop the headers that describe the encoded body.
    headers = {k: v for k, v in reply.headers.items() if k not in {"content-encoding", "content-length", "transfer-encoding"}}
    request = httpx.Request(reply.request.http_method, reply.request.url)
    response = httpx.Response(reply.status, headers=headers, content=reply.text.encode(), request=request)
    response.elapsed = timedelta(0)  # timing is not judged (DESIGN.md: no timing assertions)
    return response


HYPOTHESIS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                           HealthCheck.filter_too_much])
# Cases per operation: the loaded profile's (ci: 25, live: 8), except that a live portal's rate budget
# (standard plan: burst 50, 2 requests/s) is not spent where more cases prove little. get and list
# read ids and filters the run did not create; fields and the enums take no input at all, so every
# case asks the same question. On any other profile these caps are no-ops (live_cap).
LIVE_SIZED = {
    "add": settings(HYPOTHESIS, **live_cap(3, burst=1)),
    "read": settings(HYPOTHESIS, **live_cap(1)),
    "static": settings(HYPOTHESIS, **live_cap(1)),
}


# schemathesis.toml loads b24conform.schemathesis_checks; these three ask what the suite's own checks
# (run_case) have just asked, with the run's mode and target kind.
ALREADY_JUDGED = [b24_envelope, b24_time_block, b24_error_catalogue]


def schemathesis_problems(case: Any, response: httpx.Response) -> list:
    """schemathesis' own checks of the response (but ALREADY_JUDGED), each failure as a problem (kind
    `schemathesis`)."""
    try:
        case.validate_response(response, excluded_checks=ALREADY_JUDGED)
    except FailureGroup as group:
        return [from_failure(f) for f in group.exceptions]
    except Failure as failure:
        return [from_failure(failure)]
    return []


def run_case(case, target, contract, mode, evidence) -> None:
    fields = case.body.get("fields") if isinstance(case.body, dict) else None
    if target.kind != "mock":
        # Never the combination that mails for real (Target.call would refuse it anyway).
        assume(not sends_mail(fields))
        if isinstance(fields, dict):
            # Bind to the run's own records, never to a drawn id that is somebody's on a real portal.
            case.body["fields"] = fields = rebind(fields, target.fixtures)
    # The Target sends with its own credentials (the path parameters are pinned placeholders, see
    # PATH_PLACEHOLDERS). Tell the checks the user id really sent, without putting the secret code into
    # schemathesis' failure output: the placeholder matches the Webhook parameter's pattern.
    hook = target.endpoints.webhook
    if hook is not None and "user_id" in (case.path_parameters or {}):
        case.path_parameters = {**PATH_PLACEHOLDERS, "user_id": hook.user_id}
    if target.kind != "mock" and takes_no_input(case.operation.path):
        # Every case of an operation without input is the same request on the wire (the Target sends
        # its own credentials, no input): on a live portal it is sent once per run and each case (and
        # test_fields_enums.py) judges that reply.
        reply = call_no_input(target, case.operation.path.rsplit("/", 1)[-1])
    else:
        reply = send(target, case)
    negative = case.meta is not None and case.meta.generation.mode.is_negative
    # The suite's own verdict first (a conformant success envelope, or an error of the catalogue): its
    # problems name the defect by kind and values. schemathesis' checks then add what only the schema
    # sees; where the suite already found the defect they would repeat it in the schema's words.
    if reply.status == 200:
        adds = case.operation.path.rsplit("/", 1)[-1].lower().removesuffix(".json") == "crm.activity.add"
        problems = (check_add_success if adds else check_success)(reply, contract, mode)
    else:
        problems = check_catalogue_error(reply, contract, mode)
    if not problems:
        problems = schemathesis_problems(case, as_httpx(reply))
    judge(evidence, reply, problems, f"{case.operation.label} {'negative' if negative else 'positive'}")


@pytest.mark.b24conform_clause("ERR-001", "ENV-001", "ENV-007")
@add_schema.parametrize()
@LIVE_SIZED["add"]
def test_add_against_openapi(case, b24_target, b24_contract, b24_mode, b24_evidence):
    run_case(case, b24_target, b24_contract, b24_mode, b24_evidence)


@pytest.mark.b24conform_clause("RT-001")
@get_schema.parametrize()
@LIVE_SIZED["read"]
def test_get_against_openapi(case, b24_target, b24_contract, b24_mode, b24_evidence):
    run_case(case, b24_target, b24_contract, b24_mode, b24_evidence)


@pytest.mark.b24conform_clause("RT-004")
@list_schema.parametrize()
@LIVE_SIZED["read"]
def test_list_against_openapi(case, b24_target, b24_contract, b24_mode, b24_evidence):
    run_case(case, b24_target, b24_contract, b24_mode, b24_evidence)


@pytest.mark.b24conform_clause("FLD-001")
@pytest.mark.skipif(not STATIC_OPERATIONS, reason="inside the burst: test_fields_enums.py judges the same reply")
@fields_schema.parametrize()
@LIVE_SIZED["static"]
def test_fields_against_openapi(case, b24_target, b24_contract, b24_mode, b24_evidence):
    run_case(case, b24_target, b24_contract, b24_mode, b24_evidence)


@pytest.mark.b24conform_clause("ENUM-001")
@pytest.mark.skipif(not STATIC_OPERATIONS, reason="inside the burst: test_fields_enums.py judges the same reply")
@enum_schema.parametrize()
@LIVE_SIZED["static"]
def test_enums_against_openapi(case, b24_target, b24_contract, b24_mode, b24_evidence):
    run_case(case, b24_target, b24_contract, b24_mode, b24_evidence)
