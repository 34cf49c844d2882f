"""Request limits (LIMIT-001..LIMIT-004).

LIMIT-001..003 run on `b24_limits_target`: a second reference portal with the standard plan's
limits (or a live portal declared safe with --b24-trip-limits). The bucket is driven by request
counts: fill it, count what is admitted, never assert on how fast anything is.
"""
from __future__ import annotations

import time

import pytest
from ._support import clause_error, judge

from b24conform.judge.checks.envelope import check_success
from b24conform.judge.checks.errors import check_error
from b24conform.judge.checks.limits import check_burst, check_drain
from b24conform.judge.checks.time_block import check_operating_grows
from b24conform.judge.ratelimit import STANDARD_BURST, STANDARD_RATE
from b24conform.verdict.problems import Problem

CHEAP = "crm.enum.activitytype"  # read-only, no parameters: each request costs one bucket slot


def admitted_so_far(target) -> int:
    """Requests this target has had admitted (status not 503) since first asked: what may still sit
    in its bucket. Counted by an observer installed on first use."""
    counter = getattr(target, "_b24_admitted", None)
    if counter is None:
        counter = target._b24_admitted = [0]
        target.observers.append(lambda reply: counter.__setitem__(0, counter[0] + (reply.status != 503)))
    return counter[0]


def fill_until_refused(target, limit: int):
    """Send CHEAP until the first refusal (or `limit` requests). Returns (admitted, refusal, elapsed)."""
    admitted_so_far(target)  # make sure the observer counts from here on
    admitted, started = 0, time.monotonic()
    for _ in range(limit):
        reply = target.call(CHEAP, {})
        if reply.status != 200:
            return admitted, reply, time.monotonic() - started
        admitted += 1
    return admitted, None, time.monotonic() - started


@pytest.mark.b24conform_clause("LIMIT-001")
def test_bucket_trips_past_the_burst(b24_limits_target, b24_contract, b24_mode, b24_evidence):
    error_id = clause_error(b24_contract, "LIMIT-001")
    earlier = admitted_so_far(b24_limits_target)
    admitted, refusal, elapsed = fill_until_refused(b24_limits_target, 4 * STANDARD_BURST)
    if refusal is None:
        reply = b24_limits_target.call(CHEAP, {})
        judge(b24_evidence, reply, [Problem("limit-never-refused", "admitted", expected=STANDARD_BURST, actual=admitted)],
              "bucket never trips")
        return
    # Earlier requests of this session may still fill part of the bucket, and it drained while we
    # filled it: the count admitted must lie between those two bounds.
    problems = check_burst(admitted, b24_contract, b24_mode, earlier=earlier, elapsed=elapsed)
    problems += check_error(refusal, b24_contract, b24_mode, error_id)
    judge(b24_evidence, refusal, problems, f"refused after {admitted} admitted")


@pytest.mark.b24conform_clause("LIMIT-002")
def test_bucket_drains(b24_limits_target, b24_contract, b24_mode, b24_evidence):
    # Make sure the bucket is full, then give it a known drain: whole requests' worth of time.
    _, refusal, _ = fill_until_refused(b24_limits_target, 4 * STANDARD_BURST)
    assert refusal is not None, "the bucket never filled"
    # The embedded mock's clock is moved forward; a live portal is waited for in real time.
    slots, margin = 2, 0.1
    b24_limits_target.let_time_pass(slots / STANDARD_RATE + margin)
    admitted, again, elapsed = fill_until_refused(b24_limits_target, 4 * STANDARD_BURST)
    problems = check_drain(admitted, b24_contract, b24_mode, slots=slots, elapsed=elapsed + margin)
    if again is not None:
        problems += check_error(again, b24_contract, b24_mode, clause_error(b24_contract, "LIMIT-002"))
    judge(b24_evidence, again or refusal, problems, f"{admitted} admitted after the drain")


@pytest.mark.b24conform_clause("LIMIT-003")
def test_operating_time_limit(b24_limits_target, b24_contract, b24_mode, b24_evidence):
    """Mock only: the budget is lowered to zero, so the first call's execution time exceeds it."""
    portal = getattr(b24_limits_target, "portal", None)
    if portal is None:
        pytest.skip("needs the reference portal's operating budget")
    error_id = clause_error(b24_contract, "LIMIT-003")
    method, other = "crm.activity.list", "crm.activity.fields"
    # Reference-portal set-up: a zero budget, and the leaky bucket (LIMIT-001/002's subject, maybe
    # full by now) out of the way for these three calls. Both are restored.
    budget, bucket = portal.state.budget.budget, portal.state.bucket
    portal.state.budget.budget, portal.state.bucket = 0.0, None
    try:
        crossing = b24_limits_target.call(method, {"filter": {"ID": 1}})
        blocked = b24_limits_target.call(method, {"filter": {"ID": 1}})
        still_ok = b24_limits_target.call(other, {})
    finally:
        portal.state.budget.budget, portal.state.bucket = budget, bucket
    judge(b24_evidence, crossing, check_success(crossing, b24_contract, b24_mode), "the call that crosses the budget completes")
    judge(b24_evidence, blocked, check_error(blocked, b24_contract, b24_mode, error_id), "the next call is blocked")
    judge(b24_evidence, still_ok, check_success(still_ok, b24_contract, b24_mode), "other methods still answer")


@pytest.mark.b24conform_clause("LIMIT-004")
def test_operating_grows(b24_target, b24_contract, b24_mode, b24_evidence):
    method = "crm.activity.list"
    first = b24_target.call(method, {"filter": {"ID": 1}})
    second = b24_target.call(method, {"filter": {"ID": 1}})
    b24_evidence.record(first, note="first call")
    judge(b24_evidence, second, check_operating_grows((first.json, second.json), b24_contract, b24_mode),
          "operating between two calls")
