"""Batch faults: the `batch` handler, wrapped.

halt_ignored drops `halt` before the faithful batch sees it. no_length_limit and nested_allowed run
the commands one by one, each through the faithful batch of that single command (so each answers as
the faithful portal would), except that a command calling batch is run rather than refused; the
five result parts are merged back. `$result[...]` references are resolved here, before each command.
length_per_command (a legitimate variant, AMB-BATCH-LENGTH b) runs the first 50 commands through the
faithful batch and answers each command past the limit with ERROR_BATCH_LENGTH_EXCEEDED in result_error.
"""
from __future__ import annotations

from typing import Any

from b24conform.portal import batch
from b24conform.portal.calls import invoke
from b24conform.portal.errors import PortalError, catalogue
from b24conform.portal.state import CallContext, MethodResult

FAULTS = frozenset({"no_length_limit", "halt_ignored", "nested_allowed", "length_per_command"})
PARTS = ("result", "result_error", "result_total", "result_next", "result_time")
Handler = Any


def _commands(params: dict[str, Any]) -> dict[str, Any]:
    cmd = params.get("cmd")
    if isinstance(cmd, list):
        return {str(i): c for i, c in enumerate(cmd)}
    if isinstance(cmd, dict):
        return {str(k): v for k, v in cmd.items()}
    return {}


def _keyed(part: Any, key: str) -> dict[str, Any]:
    """One command's part of a faithful answer as {key: value} (php_array prints key "0" as a list)."""
    if isinstance(part, dict):
        return part
    return {key: part[0]} if part else {}


def _calls_batch(command: Any) -> bool:
    return isinstance(command, str) and batch.normalise_method(command.partition("?")[0]) == "batch"


def _nested(ctx: CallContext, key: str, command: str) -> dict[str, dict[str, Any]]:

    try:
        method, params = batch.split_command(command)
    except PortalError as exc:
        return {"result_error": {key: catalogue(exc.error_id).body()}}
    outcome = invoke(ctx.state, ctx.caller, method, params, ctx.base_url, in_batch=True)
    if outcome.error_id:
        return {"result_error": {key: catalogue(outcome.error_id).body()}}
    assert outcome.result is not None
    return {"result": {key: outcome.result.result}}


def one_by_one(handler: Handler, nested: bool) -> Handler:
    def deviant(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        halt = batch.truthy(params.get("halt"))
        parts: dict[str, dict[str, Any]] = {p: {} for p in PARTS}
        for key, command in _commands(params).items():
            if isinstance(command, str):
                command = batch.substitute(command, parts["result"])
            if nested and _calls_batch(command):
                answer = _nested(ctx, key, command)
            else:
                faithful = handler(ctx, {"cmd": {key: command}}).result
                answer = {p: _keyed(faithful[p], key) for p in PARTS}
            for p in PARTS:
                parts[p].update(answer.get(p, {}))
            if halt and key in parts["result_error"]:
                break
        return MethodResult({p: batch.php_array(parts[p]) for p in PARTS})

    return deviant


def length_per_command(handler: Handler) -> Handler:
    def variant(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        commands = _commands(params)
        limit = batch.max_commands()
        if len(commands) <= limit:
            return handler(ctx, params)
        keys = list(commands)
        answer = handler(ctx, {**params, "cmd": {k: commands[k] for k in keys[:limit]}}).result
        # php_array printed keys "0".."n-1" as a list: the list index is the command's key again.
        parts = {p: dict(answer[p]) if isinstance(answer[p], dict) else {str(i): v for i, v in enumerate(answer[p] or [])}
                 for p in PARTS}
        for key in keys[limit:]:
            parts["result_error"][key] = catalogue("ERROR_BATCH_LENGTH_EXCEEDED").body()
        return MethodResult({p: batch.php_array(parts[p]) for p in PARTS})

    return variant


def ignoring_halt(handler: Handler) -> Handler:
    def deviant(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        return handler(ctx, {k: v for k, v in params.items() if k != "halt"})

    return deviant


def deviant_batch(handler: Handler, faults: frozenset[str]) -> Handler:
    if "no_length_limit" in faults or "nested_allowed" in faults:
        handler = one_by_one(handler, nested="nested_allowed" in faults)
    if "halt_ignored" in faults:
        handler = ignoring_halt(handler)
    if "length_per_command" in faults:
        handler = length_per_command(handler)
    return handler
