"""Security of the portal and of the judge.

Portal:
- every method refuses missing and wrong credentials with the catalogue's NO_AUTH_FOUND;
- the restricted user (seed user 3: add no, read own, update no, delete no) cannot add, and cannot read, change
  or delete an activity of another user.

Judge (`b24conform run` / `cleanup` as subprocesses against a portal served by this test, TLS on):
- no webhook code or OAuth token in any report file or in the captured output;
- a live target without --allow-writes receives zero write calls (counted on the server side);
- a live run killed with SIGKILL mid-way, followed by `b24conform cleanup`, leaves zero marked activities (and
  leaves an unmarked activity alone).
"""
from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from b24conform.contract import load_contract
from b24conform.portal.errors import portal_error
from b24conform.portal import app as portal_app
from b24conform.portal.assembly import build_app, registry
from b24conform.portal.config import PortalConfig
from b24conform.portal.server import start_portal
from b24conform.portal.testing import InProcessClient, seed_fields

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = load_contract()
NO_AUTH = CONTRACT.error("NO_AUTH_FOUND")
# A webhook path whose user id and code match no webhook: the reading of AMB-WRONG-CODE the portal follows.
WRONG_HOOK = CONTRACT.error(portal_error("AMB-WRONG-CODE"))
SEED_FIELDS: dict[str, Any] = seed_fields(SUBJECT="security", FILES=None, PRIORITY=None, DESCRIPTION=None,
                                          DESCRIPTION_TYPE=None, DIRECTION=None)
WRITE_METHODS = {"crm.activity.add", "crm.activity.update", "crm.activity.delete"}


@pytest.fixture(scope="module")
def portal() -> Iterator[tuple[InProcessClient, PortalConfig]]:
    config = PortalConfig.for_conformance(limits="off", db=":memory:")
    client = InProcessClient(build_app(config))
    yield client, config
    client.close()


def _methods() -> list[str]:
    names = sorted(registry())
    assert "crm.activity.add" in names and "batch" in names
    return names


# --------------------------------------------------------------------------- credentials

def _one_char_off(secret: str) -> str:
    """`secret` with its last character replaced by a different one. Secrets are random: a fixed
    replacement letter equals the original last character once in 36 runs and the "wrong" secret is right."""
    last = "y" if secret[-1] == "x" else "x"
    return secret[:-1] + last


def test_one_char_off_always_differs() -> None:
    for secret in ("abcx", "abcy", "abc0", "x"):
        altered = _one_char_off(secret)
        assert altered != secret and len(altered) == len(secret) and altered[:-1] == secret[:-1]


@pytest.mark.parametrize("method", _methods())
def test_every_method_refuses_missing_and_wrong_credentials(portal, method: str) -> None:
    client, config = portal
    hook = config.roles["webhook"]
    token = config.roles["oauth_token"].token
    body = {"fields": SEED_FIELDS, "id": 1, "cmd": {"a": "crm.activity.add?fields[SUBJECT]=x"}}
    attempts = {
        "no credentials": (f"/rest/{method}", {"json": body}),
        "no credentials, .json": (f"/rest/{method}.json", {"json": body}),
        "empty auth": (f"/rest/{method}", {"json": {**body, "auth": ""}}),
        "wrong token in body": (f"/rest/{method}", {"json": {**body, "auth": _one_char_off(token)}}),
        "wrong token in query": (f"/rest/{method}?auth=not-a-token", {"json": body}),
        "token of another kind (webhook code as token)": (f"/rest/{method}", {"json": {**body, "auth": hook.code}}),
        "wrong webhook code": (f"/rest/{hook.user_id}/{_one_char_off(hook.code)}/{method}", {"json": body}),
        "webhook code, other user": (f"/rest/{hook.user_id + 1}/{hook.code}/{method}", {"json": body}),
        "webhook code, user 0": (f"/rest/0/{hook.code}/{method}", {"json": body}),
        "webhook code in upper case": (f"/rest/{hook.user_id}/{hook.code.upper()}/{method}", {"json": body}),
        "webhook prefix only": (f"/rest/{hook.user_id}/{hook.code[:8]}/{method}", {"json": body}),
        "form body, no credentials": (f"/rest/{method}", {"content": b"fields[SUBJECT]=x",
                                                          "headers": {"content-type": "application/x-www-form-urlencoded"}}),
    }
    wrong = []
    for label, (url, kwargs) in attempts.items():
        resp = client.post(url, **kwargs)
        entry = WRONG_HOOK if label.startswith("webhook") or label == "wrong webhook code" else NO_AUTH
        if resp.status_code != entry.http_status or resp.json() != entry.body():
            wrong.append(f"{label}: {resp.status_code} {resp.text[:150]}")
    assert not wrong, "\n".join(wrong)


# --------------------------------------------------------------------------- the restricted user

def test_restricted_user_cannot_add_read_change_or_delete_others(portal) -> None:
    client, config = portal
    admin = config.roles["webhook"]
    restricted = config.roles["restricted_webhook"]
    denied = CONTRACT.error("ADD_ACCESS_DENIED")
    as_admin = f"/rest/{admin.user_id}/{admin.code}/"
    as_restricted = f"/rest/{restricted.user_id}/{restricted.code}/"

    created = client.post(as_admin + "crm.activity.add", json={"fields": SEED_FIELDS})
    assert created.status_code == 200, created.text
    activity_id = created.json()["result"]
    count_before = client.post(as_admin + "crm.activity.list", json={"select": ["ID"]}).json()["total"]

    for fields in (SEED_FIELDS, {**SEED_FIELDS, "RESPONSIBLE_ID": restricted.user_id}):
        resp = client.post(as_restricted + "crm.activity.add", json={"fields": fields})
        assert (resp.status_code, resp.json()) == (denied.http_status, denied.body()), resp.text
    # batch must not be a way around the right
    resp = client.post(as_restricted + "batch", json={"cmd": {"a": "crm.activity.add?fields[SUBJECT]=x&fields[TYPE_ID]=2"
                                                                    "&fields[OWNER_TYPE_ID]=2&fields[OWNER_ID]=102"
                                                                    "&fields[RESPONSIBLE_ID]=3&fields[COMMUNICATIONS][0]"
                                                                    "[VALUE]=%2B1&fields[COMMUNICATIONS][0][ENTITY_ID]=134"
                                                                    "&fields[COMMUNICATIONS][0][ENTITY_TYPE_ID]=3"}})
    assert resp.status_code == 200 and not resp.json()["result"]["result"], resp.text

    # another user's activity: not readable, not listable, not changeable, not deletable
    get = client.post(as_restricted + "crm.activity.get", json={"id": activity_id})
    assert get.status_code >= 400 and "result" not in get.json(), get.text
    listed = client.post(as_restricted + "crm.activity.list", json={"select": ["ID"]})
    assert listed.status_code == 200 and all(int(r["ID"]) != activity_id for r in listed.json()["result"])
    upd = client.post(as_restricted + "crm.activity.update", json={"id": activity_id, "fields": {"SUBJECT": "pwned"}})
    assert upd.status_code >= 400, upd.text
    dele = client.post(as_restricted + "crm.activity.delete", json={"id": activity_id})
    assert dele.status_code >= 400, dele.text

    after = client.post(as_admin + "crm.activity.get", json={"id": activity_id}).json()["result"]
    assert after["SUBJECT"] == SEED_FIELDS["SUBJECT"]
    assert client.post(as_admin + "crm.activity.list", json={"select": ["ID"]}).json()["total"] == count_before


# --------------------------------------------------------------------------- the judge against a served portal

class WriteCounter:
    """Counts, on the portal's side, every call of a write method (batch sub-commands included)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from b24conform.portal import batch as portal_batch
        from b24conform.portal import calls as portal_calls

        real = portal_calls.invoke

        def counting(state, caller, method, params, base_url, *args, **kwargs):
            if method in WRITE_METHODS:
                with self.lock:
                    self.calls.append(method)
            return real(state, caller, method, params, base_url, *args, **kwargs)

        monkeypatch.setattr(portal_app, "invoke", counting)
        if hasattr(portal_batch, "invoke"):
            monkeypatch.setattr(portal_batch, "invoke", counting)
        monkeypatch.setattr(portal_calls, "invoke", counting)


def _judge_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("B24_", "PYTEST_"))}
    env["B24_LEDGER_DIR"] = str(tmp_path / "ledger")
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "200"
    return env


def _b24conform() -> list[str]:
    exe = Path(sys.executable).parent / "b24conform"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "b24conform.cli"]


def _secrets(config: PortalConfig) -> list[str]:
    out = []
    for cred in config.roles.values():
        out.append(getattr(cred, "code", None) or getattr(cred, "token", None))
    return [s for s in out if s]


# a selection of suites that runs quickly but exercises the writers, auth, errors and reproduction lines
QUICK = "calling or auth or required or errors or envelope"


def test_live_run_without_allow_writes_sends_no_writes_and_leaks_no_secret(tmp_path: Path, monkeypatch) -> None:
    counter = WriteCounter()
    counter.install(monkeypatch)
    config = PortalConfig.for_conformance(tls=True, limits="off", db=str(tmp_path / "live.sqlite3"), http_port=None)
    with start_portal(config) as portal:
        reports = tmp_path / "reports"
        proc = subprocess.run(
            [*_b24conform(), "run", "--target", portal.webhook_url, "--ca-bundle", str(portal.ca_file),
             "--oauth-token", config.roles["oauth_token"].token, "--report-dir", str(reports), "-k", QUICK],
            cwd=tmp_path, env=_judge_env(tmp_path), capture_output=True, text=True, timeout=600,
        )
        stored = portal.state.store.all()
    output = proc.stdout + proc.stderr
    assert (reports / "results.json").exists(), output[-3000:]
    assert stored == [], f"{len(stored)} activities were created on a live target without --allow-writes"

    leaks = []
    for secret in _secrets(config):
        if secret in output:
            leaks.append(f"captured output contains a secret ({secret[:3]}...)")
        for path in reports.rglob("*"):
            if path.is_file() and secret.encode() in path.read_bytes():
                leaks.append(f"{path.relative_to(tmp_path)} contains a secret ({secret[:3]}...)")
    assert not leaks, "\n".join(leaks)
    # the run really did something: results exist and name clauses
    results = json.loads((reports / "results.json").read_text())
    assert results["clauses"], "no clause in results.json"
    # Not even an add that a conformant portal would refuse: a faulty one would store it.
    assert not counter.calls, f"{len(counter.calls)} crm.activity.add calls reached a live target without --allow-writes"


def test_interrupted_live_run_then_cleanup_leaves_no_marked_activity(tmp_path: Path, monkeypatch) -> None:
    counter = WriteCounter()
    counter.install(monkeypatch)
    config = PortalConfig.for_conformance(tls=True, limits="off", db=str(tmp_path / "interrupt.sqlite3"),
                                          http_port=None)
    with start_portal(config) as portal:
        # an activity the judge did not create: cleanup must leave it alone
        foreign = httpx.post(portal.webhook_url + "crm.activity.add", json={"fields": {**SEED_FIELDS, "SUBJECT": "keep me"}},
                             verify=ssl.create_default_context(cafile=str(portal.ca_file)), timeout=30)
        assert foreign.status_code == 200, foreign.text
        foreign_id = foreign.json()["result"]
        baseline_writes = len(counter.calls)

        env = _judge_env(tmp_path)
        run = subprocess.Popen(
            [*_b24conform(), "run", "--target", portal.webhook_url, "--ca-bundle", str(portal.ca_file),
             "--allow-writes", "--report-dir", str(tmp_path / "reports")],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            # wait (polling a count, never asserting on time) until the run has stored a few activities
            for _ in range(1200):
                if len(portal.state.store.all()) >= 1 + 5 or run.poll() is not None:
                    break
                time.sleep(0.1)
        finally:
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)
            run.wait(30)
        marked_before = [r for r in portal.state.store.all() if r["ID"] != foreign_id]
        killed_mid_run = run.returncode == -signal.SIGKILL
        assert counter.calls[baseline_writes:], "the run never wrote anything before it was killed"

        cleanup = subprocess.run(
            [*_b24conform(), "cleanup", "--target", portal.webhook_url, "--ca-bundle", str(portal.ca_file)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
        )
        left = portal.state.store.all()
    print(f"\ninterrupted run: killed={killed_mid_run}, {len(marked_before)} activities stored before the kill, "
          f"{len(left) - 1} left after cleanup")
    assert killed_mid_run, "the run finished before it could be interrupted"
    assert cleanup.returncode == 0, (cleanup.stdout + cleanup.stderr)[-3000:]
    assert [r["ID"] for r in left] == [foreign_id], (
        f"{len(left) - 1} of {len(marked_before)} activities created by the killed run survived cleanup")
    for secret in _secrets(config):
        assert secret not in cleanup.stdout + cleanup.stderr
