"""Root cause first: problems grouped across checks, the reports open with them, results.json
validates against its shipped schema. Unit cases on hand-made outcomes, then real runs of the suites,
faithful and with one fault (profile envelope-result-boolean), against the embedded mock and against
`b24conform serve` as a live target."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from b24conform.contract import load_contract
from b24conform.judge.evidence import Evidence
from b24conform.reporting import html as html_report
from b24conform.reporting.problems import check_problems
from b24conform.reporting.results import RunInfo, build_results
from b24conform.verdict.accounting import CheckOutcome
from b24conform.verdict.problem_kinds import KINDS
from b24conform.verdict.problems import Problem
from test_portal_cli import run_serve, stop

SCHEMA = json.loads((Path(html_report.__file__).parent / "results.schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
FAULT = "envelope-result-boolean"


class FakeReply:
    status = 200
    text = '{"result":true}'

    class request:  # noqa: N801 - the attribute Reply has
        @staticmethod
        def as_dict():
            return {"http_method": "POST", "url": "https://h/rest/1/secretcode99/crm.activity.add",
                    "content_type": "application/json", "body": "{}"}

    @staticmethod
    def curl():
        return "curl -X POST https://h/rest/1/secretcode99/crm.activity.add"


def failed_check(nodeid: str, clauses: list[str], *problems: Problem) -> CheckOutcome:
    sink: list = []
    Evidence(sink, clauses).record(FakeReply(), note="add", problems=list(problems))
    return CheckOutcome(nodeid, clauses, "failed", 0.1, "AssertionError: ...", sink)


def run_of(*checks: CheckOutcome) -> dict:
    info = RunInfo(started=0.0, finished=1.0, mode="strict", target="https://h/rest/1/secretcode99/", kind="live")
    return build_results(load_contract(), list(checks), info)


BOOL = Problem("result-not-id", "result", actual=True)


def test_one_fault_in_many_checks_is_one_problem_with_every_clause():
    data = run_of(failed_check("a::x", ["CALL-001"], BOOL), failed_check("b::y", ["RT-002"], BOOL),
                  failed_check("c::z", ["ENV-002"], BOOL.within("batch command 'k'")))
    [problem] = data["problems"]
    assert problem["kind"] == "result-not-id" and problem["clauses"] == ["CALL-001", "ENV-002", "RT-002"]
    assert set(problem["checks"]) == {"a::x", "b::y", "c::z"}
    assert set(problem["sources"]) == {"CALL-001", "ENV-002", "RT-002"} and all(problem["sources"].values())
    by_id = {c["id"]: c for c in data["clauses"]}
    assert by_id["RT-002"]["problems"] == [problem["id"]] and by_id["CALL-002"]["problems"] == []
    assert by_id["RT-002"]["reason"] == "result true is not a positive integer id"
    assert "secretcode99" not in json.dumps(data)
    VALIDATOR.validate(data)


def test_distinct_problems_stay_apart_and_the_widespread_come_first():
    status = Problem("error-status", "HTTP status", expected=400, actual=200, error_id="ADD_TYPE_ID_INVALID")
    data = run_of(failed_check("a::x", ["CALL-001"], BOOL), failed_check("b::y", ["RT-002", "RT-003"], BOOL),
                  failed_check("c::z", ["REQ-001"], status))
    assert [p["kind"] for p in data["problems"]] == ["result-not-id", "error-status"]
    assert data["problems"][1]["clauses"] == ["REQ-001"]


def test_a_failure_without_problems_is_kept_as_its_headline():
    bare = CheckOutcome("a::x", ["CALL-001"], "failed", 0.1, "ZeroDivisionError: division by zero")
    [problem] = check_problems(bare)
    assert problem["kind"] == "check-failed" and problem["actual"] == "ZeroDivisionError: division by zero"
    assert check_problems(CheckOutcome("a::y", ["CALL-001"], "passed")) == []
    VALIDATOR.validate(run_of(bare))


def test_the_schema_names_every_kind_and_refuses_an_unknown_one():
    assert SCHEMA["$defs"]["kind"]["enum"] == sorted(KINDS)
    data = run_of(failed_check("a::x", ["CALL-001"], BOOL))
    data["problems"][0]["kind"] = "made-up"
    assert not VALIDATOR.is_valid(data)
    del data["clauses"][0]["problems"]
    assert not VALIDATOR.is_valid(data)


# -- real runs ------------------------------------------------------------------------------------
# Each against the embedded mock (B24_MOCK_PROFILE) and against `b24conform serve --profile` as a live
# target, with writes allowed and a pace the unlimited local portal allows.

def run_cli(out: Path, env: dict[str, str], *args: str, want: int) -> Path:
    proc = subprocess.run([sys.executable, "-c", "from b24conform.cli import app; app()", "run", "--report-dir", str(out),
                           *args], capture_output=True, text=True, cwd=out.parent, env=env, timeout=600)
    assert proc.returncode == want, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("B24_", "B24CONFORM_", "PYTEST_XDIST"))}
    env["B24_LEDGER_DIR"] = str(tmp_path / "ledger")
    return env


def run(tmp_path: Path, where: str, profile: str | None) -> Path:
    out, env = tmp_path / "reports", clean_env(tmp_path)
    want = 1 if profile else 0
    if where == "mock":
        if profile:
            env["B24_MOCK_PROFILE"] = profile
        return run_cli(out, env, want=want)
    proc, lines, ready = run_serve(["--port", "0", "--db", ":memory:", "--tls-dir", str(tmp_path / "tls")]
                                   + (["--profile", profile] if profile else []), tmp_path)
    try:
        assert ready.wait(60), lines
        env["B24_TARGET"] = next(line.split(" ", 1)[1] for line in lines if line.startswith("webhook: "))
        env["B24_CA_BUNDLE"] = next(line.split(" ", 1)[1] for line in lines if line.startswith("ca: "))
        env.update({"B24_RATE": "200", "B24_BURST": "1000"})
        return run_cli(out, env, "--allow-writes", want=want)
    finally:
        stop(proc)


WHERE = ["mock", "serve"]


@pytest.fixture(scope="module", params=WHERE)
def faithful(request, tmp_path_factory) -> Path:
    return run(tmp_path_factory.mktemp("faithful"), request.param, None)


@pytest.fixture(scope="module", params=WHERE)
def one_fault(request, tmp_path_factory) -> Path:
    return run(tmp_path_factory.mktemp("one-fault"), request.param, FAULT)


def problems_section(markdown_text: str) -> str:
    return markdown_text.split("## Problems", 1)[1].split("\n## ", 1)[0]


def test_a_faithful_run_shows_no_problem(faithful):
    results = json.loads((faithful / "results.json").read_text())
    VALIDATOR.validate(results)
    assert results["problems"] == [] and not any(c["problems"] for c in results["clauses"])
    md = (faithful / "report.md").read_text()
    assert md.index("## Problems") < md.index("## Coverage") < md.index("Clause matrix")
    page = (faithful / "report.html").read_text()
    assert "### P" not in md and "<article class='problem'" not in page and "class='verdict bad'" not in page
    if results["run"]["kind"] == "mock":  # every clause checked: the green headline
        assert "None: no check found a deviation" in problems_section(md) and "None: no check found a deviation" in page
        assert "class='verdict ok'" in page
    else:  # a live portal without an OAuth token, limits or plain HTTP: no problem, but no full verdict either
        assert "None among the " in problems_section(md) and "class='verdict warn'" in page


def test_one_fault_is_one_problem_at_the_top_of_both_reports(one_fault):
    results = json.loads((one_fault / "results.json").read_text())
    VALIDATOR.validate(results)
    [problem] = results["problems"]
    failed = [c["id"] for c in results["clauses"] if c["status"] == "failed"]
    assert problem["kind"] == "result-not-id" and problem["actual"] is True
    assert problem["clauses"] == failed and len(failed) > 10  # every failed clause, by this one cause
    assert all(c["problems"] == [problem["id"]] for c in results["clauses"] if c["status"] == "failed")
    assert problem["evidence"]["curl"].startswith("curl ") and "/rest/1/***/" in problem["evidence"]["curl"]

    md = (one_fault / "report.md").read_text()
    top = problems_section(md)
    assert md.index("## Problems") < md.index("## Coverage") < md.index("<details><summary>Clause matrix")
    assert top.count("\n### ") == 1 and "### P1 · `result` is not the new id" in top
    # The reproduction is a script that recreates what the request names, then sends it with curl.
    assert f"**clauses:** {', '.join(failed)}" in top and "```sh\n#!/bin/sh" in top and "\ncurl " in top
    assert "| CALL-001 | MUST | ❌ failed | webhook call with a JSON body | P1: result true is not a positive integer id |" in md

    page = (one_fault / "report.html").read_text()
    assert page.count("<article class='problem'") == 1
    assert page.index("id='problems'") < page.index("id='coverage'") < page.index("id='matrix'")
    article = page.split("<article class='problem'", 1)[1].split("</article>", 1)[0]
    assert re.findall(r"data-clause='([A-Z]+-\d+)'", article) == failed
    assert f"breaks {len(failed)} clauses" in article and "<pre class='curl'>#!/bin/sh" in article and "\ncurl " in article
    assert page.count(f"<a href='#{problem['id']}'>P1</a>") >= len(failed)  # each failed clause names its root
    assert f"Not conformant: {len(failed)} clauses failed, from 1 problem;" in page
    assert "One problem behind" in page


def test_a_reply_captured_twice_is_shown_once_marked_with_its_problem():
    check = failed_check("a::x", ["CALL-001"], BOOL)
    check.evidence.insert(0, {k: v for k, v in check.evidence[0].items() if k != "problems"} | {"note": ""})
    page = html_report.render(run_of(check))
    detail = page.split("id='d-CALL-001'", 1)[1].split("</tr>", 1)[0]
    assert detail.count("<div class='reply'>") == 1 and "shows <a href=" in detail


def test_records_named_by_prefixed_filters_batch_commands_and_multipart_parts():
    from b24conform.reporting.problems import records_named

    def named(body, url="https://x/rest/1/c/crm.activity.list", content_type="application/json"):
        return records_named({"request": {"url": url, "body": body, "content_type": content_type}})

    assert named('{"filter": {"<=ID": 64}, "order": {"ID": "ASC"}}') == {("activity", 64)}
    assert named('{"filter": {"@ID": [3, "4"], "OWNER_ID": 9}}') == {("activity", 3), ("activity", 4)}
    batch = ('{"halt": 0, "cmd": {"a": "crm.activity.get?id=5", "b": "crm.activity.list?filter%5B%3EID%5D=6&select%5B0%5D=ID",'
             ' "c": "crm.deal.delete?id=7"}}')
    assert named(batch, url="https://x/rest/1/c/batch") == {("activity", 5), ("activity", 6), ("deal", 7)}
    multipart = ('--b\r\nContent-Disposition: form-data; name="filter[ID]"\r\n\r\n64\r\n'
                 '--b\r\nContent-Disposition: form-data; name="select[0]"\r\n\r\nID\r\n--b--\r\n')
    assert named(multipart, content_type="multipart/form-data; boundary=b") == {("activity", 64)}
    assert named("filter[ID]=64", content_type="application/x-www-form-urlencoded") == frozenset()
