"""The REST method handlers; assembly.registry() names them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from b24conform.portal.state import CallContext, MethodResult

Handler = Callable[[CallContext, dict[str, Any]], MethodResult]


@dataclass(frozen=True)
class Method:
    name: str
    handler: Handler
    batch_allowed: bool = True
    counts_operating: bool = True  # the outer batch is not counted (limits.md)
