"""Small helpers the suites share: sending, judging and recording, so each check stays three lines.

Every reply a check judges goes through `judge()`, which records it as evidence before asserting,
so the reports show the request/response even for passing checks.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from b24conform.judge.batchplan import PlanStop
from b24conform.judge.checks import assert_conforms
from b24conform.judge.checks.envelope import check_add_success, new_id
from b24conform.judge.checks.errors import check_error, check_error_one_of, honoured
from b24conform.verdict.problems import Problem, as_problem

ADD = "crm.activity.add"


def judge(evidence: Any, reply: Any, problems: Iterable[Problem | str], note: str = "") -> None:
    """Record the reply with the problems found in it (a suite's own sentence becomes a problem of kind
    `other`), then fail with every problem and the curl reproduction (redacted by the Target)."""
    found = [as_problem(p) for p in problems if p]
    evidence.record(reply, note=note, problems=found)
    lines: list[Problem | str] = list(found)
    if found:
        lines.append(f"reproduce with: {reply.curl()}")
    assert_conforms(lines, note or f"{reply.request.http_method} {reply.request.url}")


def try_add(target: Any, fields: Any, **kwargs: Any) -> Any:
    """An add a conformant portal must refuse. Sent through Target.call, which marks and ledgers any
    crm.activity.add, so an activity a non-conformant portal creates anyway is still cleaned up.
    On a live portal the same request (same fields, same call options) is sent once per run and its
    reply judged by every check that makes it (see `shared`)."""
    key = ("refused add", json.dumps(fields, sort_keys=True, default=repr), json.dumps(kwargs, sort_keys=True, default=repr))
    # A blank SUBJECT goes through Target.call like any other: mark() leaves it blank, and a raw body
    # would carry no OAuth token (an OAuth-only target answered NO_AUTH_FOUND instead of the SUBJECT error).
    return shared(target, key, lambda: target.call(ADD, {"fields": fields}, **kwargs))


def expect_error(target: Any, contract: Any, mode: str, evidence: Any, reply: Any, error_id: str, note: str = "") -> None:
    judge(evidence, reply, check_error(reply, contract, mode, error_id), note or error_id)


def expect_one_of(contract: Any, mode: str, evidence: Any, reply: Any, error_ids: Iterable[str], note: str = "") -> None:
    ids = list(error_ids)
    judge(evidence, reply, check_error_one_of(reply, contract, mode, ids), note or " | ".join(ids))


def add_once(target: Any, fields: dict, **kwargs: Any) -> Any:
    """An add whose activity is only read afterwards, never changed: on a live portal the same request
    (same fields, same call options) creates one activity per run, and every check that makes it
    judges that reply (see `shared`). Checks that update or delete the activity, or need distinct
    ids, call target.add."""
    key = ("add", json.dumps(fields, sort_keys=True, default=repr), json.dumps(kwargs, sort_keys=True, default=repr))
    return shared(target, key, lambda: target.add(fields, **kwargs))


def add_ok(target: Any, contract: Any, mode: str, evidence: Any, fields: dict, note: str = "",
           envelope: bool = True, reuse: bool = False, **kwargs: Any) -> int:
    """Add that must succeed; returns the new id. With envelope=False the add is only a step towards
    another clause (read-back, update, ...): any 200 with an id will do, so one envelope defect is
    reported by the ENV-* checks instead of by every check that needs an activity. With reuse=True
    the activity is only read, so on a live portal it may be one another check created (add_once)."""
    reply = add_once(target, fields, **kwargs) if reuse else target.add(fields, **kwargs)
    activity_id = new_id(reply)
    problems = check_add_success(reply, contract, mode)
    if not envelope and succeeded(reply) and activity_id is not None:
        problems = []
    judge(evidence, reply, problems, note or "add")
    assert activity_id is not None
    return activity_id


def get(target: Any, activity_id: Any, **kwargs: Any) -> Any:
    return target.call("crm.activity.get", {"id": activity_id}, **kwargs)


def list_by_id(target: Any, activity_id: Any, select: list[str] | None = None) -> Any:
    return target.call("crm.activity.list", {"filter": {"ID": activity_id}, "select": select or ["*", "COMMUNICATIONS"]})


# The get method of each owner type an activity can bind to (crm.enum.ownertype ids the judge creates or
# the reference portal seeds): where the owner's responsible user is read from.
OWNER_GET = {2: "crm.deal.get", 3: "crm.contact.get", 4: "crm.company.get"}


def check_responsible_fallback(target: Any, contract: Any, mode: str, evidence: Any, reply: Any,
                               fields: dict) -> list[Problem]:
    """AMB-RESPONSIBLE-FALLBACK b: an add without a usable RESPONSIBLE_ID that succeeded gave the
    activity its owner's responsible user (ASSIGNED_BY_ID), or the caller where the owner has none
    (the vendor's last resort). Reads the activity and the owner back to see which."""
    problems = check_add_success(reply, contract, mode)
    if problems:
        return problems
    activity = get(target, new_id(reply))
    evidence.record(activity, note="RESPONSIBLE_ID after the fallback")
    got = ((activity.json or {}).get("result") or {}).get("RESPONSIBLE_ID") if isinstance(activity.json, dict) else None
    owner_type = fields.get("OWNER_TYPE_ID")
    owner_get = OWNER_GET.get(int(owner_type)) if str(owner_type).isdigit() else None
    if owner_get is None:
        return []  # an owner type the judge cannot read: the fallback is not judged
    owner = target.call(owner_get, {"id": fields.get("OWNER_ID")})
    evidence.record(owner, note="the owner's responsible user")
    assigned = ((owner.json or {}).get("result") or {}).get("ASSIGNED_BY_ID") if isinstance(owner.json, dict) else None
    expected = assigned or target.fixtures.responsible_id
    if str(got) != str(expected):
        return [Problem("readback-mismatch", "RESPONSIBLE_ID (the owner's responsible user)", expected=str(expected),
                        actual=got, ambiguity="AMB-RESPONSIBLE-FALLBACK", mode=mode)]
    return []


def clause_errors(contract: Any, clause_id: str) -> tuple[str, ...]:
    return contract.clauses[clause_id].errors


def clause_error(contract: Any, clause_id: str) -> str:
    """The one error a clause relies on (its first one)."""
    return contract.clauses[clause_id].errors[0]


def accepted_errors(contract: Any, mode: str, ambiguity_id: str, default: str) -> tuple[str, ...]:
    """The errors a conformant portal may answer where `ambiguity_id`'s readings differ in the error
    itself (its `errors` per reading): those of every reading `mode` accepts, or `default` alone."""
    return contract.ambiguities[ambiguity_id].accepted_errors(mode) or (default,)


def clause_accepted_errors(contract: Any, mode: str, clause_id: str) -> tuple[str, ...]:
    """accepted_errors for a clause: read from the first of its ambiguities that lists errors per
    reading, else the clause's own first error."""
    clause = contract.clauses[clause_id]
    for amb in clause.ambiguities:
        if contract.ambiguities[amb].errors:
            return accepted_errors(contract, mode, amb, clause.errors[0])
    return (clause.errors[0],)


def fits_one(error_ids: Iterable[str], check: Any) -> list[Problem]:
    """No problem when `check(error_id)` finds none for one of the accepted errors; else the problems
    against the first (the reference portal's own reading)."""
    attempts = [check(error_id) for error_id in error_ids]
    return [] if any(not problems for problems in attempts) else attempts[0]


def enum_id(contract: Any, enum_name: str, value_name: str) -> int:
    """An id of enums.yaml by its name (e.g. enum_id(c, "activitytype", "E-mail") == 4)."""
    return next(int(v["ID"]) for v in contract.enums[enum_name].values if v["NAME"] == value_name)


def succeeded(reply: Any) -> bool:
    """HTTP 200; for a batch command's answer (no status of its own, judge/batchplan.py) a `result`
    without `error`."""
    return honoured(reply) if getattr(reply, "via_batch", None) else reply.status == 200


def refused(reply: Any, status: int = 400) -> bool:
    """HTTP `status`; for a batch command's answer (no status of its own) an `error` in its envelope."""
    if getattr(reply, "via_batch", None):
        return isinstance(reply.json, dict) and "error" in reply.json
    return reply.status == status


def shared(target: Any, key: Any, send: Any) -> Any:
    """`send()`'s result, sent once per run on a live target and reused by every check that asks for
    the same `key` (each check still applies its own check to it, so each clause keeps its own
    verdict): the rate budget of a real portal (standard plan: burst 50, 2 requests/s) is not spent
    asking the same question twice. On the embedded mock every check sends its own request, as
    before. A `send()` that raises is not remembered: the next check tries again."""
    if target.kind == "mock":
        return send()
    # A check the batch plan answers and one that needs replies of its own never share one: the first
    # may get a batch command's answer, which has no status or headers for the second to judge.
    plan = getattr(target, "plan", None)
    planned = plan is not None and plan.active
    cache = target.__dict__.setdefault("_b24_shared", {})
    if planned and (key, "wire") in cache and (key, "plan") not in cache:
        return cache[(key, "wire")]  # a reply of its own is good for a check the plan may answer too
    key = (key, "plan" if planned else "wire")
    if key not in cache:
        try:
            cache[key] = send()
        except PlanStop as stop:
            # A dry run (judge/batchplan.py) stopped at this call, which is now recorded once: every other
            # check of this wave asking the same stops here too, without asking again.
            cache[key] = stop
            raise
    if isinstance(cache[key], PlanStop):
        raise plan.stop(str(cache[key])) if plan is not None else cache[key]
    return cache[key]


def call_no_input(target: Any, method: str) -> Any:
    """A method that takes no input (crm.activity.fields, crm.enum.*), called with `{}`; on a live
    portal once per run, whichever check asks first (see `shared`)."""
    return shared(target, ("no-input call", method.lower()), lambda: target.call(method, {}))
