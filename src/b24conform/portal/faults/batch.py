"""Batch faults: the `batch` handler, wrapped.

halt_ignored drops `halt` before the faithful batch sees it. no_length_limit and nested_allowed run
the commands one by one, each through the faithful batch's own step for one command (so each answers
as the faithful portal would, its references resolved against the answer so far), except that a command
calling batch is run (its references resolved the same way) rather than refused.
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


def _calls_batch(command: Any) -> bool:
    return isinstance(command, str) and batch.normalise_method(command.partition("?")[0]) == "batch"


def _nested(ctx: CallContext, key: str, command: str, answer: batch.Answer) -> bool:

    try:
        method, params = batch.split_command(command)
    except PortalError as exc:
        answer["error"][key] = catalogue(exc.error_id).body()
        return True
    outcome = invoke(ctx.state, ctx.caller, method, batch.resolve(params, answer), ctx.base_url, in_batch=True)
    if outcome.error_id:
        answer["error"][key] = catalogue(outcome.error_id).body()
        return True
    assert outcome.result is not None
    answer["result"][key] = outcome.result.result
    return False


def one_by_one(nested: bool) -> Handler:
    def deviant(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        halt = batch.truthy(params.get("halt"))
        answer = batch.new_answer()
        for key, command in batch.commands_of(params).items():
            if nested and _calls_batch(command):
                failed = _nested(ctx, key, command, answer)
            else:
                failed = batch.run_command(ctx, key, command, answer)
            if halt and failed:
                break
        return MethodResult(batch.answer_body(answer))

    return deviant


def length_per_command(handler: Handler) -> Handler:
    def variant(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
        commands = batch.commands_of(params)
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
        handler = one_by_one(nested="nested_allowed" in faults)
    if "halt_ignored" in faults:
        handler = ignoring_halt(handler)
    if "length_per_command" in faults:
        handler = length_per_command(handler)
    return handler
