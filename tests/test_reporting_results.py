"""results.json accounts for every clause; report.md and report.html render it safely."""
from __future__ import annotations

import json
import re

from b24conform.contract import load_contract
from b24conform.reporting import write_reports
from b24conform.reporting import html as html_report
from b24conform.reporting import markdown
from b24conform.reporting.results import RunInfo, applicable_passed, build_results
from b24conform.verdict.accounting import CheckOutcome

EVIL = "<script>alert('x')</script> | pipe"


def sample() -> dict:
    checks = [
        CheckOutcome("s.py::test_a", ["CALL-001", "CALL-002"], "passed", 0.1),
        CheckOutcome("s.py::test_b", ["CALL-002"], "failed", 0.2, f"boom {EVIL}",
                     [{"request": {"http_method": "POST", "url": "https://h/rest/1/secretcode99/x", "body": EVIL},
                       "status": 400, "response_excerpt": EVIL, "curl": "curl x", "note": EVIL}]),
        CheckOutcome("s.py::test_c", ["CALL-004"], "skipped", 0.0, "needs oauth"),
    ]
    info = RunInfo(started=0.0, finished=2.5, mode="strict", target="https://h/rest/1/secretcode99/", kind="live")
    return build_results(load_contract(), checks, info)


def test_every_clause_is_listed_once_with_a_status():
    data = sample()
    contract = load_contract()
    assert [c["id"] for c in data["clauses"]] == list(contract.clauses)
    status = {c["id"]: c["status"] for c in data["clauses"]}
    assert status["CALL-001"] == "passed"
    assert status["CALL-002"] == "failed"
    assert status["CALL-004"] == "skipped"
    assert status["CALL-003"] == "not_covered"
    assert status["EMAIL-005"] == "not_checkable"
    counts = data["run"]["counts"]["clauses"]
    assert sum(counts.values()) == len(contract.clauses)
    assert counts["not_checkable"] == sum(1 for c in contract.clauses.values() if c.check == "none")
    assert not applicable_passed(data)


def test_run_block_is_complete_and_redacted():
    run = sample()["run"]
    assert set(run) >= {"started", "finished", "duration_s", "mode", "target", "kind", "b24conform_version", "counts"}
    assert run["duration_s"] == 2.5 and "secretcode99" not in run["target"]
    by_id = {c["id"]: c for c in sample()["clauses"]}
    assert "secretcode99" not in json.dumps(by_id["CALL-002"])
    amb = next(c for c in sample()["clauses"] if c["ambiguity"])
    assert amb["ambiguity"]["accepted_readings"]


def test_reports_are_written(tmp_path):
    paths = write_reports(sample(), tmp_path / "r")
    assert {p.name for p in paths} == {"results.json", "report.md", "report.html"}
    assert json.loads((tmp_path / "r" / "results.json").read_text())["clauses"]


def test_markdown_has_a_table_per_family_and_escapes_cells():
    text = markdown.render(sample())
    families = {cid.rsplit("-", 1)[0] for cid in load_contract().clauses}
    for fam in families:
        assert f"\n## {fam}\n" in text
    assert "<script>" not in text
    for line in text.splitlines():
        if line.startswith("| CALL-002"):
            assert line.count(" | ") == 4  # the pipe inside the message did not add a column


def test_html_is_self_contained_filterable_and_escaped():
    page = html_report.render(sample())
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    # Nothing loaded from the network (links to the docs are fine: a click is not a load).
    assert not re.search(r"""src=["']https?://|<link[^>]+href=["']https?://""", page)
    assert page.count("class='clause'") == len(load_contract().clauses)
    for status in ("passed", "failed", "skipped", "not_checkable", "not_covered"):
        assert f"value='{status}'" in page
    assert "class='detail'" in page and "curl x" in page


def _failing(nodeid: str, clauses: list[str], problem) -> CheckOutcome:
    item = {"request": {"http_method": "POST", "url": "https://h/rest/x", "body": ""}, "status": 200,
            "response_excerpt": "{}", "curl": "curl x", "note": nodeid, "problems": [problem.as_dict()]}
    return CheckOutcome(nodeid, clauses, "failed", 0.1, f"AssertionError: {problem}", [item])


def test_each_clause_reason_comes_from_its_own_checks():
    # One defect (same kind and values: one problem of the run) found by two checks of different
    # clauses, each inside its own part of the check: a clause's reason is told in its own check's
    # words, never in those of the other clause's check that happened to find the problem first.
    from b24conform.verdict.problems import Problem

    same = Problem("error-status", "HTTP status", expected=400, actual=200, error_id="ADD_SUBJECT_MISSING")
    checks = [_failing("s.py::test_a", ["CALL-001"], same.within("step adding without SUBJECT")),
              _failing("s.py::test_b", ["CALL-002"], same.within("batch command 'b'")),
              CheckOutcome("s.py::test_c", ["CALL-002"], "passed", 0.1)]
    info = RunInfo(started=0.0, finished=1.0, mode="strict", target="embedded mock portal", kind="mock")
    data = build_results(load_contract(), checks, info)
    by_id = {c["id"]: c for c in data["clauses"]}
    assert len(data["problems"]) == 1 and by_id["CALL-001"]["problems"] == by_id["CALL-002"]["problems"]
    assert by_id["CALL-001"]["reason"].startswith("step adding without SUBJECT: ")
    assert by_id["CALL-002"]["reason"].startswith("batch command 'b': ")
    assert "step adding without SUBJECT" not in by_id["CALL-002"]["reason"]
    assert "batch command" not in by_id["CALL-001"]["reason"]


def test_the_runs_notes_are_kept_in_order_and_redacted():
    note = "could not delete 1 record(s); run `b24conform cleanup` (target https://h/rest/1/secretcode99/)"
    info = RunInfo(started=0.0, finished=1.0, mode="lenient", target="https://h/rest/1/secretcode99/", kind="live",
                   notes=("batch plan: 3 call(s) of 2 checks in 1 batch request(s)", note))
    data = build_results(load_contract(), [], info)
    assert data["run"]["notes"] == ["batch plan: 3 call(s) of 2 checks in 1 batch request(s)",
                                    note.replace("secretcode99", "***")]
