"""The problems of a run: per check, what it found; across the run, the distinct problems.

One fault of a portal breaks many clauses (a `result` of `true` fails every check that needs the new
id). Grouping the problems the checks found by their identity (Problem.key: the kind, the item and,
where they are constants of the docs, the expected and actual values) turns a wall of failed clauses
into the few defects to fix, each with the clauses it broke.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from b24conform.judge.accounting import CheckOutcome
from b24conform.judge.problems import Problem
from b24conform.judge.redact import redact_data

HEADLINE = 300


def problem_id(key: Iterable[str]) -> str:
    """A short stable id of a problem's identity: anchors in report.html, lines of `diff`."""
    key = list(key)
    digest = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:8]
    return f"{key[0]}-{digest}"


def _reply_of(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in {"problems", "explicit"}}


def unexplained(check: CheckOutcome) -> dict[str, Any]:
    """A failed check that recorded no problem (an exception in the check, a bare assert): its
    headline is all there is, kept as the problem's actual value, never parsed."""
    headline = " ".join((check.message or "failed").split())[:HEADLINE]
    problem = Problem("check-failed", "check", actual=headline, clauses=tuple(check.clauses))
    return problem.as_dict()


def check_problems(check: CheckOutcome) -> list[dict[str, Any]]:
    """The distinct problems of a failed check, each with the reply that showed it last (for a
    hypothesis test, the shrunk example) and the check's clauses where the judge left them out."""
    if check.outcome != "failed":
        return []
    found: dict[str, dict[str, Any]] = {}
    for item in check.evidence:
        for problem in item.get("problems") or ():
            entry = dict(problem, evidence=_reply_of(item))
            entry["clauses"] = list(problem.get("clauses") or check.clauses)
            entry["id"] = problem_id(problem["key"])
            found.pop(entry["id"], None)
            found[entry["id"]] = entry
    if not found:
        entry = unexplained(check)
        entry["id"] = problem_id(entry["key"])
        found[entry["id"]] = entry
    return redact_data(list(found.values()))


def distinct(clauses: list[dict[str, Any]], sources: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The run's distinct problems, most clauses broken first: each with the clauses and checks it
    broke, the docs source of each clause, and one example reply (with its curl reproduction)."""
    groups: dict[str, dict[str, Any]] = {}
    order = {c["id"]: i for i, c in enumerate(clauses)}
    for clause in clauses:
        for check in clause.get("checks", []):
            for problem in check.get("problems") or ():
                group = groups.get(problem["id"])
                if group is None:
                    group = groups[problem["id"]] = {
                        **{k: v for k, v in problem.items() if k not in {"clauses", "context"}},
                        "clauses": [], "checks": [],
                    }
                for cid in problem.get("clauses") or [clause["id"]]:
                    if cid not in group["clauses"]:
                        group["clauses"].append(cid)
                if check["nodeid"] not in group["checks"]:
                    group["checks"].append(check["nodeid"])
    out = []
    for group in groups.values():
        group["clauses"].sort(key=lambda cid: order.get(cid, len(order)))
        group["sources"] = {cid: list(sources.get(cid, [])) for cid in group["clauses"]}
        out.append(group)
    out.sort(key=lambda g: (-len(g["clauses"]), -len(g["checks"]), g["kind"], g["id"]))
    return out


def root_problems(clause: Mapping[str, Any], ranked: list[dict[str, Any]]) -> list[str]:
    """The ids of the problems that failed a clause, the most widespread first (the likeliest root)."""
    mine = {p["id"] for check in clause.get("checks", []) for p in check.get("problems") or ()}
    return [g["id"] for g in ranked if g["id"] in mine]
