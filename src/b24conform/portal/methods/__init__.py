"""The REST methods the portal serves, by lower-case name."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from b24conform.portal.state import CallContext, MethodResult

Handler = Callable[[CallContext, dict[str, Any]], MethodResult]


@dataclass(frozen=True)
class Method:
    name: str
    handler: Handler
    batch_allowed: bool = True
    counts_operating: bool = True  # the outer batch is not counted (limits.md)


@lru_cache(maxsize=1)
def registry() -> dict[str, Method]:
    from b24conform.portal import batch
    from b24conform.portal.methods import activity, crm_items, enums, fields, users

    methods = [
        Method("crm.activity.add", activity.add),
        Method("crm.activity.get", activity.get),
        Method("crm.activity.list", activity.list_),
        Method("crm.activity.update", activity.update),
        Method("crm.activity.delete", activity.delete),
        Method("crm.activity.fields", fields.activity_fields),
        Method("crm.activity.communication.fields", fields.communication_fields),
        Method("batch", batch.batch, batch_allowed=False, counts_operating=False),
        *enums.methods(Method),
        *crm_items.methods(Method),
        *users.methods(Method),
    ]
    return {m.name: m for m in methods}
