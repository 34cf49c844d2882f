"""crm.activity.fields and crm.activity.communication.fields: the descriptor tables of spec/fields.yaml.

The tables are data in the spec (the fields pages' example responses), so the portal and the checks
read one copy and `spec drift` compares that copy with the docs.
"""
from __future__ import annotations

from typing import Any, Callable

from b24conform.contract import load_contract
from b24conform.portal.state import CallContext, MethodResult


def _descriptors(table: str) -> dict[str, Any]:
    return load_contract().field_descriptors(table)


def _handler(table: str) -> Callable[[CallContext, dict[str, Any]], MethodResult]:
    def handler(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        return MethodResult(_descriptors(table))

    return handler


def handlers() -> dict[str, Callable[[CallContext, dict[str, Any]], MethodResult]]:
    """Method name (each table's `method` in spec/fields.yaml) -> its handler."""
    fields = load_contract().fields
    return {fields[table]["method"].lower(): _handler(table) for table in ("activity", "communication")}
