"""Read-back faults: what get and list print, altered after the faithful handler answered.

Not a store wrapper: the altered value is the printed one (a JSON integer where the portal prints a
string, a time in another offset), which the store's rows cannot express.
"""
from __future__ import annotations

from typing import Any, Callable

from b24conform.portal.state import CallContext, MethodResult

Handler = Any

FAULTS = frozenset({"alter_field", "wrong_total", "list_ignores_select"})  # kind `store`, but read-back


Change = Callable[[Any], Any]


def constant(value: Any) -> Change:
    return lambda read: value


def as_integer() -> Change:
    """A decimal string read back as the JSON integer it spells (anything else as printed)."""
    return lambda read: int(read) if isinstance(read, str) and read.isascii() and read.lstrip("-").isdigit() else read


def appending(suffix: str) -> Change:
    """Stored text read back with something added: still *contains* what was sent."""
    return lambda read: f"{read}{suffix}" if isinstance(read, str) else read


def _alter(item: Any, values: dict[str, Change]) -> Any:
    if isinstance(item, dict):
        return {k: (values[k](v) if k in values else v) for k, v in item.items()}
    return item


def altering(handler: Handler, values: dict[str, Change]) -> Handler:
    """get/list whose items read the given fields back changed (fields they print)."""

    def deviant(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        out = handler(ctx, params)
        result = [_alter(i, values) for i in out.result] if isinstance(out.result, list) else _alter(out.result, values)
        return out._replace(result=result)

    return deviant


def ignoring_select(handler: Handler) -> Handler:
    """list that answers every field, COMMUNICATIONS and FILES included, whatever `select` names."""

    def deviant(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        return handler(ctx, {**params, "select": ["*", "COMMUNICATIONS", "FILES"]})

    return deviant


def miscounting(handler: Handler, delta: int) -> Handler:
    """list whose `total` is off by `delta`."""

    def deviant(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        out = handler(ctx, params)
        return out if out.total is None else out._replace(total=out.total + delta)

    return deviant
