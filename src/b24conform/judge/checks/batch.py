"""Checks of batch replies (clauses BATCH-001..BATCH-005), settings/how-to-call-rest-api/batch.md."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from b24conform.contract import load_contract
from b24conform.judge.checks._common import AnyReply, Contract, accepts, is_decimal_string, is_int, json_of, status_of
from b24conform.judge.checks.envelope import check_status_and_content_type
from b24conform.judge.checks.errors import check_code, check_error, check_message, target_kind_of
from b24conform.judge.checks.time_block import check_time_block
from b24conform.verdict.problems import Problem

PARTS = ("result", "result_error", "result_total", "result_next", "result_time")
MAX_COMMANDS = load_contract().limits.batch_max_commands


def _part(inner: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A part of result as a map (None when it is absent or no map); empty parts serialize as [] (PHP
    arrays), which counts as an empty map."""
    value = inner.get(name)
    if value == []:
        return {}
    if isinstance(value, list):
        # A list-keyed cmd (cmd given as an array) comes back as a JSON list indexed by position.
        return {str(i): v for i, v in enumerate(value)}
    return value if isinstance(value, dict) else None


def _cmd(key: str) -> str:
    return f"batch command {key!r}"


def check_batch_envelope(reply: AnyReply, contract: Contract, mode: str) -> list[Problem]:
    """200 JSON with result.{result, result_error, ...} maps and a time block."""
    problems = check_status_and_content_type(reply)
    body = json_of(reply)
    if not isinstance(body, dict) or not isinstance(body.get("result"), dict):
        return problems + [Problem("batch-result-not-object", "result",
                                   actual=body.get("result") if isinstance(body, dict) else body)]
    inner = body["result"]
    for name in ("result", "result_error"):
        if name not in inner:
            problems.append(Problem("batch-part-missing", name))
    for name in PARTS:
        if name in inner and _part(inner, name) is None:
            problems.append(Problem("batch-part-type", name, actual=inner[name]))
    if "time" in body:
        # The batch page's examples give the outer `time` the six timing keys only: the operating keys
        # are not demanded of a batch (AMB-TIME-KEYS reading b is what that page documents).
        problems += [p for p in check_time_block(body["time"], contract, mode)
                     if not (p.kind == "time-keys-missing" and p.ambiguity == "AMB-TIME-KEYS")]
    else:
        problems.append(Problem("time-missing", "batch"))
    return problems


def check_batch_outcome(
    reply: AnyReply,
    contract: Contract,
    mode: str,
    *,
    ok: Iterable[str] = (),
    failed: Mapping[str, str] | None = None,
    not_run: Iterable[str] = (),
) -> list[Problem]:
    """Each key in `ok` holds a new id in result.result; each key of `failed` holds its catalogue error
    (code and message) in result_error; keys in `not_run` appear in neither (halt)."""
    problems = check_batch_envelope(reply, contract, mode)
    body = json_of(reply)
    if not isinstance(body, dict) or not isinstance(body.get("result"), dict):
        return problems
    results = _part(body["result"], "result") or {}
    errors = _part(body["result"], "result_error") or {}
    ints_ok = accepts(contract, "AMB-RESULT-TYPE", "b", mode)
    for key in ok:
        if key not in results:
            problems.append(Problem("batch-command-no-result", "result.result", actual=errors.get(key), context=_cmd(key)))
            continue
        value = results[key]
        if not ((is_int(value) and value > 0) or (ints_ok and is_decimal_string(value) and int(value) > 0)):
            problems.append(Problem("result-not-id", "result", actual=value, context=_cmd(key)))
        if key in errors:
            problems.append(Problem("batch-command-both", "result.result_error", actual=errors[key], context=_cmd(key)))
    for key, error_id in (failed or {}).items():
        if key not in errors:
            problems.append(Problem("batch-command-no-error", "result.result_error", actual=results.get(key),
                                    context=_cmd(key)))
            continue
        problems += [p.within(_cmd(key)) for p in check_code(errors[key], contract, mode, error_id)]
        # An item of result_error is a bare dict: its wording is judged by the target the batch came from.
        problems += [p.within(_cmd(key)) for p in check_message(errors[key], contract, mode, error_id,
                                                                target_kind=target_kind_of(reply))]
        if key in results and results[key] not in (None, False):
            problems.append(Problem("batch-command-both", "result.result", actual=results[key], context=_cmd(key)))
    for key in not_run:
        if key in results or key in errors:
            problems.append(Problem("batch-ran-after-halt", "result", actual={"result": results.get(key), "error": errors.get(key)},
                                    context=_cmd(key)))
    return problems


def check_batch_length(reply: AnyReply, contract: Contract, mode: str, *, keys: Iterable[str]) -> list[Problem]:
    """BATCH-002: more than 50 commands: refused as a whole (strict, AMB-BATCH-LENGTH a), or the first
    50 run and the rest fail with ERROR_BATCH_LENGTH_EXCEEDED in result_error (lenient, reading b)."""
    keys = list(keys)
    whole = check_error(reply, contract, mode, "ERROR_BATCH_LENGTH_EXCEEDED")
    if not whole:
        return []
    if status_of(reply) == 200 and accepts(contract, "AMB-BATCH-LENGTH", "b", mode):
        over = {k: "ERROR_BATCH_LENGTH_EXCEEDED" for k in keys[MAX_COMMANDS:]}
        partial = check_batch_outcome(reply, contract, mode, failed=over)
        if not partial:
            return []
    return whole


def check_batch_command_parts(reply: AnyReply, contract: Contract, mode: str, *, lists: Iterable[str] = (),
                              others: Iterable[str] = (), page_size: int | None = None) -> list[Problem]:
    """BATCH-006, the per-command parts of batch.md ("Объект result"): every command that ran has a
    result_time entry of the six timing keys; every list command (`lists`, sent with start 0) its
    result_total, the count its page agrees with, and a result_next of the next start exactly while more
    items follow; a command that is no list (`others`) neither."""
    page_size = page_size or contract.limits.page_size
    problems = check_batch_envelope(reply, contract, mode)
    body = json_of(reply)
    if not isinstance(body, dict) or not isinstance(body.get("result"), dict):
        return problems
    inner = body["result"]
    results, errors = _part(inner, "result") or {}, _part(inner, "result_error") or {}
    totals, nexts, times = (_part(inner, name) or {} for name in ("result_total", "result_next", "result_time"))
    lists, others = list(lists), list(others)
    for key in lists + others:
        if key not in results:
            problems.append(Problem("batch-command-no-result", "result.result", actual=errors.get(key), context=_cmd(key)))
            continue
        block = times.get(key)
        if not isinstance(block, dict):
            problems.append(Problem("batch-command-time", "result.result_time", actual=block, context=_cmd(key)))
        else:
            # The batch page's result_time entries carry the six timing keys: operating is not demanded.
            problems += [p.within(_cmd(key)) for p in check_time_block(block, contract, mode)
                         if not (p.kind == "time-keys-missing" and p.ambiguity == "AMB-TIME-KEYS")]
    for key in lists:
        if key not in results:
            continue
        items = results[key] if isinstance(results[key], list) else []
        total = totals.get(key)
        if not is_int(total) or total < len(items):
            problems.append(Problem("batch-command-total", "result.result_total", expects=f"a count of at least {len(items)}",
                                    actual=total, context=_cmd(key)))
            continue
        more = len(items) < total  # else total == len(items): the page holds every item
        want_next = len(items) if more else None
        if more and len(items) != page_size:
            problems.append(Problem("batch-command-total", "result.result_total", expected=len(items), actual=total,
                                    context=f"{_cmd(key)}: a page of {len(items)} items, less than {page_size}"))
        if nexts.get(key) != want_next:
            problems.append(Problem("batch-command-next", "result.result_next", expected=want_next, actual=nexts.get(key),
                                    context=f"{_cmd(key)}: total {total}"))
    for key in others:
        for name, part in (("result_total", totals), ("result_next", nexts)):
            if key in part:
                problems.append(Problem("batch-command-total" if name == "result_total" else "batch-command-next",
                                        f"result.{name}", expected=None, actual=part[key], context=f"{_cmd(key)}: not a list"))
    return problems
