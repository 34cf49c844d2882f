"""Wire faults, the pure part: an answer (status, JSON body, content type) rewritten by the
profile's `response`, `time` and `limits: wrong_status` operations, given what the request was.

The faithful answer is recognised from the outside: its error id is the catalogue entry with that
status and body (the pairs are unique), its method is the request path's.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from b24conform.contract import load_contract
from b24conform.portal.batch import php_array
from b24conform.portal.errors import catalogue
from b24conform.portal.faults.operation import Op
from b24conform.portal.routing import normalise_method


@dataclass(frozen=True)
class Request:
    method: str          # lower-case, without .json (routing.parse_path)
    suffix: str          # ".json" or "none"
    method_case: str     # "lower" or "other": the method segment as sent
    encoding: str        # json | form | multipart | none (by Content-Type)
    http_method: str     # GET, POST, ...
    credential: str      # webhook | query | body (where an OAuth token is looked for)
    text: str = ""       # query string + body as text (latin-1): what body_matches searches


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    content_type: str
    error_id: str | None
    text: str | None = None   # body_text: sent verbatim instead of the JSON body


@lru_cache(maxsize=1)
def _error_ids() -> dict[tuple[int, str, str], str]:
    out: dict[tuple[int, str, str], str] = {}
    for error_id in [*load_contract().errors, *load_contract().item_errors]:
        entry = catalogue(error_id)
        body = entry.body()
        out.setdefault((entry.http_status, str(body.get("error")), str(body.get("error_description"))), error_id)
    return out


def error_id_of(status: int, body: Any) -> str | None:
    if not isinstance(body, dict) or "error" not in body:
        return None
    return _error_ids().get((status, str(body.get("error")), str(body.get("error_description"))))


# ----------------------------------------------------------------------------- conditions


def _one_of(expected: Any, actual: str) -> bool:
    options = expected if isinstance(expected, list) else [expected]
    return "*" in options or actual in [str(o) for o in options]


def matches(when: dict[str, Any], request: Request, answer: Answer) -> bool:
    checks = {
        "method": lambda v: _one_of(v, request.method),
        "outcome": lambda v: v == ("error" if answer.error_id else "success"),
        "error": lambda v: _one_of(v, answer.error_id or ""),
        "status": lambda v: int(v) == answer.status,
        "suffix": lambda v: _one_of(v, request.suffix),
        "method_case": lambda v: _one_of(v, request.method_case),
        "encoding": lambda v: _one_of(v, request.encoding),
        "http_method": lambda v: _one_of([str(x).upper() for x in (v if isinstance(v, list) else [v])], request.http_method),
        "credential": lambda v: _one_of(v, request.credential),
        "body_matches": lambda v: re.search(str(v), request.text) is not None,
        "error_kind": lambda v: _one_of(v, catalogue(answer.error_id).kind if answer.error_id else ""),
    }
    return all(checks[k](v) for k, v in when.items() if k in checks)


# ----------------------------------------------------------------------------- body paths


def _walk(body: Any, path: str) -> tuple[Any, str] | None:
    keys = str(path).split(".")
    node = body
    for key in keys[:-1]:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return (node, keys[-1]) if isinstance(node, dict) else None


def _drop(body: Any, path: str) -> None:
    found = _walk(body, path)
    if found:
        found[0].pop(found[1], None)


def _set(body: Any, path: str, value: Any) -> None:
    found = _walk(body, path)
    if found:
        found[0][found[1]] = value


# ----------------------------------------------------------------------------- rewrites


def rewrite(answer: Answer, spec: dict[str, Any]) -> Answer:
    """One `response` operation applied to an answer it matched."""
    status, body, content_type = answer.status, copy.deepcopy(answer.body), answer.content_type
    if "error" in spec:
        entry = catalogue(spec["error"])
        body, status = entry.body(), entry.http_status
    drops = spec.get("drop") or []
    for path in [drops] if isinstance(drops, str) else drops:
        _drop(body, path)
    for path, value in (spec.get("set") or {}).items():
        _set(body, path, value)
    strings = spec.get("as_string") or []
    for path in [strings] if isinstance(strings, str) else strings:
        found = _walk(body, path)
        if found and isinstance(found[0].get(found[1]), int) and not isinstance(found[0].get(found[1]), bool):
            found[0][found[1]] = str(found[0][found[1]])
    if isinstance(body, dict) and "error_description" in spec:
        body["error_description"] = spec["error_description"]
    if isinstance(body, dict) and "error_code" in spec:
        body["error"] = spec["error_code"]
    return Answer(int(spec.get("status", status)), body, spec.get("content_type", content_type), answer.error_id,
                  spec.get("body_text", answer.text))


TIME_FAULTS = frozenset({"finish_before_start", "bad_duration", "non_iso_date", "drop_key", "operating_decreases"})


def bend_time(block: dict[str, Any], op: Op, calls: int) -> None:
    """One `time` fault applied to a time block in place. `calls`: answers so far (operating_decreases)."""
    if op.fault == "finish_before_start":
        block["finish"] = block["start"] - 1.0
    elif op.fault == "bad_duration":
        block["duration"] = block["finish"] - block["start"] + 5.0
    elif op.fault == "non_iso_date":
        for key in ("date_start", "date_finish"):
            if block.get(key):
                block[key] = block[key].replace("T", " ")[:19].replace("-", "/")
    elif op.fault == "drop_key":
        block.pop(op.params.get("key"), None)
    elif op.fault == "operating_decreases" and "operating" in block:
        block["operating"] = round(1.0 / max(1, calls), 6)


def time_blocks(body: Any, method: str) -> list[dict[str, Any]]:
    """The time blocks of a success answer: its own, and a batch's result_time items."""
    if not isinstance(body, dict):
        return []
    blocks = [body["time"]] if isinstance(body.get("time"), dict) else []
    if method == "batch" and isinstance(body.get("result"), dict):
        times = body["result"].get("result_time")
        items = times.values() if isinstance(times, dict) else times if isinstance(times, list) else []
        blocks += [t for t in items if isinstance(t, dict) and "start" in t]
    return blocks


# A batch command is answered by the same method code as a direct call, so a profile that bends a
# method's answer bends it inside a batch too. What a command has of its own: its method, its outcome,
# its error, the status that error would have, its text. Conditions on the wire form (suffix, case,
# encoding, credential, HTTP method) are the batch request's, never a command's: such operations are
# left to the top-level answer. A command has no status, content type or raw body of its own either.
COMMAND_WHEN = frozenset({"method", "outcome", "error", "error_kind", "status", "body_matches"})
# `status` is allowed for what else the operation does: a command has no status of its own, so only its body
# (result, total, next, or its error) is bent, as the direct answer's body is.
COMMAND_SPEC = frozenset({"when", "error", "set", "drop", "as_string", "error_description", "error_code", "status"})


def _command_error_id(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    found = [eid for (_, code, text), eid in _error_ids().items()
             if code == str(body.get("error")) and text == str(body.get("error_description"))]
    return found[0] if found else None


def _batch_commands(text: str) -> dict[str, str]:
    """The batch request's commands by key (a JSON body's `cmd`), as far as they can be read."""
    at = text.find("{")
    try:
        cmd = json.loads(text[at:]).get("cmd") if at >= 0 else None
    except (ValueError, AttributeError):
        return {}
    items = cmd.items() if isinstance(cmd, dict) else enumerate(cmd) if isinstance(cmd, list) else ()
    return {str(k): v for k, v in items if isinstance(v, str)}


def _command_request(request: Request, command: str) -> Request:
    name, _, query = command.partition("?")
    return Request(normalise_method(name), "none", "lower", "query", "POST", request.credential, unquote_plus(query))


def deviant_commands(body: Any, request: Request, ops: tuple[Op, ...]) -> Any:
    """A batch answer with each command's answer (in result or result_error) bent by the `response`
    operations that bend the same answer of a direct call, where the conditions are the command's own."""
    inner = body.get("result") if isinstance(body, dict) else None
    usable = [op for op in ops if op.kind == "response" and op.params.get("when") and set(op.params) <= COMMAND_SPEC
              and set(op.params["when"]) <= COMMAND_WHEN]
    if not isinstance(inner, dict) or not usable:
        return body
    out = copy.deepcopy(body)

    def keyed(part: Any) -> dict[str, Any]:  # PHP prints keys 0..n-1 as a list, an empty part as []
        return dict(part) if isinstance(part, dict) else {str(i): v for i, v in enumerate(part or [])}

    results, errors = keyed(out["result"].get("result")), keyed(out["result"].get("result_error"))
    totals, nexts = keyed(out["result"].get("result_total")), keyed(out["result"].get("result_next"))
    commands = _batch_commands(request.text)
    changed = False
    for key in [*results, *errors]:
        command = _command_request(request, commands.get(key, ""))
        if key in errors:
            error_id = _command_error_id(errors[key])
            if error_id is None:
                continue
            answer = Answer(catalogue(error_id).http_status, errors[key], "application/json", error_id)
        else:
            # A list's total and next are its own envelope's keys in a direct answer, result_total / result_next here.
            direct = {"result": results[key], **({"total": totals[key]} if key in totals else {}),
                      **({"next": nexts[key]} if key in nexts else {})}
            answer = Answer(200, direct, "application/json", None)
        hits = [op for op in usable if matches(op.params["when"], command, answer)]
        for op in hits:
            answer = rewrite(answer, op.params)
        if not hits:
            continue
        changed = True
        bent = answer.body if isinstance(answer.body, dict) else {}
        # The two homes a command's answer has: its result, or its error (code and description).
        if "error" in bent and "result" not in bent:
            results.pop(key, None)
            errors[key] = {k: bent[k] for k in ("error", "error_description") if k in bent}
        elif "result" in bent:
            errors.pop(key, None)
            results[key] = bent["result"]
        for part, name in ((totals, "total"), (nexts, "next")):
            if name in bent and "result" in bent:
                part[key] = bent[name]
            else:
                part.pop(key, None)
    if not changed:
        return body
    out["result"]["result"], out["result"]["result_error"] = php_array(results), php_array(errors)
    out["result"]["result_total"], out["result"]["result_next"] = php_array(totals), php_array(nexts)
    return out


def deviant_answer(answer: Answer, request: Request, ops: tuple[Op, ...], calls: int) -> Answer:
    time_ops = [op for op in ops if op.kind == "time"]
    if time_ops and answer.error_id is None:
        body = copy.deepcopy(answer.body)
        for block in time_blocks(body, request.method):
            for op in time_ops:
                bend_time(block, op, calls)
        answer = Answer(answer.status, body, answer.content_type, answer.error_id, answer.text)
    if request.method == "batch" and answer.error_id is None:
        commands = deviant_commands(answer.body, request, ops)
        if commands is not answer.body:
            answer = Answer(answer.status, commands, answer.content_type, answer.error_id, answer.text)
    for op in ops:
        if op.kind == "limits" and op.fault == "wrong_status" and answer.error_id == "QUERY_LIMIT_EXCEEDED":
            answer = Answer(int(op.params.get("status", answer.status)), answer.body, answer.content_type,
                            answer.error_id, answer.text)
        elif op.kind == "response" and matches(op.params.get("when") or {}, request, answer):
            answer = rewrite(answer, op.params)
    return answer
