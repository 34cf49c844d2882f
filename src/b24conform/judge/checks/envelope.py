"""Checks of the success envelope (clauses ENV-001, ENV-002, ENV-007 and, through time_block, ENV-003..006)."""
from __future__ import annotations

from typing import Any

from b24conform.judge.checks._common import (
    AnyReply, Contract, accepts, header, is_decimal_string, is_int, json_of, short, status_of, via_batch,
)
from b24conform.judge.checks.time_block import check_time_block
from b24conform.verdict.problems import Problem


def check_status_and_content_type(reply: AnyReply, contract: Contract | None = None, mode: str | None = None, *,
                                  status: int = 200) -> list[Problem]:
    """ENV-001: the expected HTTP status and a JSON content type (a batch command's answer: JSON only).
    No ambiguity bears on it: contract and mode only complete the checks' common signature."""
    problems = []
    if via_batch(reply):
        return [] if json_of(reply) is not None else [Problem("body-not-json", "body", actual=short(getattr(reply, "text", None), 80))]
    got = status_of(reply)
    if got != status:
        problems.append(Problem("http-status", "HTTP status", expected=status, actual=got))
    ctype = (header(reply, "content-type") or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        problems.append(Problem("content-type", "Content-Type", expected="application/json", actual=ctype or None))
    if json_of(reply) is None:
        problems.append(Problem("body-not-json", "body", actual=short(getattr(reply, "text", None), 80)))
    return problems


def check_no_error_keys(reply: AnyReply, contract: Contract | None = None, mode: str | None = None) -> list[Problem]:
    """ENV-007 (success side): a success envelope has `result` and no `error`/`error_description`
    (contract and mode unread, as in check_status_and_content_type)."""
    body = json_of(reply)
    if not isinstance(body, dict):
        return [Problem("body-not-object", "body", actual=body)]
    problems = []
    if "result" not in body:
        problems.append(Problem("success-without-result", "result"))
    for key in ("error", "error_description"):
        if key in body:
            problems.append(Problem("success-with-error-key", key, actual=body[key]))
    return problems


def check_result_id(reply: AnyReply, contract: Contract, mode: str) -> list[Problem]:
    """ENV-002: `result` is the new id, a positive integer (a numeric string only in lenient mode, AMB-RESULT-TYPE)."""
    body = json_of(reply)
    if not isinstance(body, dict) or "result" not in body:
        return [Problem("success-without-result", "result")]
    result = body["result"]
    if is_int(result):
        return [] if result > 0 else [Problem("result-not-id", "result", actual=result)]
    if is_decimal_string(result) and int(result) > 0:
        if accepts(contract, "AMB-RESULT-TYPE", "b", mode):
            return []
        return [Problem("result-numeric-string", "result", actual=result, ambiguity="AMB-RESULT-TYPE", mode=mode)]
    return [Problem("result-not-id", "result", actual=result)]


def check_result_true(reply: AnyReply, contract: Contract, mode: str) -> list[Problem]:
    """update/delete: `result` is JSON true."""
    body = json_of(reply)
    if not isinstance(body, dict) or body.get("result") is not True:
        return [Problem("result-not-true", "result", expected=True, actual=body.get("result") if isinstance(body, dict) else body)]
    return []


def check_success(reply: AnyReply, contract: Contract, mode: str) -> list[Problem]:
    """Any successful call: 200 JSON, `result` without error keys, a conformant time block."""
    problems = check_status_and_content_type(reply)
    body = json_of(reply)
    if not isinstance(body, dict):
        return problems or [Problem("body-not-object", "body", actual=body)]
    problems += check_no_error_keys(reply)
    if via_batch(reply):
        return problems  # result_time is the batch's account, not a `time` block of the command's
    if "time" not in body:
        problems.append(Problem("time-missing", "envelope"))
    else:
        problems += check_time_block(body["time"], contract, mode)
    return problems


def check_add_success(reply: AnyReply, contract: Contract, mode: str) -> list[Problem]:
    """A successful crm.activity.add: ENV-001..ENV-007."""
    return check_success(reply, contract, mode) + check_result_id(reply, contract, mode)


def new_id(reply: AnyReply) -> int | None:
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
