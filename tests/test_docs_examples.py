"""The docs' own examples (tests/data/docs_examples.json, taken from the pinned snapshot):

- every example response of the add, get, list, update, delete, fields and batch pages has the shape
  the spec's response schemas give it (drift.SHAPES);
- the reference portal, sent each page's example request, answers with the keys and JSON types of the
  page's example response, except where spec/ambiguities.yaml records the difference.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from b24conform.contract import load_contract
from b24conform.contract.drift import SHAPES
from b24conform.contract.schemas import registry_for
from b24conform.portal.testing import in_process_portal

CONTRACT = load_contract()
DATA = json.loads((Path(__file__).parent / "data" / "docs_examples.json").read_text(encoding="utf-8"))
EXAMPLES = DATA["examples"]
ANSWERED = [e for e in EXAMPLES if e["request"] is not None]

# Where the portal's answer may differ from a page's example, and the ambiguity that records why:
# (method, path in the answer, what differs) -> ambiguity id. A path is keys joined by "/", list items "[]".
RECORDED = {
    ("crm.activity.get", "result", "extra ORIGIN_VERSION"): "AMB-GET-KEYS",
    ("crm.activity.get", "result", "extra IS_INCOMING_CHANNEL"): "AMB-GET-KEYS",
    ("crm.activity.get", "result", "extra COMMUNICATIONS"): "AMB-GET-KEYS",
    ("crm.activity.get", "result", "extra FILES"): "AMB-GET-KEYS",
    ("crm.activity.list", "result/[]", "extra ORIGIN_VERSION"): "AMB-GET-KEYS",
    ("crm.activity.list", "result/[]", "extra IS_INCOMING_CHANNEL"): "AMB-GET-KEYS",
    # The list page's request selects COMMUNICATIONS; its example answer leaves them out.
    ("crm.activity.list", "result/[]", "extra COMMUNICATIONS"): "AMB-GET-KEYS",
    # The fields page's table lists ORIGIN_VERSION; its example answer leaves it out.
    ("crm.activity.fields", "result", "extra ORIGIN_VERSION"): "AMB-GET-KEYS",
    ("crm.activity.list", "time", "extra operating_reset_at"): "AMB-TIME-KEYS",
    ("crm.activity.list", "time", "extra operating"): "AMB-TIME-KEYS",
    ("crm.activity.list", "time/operating_reset_at", "type"): "AMB-OPERATING-RESET-TYPE",
    ("batch", "time", "extra operating_reset_at"): "AMB-TIME-KEYS",
    ("batch", "time", "extra operating"): "AMB-TIME-KEYS",
}
# Keys whose presence depends on the data, by the pages' own rules: `next` only when a next page exists.
CONDITIONAL = {"next"}
# Examples that show only some keys of each item (the page elides the rest): only their keys are compared.
ABRIDGED = {("crm.activity.list", "Получение COMMUNICATIONS"), ("crm.activity.list", "Получение вложений")}
# batch answers what its commands answer; the example's commands are other methods (user.current,
# department.get, app.info), so only the envelope's own levels are compared.
DEPTH = {"batch": 2}


def test_the_examples_come_from_the_pinned_snapshot():
    assert DATA["commit"] == CONTRACT.provenance.commit
    assert {e["page"] for e in EXAMPLES} <= set(CONTRACT.provenance.pages)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e['method']}-{e['heading']}-{e['n']}")
def test_example_response_fits_the_spec_schemas(example):
    validator = Draft202012Validator(SHAPES[example["shape"]], registry=registry_for(CONTRACT))
    problems = sorted(f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message}"
                      for e in validator.iter_errors(example["response"]))
    assert problems == []


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def differences(docs: Any, portal: Any, path: str = "", depth: int = 99, abridged: bool = False) -> list[tuple[str, str]]:
    """(path, what differs) between two JSON values: keys and JSON types. null on either side matches
    any type (the pages print null for unset values); [] and {} both stand for an empty PHP array."""
    if docs is None or portal is None or depth == 0:
        return []
    kinds = {json_type(docs), json_type(portal)}
    if kinds == {"array", "object"} and not docs or kinds == {"array", "object"} and not portal:
        return []
    if json_type(docs) != json_type(portal):
        return [(path, "type")]
    found: list[tuple[str, str]] = []
    if isinstance(docs, dict):
        for key in docs:
            if key in portal:
                found += differences(docs[key], portal[key], f"{path}/{key}".lstrip("/"), depth - 1, abridged)
            elif key not in CONDITIONAL:
                found.append((path, f"missing {key}"))
        if not abridged:
            found += [(path, f"extra {key}") for key in portal if key not in docs and key not in CONDITIONAL]
    elif isinstance(docs, list) and docs and portal:
        found += differences(docs[0], portal[0], f"{path}/[]".lstrip("/"), depth - 1, abridged)
    return found


@pytest.fixture(scope="module")
def portal():
    with in_process_portal() as client:
        yield client


def _new_activity(portal) -> int:
    add = next(e for e in ANSWERED if e["method"] == "crm.activity.add")
    return portal.post(portal.hook + "crm.activity.add", json=add["request"]).json()["result"]


def _localise(example: dict[str, Any], activity_id: int) -> dict[str, Any]:
    """The page's request aimed at an activity of this portal: the example's id 999 or its filter by an
    id (or by an owner this portal does not have) becomes the new activity's id."""
    request = copy.deepcopy(example["request"])
    if "id" in request:
        request["id"] = activity_id
    if "filter" in request:
        request["filter"] = {"ID": activity_id}
    return request


@pytest.mark.parametrize("example", ANSWERED, ids=lambda e: f"{e['method']}-{e['heading']}")
def test_portal_answers_the_example_request_in_the_example_shape(portal, example):
    activity_id = _new_activity(portal)
    method = example["method"]
    reply = portal.post(portal.hook + method, json=_localise(example, activity_id))
    assert reply.status_code == 200, reply.text
    found = differences(example["response"], reply.json(), depth=DEPTH.get(method, 99),
                        abridged=(method, example["heading"]) in ABRIDGED)
    unrecorded = [(path, what) for path, what in found if (method, path, what) not in RECORDED]
    assert unrecorded == [], json.dumps(reply.json(), ensure_ascii=False)[:2000]


def test_every_recorded_difference_is_an_ambiguity():
    assert set(RECORDED.values()) <= set(CONTRACT.ambiguities)


def test_the_comparison_can_fail():
    assert differences({"a": "1", "b": {"c": 1}}, {"a": 1, "b": {}, "d": None}) == [
        ("a", "type"), ("b", "missing c"), ("", "extra d")]
    assert differences({"a": [{"x": "1"}]}, {"a": [{"y": "1"}]}) == [("a/[]", "missing x"), ("a/[]", "extra y")]
