"""Reproductions reproduce after the run, on the same portal: the run's own records a request names
(the judge's deal and contact, a check's activity) are deleted at its end, so a reproduction makes them
anew first (marked like the judge's) and replays the honoured writes to them; a credential sent wrong
on purpose is shown as such, the real code stays ***. The live tests run the reproduction taken from
results.json and report.md AFTER the run, with the real code filled in, as a user would."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from test_judge_live_paths import _run, _start
from reply_standins import Reply, Request
from test_portal_cli import stop

from b24conform.judge.client import WRONG_CODE
from b24conform.judge.evidence import Evidence
from b24conform.judge.reproduce import History, script
from b24conform.verdict.problems import Problem
from b24conform.verdict.redact import redact

HOST = "https://portal.example:8443"
HOOK = HOST + "/rest/1/***/"


def sent(history: History, method: str, params: dict, result: object, at: float, auth: str = "webhook") -> Reply:
    reply = Reply(Request(HOOK + method, json.dumps(params), auth=auth), {"result": result}, at)
    history.observe(reply)
    return reply


def a_run() -> tuple[History, Reply]:
    history = History()
    sent(history, "crm.contact.add", {"fields": {"NAME": "[b24conform r1] Contact", "ORIGINATOR_ID": "b24conform"}}, 137, 1)
    sent(history, "crm.deal.add", {"fields": {"TITLE": "[b24conform r1] Deal", "CONTACT_ID": 137}}, 105, 2)
    sent(history, "crm.activity.add", {"fields": {"OWNER_TYPE_ID": 2, "OWNER_ID": 105, "RESPONSIBLE_ID": 1, "COMMUNICATIONS": [
        {"VALUE": "+1800", "ENTITY_ID": 137, "ENTITY_TYPE_ID": 3}], "SUBJECT": "[b24conform r1] New call"}}, 2, 3)
    sent(history, "crm.activity.delete", {"id": 2}, True, 4, auth="bad_code")  # honoured, wrongly
    listing = Reply(Request(HOOK + "crm.activity.list", json.dumps({"filter": {"ID": 2}})), {"result": []}, 5)
    sent(history, "crm.deal.delete", {"id": 105}, True, 9)  # the judge's clean-up, after the failing reply
    return history, listing


def test_a_reproduction_makes_the_runs_records_anew_and_replays_the_honoured_writes():
    history, listing = a_run()
    text = script(listing, history)
    assert text is not None and redact(text) == text  # it survives the reports' redaction whole
    lines = text.splitlines()
    made = [line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z]+_\d+=\$\(curl", line)]
    assert made == ["CONTACT_137", "DEAL_105", "ACTIVITY_2"]  # each before the records that name it
    assert "'{\"fields\": {\"TITLE\": \"[b24conform r1] Deal\", \"CONTACT_ID\": '\"$CONTACT_137\"'}}'" in text
    assert '"OWNER_ID": \'"$DEAL_105"\'' in text and '"ENTITY_ID": \'"$CONTACT_137"\'' in text
    assert '"RESPONSIBLE_ID": 1' in text  # not the run's record: left as it is
    delete = next(line for line in lines if "crm.activity.delete" in line and "WRONG_CODE" in line)
    assert lines.index(delete) < lines.index(next(line for line in lines if "crm.activity.list" in line))
    assert f"WRONG_CODE={WRONG_CODE}" in text and "/rest/1/'\"$WRONG_CODE\"'/crm.activity.delete" in delete
    assert "'{\"filter\": {\"ID\": '\"$ACTIVITY_2\"'}}'" in text
    # The judge's own clean-up came after the failing reply: not replayed; the script deletes what it made.
    assert text.count("crm.deal.delete") == 1 and lines[-1].endswith("crm.contact.delete' >/dev/null")


def test_a_request_naming_no_record_of_the_run_needs_no_script_and_a_wrong_code_is_shown():
    history, _ = a_run()
    fields = Reply(Request(HOOK + "crm.activity.fields", "{}"), {"result": {}}, 6)
    assert script(fields, history) is None
    wrong = Reply(Request(HOOK + "crm.activity.fields", "{}", auth="bad_code"), {"result": {}}, 6)
    text = script(wrong, history)
    assert f"WRONG_CODE={WRONG_CODE}" in text and "/rest/1/***/" not in text.splitlines()[-1]
    sink: list = []
    Evidence(sink, ["AUTH-006"]).record(wrong, problems=[Problem("credential-accepted", "a wrong webhook code")])
    [item] = sink
    assert item["credential"].startswith("a wrong webhook code (b24conformwrongcode)")
    assert item["curl"].startswith(f"WRONG_CODE={WRONG_CODE}; curl ") and redact(item["curl"]) == item["curl"]


def test_a_form_body_gets_its_ids_replaced_too():
    history, _ = a_run()
    get = Reply(Request(HOOK + "crm.activity.get", "id=2", content_type="application/x-www-form-urlencoded"),
                {"result": {}}, 6)
    text = script(get, history)
    assert text.splitlines()[-5].endswith("--data-binary 'id='\"$ACTIVITY_2\"'' 'https://portal.example:8443/rest/1/***/crm.activity.get'")


# -- live: a separately served portal, the reproduction run after the run ---------------------------------

def _sh_block(markdown: str, label: str) -> str:
    section = markdown.split(f"### {label} ·", 1)[1].split("\n### ", 1)[0]
    return re.search(r"<details><summary>reproduce</summary>\n\n(`{3,})sh\n(.*?)\n\1\n", section, re.S).group(2)


def _after_the_run(reproduction: str, webhook: str, ca: str) -> str:
    code = webhook.rstrip("/").rsplit("/", 1)[1]
    proc = subprocess.run(["sh", "-c", reproduction.replace("***", code)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "CURL_CA_BUNDLE": ca})
    return proc.stdout + proc.stderr


def _total(webhook: str, ca: str) -> int:
    import ssl

    import httpx

    return httpx.post(webhook + "crm.activity.list", json={"select": ["ID"]}, verify=ssl.create_default_context(cafile=ca), timeout=30).json()["total"]


def _served_run(tmp_path: Path, profile: str) -> tuple[object, str, str, dict, str]:
    proc, webhook, ca = _start(tmp_path, "--profile", profile)
    code, output, results = _run(tmp_path, "--target", webhook, "--ca-bundle", ca, "--allow-writes")
    assert code == 1, output
    return proc, webhook, ca, results, (tmp_path / "reports" / "report.md").read_text()


def test_a_read_back_reproduction_makes_its_activity_anew_after_the_run(tmp_path):
    proc, webhook, ca, results, md = _served_run(tmp_path, "state-subject-altered")
    try:
        problem = results["problems"][0]
        assert problem["kind"] == "readback-mismatch" and problem["subject"] == "SUBJECT"
        reproduction = problem["evidence"]["reproduce"]
        assert reproduction == _sh_block(md, "P1")
        assert "crm.contact.add" in reproduction and "crm.deal.add" in reproduction and "crm.activity.add" in reproduction
        # The bare request names the activity the run created and deleted: it no longer shows the problem.
        assert "Altered by the portal" not in _after_the_run(problem["evidence"]["curl"], webhook, ca)
        before = _total(webhook, ca)
        shown = _after_the_run(reproduction, webhook, ca)
        assert '"SUBJECT":"Altered by the portal"' in shown, shown
        assert _total(webhook, ca) == before  # it deleted what it made
    finally:
        stop(proc)


def test_a_wrong_code_reproduction_shows_the_code_and_its_consequence_reproduces_too(tmp_path):
    proc, webhook, ca, results, md = _served_run(tmp_path, "auth-wrong-code-accepted")
    try:
        cause = results["problems"][0]
        assert cause["kind"] == "credential-accepted"
        reproduction = _sh_block(md, "P1")
        assert reproduction == cause["evidence"]["reproduce"]
        assert f"WRONG_CODE={WRONG_CODE}" in reproduction
        last_request = [line for line in reproduction.splitlines() if line.startswith("curl") and ">/dev/null" not in line][-1]
        assert '"$WRONG_CODE"' in last_request and "/***/" not in last_request
        accepted = _after_the_run(reproduction, webhook, ca)
        assert '"result":' in accepted and '"error"' not in accepted, accepted
        # The list that lost the activity: made anew, deleted with the wrong code as in the run, listed.
        empty = next(p for p in results["problems"] if p["kind"] == "list-wrong-items")
        assert empty["follows"] == cause["id"]
        shown = _after_the_run(empty["evidence"]["reproduce"], webhook, ca)
        assert '"result":[]' in shown and '"total":0' in shown, shown
    finally:
        stop(proc)
    secret = webhook.rstrip("/").rsplit("/", 1)[1]
    assert secret not in json.dumps(results) and secret not in md


def test_a_multipart_body_gets_its_ids_replaced_and_is_sent_as_multipart_again():
    from b24conform.judge.client import multipart_encode, php_pairs

    history, _ = a_run()
    body, content_type = multipart_encode(php_pairs({"filter": {"ID": 2}, "select": ["ID", "SUBJECT"]}))
    listing = Reply(Request(HOOK + "crm.activity.list", body.decode(), content_type=content_type), {"result": []}, 6)
    text = script(listing, history)
    final = next(line for line in text.splitlines() if "crm.activity.list" in line)
    assert "--form-string 'filter[ID]='\"$ACTIVITY_2\"''" in final
    assert "--form-string 'select[0]=ID' --form-string 'select[1]=SUBJECT'" in final and "Content-Type" not in final
