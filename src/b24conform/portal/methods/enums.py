"""crm.enum.* methods, one per enumeration of spec/enums.yaml."""
from __future__ import annotations

from typing import Any, Callable

from b24conform.contract import Enum, load_contract
from b24conform.portal.state import CallContext, MethodResult


def enum_items(enum: Enum) -> list[dict[str, Any]]:
    # Activity enums print SYMBOL_CODE / SYMBOL_CODE_SHORT as null (reference section 2).
    return [
        {
            "ID": int(v["ID"]),
            "NAME": v["NAME"],
            "SYMBOL_CODE": v.get("SYMBOL_CODE"),
            "SYMBOL_CODE_SHORT": v.get("SYMBOL_CODE_SHORT"),
        }
        for v in enum.values
    ]


def _handler(enum: Enum) -> Callable[[CallContext, dict[str, Any]], MethodResult]:
    def handler(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        return MethodResult(enum_items(enum))

    return handler


def handlers() -> dict[str, Callable[[CallContext, dict[str, Any]], MethodResult]]:
    """Method name (spec/enums.yaml) -> its handler."""
    return {enum.method.lower(): _handler(enum) for enum in load_contract().enums.values()}
