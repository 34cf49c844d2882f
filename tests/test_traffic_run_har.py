"""The recipe of README "Judge recorded traffic": `b24conform run --har run.har` saves every exchange the judge had
with the portal as a HAR 1.2 file, then `b24conform traffic check run.har` judges that file again.

What must hold: against the embedded mock (with one process and with pytest-xdist workers, whose exchanges all
end up in the one file) the HAR has one entry per request and `traffic check` finds no problem; against a portal
bent by a deviant profile (`b24conform serve --profile envelope-result-boolean`, a separate process, its
webhook targeted with --ca-bundle) `traffic check` exits 1 with `result-not-id`; no secret is in any byte of
the HAR (the webhook code, the wrong one the judge sends on purpose, `auth` tokens: `***` as in the reports); a
run interrupted by Ctrl-C still writes the HAR; without --har no HAR is written.
"""
from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from test_judge_live_paths import _judge_env, _start
from test_portal_cli import stop
from test_traffic_check import SCHEMA

from b24conform.har import iter_entries
from b24conform.judge.client import WRONG_CODE

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
B24CONFORM = str(Path(sys.executable).parent / "b24conform")
NOT_MASKED = re.compile(r"/rest/\d+/(?!\*\*\*)[^/\"\s?]+/")   # a webhook path whose code is not ***


def readme_recipe() -> list[list[str]]:
    """The two commands of the README's paragraph on `run --har`, as words."""
    section = README.read_text(encoding="utf-8").split("## Judge recorded traffic", 1)[1].split("\n## ", 1)[0]
    block = next(b for b in re.findall(r"```sh\n(.*?)```", section, re.S) if "run --har" in b)
    return [line.split("#")[0].split() for line in block.splitlines() if line.startswith("b24conform ")]


def _cli(tmp_path: Path, argv: list[str], *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([B24CONFORM, *argv[1:], *extra], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          env=env or _judge_env(tmp_path))


def _recipe(tmp_path: Path, *run_args: str) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess, Path]:
    run, check = readme_recipe()
    assert run[:3] == ["b24conform", "run", "--har"] and check[:3] == ["b24conform", "traffic", "check"], (run, check)
    ran = _cli(tmp_path, run, "--report-dir", str(tmp_path / "run-reports"), *run_args)
    checked = _cli(tmp_path, check, "--report-dir", str(tmp_path / "traffic-reports"))
    return ran, checked, tmp_path / run[3]


def _entries(har: Path) -> list[dict]:
    return [entry for _, entry in iter_entries(har)]


def _no_secret(har: Path, *secrets: str) -> None:
    data = har.read_bytes()
    for secret in secrets:
        assert secret.encode() not in data, secret
    assert not NOT_MASKED.search(data.decode("utf-8")), NOT_MASKED.search(data.decode("utf-8"))
    for entry in _entries(har):
        # The wrong webhook code is a credential where the judge sends it as one, in a URL. A fuzzed body may
        # hold the same text as data: Hypothesis draws strings from the constants of the code under test.
        assert WRONG_CODE not in entry["request"]["url"], entry["request"]["url"]
        assert not [h for h in entry["request"]["headers"] if WRONG_CODE in h["value"]]
        for body in (entry["request"].get("postData", {}), entry["response"]["content"]):
            if body.get("encoding") == "base64":  # a body that is not text: no secret in the bytes it stands for
                raw = base64.b64decode(body["text"])
                assert not [s for s in secrets if s.encode() in raw]
                assert not NOT_MASKED.search(raw.decode("utf-8", "replace"))
        pairs = [*entry["request"]["queryString"], *entry["request"]["headers"],
                 *entry["request"].get("postData", {}).get("params", [])]
        assert all(p["value"] == "***" for p in pairs if p["name"].lower() in ("auth", "authorization", "cookie"))


def _results(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["one-process", "xdist"])
def test_the_recipe_on_the_embedded_mock_has_no_problem(tmp_path, workers):
    ran, checked, har = _recipe(tmp_path, *workers)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    entries = _entries(har)
    assert f"har: {har} ({len(entries)} exchanges)" in ran.stdout
    assert len(entries) > 300, len(entries)
    # One entry per request, each with what HAR 1.2 wants and traffic check reads, in the order they were sent.
    for entry in entries:
        request, response = entry["request"], entry["response"]
        assert request["method"] in ("GET", "POST") and request["url"].startswith(("https://127.0.0.1:", "http://127.0.0.1:"))
        assert {h["name"].lower() for h in request["headers"]} >= {"host", "user-agent", "accept"}
        assert response["status"] > 0 and response["headers"] and "text" in response["content"]
        assert entry["startedDateTime"].endswith("Z") and entry["time"] >= 0
    assert [e["startedDateTime"] for e in entries] == sorted(e["startedDateTime"] for e in entries)
    if workers:  # every worker's embedded mock (its own port) and the limits instance are in the one file
        assert len({e["request"]["url"].split("/")[2] for e in entries}) >= 3
    posts = [e for e in entries if e["request"]["method"] == "POST"]
    assert all(e["request"]["postData"]["mimeType"] for e in posts)
    assert any(e["request"]["postData"].get("encoding") == "base64" for e in posts)  # the binary bodies, as sent

    assert checked.returncode == 0, checked.stdout + checked.stderr
    results = _results(tmp_path / "traffic-reports")
    jsonschema.Draft202012Validator(SCHEMA).validate(results)
    assert results["problems"] == [] and "failed" not in {c["status"] for c in results["clauses"]}
    traffic = results["traffic"]
    assert traffic["entries"] == len(entries) and traffic["exchanges_judged"] == len(entries)
    # What traffic check cannot read are the bodies the judge sends broken on purpose, never a reply.
    assert all(n["reason"].startswith("request only:") for n in traffic["not_judged"]), traffic["not_judged"]
    passed = {c["id"] for c in results["clauses"] if c["status"] == "passed"}
    assert {"ENV-001", "ENV-002", "ENV-003", "ERR-001", "BATCH-001", "RT-005", "FLD-001"} <= passed
    _no_secret(har)


def test_the_recipe_on_a_deviant_portal_finds_its_problem_and_no_secret_is_in_the_har(tmp_path):
    proc, webhook, ca = _start(tmp_path, "--profile", "envelope-result-boolean")
    code = webhook.rstrip("/").rsplit("/", 1)[-1]
    try:
        ran, checked, har = _recipe(tmp_path, "--target", webhook, "--ca-bundle", ca, "--allow-writes")
    finally:
        stop(proc)
    assert ran.returncode == 1, ran.stdout + ran.stderr  # the run itself finds the fault
    entries = _entries(har)
    # The preflight's exchange leads, then the checks', then the run's cleanup.
    assert entries[0]["request"]["url"].endswith("/crm.activity.fields")
    assert all(e["request"]["url"].startswith(webhook.split("/rest/")[0]) for e in entries)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "result-not-id" in checked.stdout
    results = _results(tmp_path / "traffic-reports")
    problem = next(p for p in results["problems"] if p["kind"] == "result-not-id")
    assert problem["actual"] is True and "ENV-002" in problem["clauses"]
    _no_secret(har, code)
    assert code not in ran.stdout + ran.stderr + checked.stdout + checked.stderr


def test_an_interrupted_run_writes_the_har_of_what_was_sent(tmp_path):
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "test_tiny.py").write_text(
        "import os, signal\nimport pytest\n\n"
        "@pytest.mark.b24conform_clause('CALL-001')\ndef test_a(b24_target):\n"
        "    assert b24_target.call('crm.activity.nosuchmethod').status == 404\n\n"
        "@pytest.mark.b24conform_clause('CALL-002')\ndef test_b(b24_target):\n"
        "    b24_target.call('crm.activity.fields')\n"
        "    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the middle of a check\n\n"
        "@pytest.mark.b24conform_clause('CALL-003')\ndef test_c(b24_target):\n"
        "    b24_target.call('crm.activity.list')\n")
    env = {**_judge_env(tmp_path), "B24CONFORM_SUITES_DIR": str(suites), "B24_HAR": str(tmp_path / "env.har")}
    ran = _cli(tmp_path, ["b24conform", "run"], "--report-dir", str(tmp_path / "r"), env=env)
    assert ran.returncode == 5 and "interrupted" in ran.stderr, ran.stdout + ran.stderr
    assert [e["request"]["url"].rsplit("/", 1)[-1] for e in _entries(tmp_path / "env.har")] == [
        "crm.activity.nosuchmethod", "crm.activity.fields"]
    _no_secret(tmp_path / "env.har")


def test_without_har_no_file_is_written(tmp_path):
    ran = _cli(tmp_path, ["b24conform", "run"], "--report-dir", str(tmp_path / "r"), "-k", "roundtrip")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "har:" not in ran.stdout
    assert not list(tmp_path.rglob("*.har")) and not list(tmp_path.rglob("*.jsonl"))


def test_a_har_that_is_a_folder_is_a_bad_option(tmp_path):
    ran = _cli(tmp_path, ["b24conform", "run"], "--har", ".", "--report-dir", str(tmp_path / "r"))
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert "--har" in ran.stderr and "is a folder" in ran.stderr


def test_every_secret_of_an_exchange_is_masked_and_the_check_sees_the_same_reply(tmp_path):
    """Target.call hands each exchange to its wire observers; the entry keeps none of the secrets it carried."""
    import httpx

    from b24conform.judge.client import Endpoints, Webhook
    from b24conform.judge.harlog import HarPart, merge
    from b24conform.judge.target import Target
    from b24conform.verdict.redact import forget_secrets, register_secret

    code, token, password = "hooksecret42x", "oauthtoken77y", "pa55word9z"

    def portal(request: httpx.Request) -> httpx.Response:
        body = {"result": {"seen": request.url.path, "auth": token}, "time": {"start": 1.0}}
        return httpx.Response(200, json=body, headers={"Set-Cookie": "PHPSESSID=s3ss10nc00kie"})

    def target() -> Target:
        endpoints = Endpoints(base_url=f"https://admin:{password}@portal.example", webhook=Webhook(1, code),
                              oauth_token=token)
        return Target(endpoints, kind="live", run_id="t", client=httpx.Client(transport=httpx.MockTransport(portal)))

    forget_secrets()  # the literal list aside: the structural rules and the header names must be enough
    plain, recorded = target(), target()
    (tmp_path / "parts").mkdir()
    part = HarPart(tmp_path / "parts", "session")
    recorded.wire_observers.append(part.record)
    calls = [("crm.activity.fields", {}, {}),
             ("crm.activity.list", {}, {"auth": "oauth_query"}),
             ("crm.activity.list", {}, {"auth": "oauth_body"}),
             ("crm.activity.list", {"filter": {"ID": 1}}, {"encoding": "form", "auth": "oauth_body"}),
             ("crm.activity.get", None, {"raw_body": b"\xff\x00" + code.encode() + b"&auth=" + token.encode()})]
    for method, params, options in calls:
        forget_secrets()
        if "raw_body" in options:  # a bare code, in no URL: masked as a secret the run registered (Target does)
            register_secret(code, token)
        a, b = plain.call(method, params, **options), recorded.call(method, params, **options)
        assert (a.status, a.headers.keys(), a.json, a.request) == (b.status, b.headers.keys(), b.json, b.request)
    part.close()
    har = tmp_path / "x.har"
    assert merge(tmp_path / "parts", har) == len(calls) and part.failures == 0
    data = har.read_bytes()
    for secret in (code, token, password, "s3ss10nc00kie"):
        assert secret.encode() not in data, secret
    entries = _entries(har)
    assert [e["request"]["url"] for e in entries[:2]] == ["https://admin:***@portal.example/rest/1/***/crm.activity.fields",
                                                          "https://admin:***@portal.example/rest/crm.activity.list?auth=***"]
    assert entries[1]["request"]["queryString"] == [{"name": "auth", "value": "***"}]
    assert json.loads(entries[2]["request"]["postData"]["text"]) == {"auth": "***"}
    assert "auth=***" in entries[3]["request"]["postData"]["text"]
    headers = {h["name"].lower(): h["value"] for h in entries[0]["request"]["headers"]}
    assert headers["authorization"] == "***"  # Basic: the URL's password, base64-encoded
    assert {h["name"].lower(): h["value"] for h in entries[0]["response"]["headers"]}["set-cookie"] == "***"
    raw = entries[4]["request"]["postData"]  # not text: redacted as the bytes it stands for, stored base64 again
    assert raw["encoding"] == "base64"
    assert base64.b64decode(raw["text"]) == b"\xff\x00***&auth=***"
