"""spec/openapi.yaml: lint-clean, faithful to the seed's examples, and generatable by schemathesis."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from test_spec_seed import curl_bodies, first_json_after, seed_text

from b24conform.contract import load_contract
from b24conform.contract.schemas import errors_for
from b24conform.contract.validate import operation_error_ids, openapi_lint_problems, read_spec

CONTRACT = load_contract()
OPENAPI = CONTRACT.openapi


def operations():
    for path, item in OPENAPI["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                yield path, method, op


def test_lint_clean():
    assert openapi_lint_problems(read_spec(CONTRACT.root)) == []


def test_add_is_reachable_three_ways():
    by_id = {op["operationId"]: (path, op) for path, _, op in operations()}
    assert by_id["activityAdd"][0] == "/rest/{user_id}/{webhook}/crm.activity.add"
    assert by_id["activityAddJson"][0] == "/rest/{user_id}/{webhook}/crm.activity.add.json"
    path, op = by_id["activityAddOAuth"]
    assert path == "/rest/crm.activity.add"
    params = [OPENAPI["components"]["parameters"][p["$ref"].split("/")[-1]] for p in op["parameters"]]
    assert [(p["name"], p["in"]) for p in params] == [("auth", "query")]


def test_add_body_is_json_or_php_form():
    body = OPENAPI["components"]["requestBodies"]["AddRequest"]["content"]
    assert set(body) == {"application/json", "application/x-www-form-urlencoded"}
    form = body["application/x-www-form-urlencoded"]
    assert form["encoding"]["fields"]["style"] == "deepObject"
    assert "fields[COMMUNICATIONS][0][VALUE]" in OPENAPI["components"]["requestBodies"]["AddRequest"]["description"]


def test_request_examples_are_the_seeds_with_placeholder_secrets():
    webhook, oauth = curl_bodies(seed_text())
    examples = OPENAPI["components"]["requestBodies"]["AddRequest"]["content"]["application/json"]["examples"]
    assert examples["seedWebhook"]["value"] == webhook
    assert examples["seedOAuth"]["value"]["fields"] == oauth["fields"]
    assert examples["seedOAuth"]["value"]["auth"] != "" and "auth" in oauth
    for example in examples.values():
        assert errors_for("add-request.json", example["value"]) == []


def test_response_examples_are_the_seeds():
    responses = OPENAPI["components"]["responses"]
    assert responses["AddSuccess"]["content"]["application/json"]["example"] == first_json_after(seed_text(), "HTTP status: 200")
    assert responses["AddBadRequest"]["content"]["application/json"]["example"] == first_json_after(seed_text(), "HTTP status: 400")


@pytest.mark.parametrize("status", ["200", "400", "401", "403", "404", "429", "500", "503"])
def test_every_operation_declares_the_general_statuses(status):
    for path, _, op in operations():
        assert status in op["responses"], (op["operationId"], status)


def test_error_responses_name_catalogue_errors():
    for _, _, op in operations():
        declared = operation_error_ids(OPENAPI, op)
        for status, ids in declared.items():
            if int(status) >= 400:
                assert ids, (op["operationId"], status)
                assert all(CONTRACT.error(i).http_status == int(status) for i in ids)


def test_webhook_parameters_hint_at_user_1():
    user = OPENAPI["components"]["parameters"]["UserId"]
    assert user["example"] == 1 and user["schema"]["examples"] == [1]


def test_schemathesis_generates_a_case_for_every_operation():
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_path(str(CONTRACT.root / "openapi.yaml"))
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        cases = []

        @given(operation.as_strategy())
        @settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def generate(case):
            cases.append(case)

        generate()
        assert cases, operation.label
        labels.append(operation.label)
    assert len(labels) == sum(1 for _ in operations())


def test_schemathesis_validates_responses_through_the_schema_files():
    schemathesis = pytest.importorskip("schemathesis")
    import datetime

    import httpx

    schema = schemathesis.openapi.from_path(str(CONTRACT.root / "openapi.yaml"))
    operation = schema["/rest/{user_id}/{webhook}/crm.activity.add"]["POST"]

    def reply(status, body):
        response = httpx.Response(status, json=body, request=httpx.Request("POST", "https://portal/rest/1/x/crm.activity.add"))
        response.elapsed = datetime.timedelta(0)  # schemathesis reads it; a hand-made response has none
        return response

    success = first_json_after(seed_text(), "HTTP status: 200")
    operation.validate_response(reply(200, success))
    operation.validate_response(reply(400, first_json_after(seed_text(), "HTTP status: 400")))
    operation.validate_response(reply(200, {**success, "result": "999"}))  # AMB-RESULT-TYPE b: every mode's schema
    with pytest.raises(Exception):
        operation.validate_response(reply(200, {**success, "result": "abc"}))
    with pytest.raises(Exception):
        operation.validate_response(reply(503, {"error": "QUERY-LIMIT", "error_description": "x"}))
