"""crm.activity.fields and crm.activity.communication.fields: the descriptor tables of spec/fields.yaml.

The tables are data in the spec (the fields pages' example responses), so the portal and the checks
read one copy and `spec drift` compares that copy with the docs.
"""
from __future__ import annotations

from typing import Any

from b24conform.contract import load_contract
from b24conform.portal.state import CallContext, MethodResult


def _descriptors(table: str) -> dict[str, Any]:
    return load_contract().field_descriptors(table)


def activity_fields(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    return MethodResult(_descriptors("activity"))


def communication_fields(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    return MethodResult(_descriptors("communication"))
