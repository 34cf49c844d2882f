"""The judge never blames a portal for its own faults: what the judge could not set up is a check it
could not make (skipped, with the reason), never a failed clause or a problem of the portal."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from b24conform.judge.client import Endpoints, Webhook
from b24conform.judge.target import Target
from b24conform.judge.testing import FakePortal
from b24conform.judge.world import establish

ROOT = Path(__file__).resolve().parents[1]
SUITES = ROOT / "suites"


class _NoOwnUser(FakePortal):
    """A portal that answers neither `profile` nor `user.current` with a user (a webhook without the
    scope, a gateway that does not pass them, ...): the judge cannot learn its own user id."""

    def handle(self, http_method: str, path: str, body: str):
        method = path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1].lower().removesuffix(".json")
        if method in {"profile", "user.current"}:
            with self._lock:
                self.requests.append({"method": http_method, "path": path, "body": body})
            return 403, {"error": "insufficient_scope", "error_description": "The request requires higher privileges."}
        return super().handle(http_method, path, body)


def _run_suite(tmp_path: Path, portal: FakePortal, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("B24_", "B24CONFORM_", "PYTEST_"))}
    env.update({"B24_RATE": "500", "B24_BURST": "1000"})
    report = tmp_path / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:schemathesis", "-q",
         "--rootdir", str(tmp_path), "-c", os.devnull, "--b24-target", portal.webhook_url, "--b24-allow-writes",
         "--b24-report-dir", str(report), "--b24-ledger-dir", str(tmp_path / "ledger"), *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    results = report / "results.json"
    assert results.exists(), proc.stdout + proc.stderr
    return json.loads(results.read_text())


def test_an_unknown_own_user_is_not_a_generator_failure_of_the_portal(tmp_path):
    with _NoOwnUser() as portal:
        results = _run_suite(tmp_path, portal, str(SUITES / "test_properties.py"))
    clauses = {c["id"]: c for c in results["clauses"]}
    judged = ["RT-001", "RT-013", "REQ-002", "REQ-005", "REQ-007", "REQ-008"]
    for cid in judged:
        clause = clauses[cid]
        assert clause["status"] == "skipped", (cid, clause["status"], clause["reason"])
        assert "could not learn its user id" in clause["reason"], (cid, clause["reason"])
        assert "profile" in clause["reason"] and "user.current" in clause["reason"], clause["reason"]
        assert clause["problems"] == [], (cid, clause["problems"])
    assert results["problems"] == [], "the judge's own missing user is no problem of the portal"
    # Nothing was generated with the unknown user: no add reached the portal.
    assert not [r for r in portal.requests if "crm.activity.add" in r["path"].lower()]


def test_the_reason_names_the_user_id_and_the_way_out():
    with _NoOwnUser() as portal:
        target = Target(Endpoints(portal.base_url, Webhook(1, portal.code)), kind="live", run_id="run1",
                        allow_writes=False)
        world = establish(target, {"owner_id": 1, "contact_id": 2})
    reason = world.missing["responsible_id"]
    assert reason.startswith("the judge could not learn its user id: profile and user.current gave none")
    assert "--responsible" in reason and "insufficient_scope" in reason
