"""Clause accounting: which checks apply to a target, how check outcomes add up to clause verdicts,
and which clauses no check covers. Pure functions; the plugin feeds them."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# "error": a check could not get an answer it can judge (unreachable target, TLS failure, timeout,
# a gateway's non-JSON 5xx). Never a verdict on conformance, never "failed".
# "not_run": the run was interrupted (Ctrl-C, -x) before a check of the clause had run: no verdict.
STATUSES = ("passed", "failed", "error", "skipped", "not_checkable", "not_covered", "not_run")


def skip_reason(clauses: Iterable[Any], capabilities: frozenset[str], *, kind: str, allow_writes: bool) -> str | None:
    """Why a check proving `clauses` cannot run on this target, or None when it can."""
    for clause in clauses:
        if clause.where not in capabilities:
            return f"{clause.id} needs a target with capability '{clause.where}' ({_WHERE_HINT.get(clause.where, '')})"
    if kind != "mock" and not allow_writes:
        writers = [c.id for c in clauses if c.writes]
        if writers:
            return f"{', '.join(writers)} create(s) activities: not allowed on a live portal without --allow-writes (pytest: --b24-allow-writes)"
    return None


_WHERE_HINT = {
    "oauth": "pass --oauth-token (pytest: --b24-oauth-token)",
    "mock": "only the reference portal offers this set-up",
    "https": "set B24_HTTP_URL (pytest: --b24-http-url) to the plain-HTTP base",
    "limits": "set B24_TRIP_LIMITS=1 (pytest: --b24-trip-limits) on a portal that may be rate-limited",
}


@dataclass
class CheckOutcome:
    nodeid: str
    clauses: list[str]
    outcome: str = "passed"   # passed | failed | skipped
    duration_s: float = 0.0
    message: str = ""
    evidence: list[dict[str, Any]] = field(default_factory=list)


def fold_phase(current: CheckOutcome, when: str, outcome: str, message: str, duration: float,
               wasxfail: bool = False) -> None:
    """Merge one phase (setup/call/teardown) of a test into its outcome. A failure in any phase wins;
    a skip counts only when nothing failed; an expected failure is a failure of the portal."""
    current.duration_s += duration
    if wasxfail and outcome == "skipped":
        outcome, message = "failed", f"expected failure: {message}"
    if outcome == "failed":
        if current.outcome != "failed":
            current.outcome, current.message = "failed", message
    elif outcome == "error":
        if current.outcome not in {"failed", "error"}:
            current.outcome, current.message = "error", message
    elif outcome == "skipped" and current.outcome == "passed":
        current.outcome, current.message = "skipped", message


def clause_status(check: str, outcomes: list[CheckOutcome]) -> str:
    if check == "none":
        return "not_checkable"
    if not outcomes:
        return "not_covered"
    kinds = {o.outcome for o in outcomes}
    if "failed" in kinds:
        return "failed"
    if "error" in kinds:  # part of the clause could not be judged: not a pass
        return "error"
    if "passed" in kinds:
        return "passed"
    return "skipped"


def uncovered(clauses: Mapping[str, Any], covered: Iterable[str]) -> list[str]:
    """Clauses with `check: automated` that no collected check names."""
    seen = set(covered)
    return [cid for cid, c in clauses.items() if c.check == "automated" and cid not in seen]


def unknown_ids(clauses: Mapping[str, Any], named: Iterable[str]) -> list[str]:
    return sorted(set(named) - set(clauses))
