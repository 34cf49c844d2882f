"""Checks of the success envelope (clauses ENV-001, ENV-002, ENV-007 and, through time_block, ENV-003..006)."""
from __future__ import annotations

from typing import Any

from b24conform.judge.checks._common import accepts, header, is_decimal_string, is_int, json_of, short, status_of
from b24conform.judge.checks.time_block import check_time_block


def check_status_and_content_type(reply: Any, contract: Any, mode: str, *, status: int = 200) -> list[str]:
    """ENV-001: the expected HTTP status and a JSON content type."""
    problems = []
    got = status_of(reply)
    if got != status:
        problems.append(f"HTTP status {got}, expected {status}; body {short(getattr(reply, 'text', None))}")
    ctype = (header(reply, "content-type") or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        problems.append(f"Content-Type {ctype or None!r}, expected application/json")
    if json_of(reply) is None:
        problems.append("body is not JSON")
    return problems


def check_no_error_keys(reply: Any, contract: Any, mode: str) -> list[str]:
    """ENV-007 (success side): a success envelope has `result` and no `error`/`error_description`."""
    body = json_of(reply)
    if not isinstance(body, dict):
        return [f"body: expected a JSON object, got {short(body)}"]
    problems = []
    if "result" not in body:
        problems.append("success envelope without `result`")
    for key in ("error", "error_description"):
        if key in body:
            problems.append(f"success envelope carries `{key}`: {short(body[key])}")
    return problems


def check_result_id(reply: Any, contract: Any, mode: str) -> list[str]:
    """ENV-002: `result` is the new id, a positive integer (a numeric string only in lenient mode, AMB-RESULT-TYPE)."""
    body = json_of(reply)
    if not isinstance(body, dict) or "result" not in body:
        return ["no `result` to read the new id from"]
    result = body["result"]
    if is_int(result):
        return [] if result > 0 else [f"result {result} is not a positive id"]
    if is_decimal_string(result) and int(result) > 0:
        if accepts(contract, "AMB-RESULT-TYPE", "b", mode):
            return []
        return [f"result {result!r} is a numeric string; {mode} mode wants a JSON integer (AMB-RESULT-TYPE)"]
    return [f"result {short(result)} is not a positive integer id"]


def check_result_true(reply: Any, contract: Any, mode: str) -> list[str]:
    """update/delete: `result` is JSON true."""
    body = json_of(reply)
    if not isinstance(body, dict) or body.get("result") is not True:
        return [f"expected result true, got {short(body)}"]
    return []


def check_success(reply: Any, contract: Any, mode: str) -> list[str]:
    """Any successful call: 200 JSON, `result` without error keys, a conformant time block."""
    problems = check_status_and_content_type(reply, contract, mode)
    body = json_of(reply)
    if not isinstance(body, dict):
        return problems or [f"body: expected a JSON object, got {short(body)}"]
    problems += check_no_error_keys(reply, contract, mode)
    if "time" not in body:
        problems.append("success envelope without `time`")
    else:
        problems += check_time_block(body["time"], contract, mode)
    return problems


def check_add_success(reply: Any, contract: Any, mode: str) -> list[str]:
    """A successful crm.activity.add: ENV-001..ENV-007."""
    return check_success(reply, contract, mode) + check_result_id(reply, contract, mode)


def new_id(reply: Any) -> int | None:
    """The id a successful add returned, or None."""
    body = json_of(reply)
    if not isinstance(body, dict):
        return None
    result = body.get("result")
    if is_int(result) and result > 0:
        return result
    if is_decimal_string(result) and int(result) > 0:
        return int(result)
    return None
