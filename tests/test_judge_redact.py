"""Webhook codes and tokens never appear in any output: reports, evidence, curl, pytest output."""
from __future__ import annotations

import pytest

from b24conform.judge import redact as r
from b24conform.judge.client import Endpoints, Webhook
from b24conform.judge.target import Target, TargetError
from b24conform.judge.testing import FakePortal

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
