"""The `batch` method: up to 50 sub-calls given as "method?query" strings with PHP keys.

Sub-calls run in order with the caller's credentials; each answers into result / result_error /
result_total / result_next / result_time under its key. `$result[key][field]...` inside a command
is replaced by the value an earlier command returned. Empty parts print as [] (an empty PHP array).
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from b24conform.contract import load_contract
from b24conform.portal import wire
from b24conform.portal.calls import invoke
from b24conform.portal.envelope import Timing, time_block
from b24conform.portal.errors import PortalError, catalogue
from b24conform.portal.routing import normalise_method
from b24conform.portal.state import CallContext, MethodResult

_REF_RE = re.compile(r"\$result\[([^\]]*)\]((?:\[[^\]]*\])*)")


def max_commands() -> int:
    # The limit named by ERROR_BATCH_LENGTH_EXCEEDED's trigger (spec/limits.yaml `batch`).
    return load_contract().limits.batch_max_commands


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "y", "yes")
    return bool(value)


def php_array(mapping: dict[str, Any]) -> Any:
    """How PHP's json_encode prints an array: [] when empty, a list for keys 0..n-1, else an object."""
    if not mapping:
        return []
    keys = list(mapping)
    if keys == [str(i) for i in range(len(keys))]:
        return [mapping[k] for k in keys]
    return mapping


def _lookup(results: dict[str, Any], key: str, path: str) -> Any:
    value: Any = results.get(key)
    for part in re.findall(r"\[([^\]]*)\]", path):
        if isinstance(value, list) and part.isascii() and part.isdigit() and len(part) <= 9 and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return ""
    return value


def substitute(command: str, results: dict[str, Any]) -> str:
    """Replace $result[key][field] references with earlier results (URL-encoded scalars)."""
    def repl(match: re.Match[str]) -> str:
        value = _lookup(results, match.group(1), match.group(2))
        if isinstance(value, (dict, list)) or value is None:
            return ""
        return quote(str(value), safe="")

    return _REF_RE.sub(repl, command)


def split_command(command: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(command, str):
        raise PortalError("ERROR_METHOD_NOT_FOUND")
    name, _, query = command.partition("?")
    try:
        params = wire.parse_query(query)
    except wire.BodyError:
        raise PortalError("ERROR_BAD_BODY") from None
    return normalise_method(name), params


def batch(ctx: CallContext, params: dict[str, Any]) -> MethodResult:

    state = ctx.state
    cmd = params.get("cmd")
    if isinstance(cmd, list):
        commands = {str(i): c for i, c in enumerate(cmd)}
    elif isinstance(cmd, dict):
        commands = {str(k): v for k, v in cmd.items()}
    else:
        commands = {}
    if len(commands) > max_commands():
        raise PortalError("ERROR_BATCH_LENGTH_EXCEEDED")
    halt = truthy(params.get("halt"))
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    totals: dict[str, Any] = {}
    nexts: dict[str, Any] = {}
    times: dict[str, Any] = {}
    for key, command in commands.items():
        try:
            method, sub_params = split_command(substitute(command, results) if isinstance(command, str) else command)
            if method == "batch":
                raise PortalError("ERROR_BATCH_METHOD_NOT_ALLOWED")
        except PortalError as exc:
            # A failed command has no result_time entry: the batch page's error examples show none.
            errors[key] = catalogue(exc.error_id).body()
            if halt:
                break
            continue
        outcome = invoke(state, ctx.caller, method, sub_params, ctx.base_url, in_batch=True)
        if outcome.error_id:
            errors[key] = catalogue(outcome.error_id).body()
            if halt:
                break
            continue
        assert outcome.result is not None
        times[key] = time_block(
            Timing(outcome.start, outcome.finish, outcome.finish - outcome.start),
            state.tz,
            with_operating=False,  # result_time carries the six timing keys (batch.md)
        )
        results[key] = outcome.result.result
        if outcome.result.total is not None:
            totals[key] = outcome.result.total
        if outcome.result.next_start is not None:
            nexts[key] = outcome.result.next_start
    return MethodResult(
        {
            "result": php_array(results),
            "result_error": php_array(errors),
            "result_total": php_array(totals),
            "result_next": php_array(nexts),
            "result_time": php_array(times),
        }
    )
