"""report.html: one self-contained page (inline CSS and JS, nothing loaded from the network).

It reads top to bottom as a vendor works: the problems to fix (each with the clauses it broke, the
docs it contradicts, expected against actual and a curl that reproduces it), then how much was
checked, then every clause, expandable to its checks and evidence. This module decides what the page
shows, as plain data; the template report.html.j2 lays it out and escapes every value.
"""
from __future__ import annotations

from typing import Any

from b24conform.htmlpage import render_page
from b24conform.verdict.accounting import STATUSES
from b24conform.reporting.view import (TEXT_KINDS, actual_text, citations, coverage_cells, headline, lead, no_problems,
                                       problem_labels, roots)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _reply_key(ev: dict[str, Any]) -> tuple[str, ...]:
    req = ev.get("request") if isinstance(ev.get("request"), dict) else {}
    return (str(req.get("http_method")), str(req.get("url")), str(req.get("body")), str(ev.get("status")),
            str(ev.get("response_excerpt")))


def _replies(items: list[dict[str, Any]], shows: dict[tuple[str, ...], list[tuple[str, str]]]) -> list[dict[str, Any]]:
    """Each distinct reply once (the judge captures every reply and a check records the ones it
    judged, so the same one often comes twice), its notes merged, marked with the problems it showed."""
    replies: dict[tuple[str, ...], tuple[dict[str, Any], list[str]]] = {}
    for ev in items:
        _, notes = replies.setdefault(_reply_key(ev), (ev, []))
        if ev.get("note") and ev["note"] not in notes:
            notes.append(ev["note"])
    out = []
    for key, (ev, notes) in replies.items():
        req = ev.get("request") or {}
        out.append({
            "head": f"{req.get('http_method', '')} {req.get('url', '')}" if isinstance(req, dict) else str(req),
            "status": _text(ev.get("status")),
            "notes": "; ".join(notes),
            # Sent wrong on purpose: the *** in its URL is not the real code.
            "credential": _text(ev.get("credential")),
            "shows": [{"id": pid, "label": label} for pid, label in shows.get(key, [])],
            "body": _text(req.get("body", "")) if isinstance(req, dict) else "",
            "excerpt": _text(ev.get("response_excerpt")),
            "curl": _text(ev.get("curl")),
        })
    return out


def _sources(problem: dict[str, Any]) -> dict[str, Any] | None:
    items = [{"text": text, "link": link or "", "citing": ", ".join(citing)} for text, link, citing in citations(problem)]
    if not items:
        return None
    n = len(problem["clauses"])
    return {"summary": f"{_plural(len(items), 'citation')} for {_plural(n, 'clause')}", "citations": items}


def _reproduce(problem: dict[str, Any]) -> dict[str, str] | None:
    evidence = problem.get("evidence") or {}
    script = evidence.get("reproduce") or evidence.get("curl")
    if not script:
        return None
    req = evidence.get("request") or {}
    return {"script": _text(script), "status": _text(evidence.get("status")), "method": _text(req.get("http_method")),
            "url": _text(req.get("url")), "excerpt": _text(evidence.get("response_excerpt"))}


def _problem(label: str, problem: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    cause = problem.get("follows")
    beneath = len(problem.get("consequences") or ())
    return {
        "id": problem["id"],
        "label": label,
        "consequence": cause in labels,
        "title": _text(problem["title"]),
        "breaks": f"breaks {_plural(len(problem['clauses']), 'clause')}",
        "follows": {"id": cause, "label": labels[cause]} if cause in labels else None,
        "followed_by": f"{_plural(beneath, 'problem')} follow from it" if beneath else "",
        "message": _text(problem["message"]),
        "expectation": _text(problem["expectation"]),
        # A text kind's message is its actual value already.
        "actual": None if problem["kind"] in TEXT_KINDS else actual_text(problem),
        "kind": problem["kind"],
        "clauses": list(problem["clauses"]),
        "sources": _sources(problem),
        "reproduce": _reproduce(problem),
    }


def _problems(results: dict[str, Any]) -> dict[str, Any]:
    problems = results.get("problems") or []
    if not problems:
        return {"count": 0, "none": no_problems(results), "lead": "", "groups": []}
    failed = results["run"]["counts"]["clauses"].get("failed", 0)
    labels = problem_labels(problems)
    grouped = roots(problems)
    return {
        "count": len(problems),
        "none": "",
        "lead": lead(len(problems), failed, len(grouped)),
        "groups": [{"root": _problem(labels[root["id"]], root, labels),
                    "consequences": [_problem(labels[p["id"]], p, labels) for p in beneath]}
                   for root, beneath in grouped],
    }


def _coverage(results: dict[str, Any]) -> dict[str, Any]:
    cells = coverage_cells(results)
    counts = dict(cells[1:])
    return {
        "checked": cells[0][1],
        "statuses": [{"status": s, "name": s.replace("_", " "), "count": counts.get(s, 0)} for s in STATUSES],
    }


def _shown_by(check: dict[str, Any], labels: dict[str, str]) -> dict[tuple[str, ...], list[tuple[str, str]]]:
    """Which of the check's replies showed which problem (by the reply each problem carries)."""
    shows: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for problem in check.get("problems") or ():
        if problem.get("evidence") and problem["id"] in labels:
            entry = (problem["id"], labels[problem["id"]])
            bucket = shows.setdefault(_reply_key(problem["evidence"]), [])
            if entry not in bucket:
                bucket.append(entry)
    return shows


def _clause(clause: dict[str, Any], labels: dict[str, str], by_id: dict[str, dict[str, Any]]) -> dict[str, Any]:
    amb = clause.get("ambiguity")
    return {
        "id": clause["id"],
        "level": clause["level"],
        "status": clause["status"],
        "status_name": clause["status"].replace("_", " "),
        "title": clause["title"],
        "roots": [{"id": pid, "label": labels[pid], "message": _text(by_id[pid]["message"])}
                  for pid in clause.get("problems") or ()],
        "reason": _text(clause.get("reason")) if not clause.get("problems") else "",
        "ambiguity": {"id": _text(amb.get("id")), "title": _text(amb.get("title")), "mode": _text(amb.get("mode")),
                      "accepts": ", ".join(amb.get("accepted_readings", []))} if amb else None,
        "checks": [{"nodeid": check["nodeid"], "outcome": check["outcome"], "duration": _text(check.get("duration_s")),
                    "message": _text(check.get("message")),
                    "replies": _replies(check.get("evidence") or [], _shown_by(check, labels))}
                   for check in clause.get("checks", [])],
    }


def _verdict(results: dict[str, Any]) -> dict[str, Any]:
    """The headline (view.headline): green only when every applicable clause was checked and passed;
    then what was not checked, with what would check it."""
    head = headline(results)
    return {
        "tone": "ok" if head.green else "bad" if head.state == "not_conformant" else "warn",
        "state": head.state,
        "text": head.text,
        "unchecked": [{"count": _plural(len(g.clauses), "clause"), "why": g.why, "clauses": list(g.clauses)}
                      for g in [*head.unchecked, *head.not_applicable]],
    }


def page_view(results: dict[str, Any]) -> dict[str, Any]:
    """What report.html.j2 lays out: plain data, every text still unescaped."""
    run = results["run"]
    problems = results.get("problems") or []
    labels, by_id = problem_labels(problems), {p["id"]: p for p in problems}
    return {
        "run": {key: _text(run.get(key)) for key in ("target", "kind", "mode", "started", "finished", "duration_s",
                                                       "b24conform_version")}
               | {"interrupted": bool(run.get("interrupted"))},
        "verdict": _verdict(results),
        "problems": _problems(results),
        "coverage": _coverage(results),
        "clauses": [_clause(c, labels, by_id) for c in results["clauses"]],
    }


def render(results: dict[str, Any]) -> str:
    return render_page("report.html.j2", **page_view(results))
