"""report.md: one table per clause family, short enough for a pull-request comment."""
from __future__ import annotations

from itertools import groupby
from typing import Any

ICON = {"passed": "✅ passed", "failed": "❌ failed", "error": "🔌 error", "skipped": "⏭️ skipped",
        "not_checkable": "➖ not checkable", "not_covered": "⚠️ not covered"}


def _cell(text: Any) -> str:
    """Table-safe text: pipes and newlines would break the table; HTML is neutralised."""
    s = "" if text is None else str(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()


def _short(text: Any, limit: int = 160) -> str:
    s = _cell(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def render(results: dict[str, Any]) -> str:
    from b24conform.reporting.results import coverage

    run = results["run"]
    counts = run["counts"]["clauses"]
    checked, checkable = coverage(results)
    lines = [
        "# b24conform: crm.activity.add conformance",
        "",
        f"**{checked} of {checkable} clauses checked**"
        + (f" ({100 * checked / checkable:.0f} %)" if checkable else ""),
        "",
        f"Target: `{run['target']}` ({run['kind']}), mode **{run['mode']}**, "
        f"{run['started']} – {run['finished']} ({run['duration_s']} s), b24conform {run['b24conform_version']}",
        "",
        "| " + " | ".join(ICON.get(k, k) for k in counts) + " |",
        "|" + "---|" * len(counts),
        "| " + " | ".join(str(v) for v in counts.values()) + " |",
        "",
    ]
    clauses = results["clauses"]
    for fam, group in groupby(clauses, key=lambda c: c.get("family") or c["id"].rsplit("-", 1)[0]):
        lines += [f"## {fam}", "", "| clause | level | status | title | detail |", "|---|---|---|---|---|"]
        for c in group:
            detail = c.get("reason") or ""
            if c.get("ambiguity"):
                detail = f"{c['ambiguity']['id']}; {detail}" if detail else c["ambiguity"]["id"]
            lines.append(f"| {c['id']} | {c['level']} | {ICON.get(c['status'], c['status'])} | "
                         f"{_cell(c['title'])} | {_short(detail)} |")
        lines.append("")
    return "\n".join(lines)
