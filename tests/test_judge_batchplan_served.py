"""The batch plan against portals served apart (`b24conform serve`, then `b24conform run --target` with
B24_BATCH_PLAN=1): the answers that came as batch commands give the verdicts the direct requests give.
A deviant portal that rewords an error is caught through batch (its checks' failing replies came as
commands of a batch), the faithful portal passes, and nothing is left behind."""
from __future__ import annotations

import json
import subprocess

from test_judge_live_paths import B24CONFORM, OTHER_WORLD, _judge_env, _snapshot, _start
from test_portal_cli import stop

# The families whose calls the plan sends as commands, with the clauses the profile below breaks.
SELECTION = "required_fields or test_errors or test_types"


def _run(tmp_path, name, target, ca, plan):
    env = _judge_env(tmp_path)
    if plan:
        env["B24_BATCH_PLAN"] = "1"
    report = tmp_path / name
    proc = subprocess.run([B24CONFORM, "run", "--report-dir", str(report), "--target", target, "--ca-bundle", ca,
                           "--allow-writes", "-k", SELECTION], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    results = json.loads((report / "results.json").read_text())
    return proc.returncode, proc.stdout + proc.stderr, results


def _statuses(results):
    return {c["id"]: c["status"] for c in results["clauses"] if c["status"] != "not_covered"}


def _batch_answers(results, clause):
    """How many replies the clause's failing checks judged came as a batch command (no status of their own)."""
    return sum(1 for c in results["clauses"] if c["id"] == clause for check in c.get("checks", [])
               if check["outcome"] == "failed" for e in check.get("evidence", [])
               if e.get("request", {}).get("url", "").endswith("/batch") and e.get("status") is None)


def test_a_reworded_error_is_caught_through_batch_as_directly(tmp_path):
    proc, webhook, ca = _start(tmp_path, "--seed-data", str(OTHER_WORLD), "--webhook", "7001:othercode7001",
                               "--profile", "messages-responsible-reworded")
    try:
        before = _snapshot(webhook, ca)
        direct_code, direct_out, direct = _run(tmp_path, "direct", webhook, ca, plan=False)
        plan_code, plan_out, planned = _run(tmp_path, "plan", webhook, ca, plan=True)
        after = _snapshot(webhook, ca)
    finally:
        stop(proc)
    assert direct_code == plan_code == 1, (direct_out, plan_out)
    assert _statuses(planned) == _statuses(direct)
    assert {"REQ-007", "ERR-004"} <= {c for c, s in _statuses(planned).items() if s == "failed"}
    # Caught through batch: the failing replies were batch commands' answers, the direct run's were not.
    assert _batch_answers(planned, "REQ-007") and _batch_answers(planned, "ERR-004")
    assert not _batch_answers(direct, "REQ-007")
    assert after == before


def test_the_faithful_portal_passes_with_the_plan(tmp_path):
    proc, webhook, ca = _start(tmp_path, "--seed-data", str(OTHER_WORLD), "--webhook", "7001:othercode7001")
    try:
        before = _snapshot(webhook, ca)
        code, output, results = _run(tmp_path, "plan", webhook, ca, plan=True)
        after = _snapshot(webhook, ca)
    finally:
        stop(proc)
    assert code == 0, output
    assert not [c for c in results["clauses"] if c["status"] in {"failed", "error"}]
    assert after == before
