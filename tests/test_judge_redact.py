"""Webhook codes and tokens never appear in any output: reports, evidence, curl, pytest output."""
from __future__ import annotations

import pytest

from b24conform.judge.client import Endpoints, Webhook
from b24conform.judge.target import Target, TargetError
from b24conform.judge.testing import FakePortal
from b24conform.verdict import redact as r

CODE = "s3cretwebhookcode42"
TOKEN = "t0psecrettoken99xyz"


@pytest.mark.parametrize(
    "text",
    [
        f"https://portal.example/rest/1/{CODE}/crm.activity.add",
        f"POST /rest/17/{CODE}/batch.json?x=1",
        f"https://portal.example/rest/crm.activity.add?auth={TOKEN}&x=1",
        f'{{"fields": {{}}, "auth": "{TOKEN}"}}',
        f"{{'auth': '{TOKEN}'}}",
        f"fields%5BSUBJECT%5D=x&auth={TOKEN}",
        f"auth[access_token]={TOKEN}&auth[domain]=x",
    ],
)
def test_structural_rules_mask_unregistered_secrets(text):
    r.forget_secrets()
    out = r.redact(text)
    assert CODE not in out and TOKEN not in out
    assert "***" in out


def test_registered_secrets_are_masked_anywhere():
    r.forget_secrets()
    r.register_secret(TOKEN, "ab")  # too short to mask: ignored
    assert r.redact(f"token {TOKEN} echoed") == "token *** echoed"
    assert r.redact("about") == "about"
    r.forget_secrets()


def test_redact_data_masks_auth_keys():
    out = r.redact_data({"auth": "whatever", "url": f"/rest/1/{CODE}/x", "n": 3, "l": [{"access_token": "z"}]})
    assert out == {"auth": "***", "url": "/rest/1/***/x", "n": 3, "l": [{"access_token": "***"}]}


def test_connection_errors_do_not_leak_the_code():
    target = Target(Endpoints(base_url="http://127.0.0.1:9", webhook=Webhook(1, CODE)), kind="live", run_id="x")
    with pytest.raises(TargetError) as info:
        target.call("crm.activity.fields")
    assert CODE not in str(info.value) and info.value.__cause__ is None and info.value.__suppress_context__


def test_reply_curl_and_record_are_redacted():
    with FakePortal(code=CODE) as portal:
        target = Target(Endpoints(base_url=portal.base_url, webhook=Webhook(1, CODE), oauth_token=TOKEN),
                        kind="live", run_id="x")
        reply = target.call("crm.activity.list", {"x": 1}, auth="oauth_query")
        reply2 = target.call("crm.activity.list", {"x": 1}, auth="oauth_body", encoding="form")
    for rep in (reply, reply2):
        for text in (rep.curl(), repr(rep), rep.request.url, rep.request.body):
            assert CODE not in text and TOKEN not in text


def test_a_whole_run_leaves_no_trace_of_the_secrets(pytester):
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.b24conform_clause("CALL-008")
        def test_leaky(b24_target, b24_evidence):
            reply = b24_target.call("crm.activity.nosuchmethod", {{"auth_hint": "{TOKEN}"}})
            b24_evidence.record(reply, note="sent with {TOKEN}")
            print("url is", b24_target.endpoints.webhook.code, "{TOKEN}")
            assert False, "leaking https://h/rest/1/{CODE}/ and {TOKEN}"

        @pytest.mark.b24conform_clause("CALL-004")
        def test_oauth(b24_target):
            reply = b24_target.call("crm.activity.nosuchmethod", auth="oauth_query")
            raise RuntimeError(reply.request.url + " {TOKEN}")
        """
    )
    report_dir = pytester.path / "out"
    with FakePortal(code=CODE) as portal:
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "-p", "no:schemathesis", "-v", "-rA", "--showlocals", "--b24-target", portal.webhook_url,
            "--b24-oauth-token", TOKEN, "--b24-report-dir", str(report_dir))
    output = result.stdout.str() + result.stderr.str()
    assert "test_leaky FAILED" in output or "FAILED" in output  # the run really failed and printed
    assert CODE not in output and TOKEN not in output
    files = [p for p in report_dir.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"junit.xml", "results.json", "report.md", "report.html"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert CODE not in text and TOKEN not in text, path.name
    assert "***" in (report_dir / "results.json").read_text()


@pytest.mark.parametrize("text", [
    "https://user:pw-secret1@portal.example/rest/1/CODE/crm.activity.add",
    "curl 'https://user:pw-secret1@portal.example/rest/'",
    "Target <code>https://user:pw-secret1@127.0.0.1:8443</code>",
    '{"target": "https://user:pw-secret1@127.0.0.1:8443"}',
])
def test_the_password_of_a_urls_userinfo_is_masked(text):
    r.forget_secrets()
    out = r.redact(text)
    assert "pw-secret1" not in out and "user:***@" in out, out


@pytest.mark.parametrize("text", ["mailto:someone@example.com", "https://user@portal.example/rest/",
                                  "https://h/rest/x?email=a:b@c.d"])
def test_text_without_a_userinfo_password_is_left_alone(text):
    r.forget_secrets()
    assert r.redact(text) == text


def test_endpoints_name_the_userinfo_password_as_a_secret():
    endpoints = Endpoints(base_url="https://user:p%40ssw0rd@portal.example", webhook=Webhook(1, CODE))
    assert {"p%40ssw0rd", "p@ssw0rd", CODE} <= set(endpoints.secrets())


def test_a_cli_run_against_a_served_portal_with_a_userinfo_password_leaks_nothing(tmp_path):
    """As a vendor runs it: `b24conform serve` as its own process, `b24conform run --target
    https://user:PASSWORD@HOST/rest/1/CODE/` as another. Neither the password nor the webhook code is in
    anything the run prints or writes: stdout, stderr, report.md, report.html, results.json, junit.xml, the
    ledger."""
    import subprocess
    from urllib.parse import urlsplit

    from test_judge_live_paths import B24CONFORM, _judge_env, _start
    from test_portal_cli import stop

    password = "secretpw"
    portal_dir, judge_dir = tmp_path / "portal", tmp_path / "judge"
    portal_dir.mkdir()
    judge_dir.mkdir()
    proc, webhook, ca = _start(portal_dir)
    try:
        parts = urlsplit(webhook)
        code = parts.path.strip("/").split("/")[2]
        target = webhook.replace("://", f"://user:{password}@", 1)
        # Writes allowed, so the ledger is written; envelope checks keep the run short.
        run = subprocess.run([B24CONFORM, "run", "--target", target, "--ca-bundle", ca, "--allow-writes",
                              "-k", "envelope", "--report-dir", str(judge_dir / "reports")],
                             cwd=judge_dir, env=_judge_env(judge_dir), capture_output=True, text=True, timeout=600)
    finally:
        stop(proc)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    assert "user:***@" in output  # the target is named, its password masked
    files = [p for p in judge_dir.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"results.json", "report.md", "report.html", "junit.xml"} <= names, names
    for where, text in [("output", output)] + [(str(p), p.read_text(encoding="utf-8", errors="replace")) for p in files]:
        assert password not in text and code not in text, where


def test_the_ledger_names_its_portal_without_the_password(tmp_path):
    from b24conform.judge.ledger import Ledger, read_events

    path = tmp_path / "run.jsonl"
    ledger = Ledger(path, portal="https://user:secretpw@portal.example", run_id="r")
    ledger.sending("[b24conform r] x")
    assert "secretpw" not in path.read_text(encoding="utf-8")
    assert read_events(path)[0]["portal"] == "https://user:***@portal.example"
