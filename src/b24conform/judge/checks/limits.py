"""Request-limit checks (LIMIT-001, LIMIT-002): how many requests a leaky bucket admits.

Counts only, never durations: the time a fill took only widens the bound, because the bucket drains
`STANDARD_RATE` a second while it is being filled.
"""
from __future__ import annotations

import math
from typing import Any

from b24conform.judge.checks._common import Contract
from b24conform.judge.ratelimit import STANDARD_BURST, STANDARD_RATE
from b24conform.verdict.problems import Problem


def check_burst(admitted: int, contract: Contract, mode: str, *, earlier: int, elapsed: float) -> list[Problem]:
    """LIMIT-001: a fill of `elapsed` seconds ended in a refusal after `admitted` requests. Requests the
    session sent `earlier` may still sit in the bucket, so the floor is the burst less those; the
    ceiling is the burst plus what drained during the fill, and one for the request in flight."""
    floor = STANDARD_BURST - earlier
    ceiling = STANDARD_BURST + math.ceil(elapsed * STANDARD_RATE) + 1
    problems = []
    if admitted < floor:
        problems.append(Problem("limit-refused-early", "admitted", actual=admitted,
                                expects=f"at least {floor} (the burst is {STANDARD_BURST}, {earlier} sent before)"))
    if admitted > ceiling:
        problems.append(Problem("limit-burst-exceeded", "admitted", expects=f"at most {ceiling}", actual=admitted))
    return problems


def check_drain(admitted: int, contract: Contract, mode: str, *, slots: int, elapsed: float) -> list[Problem]:
    """LIMIT-002: a full bucket was left to drain `slots` requests' worth, then `admitted` were let in.
    `elapsed` is the time it drained beyond those slots (the wait's margin and the refill itself)."""
    subject = f"{slots} slots"
    ceiling = slots + math.ceil(elapsed * STANDARD_RATE) + 1
    problems = []
    if admitted < slots:
        problems.append(Problem("limit-drain-short", subject, expects=f"at least {slots}", actual=admitted))
    if admitted > ceiling:
        problems.append(Problem("limit-drain-exceeded", subject, expects=f"at most {ceiling}", actual=admitted))
    return problems
