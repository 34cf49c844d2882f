"""report.md, for a pull-request comment: the problems to fix first, then coverage, then the clause
matrix folded away (one table per clause family)."""
from __future__ import annotations

from itertools import groupby
from typing import Any

from b24conform import mdtext
from b24conform.reporting.view import (SHOWN_PROBLEMS, TEXT_KINDS, actual_text, citations, coverage_cells, headline,
                                       lead, no_problems, problem_labels, roots)

ICON = {"passed": "✅ passed", "failed": "❌ failed", "error": "🔌 error", "skipped": "⏭️ skipped",
        "not_checkable": "➖ not checkable", "not_covered": "⚠️ not covered", "not_run": "⏹️ not run"}
VERDICT_ICON = {"conformant": "✅", "not_conformant": "❌", "interrupted": "⏹️"}  # anything else: ⚠️


def _cell(value: Any, *, in_table: bool = True) -> str:
    """b24conform's and the spec's sentences, their `ticked` words as code, the rest shown as written."""
    return mdtext.prose(value, in_table=in_table)


def _shortened(value: Any, limit: int) -> str:
    # Cut before escaping, so that the cut never splits an escape or a code span.
    s = " ".join(("" if value is None else str(value)).splitlines()).strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _short(value: Any, limit: int = 160, *, in_table: bool = True) -> str:
    return mdtext.prose(_shortened(value, limit), in_table=in_table)


def _block(text: str, lang: str = "") -> list[str]:
    fence = "```"
    while fence in text:
        fence += "`"
    return [fence + lang, text, fence]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _problem(number: str, problem: dict[str, Any]) -> list[str]:
    clauses = problem["clauses"]
    beneath = len(problem.get("consequences") or ())
    follow = f" (and {_plural(beneath, 'problem')} follow from it)" if beneath else ""
    lines = [
        f"### {number} · {_cell(problem['title'], in_table=False)}: {_plural(len(clauses), 'clause')}{follow}",
        "",
        f"{_cell(problem['message'], in_table=False)}",
        "",
        f"- **expected:** {_short(problem['expectation'], 300, in_table=False)}",
        *([] if problem["kind"] in TEXT_KINDS else [f"- **actual:** {mdtext.code(_shortened(actual_text(problem), 300), in_table=False)}"]),
        f"- **kind:** {mdtext.code(problem['kind'], in_table=False)}",
        f"- **clauses:** {', '.join(clauses)}",
        "",
        "<details><summary>what the docs say</summary>",
        "",
    ]
    for text, link, citing in citations(problem):
        shown = mdtext.link(text, link, in_table=False) if link else _cell(text, in_table=False)
        lines.append(f"- {shown}: {', '.join(citing)}")
    lines += ["", "</details>", ""]
    lines += _reproduce(problem)
    return lines


def _reproduce(problem: dict[str, Any]) -> list[str]:
    evidence = problem.get("evidence") or {}
    script = evidence.get("reproduce") or evidence.get("curl")
    if not script:
        return []
    return ["<details><summary>reproduce</summary>", "", *_block(script, "sh"), "", "</details>", ""]


SHOWN_CONSEQUENCES = 10  # per cause, in report.md; report.html lists all


def _consequences(cause: str, found: list[dict[str, Any]], labels: dict[str, str]) -> list[str]:
    if not found:
        return []
    lines = [f"**Follow from {cause}** (fix {cause} first: they may go with it):", ""]
    for problem in found[:SHOWN_CONSEQUENCES]:
        clauses = problem["clauses"]
        lines.append(f"- {labels[problem['id']]} · {_cell(problem['title'], in_table=False)}: "
                     f"{_short(problem['message'], 200, in_table=False)} "
                     f"({_plural(len(clauses), 'clause')}: {', '.join(clauses)})")
    if len(found) > SHOWN_CONSEQUENCES:
        lines.append(f"- … and {len(found) - SHOWN_CONSEQUENCES} more in report.html")
    return [*lines, ""]


def _problems(results: dict[str, Any]) -> list[str]:
    problems = results.get("problems") or []
    failed = results["run"]["counts"]["clauses"].get("failed", 0)
    if not problems:
        return ["## Problems", "", no_problems(results), ""]
    grouped = roots(problems)
    lines = ["## Problems", "", lead(len(problems), failed, len(grouped)), ""]
    labels = problem_labels(problems)
    for problem, beneath in grouped[:SHOWN_PROBLEMS]:
        lines += _problem(labels[problem["id"]], problem)
        lines += _consequences(labels[problem["id"]], beneath, labels)
    if len(grouped) > SHOWN_PROBLEMS:
        rest = sum(1 + len(beneath) for _, beneath in grouped[SHOWN_PROBLEMS:])
        lines += [f"… and {rest} more in report.html.", ""]
    return lines


def _coverage(results: dict[str, Any]) -> list[str]:
    cells = coverage_cells(results)
    return ["## Coverage", "",
            "| " + " | ".join(ICON.get(name, name) for name, _ in cells) + " |",
            "|" + "---|" * len(cells),
            "| " + " | ".join(str(count) for _, count in cells) + " |", ""]


def _detail(clause: dict[str, Any], labels: dict[str, str], by_id: dict[str, dict[str, Any]]) -> str:
    if clause["status"] == "failed" and clause.get("problems"):
        return "; ".join(f"{labels[pid]}: {by_id[pid]['message']}" for pid in clause["problems"])
    detail = clause.get("reason") or ""
    if clause.get("ambiguity"):
        detail = f"{clause['ambiguity']['id']}; {detail}" if detail else clause["ambiguity"]["id"]
    return detail


def _matrix(results: dict[str, Any]) -> list[str]:
    problems = results.get("problems") or []
    labels, by_id = problem_labels(problems), {p["id"]: p for p in problems}
    clauses = results["clauses"]
    lines = [f"<details><summary>Clause matrix ({len(clauses)} clauses)</summary>", ""]
    for fam, group in groupby(clauses, key=lambda c: c.get("family") or c["id"].rsplit("-", 1)[0]):
        lines += [f"## {fam}", "", "| clause | level | status | title | detail |", "|---|---|---|---|---|"]
        for c in group:
            lines.append(f"| {c['id']} | {c['level']} | {ICON.get(c['status'], c['status'])} | "
                         f"{_cell(c['title'])} | {_short(_detail(c, labels, by_id))} |")
        lines.append("")
    return lines + ["</details>", ""]


def _headline(results: dict[str, Any]) -> list[str]:
    head = headline(results)
    lines = [f"{VERDICT_ICON.get(head.state, '⚠️')} **{head.label}**: {_cell(head.sentence, in_table=False)}", ""]
    groups = [*head.unchecked, *head.not_applicable]
    if groups:
        lines += ["Not checked, and what would check it:", ""]
        lines += [f"- {len(g.clauses)} clause{'' if len(g.clauses) == 1 else 's'}: {_cell(g.why, in_table=False)} "
                  f"({', '.join(g.clauses)})" for g in groups]
        lines.append("")
    return lines


def render(results: dict[str, Any]) -> str:
    run = results["run"]
    lines = [
        "# b24conform: crm.activity.add conformance",
        "",
        *_headline(results),
        f"Target: {mdtext.code(run['target'], in_table=False)} ({run['kind']}), mode **{run['mode']}**, "
        f"{run['started']} – {run['finished']} ({run['duration_s']} s), b24conform {run['b24conform_version']}"
        + (", **interrupted**" if run.get("interrupted") else ""),
        "",
    ]
    return "\n".join(lines + _problems(results) + _coverage(results) + _matrix(results))


__all__ = ["ICON", "render"]
