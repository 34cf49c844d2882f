"""crm.activity.fields and the crm.enum.* methods (FLD-001, ENUM-001)."""
from __future__ import annotations

import pytest
from ._support import call_no_input, judge

from b24conform.contract import load_contract
from b24conform.contract.schemas import errors_for
from b24conform.judge.checks.envelope import check_success
from b24conform.verdict.problems import Problem

CONTRACT = load_contract()


@pytest.mark.b24conform_clause("FLD-001")
def test_fields_describes_every_add_field(b24_target, b24_contract, b24_mode, b24_evidence):
    reply = call_no_input(b24_target, "crm.activity.fields")
    problems = check_success(reply, b24_contract, b24_mode)
    result = (reply.json or {}).get("result") if isinstance(reply.json, dict) else None
    problems += [Problem("schema-violation", "fields-descriptor.json", actual=e)
                 for e in errors_for("fields-descriptor.json", result, b24_contract)]
    # Every add input (and COMPLETED) of the request schema must be described: one list, in spec/.
    wanted = b24_contract.schema("activity-add-fields.json")["properties"]
    if isinstance(result, dict):
        problems += [Problem("descriptor-missing", name) for name in wanted if name not in result]
    judge(b24_evidence, reply, problems, "crm.activity.fields")


# ENUM-001 names the six activity enumerations; crm.enum.ownertype holds portal-specific smart-process ids.
ACTIVITY_ENUMS = sorted(n for n, e in CONTRACT.enums.items() if e.method.startswith("crm.enum.") and n != "ownertype")


@pytest.mark.b24conform_clause("ENUM-001")
@pytest.mark.parametrize("name", ACTIVITY_ENUMS)
def test_enum_ids(b24_target, b24_contract, b24_mode, b24_evidence, name):
    enum = b24_contract.enums[name]
    reply = call_no_input(b24_target, enum.method)
    problems = check_success(reply, b24_contract, b24_mode)
    result = reply.json.get("result") if isinstance(reply.json, dict) else None
    problems += [Problem("schema-violation", "enum-list.json", actual=e, context=enum.method)
                 for e in errors_for("enum-list.json", result, b24_contract)]
    if isinstance(result, list):
        got = {item.get("ID") for item in result if isinstance(item, dict)}
        if got != set(enum.ids()):
            problems.append(Problem("enum-values", enum.method, expected=sorted(enum.ids()), actual=sorted(got, key=str)))
    judge(b24_evidence, reply, problems, enum.method)
