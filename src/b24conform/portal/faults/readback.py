"""Read-back faults: what get and list print, altered after the faithful handler answered.

Not a store wrapper: the altered value is the printed one (a JSON integer where the portal prints a
string, a time in another offset), which the store's rows cannot express.
"""
from __future__ import annotations

from typing import Any, Callable

from b24conform.portal.listing import split_key
from b24conform.portal.state import CallContext, MethodResult

Handler = Any

# kind `store`, but read-back: the layers wrap get and list, not the store
FAULTS = frozenset({"alter_field", "wrong_total", "list_ignores_select", "list_ignores_order", "list_ignores_start",
                    "list_ignores_filter", "alter_listed_field", "list_keeps_deleted"})


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


def ignoring_order(handler: Handler) -> Handler:
    """list that sorts as it does by default, whatever `order` asks for."""

    def deviant(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        return handler(ctx, {k: v for k, v in params.items() if k != "order"})

    return deviant


def _start(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def ignoring_start(handler: Handler) -> Handler:
    """list that answers the first page for every positive `start` (start=-1 still skips the count)."""

    def deviant(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        return handler(ctx, {**params, "start": 0} if _start(params.get("start")) > 0 else params)

    return deviant


def ignoring_filter_key(handler: Handler, field: str) -> Handler:
    """list that drops every condition on `field` (with any prefix) from its filter, as portals drop a
    field they do not know."""
    def deviant(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        flt = params.get("filter")
        if isinstance(flt, dict):
            params = {**params, "filter": {k: v for k, v in flt.items() if split_key(str(k))[1] != field.upper()}}
        return handler(ctx, params)

    return deviant


def keeping_deleted(list_handler: Handler) -> tuple[Handler, Callable[[Handler], Handler]]:
    """A list that still answers a deleted activity when filtered by its ID (a stale index), as get
    and delete say it is gone: (the delete layer that remembers the row first, the list layer)."""
    kept: dict[str, Any] = {}

    def delete_layer(handler: Handler) -> Handler:
        def deviant(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
            key = str(params.get("id"))
            before = list_handler(ctx, {"filter": {"ID": params.get("id")}, "select": ["*", "COMMUNICATIONS"]})
            out = handler(ctx, params)
            if out.result is True and isinstance(before.result, list) and before.result:
                kept[key] = before.result[0]
            return out
        return deviant

    def list_layer(handler: Handler) -> Handler:
        def deviant(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
            out = handler(ctx, params)
            flt = params.get("filter") if isinstance(params.get("filter"), dict) else {}
            row = kept.get(str(flt.get("ID")))
            if row is None or not isinstance(out.result, list) or out.result:
                return out
            return out._replace(result=[row], total=1)
        return deviant

    return delete_layer, list_layer


# Store faults of this module beyond alter_field / wrong_total / list_ignores_select (wired in
# portal/assembly.py): each names the method it wraps and the layer.
LIST_FAULTS = FAULTS - {"alter_field", "wrong_total", "list_ignores_select"}


def readback_layers(store_ops: Any, methods: Any = None) -> list[tuple[str, Callable[[Handler], Handler]]]:
    """(method, layer) for every fault of LIST_FAULTS among a profile's store operations (`methods`:
    the portal's method table, for a layer that calls another method's handler)."""
    layers: list[tuple[str, Callable[[Handler], Handler]]] = []
    for op in store_ops:
        if op.fault == "list_keeps_deleted" and methods is not None:
            delete_layer, list_layer = keeping_deleted(methods["crm.activity.list"].handler)
            layers += [("crm.activity.delete", delete_layer), ("crm.activity.list", list_layer)]
        elif op.fault == "list_ignores_order":
            layers.append(("crm.activity.list", ignoring_order))
        elif op.fault == "list_ignores_start":
            layers.append(("crm.activity.list", ignoring_start))
        elif op.fault == "list_ignores_filter":
            field = str(op.params["field"])
            layers.append(("crm.activity.list", lambda h, field=field: ignoring_filter_key(h, field)))
        elif op.fault == "alter_listed_field":
            change = appending(str(op.params["append"])) if "append" in op.params else constant(op.params.get("value"))
            values = {str(op.params["field"]): change}
            layers.append(("crm.activity.list", lambda h, values=values: altering(h, values)))
    return layers
