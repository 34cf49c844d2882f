"""What both human reports show, decided once: problem labels, how an actual value reads, the
coverage figures. report.md and report.html only lay these out."""
from __future__ import annotations

import json
from typing import Any

from b24conform.judge.accounting import STATUSES

SHOWN_PROBLEMS = 10  # report.md lists this many problems in full; report.html lists all
TEXT_KINDS = frozenset({"other", "check-failed", "schemathesis"})  # their actual value is a sentence


def problem_labels(problems: list[dict[str, Any]]) -> dict[str, str]:
    """P1, P2, ... in the order of results.json (most clauses broken first)."""
    return {p["id"]: f"P{i}" for i, p in enumerate(problems, 1)}


def actual_text(problem: dict[str, Any]) -> str:
    """The actual value as a vendor reads it: JSON for a value, the sentence itself for a text."""
    actual = problem.get("actual")
    if problem.get("kind") in TEXT_KINDS and isinstance(actual, str):
        return actual
    return json.dumps(actual, ensure_ascii=False, sort_keys=True)


def coverage_cells(results: dict[str, Any]) -> list[tuple[str, Any]]:
    """("checked", "N of M") then each clause status with its count, in STATUSES order."""
    from b24conform.reporting.results import coverage

    checked, checkable = coverage(results)
    counts = results["run"]["counts"]["clauses"]
    return [("checked", f"{checked} of {checkable}")] + [(s, counts.get(s, 0)) for s in STATUSES]


def citations(problem: dict[str, Any]) -> list[tuple[str, str | None, list[str]]]:
    """The docs sections a problem's clauses cite, each once with the clauses citing it, in clause
    order: many clauses come from the same section, and a line per clause would repeat it."""
    grouped: dict[str, tuple[str, str | None, list[str]]] = {}
    for cid in problem.get("clauses", []):
        for source in problem.get("sources", {}).get(cid, []):
            section = f"{source['page']} § {source['heading']}" if source.get("page") else source.get("text", "")
            _, _, clauses = grouped.setdefault(source.get("link") or section, (section, source.get("link"), []))
            if cid not in clauses:
                clauses.append(cid)
    return list(grouped.values())


def lead(problems: int, failed: int) -> str:
    """The sentence under the Problems heading."""
    clauses = f"{failed} failed clause{'' if failed == 1 else 's'}"
    if problems == 1:
        return f"One problem behind {clauses}: fix it and they can pass."
    return (f"{problems} problems behind {clauses}, the most widespread first: "
            "fixing the first often fixes many clauses at once.")
