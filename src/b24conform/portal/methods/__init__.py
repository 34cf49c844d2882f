"""The REST methods the portal serves, by lower-case name."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from b24conform.contract import load_contract
from b24conform.portal.state import CallContext, MethodResult

Handler = Callable[[CallContext, dict[str, Any]], MethodResult]


@dataclass(frozen=True)
class Method:
    name: str
    handler: Handler
    batch_allowed: bool = True
    counts_operating: bool = True  # the outer batch is not counted (limits.md)


def _handler(name: str, entity: str | None, by_name: dict[str, Handler],
             by_entity: dict[str, dict[str, Handler]]) -> Handler:
    handler = by_name.get(name) or by_entity.get(entity or "", {}).get(name.rsplit(".", 1)[-1])
    if handler is None:
        raise LookupError(f"spec/methods.yaml lists {name}, which the portal has no handler for")
    return handler


@lru_cache(maxsize=1)
def registry() -> dict[str, Method]:
    """Every method of spec/methods.yaml but the probe: crm.enum.* and the fields methods by the names
    enums.yaml and fields.yaml give them, the others by entity and the last part of their name."""
    from b24conform.portal import batch
    from b24conform.portal.methods import activity, crm_items, enums, fields, users

    by_name = {**enums.handlers(), **fields.handlers()}
    by_entity = {"activity": activity.OPERATIONS, "user": users.OPERATIONS, **crm_items.operations()}
    methods = {}
    for name, entry in load_contract().methods.items():
        if entry.probe:
            continue
        if entry.effect == "batch":
            methods[name] = Method(name, batch.batch, batch_allowed=False, counts_operating=False)
        else:
            methods[name] = Method(name, _handler(name, entry.entity, by_name, by_entity))
    return methods
