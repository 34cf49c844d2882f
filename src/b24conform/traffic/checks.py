"""Every check one recorded request and its reply support, and the clauses each stands for.

CHECKS is the table: a check of this module -> the clauses of spec/clauses.yaml it judges. A clause
no check of the table names cannot be shown by a single exchange (it needs a request of the judge's
own making, a read-back after a write, a rate to trip, ...) and is reported "not covered", never
passed. `judge(exchange)` applies to one exchange every check that fits it and returns
{check: problems} for the checks it applied (an empty list: applied, nothing found).

The checks are judge/checks/'s pure functions, as the suites apply them, with the reply judged as a
live portal's (wording the docs do not pin is not demanded, judge/checks/errors.py):
- any success reply: 200 and JSON (ENV-001), `result` without error keys (ENV-007), the `time` block
  (ENV-003..006; a batch's outer and per-command `time` without the operating keys, as batch.md shows);
  crm.activity.add: `result` is the new id (ENV-002);
- any error reply: the envelope (ERR-001, ENV-007) and the code's alphabet (ERR-003); for
  crm.activity.* and batch, or a code of the catalogue's general errors on any method, the catalogue
  entry it is (identified by its message, else by its code): status and code (ERR-001/ERR-002 for
  method errors, ERR-005 for general ones) and the message where the docs pin it (ERR-004);
- the reply schema of spec/openapi.yaml for the method and status (crm.activity.*, crm.enum.*, batch);
- batch: envelope and parts, the new ids of its crm.activity.add commands (BATCH-001), more than 50
  commands (BATCH-002), a batch inside it (BATCH-003), the catalogue errors of its failed
  crm.activity.* commands (BATCH-004), halt (BATCH-005);
- crm.activity.get and list (and those commands of a batch): read-back numbers (RT-002); list: the
  page against the request's `start` (RT-005, RT-015); get without a positive id: refused (RT-011);
  crm.activity.fields: the descriptors (FLD-001); crm.enum.*: the documented ids (ENUM-001).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

from b24conform.contract import load_contract
from b24conform.contract.schemas import errors_for, openapi_resolver, registry_for
from b24conform.judge.checks._common import is_int, json_of
from b24conform.judge.checks.batch import _part, check_batch_envelope, check_batch_length, check_batch_outcome
from b24conform.judge.checks.envelope import check_no_error_keys, check_result_id, check_status_and_content_type
from b24conform.judge.checks.errors import (
    _own_wording,
    check_code,
    check_error_code_alphabet,
    check_error_shape,
    check_message,
    check_status,
    message_matches,
)
from b24conform.judge.checks.readback import check_list_page, check_list_uncounted, check_readback_numbers
from b24conform.judge.checks.time_block import check_time_arithmetic, check_time_dates, check_time_keys, check_time_types
from b24conform.traffic.exchange import Exchange
from b24conform.verdict.problems import Problem

CHECKS: dict[str, tuple[str, ...]] = {
    "success_status": ("ENV-001",),
    "success_keys": ("ENV-007",),
    "add_result": ("ENV-002",),
    "time_keys": ("ENV-003",),
    "time_types": ("ENV-004",),
    "time_arithmetic": ("ENV-005",),
    "time_dates": ("ENV-006",),
    "error_shape": ("ERR-001", "ENV-007"),
    "error_code_alphabet": ("ERR-003",),
    "method_error_status": ("ERR-001",),
    "method_error_code": ("ERR-002",),
    "general_error": ("ERR-005",),
    "error_catalogue": ("ERR-004",),
    "reply_schema_add": ("ENV-001",),
    "reply_schema_change": ("ENV-001",),
    "reply_schema_get": ("RT-002",),
    "reply_schema_list": ("RT-005",),
    "reply_schema_fields": ("FLD-001",),
    "reply_schema_enum": ("ENUM-001",),
    "reply_schema_batch": ("BATCH-001",),
    "reply_schema_error": ("ERR-001",),
    "batch_envelope": ("BATCH-001",),
    "batch_adds": ("BATCH-001",),
    "batch_length": ("BATCH-002",),
    "batch_nested": ("BATCH-003",),
    "batch_errors": ("BATCH-004",),
    "batch_halt": ("BATCH-005",),
    "readback_numbers": ("RT-002",),
    "list_page": ("RT-005",),
    "list_uncounted": ("RT-015",),
    "get_invalid_id": ("RT-011",),
    "fields_descriptor": ("FLD-001",),
    "enum_ids": ("ENUM-001",),
}

ADD = "crm.activity.add"
TIME_CHECKS = (("time_keys", check_time_keys), ("time_types", check_time_types),
               ("time_arithmetic", check_time_arithmetic), ("time_dates", check_time_dates))
EMPTY_CODE_KINDS = ("method", "companion")

Found = dict[str, list[Problem]]


def _add(found: Found, check: str, problems: list[Problem]) -> None:
    found.setdefault(check, []).extend(problems)


def in_catalogue_scope(method: str) -> bool:
    """Methods whose every error the catalogue names: crm.activity.* and batch."""
    return method.startswith("crm.activity.") or method == "batch"


# -- the time block --------------------------------------------------------------------------------------


def _time(found: Found, time: Any, contract: Any, mode: str, *, batch: bool, context: str = "") -> None:
    for name, check in TIME_CHECKS:
        problems = check(time, contract, mode)
        if batch:  # batch.md's examples give `time` the six timing keys only (checks/batch.py)
            problems = [p for p in problems if not (p.kind == "time-keys-missing" and p.ambiguity == "AMB-TIME-KEYS")]
        _add(found, name, [p.within(context) if context else p for p in problems])


# -- errors ----------------------------------------------------------------------------------------------


def _candidates(contract: Any, method: str) -> list[Any]:
    return [e for e in contract.errors.values() if method in e.methods or "*" in e.methods]


def judge_error(found: Found, body: Any, contract: Any, mode: str, method: str, *, reply: Any = None,
                context: str = "", status_check: str | None = None) -> None:
    """The catalogue entry an error is, and its status (when `reply` is the whole reply), code and message.
    Identified by its message (or a documented variant), else by a code that names an entry; an error the
    catalogue does not know is a problem only for the methods whose errors it lists all of."""
    if not isinstance(body, dict):
        return
    code, message = body.get("error"), body.get("error_description")
    candidates = _candidates(contract, method)
    named = [e for e in candidates if message_matches(message, e, contract, mode) or _own_wording(message, e)]
    if not named:
        named = [e for e in candidates if e.code and e.code == code]
    if not named:
        if in_catalogue_scope(method):
            actual = {"error": code, "error_description": message}
            if reply is not None:
                actual = {"status": reply.status, **actual}
            _add(found, "error_catalogue", [Problem("error-not-in-catalogue", "reply", actual=actual, context=context)])
        return
    kind_of = "live"

    def problems_of(entry: Any) -> dict[str, list[Problem]]:
        method_kind = entry.kind in EMPTY_CODE_KINDS
        out: dict[str, list[Problem]] = {}
        if reply is not None:
            out[status_check or ("method_error_status" if method_kind else "general_error")] = \
                check_status(reply, contract, mode, entry.id)
        code_check = "method_error_code" if method_kind else "general_error"
        out.setdefault(code_check, [])
        out[code_check] = out[code_check] + check_code(body, contract, mode, entry.id)
        out["error_catalogue"] = check_message(body, contract, mode, entry.id, target_kind=kind_of)
        return out

    attempts = [(entry, problems_of(entry)) for entry in named]
    entry, best = min(attempts, key=lambda pair: sum(len(v) for v in pair[1].values()))
    for check, problems in best.items():
        _add(found, check, [p.within(context) if context else p for p in problems])


def _error(found: Found, ex: Exchange, contract: Any, mode: str) -> None:
    reply = ex.reply
    _add(found, "error_shape", check_error_shape(reply, contract, mode))
    _add(found, "error_code_alphabet", check_error_code_alphabet(reply, contract, mode))
    judge_error(found, json_of(reply), contract, mode, ex.method, reply=reply)


# -- reply schemas of spec/openapi.yaml ------------------------------------------------------------------


@lru_cache(maxsize=4)
def _operations(root: Any) -> dict[str, dict[str, Any]]:
    openapi = load_contract(root).openapi
    out: dict[str, dict[str, Any]] = {}
    for path, item in (openapi.get("paths") or {}).items():
        if not path.startswith("/rest/{user_id}/{webhook}/") or not isinstance(item, dict):
            continue
        method = path.rsplit("/", 1)[-1].lower()
        operation = item.get("post") or item.get("get")
        if isinstance(operation, dict) and not method.endswith(".json"):
            out[method] = operation
    return out


def _localized(resolver: Any, node: Any, depth: int = 0) -> Any:
    """A response schema with openapi.yaml's own $refs inlined (looked up by `resolver`, based at
    openapi.yaml) and spec/schemas/ refs by file name (the names contract.schemas' registry knows them by)."""
    if depth > 16:
        raise ValueError("$ref nesting too deep in openapi.yaml")
    if isinstance(node, list):
        return [_localized(resolver, v, depth) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        out.update(_localized(resolver, resolver.lookup(ref).contents, depth + 1))
    elif isinstance(ref, str):
        out["$ref"] = ref.removeprefix("schemas/")
    for key, value in node.items():
        if key != "$ref":
            out[key] = _localized(resolver, value, depth)
    return out


@lru_cache(maxsize=256)
def _reply_validator(root: Any, method: str, status: int) -> Any:
    operation = _operations(root).get(method)
    if operation is None:
        return None
    contract = load_contract(root)
    response = (operation.get("responses") or {}).get(str(status))
    if response is None:
        return None
    response = _localized(openapi_resolver(contract), response)
    schema = ((response.get("content") or {}).get("application/json") or {}).get("schema")
    if not isinstance(schema, dict):
        return None
    exact = Draft202012Validator(schema, registry=registry_for(contract), format_checker=Draft202012Validator.FORMAT_CHECKER)
    return _FastFirst(exact, _rs_validator(contract, schema))


def _rs_validator(contract: Any, schema: dict[str, Any]) -> Any:
    """jsonschema_rs (schemathesis' own validator, so installed wherever b24conform is) over the same schema and
    files: a tenth of the cost per reply; None where it cannot be built."""
    try:
        import jsonschema_rs  # optional: the faster validator, where it is installed

        registry = jsonschema_rs.Registry([(name, contract.schema(name)) for name in contract.schema_names()])
        return jsonschema_rs.validator_for(schema, registry=registry, validate_formats=True)
    except Exception:  # noqa: BLE001 - an older or missing jsonschema_rs: the exact validator alone
        return None


class _FastFirst:
    """The reply's violations as jsonschema words them (the messages of the suites' schema checks), asked of
    jsonschema only when jsonschema_rs finds the reply invalid: nearly every recorded reply is valid."""

    def __init__(self, exact: Any, fast: Any) -> None:
        self.exact, self.fast = exact, fast

    def iter_errors(self, instance: Any) -> Any:
        if self.fast is not None and self.fast.is_valid(instance):
            return iter(())
        return self.exact.iter_errors(instance)


def _schema_check(method: str, status: int) -> str:
    if status != 200:
        return "reply_schema_error"
    if method == ADD:
        return "reply_schema_add"
    if method in ("crm.activity.update", "crm.activity.delete"):
        return "reply_schema_change"
    if method.startswith("crm.enum."):
        return "reply_schema_enum"
    return {"crm.activity.get": "reply_schema_get", "crm.activity.list": "reply_schema_list",
            "crm.activity.fields": "reply_schema_fields", "batch": "reply_schema_batch"}.get(method, "")


def _where(path: Any) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _reply_schema(found: Found, ex: Exchange, contract: Any) -> None:
    check = _schema_check(ex.method, ex.reply.status)
    validator = _reply_validator(contract.root, ex.method, ex.reply.status) if check else None
    if validator is None:
        return
    errors = sorted(validator.iter_errors(ex.reply.json), key=lambda e: (list(e.absolute_path), e.message))
    lines = list(dict.fromkeys(f"{_where(e.absolute_path)}: {e.message}" for e in errors))
    _add(found, check, [Problem("schema-violation", f"{ex.method} {ex.reply.status}", actual=line[:300])
                        for line in lines[:5]])


# -- companions ------------------------------------------------------------------------------------------


def _readback(found: Found, result: Any, contract: Any, mode: str, context: str = "") -> None:
    items = result if isinstance(result, list) else [result]
    for i, item in enumerate(items):
        if isinstance(item, dict):
            where = context or (f"item {i}" if isinstance(result, list) else "")
            _add(found, "readback_numbers", [p.within(where) if where else p
                                             for p in check_readback_numbers(item, contract, mode)])


def _start(params: dict[str, Any] | None) -> int | None:
    value = (params or {}).get("start", 0)
    try:
        return int(str(value).strip() or 0)
    except ValueError:
        return None


def _positive_id(value: Any) -> bool:
    if is_int(value):
        return value > 0
    return isinstance(value, str) and value.isascii() and value.isdigit() and int(value) > 0


def _companions(found: Found, ex: Exchange, contract: Any, mode: str, success: bool) -> None:
    method, reply, body = ex.method, ex.reply, json_of(ex.reply)
    params = ex.params
    if method == "crm.activity.get" and params is not None and not _positive_id(params.get("id", params.get("ID"))):
        # RT-011: refused with HTTP 400 (the error envelope itself is judged by the error checks)
        problems = [] if reply.status == 400 else [Problem("http-status", "HTTP status", expected=400, actual=reply.status)]
        _add(found, "get_invalid_id", problems)
        return
    if not success or not isinstance(body, dict):
        return
    result = body.get("result")
    if method in ("crm.activity.get", "crm.activity.list"):
        _readback(found, result, contract, mode)
    if method == "crm.activity.list" and params is not None:
        start = _start(params)
        if start == -1:
            _add(found, "list_uncounted", check_list_uncounted(reply, contract, mode))
        elif start is not None and start >= 0:
            _add(found, "list_page", check_list_page(reply, contract, mode, start=start))
    if method == "crm.activity.fields":
        problems = [Problem("schema-violation", "fields-descriptor.json", actual=e)
                    for e in errors_for("fields-descriptor.json", result, contract)[:5]]
        wanted = contract.schema("activity-add-fields.json")["properties"]
        if isinstance(result, dict):
            problems += [Problem("descriptor-missing", name) for name in wanted if name not in result]
        _add(found, "fields_descriptor", problems)
    if method.startswith("crm.enum."):
        enum = next((e for e in contract.enums.values() if e.method == method), None)
        if enum is not None and enum.name != "ownertype":  # portal-specific smart-process ids
            problems = []
            if isinstance(result, list):
                got = {item.get("ID") for item in result if isinstance(item, dict)}
                if got != set(enum.ids()):
                    problems.append(Problem("enum-values", method, expected=sorted(enum.ids()),
                                            actual=sorted(got, key=str)))
            else:
                problems.append(Problem("enum-values", method, expects="a list of {ID, NAME}", actual=result))
            _add(found, "enum_ids", problems)


# -- batch -----------------------------------------------------------------------------------------------


def batch_commands(params: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(key, lower-case method) of each command of a batch request, in order."""
    cmd = (params or {}).get("cmd")
    if isinstance(cmd, list):
        items = [(str(i), c) for i, c in enumerate(cmd)]
    elif isinstance(cmd, dict):
        items = [(str(k), c) for k, c in cmd.items()]
    else:
        return []
    out = []
    for key, command in items:
        name = command.partition("?")[0].strip().lower() if isinstance(command, str) else ""
        out.append((key, name.removesuffix(".json")))
    return out


def truthy(value: Any) -> bool:
    """A batch's `halt` as the portal reads it (1, true, Y, yes)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "y", "yes")
    return bool(value)


def _without(problems: list[Problem], seen: list[Problem]) -> list[Problem]:
    return [p for p in problems if p not in seen]


def _batch(found: Found, ex: Exchange, contract: Any, mode: str) -> None:
    reply, body = ex.reply, json_of(ex.reply)
    envelope = check_batch_envelope(reply, contract, mode)
    # The outer `time` is judged by the time checks; the envelope check keeps the rest.
    _add(found, "batch_envelope", [p for p in envelope if not p.kind.startswith("time-")])
    if isinstance(body, dict) and "time" in body:
        _time(found, body["time"], contract, mode, batch=True)
    elif isinstance(body, dict):
        _add(found, "time_keys", [Problem("time-missing", "batch")])
    inner = body.get("result") if isinstance(body, dict) else None
    if not isinstance(inner, dict):
        return
    for key, time in (_part(inner, "result_time") or {}).items():
        _time(found, time, contract, mode, batch=True, context=f"batch command {key!r}")
    commands = batch_commands(ex.params)
    if ex.params is None:
        return  # the request could not be read: the commands are unknown
    results = _part(inner, "result") or {}
    errors = _part(inner, "result_error") or {}
    keys = [k for k, _ in commands]
    if len(commands) > contract.limits.batch_max_commands:
        _add(found, "batch_length", check_batch_length(reply, contract, mode, keys=keys))
        return
    halt = truthy((ex.params or {}).get("halt"))
    failed_at = next((i for i, k in enumerate(keys) if k in errors), None)
    halted = set(keys[failed_at + 1:]) if halt and failed_at is not None else set()
    adds = [k for k, m in commands if m == ADD and k not in errors and k not in halted]
    if adds:
        _add(found, "batch_adds", _without(check_batch_outcome(reply, contract, mode, ok=adds), envelope))
    nested = {k: "ERROR_BATCH_METHOD_NOT_ALLOWED" for k, m in commands if m == "batch" and (k in errors or k in results)}
    if nested:
        _add(found, "batch_nested", _without(check_batch_outcome(reply, contract, mode, failed=nested), envelope))
    for key, method in commands:
        context = f"batch command {key!r}"
        if key in errors:
            error = errors[key]
            _add(found, "error_code_alphabet", [p.within(context) for p in check_error_code_alphabet(error, contract, mode)])
            if in_catalogue_scope(method) and method != "batch":
                sub: Found = {}
                shape = [p for p in check_error_shape(error, contract, mode) if p.kind != "content-type"]
                judge_error(sub, error, contract, mode, method, context=context)
                _add(found, "batch_errors", [p.within(context) for p in shape]
                     + [p for problems in sub.values() for p in problems])
        elif key in results and method in ("crm.activity.get", "crm.activity.list"):
            _readback(found, results[key], contract, mode, context)
    if halted:
        later = [k for k in keys if k in halted]
        _add(found, "batch_halt", _without(check_batch_outcome(reply, contract, mode, not_run=later), envelope))


# -- one exchange ----------------------------------------------------------------------------------------


def is_error(ex: Exchange) -> bool:
    body = json_of(ex.reply)
    has_error = isinstance(body, dict) and "error" in body and "result" not in body
    return ex.reply.status >= 300 or has_error


def judge(ex: Exchange, contract: Any, mode: str) -> Found:
    """{check: problems} of every check that applies to the exchange (keys of CHECKS)."""
    found: Found = {}
    reply, body = ex.reply, json_of(ex.reply)
    if is_error(ex):
        _error(found, ex, contract, mode)
        _companions(found, ex, contract, mode, success=False)
        keys = [k for k, _ in batch_commands(ex.params)] if ex.method == "batch" else []
        if len(keys) > contract.limits.batch_max_commands:
            _add(found, "batch_length", check_batch_length(reply, contract, mode, keys=keys))
    elif ex.method == "batch":
        _batch(found, ex, contract, mode)
    else:
        _add(found, "success_status", check_status_and_content_type(reply, contract, mode))
        _add(found, "success_keys", check_no_error_keys(reply, contract, mode) if isinstance(body, dict)
             else [Problem("body-not-object", "body", actual=body)])
        if isinstance(body, dict):
            if "time" in body:
                _time(found, body["time"], contract, mode, batch=False)
            else:
                _add(found, "time_keys", [Problem("time-missing", "envelope")])
            if ex.method == ADD:
                _add(found, "add_result", check_result_id(reply, contract, mode))
        _companions(found, ex, contract, mode, success=True)
    _reply_schema(found, ex, contract)
    unknown = set(found) - set(CHECKS)
    assert not unknown, f"checks missing from CHECKS: {sorted(unknown)}"
    return found


def clauses_covered() -> frozenset[str]:
    return frozenset(c for clauses in CHECKS.values() for c in clauses)


__all__ = ["CHECKS", "batch_commands", "clauses_covered", "judge"]
