"""Traffic recorded from real exchanges, then judged: `b24conform serve` as a separate process, driven by a
real HTTP client (httpx over TLS) through an add, a get, a list, a batch and errors, each exchange written
as a HAR 1.2 entry from what went over the wire (har/__init__.py `http_entry`, which `run --har` writes its
entries with: the "export" step a browser or mitmproxy does), then
`b24conform traffic check` on the file. The faithful portal's traffic has no problem; the traffic of
`serve --profile envelope-result-boolean` (spec/deviations.yaml) has that profile's problem; the
webhook code and the OAuth token are in no report.

The recorded replies of tests/data/real_responses/corpus.json, written as a HAR, have no problem either.
"""
from __future__ import annotations

import json
import ssl
import time
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from test_judge_live_paths import _start
from test_portal_cli import stop
from test_traffic_check import REPORTS, SCHEMA, entry, report_texts, traffic_check, write_har

from b24conform.contract import load_contract
from b24conform.har import http_entry
from b24conform.exitcodes import EXIT_PASSED
from b24conform.traffic.commands import check_files, exit_code

CORPUS = json.loads((Path(__file__).parent / "data" / "real_responses" / "corpus.json").read_text(encoding="utf-8"))
TOKEN = "recordedoauthtoken8812"


class Recorder:
    """An httpx client whose every exchange is kept as a HAR entry."""

    def __init__(self, ca: str) -> None:
        self.client = httpx.Client(verify=ssl.create_default_context(cafile=ca), timeout=30)
        self.entries: list[dict[str, Any]] = []

    def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        started = time.time()
        response = self.client.request(method, url, **kwargs)
        self.entries.append(http_entry(response.request, response, started=started, seconds=time.time() - started))
        return response

    def close(self) -> None:
        self.client.close()


FIELDS = {"OWNER_TYPE_ID": 2, "OWNER_ID": 102, "TYPE_ID": 2, "SUBJECT": "A recorded call", "RESPONSIBLE_ID": 1,
          "COMMUNICATIONS": [{"VALUE": "+18005551234", "ENTITY_ID": 134, "ENTITY_TYPE_ID": 3}]}
FORM_ADD = ("crm.activity.add?fields[OWNER_TYPE_ID]=2&fields[OWNER_ID]=102&fields[TYPE_ID]=2"
            "&fields[SUBJECT]=In%20a%20batch&fields[RESPONSIBLE_ID]=1&fields[COMMUNICATIONS][0][VALUE]=%2B18005551234")


def record_session(tmp_path: Path, *serve_args: str) -> tuple[Path, str]:
    """Drive a separate `b24conform serve` through a session a client app might have; the HAR and the webhook."""
    proc, webhook, ca = _start(tmp_path, "--oauth-token", f"{TOKEN}:1", *serve_args)
    rec = Recorder(ca)
    oauth = webhook.split("/rest/", 1)[0] + "/rest/"
    try:
        added = rec.send("POST", webhook + "crm.activity.add", json={"fields": FIELDS}).json().get("result")
        rec.send("POST", webhook + "crm.activity.add.json", data={
            "fields[OWNER_TYPE_ID]": "2", "fields[OWNER_ID]": "102", "fields[TYPE_ID]": "2", "fields[SUBJECT]": "Form",
            "fields[RESPONSIBLE_ID]": "1", "fields[COMMUNICATIONS][0][VALUE]": "+18005551234"})
        listed = rec.send("POST", webhook + "CRM.Activity.List", json={"order": {"ID": "DESC"}, "select": ["*"]}).json()
        newest = listed["result"][0]["ID"]
        rec.send("GET", webhook + "crm.activity.get", params={"id": added if isinstance(added, int) else newest})
        rec.send("POST", oauth + "crm.activity.list", json={"auth": TOKEN, "filter": {"ID": newest}, "start": -1})
        rec.send("POST", webhook + "batch", json={"halt": 0, "cmd": {
            "one": FORM_ADD, "two": "crm.activity.get?id=$result[one]", "bad": "crm.activity.add?fields[TYPE_ID]=2",
            "nested": "batch?cmd[x]=profile"}})
        rec.send("POST", webhook + "batch", json={"halt": 1, "cmd": {
            "first": "crm.activity.add?fields[TYPE_ID]=2", "second": FORM_ADD}})
        rec.send("POST", webhook + "crm.activity.add", json={"fields": {**FIELDS, "SUBJECT": ""}})
        rec.send("POST", webhook + "crm.activity.get", json={"id": 987654321})
        rec.send("POST", webhook + "crm.activity.get", json={})
        rec.send("POST", webhook.replace("/rest/1/", "/rest/1/wrong").rstrip("/") + "x/crm.activity.list", json={})
        rec.send("POST", oauth + "crm.activity.fields", json={"auth": TOKEN})
        rec.send("POST", oauth + "crm.activity.fields", json={})  # no credentials: NO_AUTH_FOUND
        rec.send("POST", webhook + "crm.enum.activitytype", json={})
        rec.send("POST", webhook + "crm.activity.delete", json={"id": newest})
        rec.send("POST", webhook + "no.such.method", json={})
    finally:
        rec.close()
        stop(proc)
    return write_har(tmp_path / "session.har", rec.entries), webhook


def _secrets_absent(tmp_path: Path, webhook: str, *outputs: str) -> None:
    code = webhook.rstrip("/").rsplit("/", 1)[-1]
    texts = {**report_texts(tmp_path), **{f"output {i}": text for i, text in enumerate(outputs)}}
    for name, text in texts.items():
        assert code not in text, name
        assert TOKEN not in text, name


def test_recorded_traffic_of_the_faithful_portal_has_no_problem(tmp_path):
    har, webhook = record_session(tmp_path)
    code, out, err, results = traffic_check(tmp_path, har)
    assert code == 0, out + err
    jsonschema.Draft202012Validator(SCHEMA).validate(results)
    assert results["problems"] == [] and results["traffic"]["not_judged_total"] == 0, results["traffic"]
    assert results["traffic"]["exchanges_judged"] == 16
    statuses = {c["id"]: c["status"] for c in results["clauses"]}
    for cid in ("ENV-001", "ENV-002", "ENV-003", "ENV-007", "ERR-001", "ERR-002", "ERR-004", "ERR-005", "RT-002",
                "RT-011", "RT-015", "BATCH-001", "BATCH-003", "BATCH-004", "BATCH-005", "FLD-001", "ENUM-001"):
        assert statuses[cid] == "passed", (cid, statuses[cid], results["traffic"]["checks"])
    assert "failed" not in statuses.values()
    assert all((tmp_path / "reports" / name).exists() for name in REPORTS)
    _secrets_absent(tmp_path, webhook, out, err)


def test_recorded_traffic_of_a_deviant_portal_shows_its_problem(tmp_path):
    har, webhook = record_session(tmp_path, "--profile", "envelope-result-boolean")
    code, out, err, results = traffic_check(tmp_path, har)
    assert code == 1, out + err
    jsonschema.Draft202012Validator(SCHEMA).validate(results)
    problem = next(p for p in results["problems"] if p["kind"] == "result-not-id")
    assert problem["actual"] is True and "ENV-002" in problem["clauses"]
    assert "log.entries[0]" in problem["message"] and "crm.activity.add" in problem["message"]
    assert {c["id"]: c["status"] for c in results["clauses"]}["ENV-002"] == "failed"
    assert "result-not-id" in out
    _secrets_absent(tmp_path, webhook, out, err)


# -- the corpus of real replies ------------------------------------------------------------------------


def corpus_entries(contract: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Each recorded reply of the corpus as the exchange it answered. The recordings keep bodies only: the
    status is 200 for a success and, for an error, the catalogue's status of its code (400 where the code is
    not in the catalogue); the request carries the batch commands where the corpus names them. A single
    command's error object taken out of a batch reply is no exchange and is left out (listed)."""
    status_of_code = {e.code: e.http_status for e in contract.errors.values() if e.code}
    entries, left_out = [], []
    for i, item in enumerate(CORPUS):
        if "result_error" in str(item["source"].get("pointer") or ""):
            left_out.append(item["id"])
            continue
        body, method = item["body"], item["method"] or "method.not.recorded"
        url = f"https://portal.example/rest/1/corpuscode{i:03d}/{method}"
        if item["id"].startswith("oi-oauth"):
            url = "https://oauth.bitrix.info/oauth/token/"  # the OAuth server's reply, not a REST call
        status = 200 if item["kind"] != "error" else status_of_code.get(body.get("error"), 400)
        request = None
        if item.get("commands"):
            request = json.dumps({"halt": 0, "cmd": {k: f"{m}?fields[TITLE]=x" for k, m in item["commands"].items()}})
        entries.append(entry("POST", url, status=status, reply=body, request_text=request,
                             started=f"{item.get('recorded') or '2024-01-01'}T00:00:00.000Z"))
    return entries, left_out


def test_the_real_replies_of_the_corpus_written_as_a_har_have_no_problem(tmp_path):
    contract = load_contract()
    entries, left_out = corpus_entries(contract)
    assert len(left_out) == 3 and len(entries) == len(CORPUS) - 3
    har = write_har(tmp_path / "corpus.har", entries)
    tally = check_files([har], contract, "lenient")
    results = tally.results()
    jsonschema.Draft202012Validator(SCHEMA).validate(results)
    assert results["problems"] == [], [p["message"] for p in results["problems"]]
    assert (tally.exchanges, tally.ignored, tally.not_judged_total) == (len(entries) - 1, 1, 0)
    assert exit_code(tally) == EXIT_PASSED
    assert {"batch_envelope", "time_keys", "error_shape", "error_code_alphabet"} <= set(results["traffic"]["checks"])


@pytest.mark.parametrize("spoil,kind", [
    (lambda body: body["time"].update(duration=body["time"]["duration"] + 1), "time-arithmetic"),
    (lambda body: body["result"].pop("result_error"), "batch-part-missing"),
])
def test_a_spoiled_corpus_reply_is_caught(tmp_path, spoil, kind):
    """The judging above is not blind: a real batch reply, spoiled, is a problem."""
    contract = load_contract()
    entries, _ = corpus_entries(contract)
    first = next(e for e in entries if e["request"]["url"].endswith("/batch"))
    body = json.loads(first["response"]["content"]["text"])
    spoil(body)
    first["response"]["content"]["text"] = json.dumps(body)
    tally = check_files([write_har(tmp_path / "spoiled.har", [first])], contract, "lenient")
    assert kind in {p["kind"] for p in tally.results()["problems"]}
