"""Every $ref of the contract is resolved by `referencing` (contract/schemas.py's registry): openapi.yaml's
own ("#/components/...") and its schema files' ("schemas/<file>"), and the files' ("time.json", "#/$defs/...")."""
from __future__ import annotations

import pytest
from referencing.exceptions import Unresolvable

from b24conform.contract import load_contract
from b24conform.contract.docs import type_label
from b24conform.contract.schemas import file_resolver, openapi_resolver
from b24conform.judge.negative_cases import request_schema

CONTRACT = load_contract()
POSTS = [path for path, item in CONTRACT.openapi["paths"].items() if "post" in item]


def _body_schema(path: str) -> dict:
    body = CONTRACT.openapi["paths"][path]["post"].get("requestBody") or {}
    if "$ref" in body:
        name = body["$ref"].split("/")[-1]
        body = CONTRACT.openapi["components"]["requestBodies"][name]
    return ((body.get("content") or {}).get("application/json") or {}).get("schema") or {}


@pytest.mark.parametrize("path", POSTS)
def test_request_schema_is_the_document_the_operation_names(path):
    schema, found = _body_schema(path), request_schema(CONTRACT, path)
    ref = schema.get("$ref", "")
    if ref.startswith("schemas/"):
        assert found == CONTRACT.schema(ref.removeprefix("schemas/"))
    elif ref.startswith("#/components/schemas/"):
        assert found == CONTRACT.openapi["components"]["schemas"][ref.split("/")[-1]]
    else:
        assert found == schema


def test_refs_resolve_relative_to_the_document_they_are_written_in():
    assert openapi_resolver(CONTRACT).lookup("schemas/time.json").contents == CONTRACT.schema("time.json")
    inner = openapi_resolver(CONTRACT).lookup("schemas/activity-add-fields.json")
    assert inner.resolver.lookup("#/$defs/positiveId").contents == CONTRACT.schema("activity-add-fields.json")["$defs"]["positiveId"]
    assert file_resolver("activity-add-fields.json", CONTRACT).lookup("time.json").contents == CONTRACT.schema("time.json")
    with pytest.raises(Unresolvable):
        file_resolver("activity-add-fields.json", CONTRACT).lookup("#/$defs/noSuchDefinition")


def test_the_docs_describe_a_local_definition_in_place_and_name_another_file():
    assert type_label({"$ref": "#/$defs/positiveId"}, "activity-add-fields.json", CONTRACT) == "integer >= 1"
    assert type_label({"$ref": "time.json"}, "activity-add-fields.json", CONTRACT) == "see time.json"
    assert type_label({"$ref": "#/$defs/noSuchDefinition"}, "activity-add-fields.json", CONTRACT) == \
        "see #/$defs/noSuchDefinition"
