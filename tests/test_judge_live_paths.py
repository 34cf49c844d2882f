"""The judge against portals that are not its embedded mock, as a vendor runs it: `b24conform serve`
started as a separate process (with a seed world whose ids differ from the packaged one, or a profile
that accepts any webhook code), then `b24conform run --target ...` as another process.

What must hold: a read-only run changes nothing whatever the portal accepts; a zero-config run with
writes passes and leaves the portal holding exactly what it held before; a target with nothing
listening, or credentials the portal refuses, is an error with its own exit code, never a verdict.
"""
from __future__ import annotations

import json
import re
import os
import socket
import ssl
import sys
from pathlib import Path

import httpx
import pytest
from test_portal_cli import run_serve, stop

ROOT = Path(__file__).resolve().parents[1]
OTHER_WORLD = ROOT / "tests" / "data" / "world_other_ids.yaml"
B24CONFORM = str(Path(sys.executable).parent / "b24conform")
ENTITIES = ("crm.activity.list", "crm.contact.list", "crm.deal.list", "crm.company.list")
EXIT_NONCONFORMANT, EXIT_TARGET = 1, 3


def _judge_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("B24_", "B24CONFORM_", "PYTEST_"))}
    # The separate portal runs without limits, so the run may go faster than the standard plan's
    # 2 requests/s; the request count is the live budget's, only the pace differs.
    env.update({"B24_RATE": "200", "B24_BURST": "1000", "B24_LEDGER_DIR": str(tmp_path / "ledger")})
    return env


def _start(tmp_path: Path, *args: str, command: list[str] | None = None,
           env: dict[str, str] | None = None) -> tuple[object, str, str]:
    """A portal served in `tmp_path` on a free port (by `command` if given): (process, webhook, CA file)."""
    proc, lines, ready = run_serve(["--port", "0", "--db", str(tmp_path / "portal.sqlite3"),
                                    "--tls-dir", str(tmp_path / "tls"), *args], tmp_path, command, env)
    assert ready.wait(60), lines
    webhook = next((line.split(" ", 1)[1] for line in lines if line.startswith("webhook: ")), None)
    ca = next((line.split(" ", 1)[1] for line in lines if line.startswith("ca: ")), None)
    assert webhook and ca, lines
    return proc, webhook, ca


def _snapshot(webhook: str, ca: str) -> dict[str, list]:
    """Every activity, contact, deal and company the portal holds, every field, read back."""
    seen = {}
    with httpx.Client(verify=ssl.create_default_context(cafile=ca), timeout=30) as client:
        for method in ENTITIES:
            items, start = [], 0
            while start is not None:
                select = ["*", "COMMUNICATIONS"] if method == "crm.activity.list" else ["*", "PHONE", "EMAIL"]
                data = client.post(webhook + method, json={"select": select, "order": {"ID": "ASC"},
                                                           "start": start}).json()
                assert "result" in data, data
                items += data["result"]
                start = data.get("next")
            seen[method] = items
    return seen


def _run(tmp_path: Path, *args: str) -> tuple[int, str, dict | None]:
    import subprocess

    report = tmp_path / "reports"
    proc = subprocess.run([B24CONFORM, "run", "--report-dir", str(report), *args], cwd=tmp_path,
                          env=_judge_env(tmp_path), capture_output=True, text=True, timeout=600)
    results = report / "results.json"
    return proc.returncode, proc.stdout + proc.stderr, json.loads(results.read_text()) if results.exists() else None


def _add_activity(webhook: str, ca: str, owner: int, contact: int, user: int) -> int:
    fields = {"OWNER_TYPE_ID": 2, "OWNER_ID": owner, "TYPE_ID": 2, "SUBJECT": "A customer's call",
              "RESPONSIBLE_ID": user, "COMMUNICATIONS": [{"VALUE": "+18005551234", "ENTITY_ID": contact,
                                                          "ENTITY_TYPE_ID": 3}]}
    reply = httpx.post(webhook + "crm.activity.add", json={"fields": fields}, verify=ssl.create_default_context(cafile=ca), timeout=30).json()
    assert isinstance(reply.get("result"), int), reply
    return reply["result"]


def test_a_read_only_run_changes_nothing_on_a_portal_that_accepts_any_code(tmp_path):
    proc, webhook, ca = _start(tmp_path, "--profile", "auth-wrong-code-accepted")
    try:
        _add_activity(webhook, ca, owner=102, contact=134, user=1)  # activity 1: somebody's data
        before = _snapshot(webhook, ca)
        # Fixture options name real records, so nothing but the gate stands between a check and a write.
        code, output, results = _run(tmp_path, "--target", webhook, "--ca-bundle", ca,
                                     "--owner", "102", "--contact", "134", "--responsible", "1")
        after = _snapshot(webhook, ca)
    finally:
        stop(proc)
    assert after == before, output
    assert before["crm.activity.list"], "the portal held an activity the run must not touch"
    # The profile's fault is found by the checks that do not write: a verdict, not an error.
    assert code == EXIT_NONCONFORMANT, output
    statuses = {c["id"]: c["status"] for c in results["clauses"]}
    assert statuses["AUTH-001"] == "skipped" and statuses["AUTH-006"] == "failed"
    assert "clauses checked" in output and "not checked" in output  # what a read-only run could not do


def test_a_read_only_batch_plan_run_changes_nothing_on_a_portal_of_another_world_that_accepts_any_code(tmp_path):
    # The plan sends commands inside `batch` requests: the gate must see a write there as it does at top level.
    proc, webhook, ca = _start(tmp_path, "--seed-data", str(OTHER_WORLD), "--webhook", "7001:othercode7001",
                               "--profile", "auth-wrong-code-accepted")
    try:
        _add_activity(webhook, ca, owner=8101, contact=8201, user=7001)  # somebody's activity
        before = _snapshot(webhook, ca)
        code, output, results = _run(tmp_path, "--target", webhook, "--ca-bundle", ca, "--batch-plan",
                                     "--owner", "8101", "--contact", "8201", "--responsible", "7001")
        after = _snapshot(webhook, ca)
    finally:
        stop(proc)
    assert after == before, output
    assert "batch plan:" in output, output[-3000:]  # the plan ran: the checks' calls went out in batches
    assert before["crm.activity.list"], "the portal held an activity the run must not touch"
    assert code == EXIT_NONCONFORMANT, output
    statuses = {c["id"]: c["status"] for c in results["clauses"]}
    assert statuses["AUTH-001"] == "skipped" and statuses["AUTH-006"] == "failed"


def test_zero_config_writes_pass_and_leave_no_trace_in_a_world_without_the_packaged_ids(tmp_path):
    proc, webhook, ca = _start(tmp_path, "--seed-data", str(OTHER_WORLD), "--webhook", "7001:othercode7001")
    try:
        _add_activity(webhook, ca, owner=8101, contact=8201, user=7001)
        before = _snapshot(webhook, ca)
        code, output, results = _run(tmp_path, "--target", webhook, "--ca-bundle", ca, "--allow-writes")
        after = _snapshot(webhook, ca)
    finally:
        stop(proc)
    assert code == 0, output
    checked = [c for c in results["clauses"] if c["status"] == "passed"]
    assert len(checked) >= 60 and not [c for c in results["clauses"] if c["status"] in {"failed", "error"}]
    assert after == before, output
    assert not list((tmp_path / "ledger").glob("*.jsonl")), "every ledger settled and removed"
    # `run` says what it removed: the records the run made, counted by the cleanup that removed them
    assert re.search(r"^deleted \d+ activities, 1 deal\(s\), 1 contact\(s\) created by this run$", output, re.M), output
    assert results["run"]["notes"] == [re.search(r"^deleted .* created by this run$", output, re.M).group(0)]
    # No request of the run bound anything to the packaged seed's records (deal 102, contact 134).
    evidence = json.dumps(results)
    assert '"OWNER_ID": 102' not in evidence and '"ENTITY_ID": 134' not in evidence


def test_fixture_options_bind_to_the_given_records_and_create_none(tmp_path):
    proc, webhook, ca = _start(tmp_path, "--seed-data", str(OTHER_WORLD), "--webhook", "7001:othercode7001")
    try:
        before = _snapshot(webhook, ca)
        code, output, _ = _run(tmp_path, "--target", webhook, "--ca-bundle", ca, "--allow-writes",
                               "-k", "roundtrip", "--owner", "8102", "--contact", "8202", "--responsible", "7002")
        after = _snapshot(webhook, ca)
    finally:
        stop(proc)
    assert code == 0, output
    assert after == before  # the run's activities are gone, and no contact or deal was created


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_nothing_listening_is_an_error_not_a_verdict(tmp_path):
    code, output, results = _run(tmp_path, "--target", f"http://127.0.0.1:{_free_port()}/rest/1/secretcode/")
    assert code == EXIT_TARGET, output
    assert results is None or not [c for c in results["clauses"] if c["status"] == "failed"]
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach the target" in lines[0], output
    assert "secretcode" not in output


def test_refused_credentials_stop_the_run_before_any_check(tmp_path):
    proc, webhook, ca = _start(tmp_path)
    try:
        wrong = webhook.rstrip("/").rsplit("/", 1)[0] + "/notthecode/"
        code, output, results = _run(tmp_path, "--target", wrong, "--ca-bundle", ca)
    finally:
        stop(proc)
    assert code == EXIT_TARGET, output
    assert results is None
    assert "refused crm.activity.fields" in output and "notthecode" not in output


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_page_instead_of_json_is_an_error(tmp_path, status):
    """A proxy in front of the portal answers with HTML: the checks that got it are errors."""
    from b24conform.judge.client import Endpoints, Webhook
    from b24conform.judge.target import Target, TargetError

    def gateway(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text="<html>Bad Gateway</html>", headers={"content-type": "text/html"})

    target = Target(Endpoints("https://portal.example", Webhook(1, "code")), kind="live", run_id="t",
                    client=httpx.Client(transport=httpx.MockTransport(gateway)))
    with pytest.raises(TargetError, match=f"HTTP {status} with a body that is not JSON"):
        target.call("crm.activity.fields", {})


def test_an_oauth_only_target_passes_the_faithful_portal(tmp_path):
    """No webhook at all: one OAuth token is the judge's only credential. Clauses that need a webhook
    are skipped with their reason, every other one passes (before: AUTH-002 failed with the judge's own
    'this target has no webhook', REQ-008 sent a raw body without the token and blamed NO_AUTH_FOUND)."""
    token = "oauthonlytoken7001"
    proc, webhook, ca = _start(tmp_path, "--seed-data", str(OTHER_WORLD), "--webhook", "7001:othercode7001",
                               "--oauth-token", f"{token}:7001")
    base = webhook.split("/rest/", 1)[0] + "/rest/"
    try:
        code, output, results = _run(tmp_path, "--target", base, "--oauth-token", token, "--ca-bundle", ca,
                                     "--allow-writes")
    finally:
        stop(proc)
    assert code == 0, output
    statuses = {c["id"]: c["status"] for c in results["clauses"]}
    assert not [cid for cid, status in statuses.items() if status in {"failed", "error"}], output
    assert statuses["AUTH-002"] == "skipped" and statuses["REQ-008"] == "passed"
    assert token not in output and token not in json.dumps(results)
