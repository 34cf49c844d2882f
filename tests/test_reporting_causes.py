"""Root causes first: a problem others follow from (a refused credential accepted, a refused request
honoured) leads, its consequences grouped beneath it; which kinds follow from which is data of the kinds
table (problem_kinds: `cause`, `precedes`). The CLI summary speaks in problems, one line each."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from test_judge_live_paths import _run, _start
from test_portal_cli import stop
from test_reporting_problems import VALIDATOR

from b24conform.contract import load_contract
from b24conform.judge.checks.errors import check_error, check_error_one_of
from b24conform.judge.evidence import Evidence
from b24conform.reporting import html as html_report
from b24conform.reporting import markdown
from b24conform.reporting.results import RunInfo, build_results
from b24conform.verdict.accounting import CheckOutcome
from b24conform.verdict.problem_kinds import KINDS
from b24conform.verdict.problems import Problem

CONTRACT = load_contract()


@dataclass
class Request:
    url: str
    body: str
    auth: str = "webhook"
    http_method: str = "POST"

    def as_dict(self):
        return {"http_method": self.http_method, "url": self.url, "content_type": "application/json", "body": self.body}


@dataclass
class Reply:
    request: Request
    status: int = 200
    text: str = '{"result": true}'
    at: float = 0.0
    json: object = field(default=None)

    def __post_init__(self):
        self.json = json.loads(self.text)

    def curl(self):
        return f"curl {self.request.url}"


def check(nodeid: str, clauses: list[str], *recorded: tuple[Reply, list[Problem]]) -> CheckOutcome:
    sink: list = []
    for reply, problems in recorded:
        Evidence(sink, clauses).record(reply, problems=problems)
    return CheckOutcome(nodeid, clauses, "failed", 0.1, "AssertionError", sink)


def results(*checks: CheckOutcome) -> dict:
    info = RunInfo(started=0.0, finished=1.0, mode="lenient", target="https://h/rest/1/c0de99/", kind="live")
    return build_results(CONTRACT, list(checks), info)


URL = "https://h/rest/1/***/"
WRONG = Reply(Request(URL + "crm.activity.delete", '{"id": 2}', auth="bad_code"), at=10.0)


def test_the_kinds_table_holds_the_relation_as_data():
    causes = {name: k for name, k in KINDS.items() if k.cause is not None}
    assert causes["credential-accepted"].cause < causes["refusal-ignored"].cause
    for name, entry in KINDS.items():
        assert entry.precedes <= set(KINDS), name  # only kinds the catalogue knows
        assert not entry.precedes & set(causes), name  # a cause follows from nothing
        assert bool(entry.precedes) == (entry.cause is not None), name


def test_a_refusal_that_did_not_happen_records_its_cause_first():
    wrong_add = Reply(Request(URL + "crm.activity.add", "{}", auth="bad_code"), text='{"result": 7, "time": {}}')
    problems = check_error(wrong_add, CONTRACT, "lenient", "NO_AUTH_FOUND")
    assert problems[0].kind == "credential-accepted" and problems[0].subject == "a wrong webhook code"
    assert {p.kind for p in problems[1:]} <= KINDS["credential-accepted"].precedes
    honoured = Reply(Request(URL + "crm.activity.add.json", "{}"), text='{"result": 8}')
    first = check_error_one_of(honoured, CONTRACT, "lenient", ["ADD_TYPE_ID_INVALID"])[0]
    assert first.kind == "refusal-ignored" and first.subject == "crm.activity.add"
    refused = Reply(Request(URL + "crm.activity.add", "{}"), status=400, text='{"error": "X", "error_description": "y"}')
    assert all(p.kind not in {"credential-accepted", "refusal-ignored"}
               for p in check_error(refused, CONTRACT, "lenient", "ADD_TYPE_ID_INVALID"))


def test_a_cause_leads_and_its_consequences_are_grouped_beneath_it():
    accepted = Problem("credential-accepted", "a wrong webhook code", expected=["NO_AUTH_FOUND"], actual=200)
    status = Problem("error-status", "HTTP status", expected=401, actual=200, error_id="NO_AUTH_FOUND")
    # The list, later, no longer finds the activity the honoured delete removed: in many clauses.
    gone = Problem("list-wrong-items", "result", expected=2, actual=[])
    listing = Reply(Request(URL + "crm.activity.list", '{"filter": {"ID": 2}}'), text='{"result": []}', at=20.0)
    # A list of another activity, and a list of activity 2 before the delete: not consequences.
    other = Reply(Request(URL + "crm.activity.list", '{"filter": {"ID": 9}}'), text='{"result": []}', at=30.0)
    earlier = Reply(Request(URL + "crm.activity.list", '{"filter": {"ID": 2}}'), text='{"result": []}', at=5.0)
    total = Problem("list-total", "total", expected=1, actual=0)
    wrong_type = Problem("error-status", "HTTP status", expected=400, actual=200, error_id="ADD_TYPE_ID_INVALID")
    data = results(
        check("a::auth", ["AUTH-006"], (WRONG, [accepted, status])),
        *(check(f"r::{cid}", [cid], (listing, [gone])) for cid in ("RT-004", "RT-019", "COMM-004", "RT-014")),
        check("r::other", ["RT-002"], (other, [total])),
        check("r::earlier", ["RT-003"], (earlier, [total])),
        check("q::type", ["REQ-001"], (Reply(Request(URL + "crm.activity.add", "{}"), status=200), [wrong_type])))
    VALIDATOR.validate(data)
    kinds = [(p["kind"], p["follows"]) for p in data["problems"]]
    by_kind = {p["kind"] + str(p.get("actual")): p for p in data["problems"]}
    cause = data["problems"][0]
    assert cause["kind"] == "credential-accepted" and cause["follows"] is None, kinds
    gone_entry = next(p for p in data["problems"] if p["kind"] == "list-wrong-items")
    assert len(gone_entry["clauses"]) > len(cause["clauses"])  # more widespread, and still beneath its cause
    assert gone_entry["follows"] == cause["id"]
    assert next(p for p in data["problems"] if p.get("error_id") == "NO_AUTH_FOUND")["follows"] == cause["id"]
    assert cause["consequences"] == [p["id"] for p in data["problems"][1:1 + len(cause["consequences"])]]
    # Seen once after the delete on activity 2 and once before it: not every sighting is explained.
    assert by_kind["list-total0"]["follows"] is None
    assert next(p for p in data["problems"] if p.get("error_id") == "ADD_TYPE_ID_INVALID")["follows"] is None
    by_id = {c["id"]: c for c in data["clauses"]}
    assert by_id["RT-004"]["problems"] == [gone_entry["id"]]

    md = markdown.render(data)
    assert md.index("### P1 · a refused credential was accepted") < md.index("**Follow from P1**")
    assert "### P2" not in md  # consequences are one line each beneath their cause
    assert "from 2 root causes" in md or "root cause" in md
    page = html_report.render(data)
    assert page.index("<article class='problem' id='" + cause["id"]) < page.index("<div class='consequences'>")
    assert f"follows from <a href='#{cause['id']}'>P1</a>" in page


def test_against_a_served_portal_the_accepted_wrong_code_leads_and_the_summary_speaks_in_problems(tmp_path):
    proc, webhook, ca = _start(tmp_path, "--profile", "auth-wrong-code-accepted")
    try:
        code, output, data = _run(tmp_path, "--target", webhook, "--ca-bundle", ca, "--allow-writes")
    finally:
        stop(proc)
    assert code == 1, output
    VALIDATOR.validate(data)
    first = data["problems"][0]
    assert first["kind"] == "credential-accepted" and first["subject"] == "a wrong webhook code"
    assert {"AUTH-001", "AUTH-006"} <= set(first["clauses"])
    # The delete it honoured emptied the list of the activity the reading checks share: those follow from it.
    lists = [p for p in data["problems"] if p["kind"].startswith(("list-", "readback-"))]
    assert lists and all(p["follows"] == first["id"] for p in lists)
    assert all(p["follows"] == first["id"] for p in data["problems"][1:]), [(p["kind"], p["follows"]) for p in data["problems"]]
    flat = " ".join(output.split())
    assert f"problems ({len(data['problems'])}, causes first): P1 a wrong webhook code, sent on purpose, was accepted" in flat
    assert "↳ P2" in flat and "more that follow from P1" in flat
    assert " failed: " not in flat  # no line per clause


def test_one_fault_in_many_clauses_is_one_line_of_the_summary(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("B24_", "B24CONFORM_", "PYTEST_XDIST"))}
    env["B24_MOCK_PROFILE"] = "envelope-result-boolean"
    proc = subprocess.run([sys.executable, "-c", "from b24conform.cli import app; app()", "run", "--report-dir",
                           str(tmp_path / "r")], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "r" / "results.json").read_text())
    [problem] = [p for p in data["problems"] if p["kind"] == "result-not-id"]
    assert len(problem["clauses"]) > 30
    flat = " ".join(proc.stdout.split())
    assert f"result true is not a positive integer id [result-not-id]: {len(problem['clauses'])} clauses" in flat
    assert flat.count("result true is not a positive integer id") == 1  # one line, not one per clause
