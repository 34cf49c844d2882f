"""The schemas reject what they should: systematic mutations of valid documents.

Valid baselines are the seed's own examples (parsed by test_spec_seed) and documents built from the
reference facts; every test mutates one thing and expects a violation.
"""
from __future__ import annotations

import copy
from typing import Any

import pytest
from test_spec_seed import curl_bodies, first_json_after, seed_text

from b24conform.contract import load_contract
from b24conform.contract.schemas import errors_for, registry_for, validator_for
from b24conform.contract.validate import enum_agreement_problems, read_spec

ADD_FIELDS = load_contract().schema("activity-add-fields.json")
TIME_KEYS = ("start", "finish", "duration", "processing", "date_start", "date_finish", "operating_reset_at", "operating")


def seed_request() -> dict[str, Any]:
    return curl_bodies(seed_text())[0]


def seed_success() -> dict[str, Any]:
    return first_json_after(seed_text(), "HTTP status: 200")


def resolved(schema: dict[str, Any]) -> dict[str, Any]:
    """A property's schema with its $ref followed (one level is all activity-add-fields.json uses)."""
    if "$ref" not in schema:
        return schema
    found = registry_for(load_contract()).resolver(base_uri="activity-add-fields.json").lookup(schema["$ref"])
    return found.contents


def wrong_values(prop: dict[str, Any]) -> list[Any]:
    """Values of the wrong type (or outside the enum / format) for a property schema."""
    prop = resolved(prop)
    kind = prop.get("type")
    if "enum" in prop:
        return [99, "Y" if kind == "integer" else "yes", None]
    if prop.get("format") == "date-time":
        return ["2023-12-31 12:00:00", "2023-12-31T12:00:00", "tomorrow", 1703999999]
    return {
        "integer": ["102", 1.5, True, 0 if prop.get("minimum") == 1 else -1],
        "string": [12345, None, ["x"]],
        "array": ["x", {"0": "x"}, []] if prop.get("minItems") else ["x", {"0": "x"}],
        "object": ["x", 5, ["not", "a map"]],
    }[kind]


# ------------------------------------------------------------------ request

@pytest.mark.parametrize("name", ADD_FIELDS["required"])
def test_dropping_a_required_field_is_rejected(name):
    body = seed_request()
    del body["fields"][name]
    assert errors_for("add-request.json", body)


@pytest.mark.parametrize("name", sorted(ADD_FIELDS["properties"]))
def test_each_field_refuses_wrong_types(name):
    prop = ADD_FIELDS["properties"][name]
    for bad in wrong_values(prop):
        body = seed_request()
        body["fields"][name] = bad
        assert errors_for("add-request.json", body), (name, bad)


@pytest.mark.parametrize("subject", ["", "   "])
def test_empty_or_blank_subject_is_rejected(subject):
    body = seed_request()
    body["fields"]["SUBJECT"] = subject
    assert errors_for("add-request.json", body)


def test_owner_may_be_omitted_when_communications_bind():
    body = seed_request()
    del body["fields"]["OWNER_ID"], body["fields"]["OWNER_TYPE_ID"]
    assert errors_for("add-request.json", body) == []


def test_user_fields_pass_and_unknown_fields_do_not():
    body = seed_request()
    body["fields"]["UF_CRM_1700000000"] = "anything"
    assert errors_for("add-request.json", body) == []
    body["fields"]["SUBJCT"] = "typo"
    assert errors_for("add-request.json", body)


def test_settings_keep_the_documented_keys_and_others():
    body = seed_request()
    body["fields"]["SETTINGS"] = {"DISABLE_SENDING_MESSAGE_COPY": "Y", "MESSAGE_FROM": "Jo Doe <jo@example.com>"}
    assert errors_for("add-request.json", body) == []
    body["fields"]["SETTINGS"]["DISABLE_SENDING_MESSAGE_COPY"] = True
    assert errors_for("add-request.json", body)


def test_request_needs_fields_and_refuses_unknown_parameters():
    assert errors_for("add-request.json", {})
    assert errors_for("add-request.json", {"fields": []})
    body = seed_request()
    body["filter"] = {}
    assert errors_for("add-request.json", body)


@pytest.mark.parametrize("item", [
    {},
    {"VALUE": ""},
    {"VALUE": 18005551234},
    {"VALUE": "+1800", "ENTITY_ID": "134"},
    {"VALUE": "+1800", "TYPE": "FAX"},
    {"VALUE": "+1800", "NAME": "x"},
])
def test_bad_communication_items_are_rejected(item):
    assert errors_for("communication.json", item)


@pytest.mark.parametrize("data", [
    {"fileData": ["a.jpg"]},
    {"fileData": ["a.jpg", "AAAA", "extra"]},
    {"fileData": ["a.jpg", 5]},
    {"fileData": ["", "AAAA"]},
    {"fileData": ["a.jpg", "not base64!"]},
    {"fileData": {"0": "a.jpg", "1": "AAAA"}},
    {"file": ["a.jpg", "AAAA"]},
])
def test_bad_file_data_is_rejected(data):
    assert errors_for("file-data.json", data)


def test_both_base64_alphabets_pass():
    for content in ("base64_encoded_content_here", "aGVsbG8=", "a-b_c+/=", ""):
        assert errors_for("file-data.json", {"fileData": ["a.txt", content]}) == [], content


# ------------------------------------------------------------------ success and error envelopes

@pytest.mark.parametrize("key", TIME_KEYS[:6])
def test_dropping_a_timing_key_is_rejected(key):
    body = seed_success()
    del body["time"][key]
    assert errors_for("success-envelope.json", body)


@pytest.mark.parametrize("keys", [("operating",), ("operating_reset_at",), ("operating", "operating_reset_at")])
def test_the_operating_keys_may_be_absent(keys):
    # AMB-TIME-KEYS: on-premise portals and recorded cloud replies carry six or seven keys; only the strict
    # check (ENV-003) wants all eight, so the schema every mode shares must not.
    body = seed_success()
    for key in keys:
        del body["time"][key]
    assert errors_for("success-envelope.json", body) == []


def test_operating_reset_at_may_be_an_iso_string():
    body = seed_success()
    body["time"]["operating_reset_at"] = "2025-01-10T12:00:00+03:00"
    assert errors_for("success-envelope.json", body) == []


@pytest.mark.parametrize("key", TIME_KEYS)
def test_a_time_key_of_the_wrong_type_is_rejected(key):
    body = seed_success()
    body["time"][key] = "soon" if isinstance(body["time"][key], (int, float)) else 1712132792
    assert errors_for("success-envelope.json", body)


@pytest.mark.parametrize("result", ["abc", "0999", "", True, False, 0, -5, 9.5, None, [999]])
def test_result_must_be_a_positive_integer(result):
    body = seed_success()
    body["result"] = result
    assert errors_for("success-envelope.json", body)


def test_result_may_be_the_decimal_string_of_the_id():
    # AMB-RESULT-TYPE b: the schema every mode shares takes it; only the strict check (ENV-002) refuses it.
    body = seed_success()
    body["result"] = "999"
    assert errors_for("success-envelope.json", body) == []


def test_success_with_an_error_key_is_rejected():
    body = seed_success()
    body["error"] = ""
    assert errors_for("success-envelope.json", body)


@pytest.mark.parametrize("mutate", [
    lambda b: b.pop("error"),
    lambda b: b.pop("error_description"),
    lambda b: b.update(error="NOT-ALLOWED"),
    lambda b: b.update(error=None),
    lambda b: b.update(error_description=5),
    lambda b: b.update(result=999),
], ids=["no-error", "no-description", "bad-alphabet", "null-code", "number-description", "with-result"])
def test_error_envelope_mutations_are_rejected(mutate):
    body = {"error": "", "error_description": "Access denied."}
    mutate(body)
    assert errors_for("error-envelope.json", body)


def test_general_error_codes_pass_the_error_envelope():
    for entry in load_contract().errors.values():
        assert errors_for("error-envelope.json", entry.body()) == [], entry.id


# ------------------------------------------------------------------ list, batch

def test_list_envelope():
    time = seed_success()["time"]
    good = {"result": [{"ID": "1"}], "total": 1, "time": time}
    assert errors_for("list-envelope.json", good) == []
    assert errors_for("list-envelope.json", {**good, "next": 50}) == []
    for bad in ({**good, "next": 0}, {**good, "total": "1"}, {**good, "result": [{}] * 51},
                {k: v for k, v in good.items() if k != "total"}):
        assert errors_for("list-envelope.json", bad)


def batch_body() -> dict[str, Any]:
    time = seed_success()["time"]
    timing = {k: v for k, v in time.items() if not k.startswith("operating")}
    return {"result": {"result": {"a": 1001}, "result_error": [], "result_total": [], "result_next": [],
                       "result_time": {"a": timing}}, "time": time}


def test_batch_envelope_accepts_empty_parts_as_lists():
    assert errors_for("batch-envelope.json", batch_body()) == []
    body = batch_body()
    body["result"]["result"] = [1001, 1002]  # cmd sent as a list
    body["result"]["result_error"] = {"b": {"error": "", "error_description": "The field SUBJECT is not defined or empty"}}
    assert errors_for("batch-envelope.json", body) == []


@pytest.mark.parametrize("mutate", [
    lambda b: b["result"].pop("result_error"),
    lambda b: b["result"].update(result_error={"a": {"error": ""}}),
    lambda b: b["result"].update(result_total={"a": "1"}),
    lambda b: b["result"].update(result_time={"a": {"start": 1}}),
    lambda b: b["result"].update(result="x"),
    lambda b: b.pop("time"),
])
def test_batch_envelope_mutations_are_rejected(mutate):
    body = batch_body()
    mutate(body)
    assert errors_for("batch-envelope.json", body)


# ------------------------------------------------------------------ read-back

def readback() -> dict[str, Any]:
    """A crm.activity.get result shaped like the docs' example (values of the seed's add)."""
    return {
        "ID": "999", "OWNER_ID": "102", "OWNER_TYPE_ID": "2", "TYPE_ID": "2", "PROVIDER_ID": "VOXIMPLANT_CALL",
        "PROVIDER_TYPE_ID": "CALL", "PROVIDER_GROUP_ID": None, "ASSOCIATED_ENTITY_ID": "0", "SUBJECT": "New call",
        "CREATED": "2024-04-03T10:26:32+02:00", "LAST_UPDATED": "2024-04-03T10:26:32+02:00",
        "START_TIME": "2023-12-31T15:00:00+03:00", "END_TIME": "2023-12-31T15:30:00+03:00",
        "DEADLINE": "2023-12-31T15:00:00+03:00", "COMPLETED": "N", "STATUS": "1", "RESPONSIBLE_ID": "1",
        "PRIORITY": "3", "NOTIFY_TYPE": "0", "NOTIFY_VALUE": "0", "DESCRIPTION": "Important call",
        "DESCRIPTION_TYPE": "3", "DIRECTION": "2", "LOCATION": "", "SETTINGS": [], "ORIGINATOR_ID": None,
        "ORIGIN_ID": None, "AUTHOR_ID": "1", "EDITOR_ID": "1", "PROVIDER_PARAMS": [], "PROVIDER_DATA": None,
        "RESULT_MARK": "0", "RESULT_VALUE": None, "RESULT_SUM": None, "RESULT_CURRENCY_ID": None,
        "RESULT_STATUS": "0", "RESULT_STREAM": "0", "RESULT_SOURCE_ID": None, "AUTOCOMPLETE_RULE": "0",
    }


def test_readback_example_passes():
    assert errors_for("activity-readback.json", readback()) == []
    body = readback()
    body["SETTINGS"] = {"DISABLE_SENDING_MESSAGE_COPY": "Y"}
    body["COMMUNICATIONS"] = [{"ID": "23", "TYPE": "PHONE", "VALUE": "+18005551234", "ENTITY_ID": "134",
                               "ENTITY_TYPE_ID": "3", "ENTITY_SETTINGS": {"NAME": "Jo"}}]
    assert errors_for("activity-readback.json", body) == []


@pytest.mark.parametrize("key,value", [
    ("ID", "abc"), ("ID", 0), ("OWNER_ID", "-102"), ("TYPE_ID", "9"), ("TYPE_ID", 9), ("COMPLETED", "no"),
    ("CREATED", "2024-04-03 10:26:32"), ("SETTINGS", ["x"]), ("PROVIDER_PARAMS", "x"), ("RESULT_SUM", "1.5x"),
    ("START_TIME", "")])
def test_readback_mutations_are_rejected(key, value):
    body = readback()
    body[key] = value
    assert errors_for("activity-readback.json", body)


@pytest.mark.parametrize("key,value", [("ID", 999), ("OWNER_ID", 102), ("TYPE_ID", 2), ("PRIORITY", 3), ("RESULT_SUM", 1.5)])
def test_readback_numbers_may_be_json_numbers(key, value):
    # AMB-NUMBERS-AS-STRINGS b: the schema every mode shares takes them; only the strict read-back check refuses.
    body = readback()
    body[key] = value
    assert errors_for("activity-readback.json", body) == []


@pytest.mark.parametrize("key", ["ID", "SUBJECT", "COMPLETED", "SETTINGS"])
def test_readback_misses_a_key(key):
    body = readback()
    del body[key]
    assert errors_for("activity-readback.json", body)


def test_list_items_need_only_the_selected_keys():
    validator = validator_for("activity-readback.json")
    selection = validator.evolve(schema={"$ref": "activity-readback.json#/$defs/selection"})
    assert list(selection.iter_errors({"ID": "1", "SUBJECT": "x"})) == []
    assert list(selection.iter_errors({"ID": "one"}))


@pytest.mark.parametrize("item", [
    {"ID": "23", "TYPE": "PHONE", "VALUE": "x", "ENTITY_ID": "fifteen", "ENTITY_TYPE_ID": "3"},
    {"ID": "23", "TYPE": "FAX", "VALUE": "x", "ENTITY_ID": "15", "ENTITY_TYPE_ID": "3"},
    {"ID": "23", "VALUE": "x", "ENTITY_ID": "15", "ENTITY_TYPE_ID": "3"},
])
def test_communication_readback_mutations_are_rejected(item):
    assert errors_for("communication-readback.json", item)


def test_meeting_communication_reads_back_with_an_empty_type():
    item = {"ID": "23", "TYPE": "", "VALUE": "x", "ENTITY_ID": "15", "ENTITY_TYPE_ID": "3"}
    assert errors_for("communication-readback.json", item) == []


# ------------------------------------------------------------------ enum lists, fields descriptor

def test_enum_lists_from_enums_yaml_pass_and_mutations_do_not():
    for enum in load_contract().enums.values():
        items = [{"SYMBOL_CODE": None, "SYMBOL_CODE_SHORT": None, **v} for v in enum.values]
        assert errors_for("enum-list.json", items) == [], enum.name
    assert errors_for("enum-list.json", [{"ID": "1", "NAME": "x", "SYMBOL_CODE": None, "SYMBOL_CODE_SHORT": None}])
    assert errors_for("enum-list.json", [{"ID": 1, "NAME": "x"}])


def test_fields_descriptor():
    descriptor = {"type": "integer", "isRequired": False, "isReadOnly": True, "isImmutable": False,
                  "isMultiple": False, "isDynamic": False, "title": "ID"}
    assert errors_for("fields-descriptor.json", {"ID": descriptor}) == []
    for key in descriptor:
        broken = {k: v for k, v in descriptor.items() if k != key}
        assert errors_for("fields-descriptor.json", {"ID": broken}), key
    assert errors_for("fields-descriptor.json", {"ID": {**descriptor, "isRequired": "N"}})
    assert errors_for("fields-descriptor.json", {})


# ------------------------------------------------------------------ enums agree with enums.yaml

def test_schema_enums_agree_with_enums_yaml():
    spec = read_spec(load_contract().root)
    assert enum_agreement_problems(spec) == []
    annotated = {node_enum for node_enum in _annotated_enums(spec.schemas)}
    # every activity enum of enums.yaml is used by the request schema and by the read-back
    assert annotated == {name for name in spec.enums if name != "ownertype"}


def test_enum_disagreement_is_found():
    spec = read_spec(load_contract().root)
    spec.enums = copy.deepcopy(spec.enums)
    spec.enums["activitytype"]["values"].append({"ID": 7, "NAME": "New"})
    problems = enum_agreement_problems(spec)
    assert any("activitytype" in p and "activity-add-fields.json" in p for p in problems)
    assert any("activity-readback.json" in p for p in problems)


def _annotated_enums(node: Any):
    if isinstance(node, dict):
        if "x-b24-enum" in node:
            yield node["x-b24-enum"]
        for value in node.values():
            yield from _annotated_enums(value)
    elif isinstance(node, list):
        for value in node:
            yield from _annotated_enums(value)


def test_no_schema_sets_an_id():
    # A bare $id would become the base of the file's $refs, which file-based tools cannot resolve.
    contract = load_contract()
    for name in contract.schema_names():
        assert "$id" not in contract.schema(name), name


@pytest.mark.parametrize("name", load_contract().schema_names())
def test_inlined_schemas_have_no_refs_and_judge_alike(name):
    from b24conform.contract.schemas import inlined

    flat = inlined(name)
    assert '"$ref"' not in __import__("json").dumps(flat)
    samples = {"add-request.json": seed_request(), "success-envelope.json": seed_success(),
               "time.json": seed_success()["time"], "batch-envelope.json": batch_body(),
               "activity-readback.json": readback()}
    if name in samples:
        from jsonschema import Draft202012Validator

        assert list(Draft202012Validator(flat).iter_errors(samples[name])) == []
        broken = {"not": "an object"}
        assert list(Draft202012Validator(flat).iter_errors(broken))
