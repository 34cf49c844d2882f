"""One method call after authentication: scope, operating budget, handler, accounting.

Shared by the HTTP shell (app.py) and batch sub-commands. Blocking (store access): app.py decides
which calls are short enough to run on the event loop (app.runs_inline).
"""
from __future__ import annotations

from typing import Any, NamedTuple

from b24conform.portal.auth import Caller
from b24conform.portal.errors import PortalError
from b24conform.portal.state import CallContext, MethodResult, PortalState


class Outcome(NamedTuple):
    method: str
    result: MethodResult | None
    error_id: str | None
    start: float
    finish: float
    operating: float = 0.0
    operating_reset_at: int = 0


def limits_on(state: PortalState) -> bool:
    return state.config.limits != "off"


def invoke(state: PortalState, caller: Caller, method: str, params: dict[str, Any], base_url: str, in_batch: bool = False) -> Outcome:
    start = state.now()
    found = state.methods.get(method)
    try:
        if found is None:
            raise PortalError("ERROR_METHOD_NOT_FOUND")
        state.check_scope(caller, method)
        if found.counts_operating and limits_on(state) and state.budget.blocked(caller.key, method, start):
            raise PortalError("OPERATION_TIME_LIMIT")
        ctx = CallContext(state, caller, base_url, in_batch)
        result, error_id = found.handler(ctx, params), None
    except PortalError as exc:
        result, error_id = None, exc.error_id
    finish = state.now()
    operating, reset_at = 0.0, int(finish)
    if found is not None and found.counts_operating:
        # Every executed call counts, failed ones too: the portal spent the time.
        spent = None if error_id == "OPERATION_TIME_LIMIT" else finish - start
        operating, reset_at = state.budget.account(caller.key, method, spent, finish)
    return Outcome(method, result, error_id, start, finish, operating, reset_at)
