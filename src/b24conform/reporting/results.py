"""results.json: the run and every clause of the contract with its verdict and its checks.

Every clause of spec/clauses.yaml appears exactly once, so a reader never has to guess whether a
clause was judged: it is passed, failed, skipped, not_checkable (with the reason) or not_covered.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from b24conform import __version__
from b24conform.reporting.problems import check_problems, distinct, root_problems
from b24conform.reporting.view import headline
from b24conform.verdict.accounting import STATUSES, CheckOutcome, clause_status
from b24conform.verdict.redact import redact, redact_data

# 2: problems as data (per check, per clause and the run's distinct problems); see
# spec/schemas/results.json.
SCHEMA_VERSION = 2


@dataclass
class RunInfo:
    started: float
    finished: float
    mode: str
    target: str
    kind: str
    partial: bool = False
    interrupted: bool = False  # stopped before every check ran (Ctrl-C, -x): see accounting's not_run
    notes: tuple[str, ...] = ()  # what the run did beside its checks: the batch plan, the records it removed


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def family(clause_id: str) -> str:
    return clause_id.rsplit("-", 1)[0]


def _ambiguity(contract: Any, amb_id: str | None, mode: str) -> dict[str, Any] | None:
    if not amb_id:
        return None
    amb = contract.ambiguities.get(amb_id)
    if amb is None:
        return {"id": amb_id}
    accepted = amb.strict if mode == "strict" else amb.lenient
    return {"id": amb.id, "title": amb.title, "mode": mode, "accepted_readings": list(accepted),
            "readings": dict(amb.readings), "portal_reading": amb.portal}


PASSED_EVIDENCE = 2  # a passing check keeps a sample; a failing one keeps everything it recorded


def _check_dict(check: CheckOutcome) -> dict[str, Any]:
    evidence = check.evidence if check.outcome != "passed" else check.evidence[:PASSED_EVIDENCE]
    return {
        "nodeid": check.nodeid,
        "outcome": check.outcome,
        "duration_s": round(check.duration_s, 4),
        "message": redact(check.message),
        "evidence": redact_data([{k: v for k, v in e.items() if k != "problems"} for e in evidence]),
        "evidence_total": len(check.evidence),
        "problems": check_problems(check),
    }


def _shorten(text: str, limit: int = 500) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clause_reason(clause: Any, status: str, checks: list[CheckOutcome]) -> str | None:
    if status == "not_checkable":
        return clause.reason or "not checkable from a client"
    if status == "not_covered":
        return "no check in this run names this clause"
    if status == "not_run":
        return "not run: the run was interrupted before a check of this clause ran (no verdict; run again)"
    if status == "skipped":
        reasons = list(dict.fromkeys(c.message for c in checks if c.message))
        return "; ".join(reasons) or "skipped"
    if status in {"failed", "error"}:
        message = next((c.message for c in checks if c.outcome == status and c.message), "")
        return _shorten(message) or status
    return None


def own_messages(clause: dict[str, Any]) -> list[str]:
    """The message of each of a clause's root problems (`problems`, in that order) as the clause's own
    checks found it, its failing checks first."""
    found: dict[str, str] = {}
    for check in sorted(clause["checks"], key=lambda c: c["outcome"] != "failed"):
        for problem in check.get("problems") or ():
            found.setdefault(problem["id"], problem["message"])
    return [found[pid] for pid in clause["problems"] if pid in found]


def clause_sources(contract: Any, clause: Any) -> list[dict[str, Any]]:
    """Where the docs say what a clause demands: each citation's text and its link into the pinned
    docs snapshot (spec/provenance.yaml); the plain `source` text where a clause has no citations."""
    citations = getattr(clause, "citations", ()) or ()
    if not citations:
        return [{"text": clause.source, "link": None, "page": None, "heading": None}]
    try:
        provenance = contract.provenance
    except Exception:  # a contract without provenance.yaml still reports, without links
        provenance = None
    return [{"text": c.text(), "link": provenance.link(c) if provenance else None, "page": c.page, "heading": c.heading}
            for c in citations]


def build_results(contract: Any, checks: list[CheckOutcome], info: RunInfo) -> dict[str, Any]:
    by_clause: dict[str, list[CheckOutcome]] = {}
    for check in checks:
        for cid in check.clauses:
            by_clause.setdefault(cid, []).append(check)
    clauses = []
    counts = dict.fromkeys(STATUSES, 0)
    for cid, clause in contract.clauses.items():
        mine = by_clause.get(cid, [])
        status = clause_status(clause.check, mine)
        if status == "not_covered" and info.interrupted:
            status = "not_run"  # its checks never ran: no verdict, and no gap of the suites either
        counts[status] += 1
        clauses.append({
            "id": cid,
            "family": family(cid),
            "title": clause.title,
            "level": clause.level,
            "where": clause.where,
            "writes": clause.writes,
            "status": status,
            "checks": [_check_dict(c) for c in sorted(mine, key=lambda c: c.nodeid)],
            "ambiguity": _ambiguity(contract, clause.ambiguity, info.mode),
            "reason": redact(clause_reason(clause, status, mine)) if clause_reason(clause, status, mine) else None,
        })
    problems = distinct(clauses, {cid: clause_sources(contract, c) for cid, c in contract.clauses.items()})
    for entry in clauses:
        entry["problems"] = root_problems(entry, problems)
        if entry["status"] == "failed" and entry["problems"]:
            # The problems, rendered from their data, say more than the first check's exception headline;
            # each as this clause's own check found it (its context), not as the run's entry has it
            # (the words of whichever check, of any clause, found it first).
            entry["reason"] = _shorten("; ".join(own_messages(entry)))
    check_counts: dict[str, int] = {}
    for check in checks:
        check_counts[check.outcome] = check_counts.get(check.outcome, 0) + 1
    return {
        "schema_version": SCHEMA_VERSION,
        "run": {
            "started": _iso(info.started),
            "finished": _iso(info.finished),
            "duration_s": round(info.finished - info.started, 3),
            "mode": info.mode,
            "target": redact(info.target),
            "kind": info.kind,
            "b24conform_version": __version__,
            "partial_selection": info.partial,
            "interrupted": info.interrupted,
            "notes": [redact(note) for note in info.notes],
            "counts": {"clauses": counts, "checks": check_counts},
        },
        "problems": problems,
        "clauses": clauses,
    }


def applicable_passed(results: dict[str, Any]) -> bool:
    """Every clause that applies to the target was checked and passed (view.headline's green)."""
    return headline(results).green


def write_json(results: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)  # readers (CI, `diff`) never see a half-written file
    return path


def load_results(path: Path) -> dict[str, Any]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("clauses"), list):
        raise ValueError(f"{path}: not a b24conform results.json (no `clauses` list)")
    return data
