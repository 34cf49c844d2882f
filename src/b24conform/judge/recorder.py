"""What a run observed: per check, its clauses, outcome, duration, message and evidence.

Fed by pytest's report hooks (which pytest-xdist forwards to the controller) and, for evidence
gathered inside workers, by the workers' `workeroutput`.
"""
from __future__ import annotations

import json
from typing import Any

from b24conform.judge.evidence import AUTO_LIMIT
from b24conform.verdict.accounting import CheckOutcome, fold_phase
from b24conform.verdict.redact import redact

CLAUSES_PROPERTY = "clauses"
MESSAGE_LIMIT = 4000


def report_clauses(user_properties: list[tuple[str, Any]]) -> list[str] | None:
    for name, value in user_properties or ():
        if name == CLAUSES_PROPERTY:
            return str(value).split()
    return None


def report_message(report: Any) -> str:
    if report.outcome == "skipped" and isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        reason = str(report.longrepr[2])
        return redact(reason.removeprefix("Skipped: "))
    if getattr(report, "wasxfail", None) is not None and report.outcome == "skipped":
        return redact(report.wasxfail)
    headline = getattr(report, "b24_headline", None)
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    if headline is None and crash is not None:
        headline = crash.message
    if headline is None:
        headline = getattr(report, "longreprtext", "") or ""
    return redact(headline)[:MESSAGE_LIMIT]


class Recorder:
    def __init__(self) -> None:
        self.checks: dict[str, CheckOutcome] = {}
        self.evidence: dict[str, list[dict[str, Any]]] = {}
        self.collected: dict[str, list[str]] = {}
        # Checks that came to an end: a call report, or a phase that did not pass. A check whose
        # run was interrupted (Ctrl-C raises through pytest's call phase, which then reports
        # nothing) has only its setup report and is no outcome at all, not a pass.
        self.concluded: set[str] = set()

    def collect(self, nodeid: str, clauses: list[str]) -> None:
        self.collected[nodeid] = clauses

    def on_report(self, report: Any) -> None:
        clauses = report_clauses(getattr(report, "user_properties", None))
        if clauses is None:
            return
        check = self.checks.setdefault(report.nodeid, CheckOutcome(report.nodeid, clauses))
        if report.when == "call" or report.outcome != "passed":
            self.concluded.add(report.nodeid)
            outcome = "error" if getattr(report, "b24_target_error", False) else report.outcome
            fold_phase(check, report.when, outcome, report_message(report),
                       float(getattr(report, "duration", 0.0) or 0.0),
                       wasxfail=getattr(report, "wasxfail", None) is not None)
        else:
            check.duration_s += float(getattr(report, "duration", 0.0) or 0.0)

    def wants_auto(self, nodeid: str) -> bool:
        """Whether an automatically captured reply of this check would still be kept (AUTO_LIMIT)."""
        return sum(1 for e in self.evidence.get(nodeid, ()) if not e.get("explicit")) < AUTO_LIMIT

    def add_evidence(self, nodeid: str, item: dict[str, Any]) -> None:
        if not item.get("explicit") and not self.wants_auto(nodeid):
            return
        self.evidence.setdefault(nodeid, []).append(item)

    def sink(self, nodeid: str) -> list[dict[str, Any]]:
        return self.evidence.setdefault(nodeid, [])

    # -- xdist ------------------------------------------------------------------------------------

    def export(self) -> str:
        return json.dumps({"evidence": self.evidence, "collected": self.collected})

    def merge(self, payload: str) -> None:
        data = json.loads(payload)
        for nodeid, items in data.get("evidence", {}).items():
            self.evidence.setdefault(nodeid, []).extend(items)
        self.collected.update(data.get("collected", {}))

    def results(self) -> list[CheckOutcome]:
        out = []
        for nodeid, check in self.checks.items():
            if nodeid not in self.concluded:
                continue
            check.evidence = self.evidence.get(nodeid, [])
            out.append(check)
        return out

    def covered(self) -> set[str]:
        ids = {cid for c in self.checks.values() for cid in c.clauses}
        ids |= {cid for clauses in self.collected.values() for cid in clauses}
        return ids
