"""The headline of a run comes from its coverage: green "Conformant" only when every clause that applies
to the target was checked and passed. A run that checked nothing, a read-only run, an interrupted run
each say so, the same way in the CLI summary, report.md and report.html."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_judge_live_paths import _run, _start
from test_portal_cli import stop

from b24conform.contract import load_contract
from b24conform.reporting import html as html_report
from b24conform.reporting import markdown
from b24conform.reporting.results import RunInfo, applicable_passed, build_results
from b24conform.reporting.view import headline
from b24conform.verdict.accounting import CheckOutcome

CONTRACT = load_contract()
AUTOMATED = [cid for cid, c in CONTRACT.clauses.items() if c.check == "automated"]
MOCK_ONLY = [cid for cid in AUTOMATED if CONTRACT.clauses[cid].where == "mock"]


def results_of(checks: list[CheckOutcome], *, kind: str = "mock", partial: bool = False,
               interrupted: bool = False) -> dict:
    info = RunInfo(started=0.0, finished=1.0, mode="lenient", target="https://h/rest/1/c0de99/", kind=kind,
                   partial=partial, interrupted=interrupted)
    return build_results(CONTRACT, checks, info)


def all_pass(except_: tuple[str, ...] = (), skipped: dict[str, str] | None = None) -> list[CheckOutcome]:
    checks = [CheckOutcome(f"s::{cid}", [cid], "passed") for cid in AUTOMATED if cid not in except_ and cid not in (skipped or {})]
    checks += [CheckOutcome(f"s::{cid}", [cid], "skipped", 0.0, why) for cid, why in (skipped or {}).items()]
    return checks


def renders(results: dict) -> tuple[str, str]:
    return markdown.render(results), html_report.render(results)


def test_green_only_when_every_applicable_clause_was_checked_and_passed():
    full = results_of(all_pass())
    head = headline(full)
    assert head.green and head.state == "conformant" and applicable_passed(full)
    md, page = renders(full)
    assert "✅ **Conformant**" in md and "class='verdict ok'" in page

    # A live portal cannot offer the reference portal's own set-up: those clauses do not apply to it.
    live = results_of(all_pass(skipped={cid: f"{cid} needs a target with capability 'mock' (...)" for cid in MOCK_ONLY}),
                      kind="live")
    assert headline(live).green and headline(live).not_applicable[0].clauses == tuple(MOCK_ONLY)


def test_a_run_that_checked_nothing_is_not_green():
    nothing = results_of([], partial=True)
    head = headline(nothing)
    assert not head.green and head.state == "nothing_checked"
    assert head.text.startswith(f"Nothing checked: 0 of {len(AUTOMATED)} clauses checked")
    assert head.unchecked[0].why.startswith("not in this run's selection")
    md, page = renders(nothing)
    assert "Conformant" not in md and "Conformant" not in page and "class='verdict ok'" not in page
    assert "None found, because nothing was checked." in md


def test_a_read_only_run_says_what_was_not_checked_and_what_would_check_it():
    skips = {"CALL-001": "CALL-001 create(s) activities: not allowed on a live portal without --allow-writes "
                         "(pytest: --b24-allow-writes)",
             "CALL-004": "CALL-004 needs a target with capability 'oauth' (pass --oauth-token (pytest: --b24-oauth-token))",
             "LIMIT-001": "the live target is not declared safe to trip its limits (B24_TRIP_LIMITS=1, pytest: --b24-trip-limits)"}
    data = results_of(all_pass(skipped=skips), kind="live")
    head = headline(data)
    assert head.state == "partly_checked" and not head.green
    remedies = {g.why: g.clauses for g in head.unchecked}
    assert [w for w in remedies if "--allow-writes" in w] and [w for w in remedies if "--oauth-token" in w]
    assert [w for w in remedies if "B24_TRIP_LIMITS=1" in w]
    md, page = renders(data)
    assert "**Partly checked**" in md and "--oauth-token" in md and "class='verdict warn'" in page
    assert "Not checked, and what would check it" in md and "Not checked, and what would check it" in page


def test_an_interrupted_run_is_marked_so_and_its_unrun_clauses_are_no_verdict():
    data = results_of([CheckOutcome("s::a", ["CALL-001"], "passed")], interrupted=True)
    assert data["run"]["interrupted"] is True
    statuses = {c["id"]: c["status"] for c in data["clauses"]}
    assert statuses["CALL-001"] == "passed" and statuses["CALL-002"] == "not_run"
    assert "failed" not in statuses.values() and "not_covered" not in statuses.values()
    head = headline(data)
    assert head.state == "interrupted" and head.label == "Interrupted" and not head.green
    md, page = renders(data)
    assert "**Interrupted**" in md and "**interrupted**" in md and "Interrupted:" in page
    assert "Not conformant" not in md + page


def test_failures_lead_the_headline_even_when_much_was_not_checked():
    data = results_of([CheckOutcome("s::a", ["CALL-001"], "failed", 0.0, "boom")], kind="live")
    head = headline(data)
    assert head.state == "not_conformant" and head.text.startswith("Not conformant: 1 clause failed")


# -- the CLI, the reports it writes -----------------------------------------------------------------

def _cli(tmp_path: Path, *args: str, suites: Path | None = None) -> tuple[subprocess.CompletedProcess, Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("B24_", "B24CONFORM_", "PYTEST_XDIST"))}
    if suites:
        env["B24CONFORM_SUITES_DIR"] = str(suites)
    out = tmp_path / "r"
    proc = subprocess.run([sys.executable, "-c", "from b24conform.cli import app; app()", "run", "--report-dir", str(out),
                           *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    return proc, out


def _reports(out: Path) -> tuple[dict, str, str]:
    return (json.loads((out / "results.json").read_text()), (out / "report.md").read_text(),
            (out / "report.html").read_text())


def test_cli_a_selection_that_matches_nothing_is_not_green(tmp_path):
    proc, out = _cli(tmp_path, "-k", "nothingmatches")
    assert proc.returncode == 5, proc.stdout + proc.stderr
    _, md, page = _reports(out)
    assert f"Nothing checked: 0 of {len(AUTOMATED)} clauses checked" in proc.stdout
    assert "Conformant" not in proc.stdout + md + page and "class='verdict ok'" not in page


def test_cli_an_interrupted_run_says_so_in_every_report(tmp_path):
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "test_tiny.py").write_text(
        "import os, signal\nimport pytest\n\n"
        "@pytest.mark.b24conform_clause('CALL-001')\ndef test_a(b24_target):\n"
        "    assert b24_target.call('crm.activity.nosuchmethod').status == 404\n\n"
        "@pytest.mark.b24conform_clause('CALL-002')\ndef test_b(b24_target):\n"
        "    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the middle of a check\n\n"
        "@pytest.mark.b24conform_clause('CALL-003')\ndef test_c():\n    pass\n")
    proc, out = _cli(tmp_path, suites=suites)
    results, md, page = _reports(out)
    assert results["run"]["interrupted"] is True
    statuses = {c["id"]: c["status"] for c in results["clauses"]}
    # The check Ctrl-C stopped is no pass, and nothing it did not judge is reported as non-conformance.
    assert statuses["CALL-001"] == "passed" and statuses["CALL-002"] == statuses["CALL-003"] == "not_run"
    assert "failed" not in statuses.values()
    assert proc.returncode == 5
    assert "Interrupted:" in proc.stdout and "interrupted" in proc.stderr
    assert "**Interrupted**" in md and "data-state='interrupted'" in page
    assert "Not conformant" not in proc.stdout + md + page


def test_cli_a_read_only_live_run_lists_what_would_check_the_rest(tmp_path):
    proc, webhook, ca = _start(tmp_path)
    try:
        code, output, results = _run(tmp_path, "--target", webhook, "--ca-bundle", ca)
    finally:
        stop(proc)
    assert code == 0, output  # the exit code gates on failures and --min-coverage, not on the headline
    md, page = (tmp_path / "reports" / "report.md").read_text(), (tmp_path / "reports" / "report.html").read_text()
    head = headline(results)
    assert head.state == "partly_checked" and head.checked < head.checkable / 4
    flat = " ".join(output.split())
    assert "Partly checked:" in flat and f"{head.checked} of {head.checkable} clauses checked" in flat
    for remedy in ("--allow-writes", "--oauth-token", "B24_TRIP_LIMITS=1", "embedded reference portal"):
        assert remedy in flat and remedy in md and remedy in page, remedy
    assert "(pytest:" not in flat  # the CLI speaks of its own options
    assert "Conformant" not in flat + md + page
