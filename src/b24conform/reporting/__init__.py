"""Reports of a run: results.json (the data), report.md (PR comments), report.html (browsing),
and `diff` between two results.json files. junit.xml is pytest's own."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from b24conform.reporting import html, markdown
from b24conform.reporting.results import write_json
from b24conform.verdict.redact import redact_data


def write_reports(results: dict[str, Any], report_dir: Path) -> list[Path]:
    # The one place every report file passes: each string of the results, whatever field it sits in,
    # is redacted before any of the three is rendered (the builders redact what they know; this catches the rest).
    results = redact_data(results)
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    paths = [write_json(results, report_dir / "results.json")]
    md = report_dir / "report.md"
    md.write_text(markdown.render(results), encoding="utf-8")
    page = report_dir / "report.html"
    page.write_text(html.render(results), encoding="utf-8")
    return [*paths, md, page]
