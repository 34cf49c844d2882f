"""`b24conform traffic check` on HAR files written here: what it reads (every body encoding HAR stores,
webhook and OAuth calls, batch commands, any method-name case), what it refuses (files that are not HAR
1.2: one line, exit 2, never a traceback), what it cannot judge (listed with the reason), the exit codes,
the reports (results.json valid against its schema) and the secrets (never in any report).

The helpers `entry`, `har` and `write_har` are the "export" step the other traffic tests use too.
"""
from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from b24conform.contract import load_contract
from b24conform.traffic.checks import CHECKS
from b24conform.traffic.commands import check_files
from recorded import TIME

B24CONFORM = str(Path(sys.executable).parent / "b24conform")
SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "src/b24conform/reporting/results.schema.json").read_text())
REPORTS = ("results.json", "report.md", "report.html", "junit.xml")
CONTRACT = load_contract()
PORTAL = "https://portal.example"
CODE = "q9wz3xk1v7b2mn4p"
HOOK = f"{PORTAL}/rest/1/{CODE}/"
BATCH_TIME = {k: v for k, v in TIME.items() if not k.startswith("operating")}


def entry(method: str, url: str, *, status: int = 200, reply: Any = None, reply_text: str | None = None,
          reply_mime: str = "application/json", reply_encoding: str | None = None, request_text: str | None = None,
          request_mime: str | None = None, params: list[dict[str, str]] | None = None, size: int | None = None,
          headers: list[dict[str, str]] | None = None, started: str = "2024-04-03T08:26:32.000Z") -> dict[str, Any]:
    """One HAR 1.2 entry, as DevTools and mitmproxy write them."""
    text = reply_text if reply_text is not None else (json.dumps(reply) if reply is not None else None)
    content: dict[str, Any] = {"size": size if size is not None else len((text or "").encode()), "mimeType": reply_mime}
    if text is not None:
        content["text"] = text
    if reply_encoding:
        content["encoding"] = reply_encoding
    request: dict[str, Any] = {"method": method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
                               "headers": headers or [], "queryString": [], "headersSize": -1, "bodySize": -1}
    if request_text is not None or params is not None:
        request["postData"] = {"mimeType": request_mime or "application/json"}
        if request_text is not None:
            request["postData"]["text"] = request_text
        if params is not None:
            request["postData"]["params"] = params
    return {"startedDateTime": started, "time": 12.5, "request": request,
            "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [],
                         "headers": [{"name": "Content-Type", "value": reply_mime}], "content": content,
                         "redirectURL": "", "headersSize": -1, "bodySize": -1},
            "cache": {}, "timings": {"send": 0, "wait": 12.5, "receive": 0}}


def har(entries: list[dict[str, Any]], version: str = "1.2") -> dict[str, Any]:
    return {"log": {"version": version, "creator": {"name": "b24conform tests", "version": "1"}, "pages": [],
                    "entries": entries}}


def write_har(path: Path, entries: list[dict[str, Any]], version: str = "1.2") -> Path:
    path.write_text(json.dumps(har(entries, version), indent=1), encoding="utf-8")
    return path


def traffic_check(tmp_path: Path, *files: Path, args: tuple[str, ...] = ()) -> tuple[int, str, str, dict | None]:
    """`b24conform traffic check` as a separate process: (exit code, stdout, stderr, results.json or None)."""
    reports = tmp_path / "reports"
    proc = subprocess.run([B24CONFORM, "traffic", "check", *map(str, files), "--report-dir", str(reports), *args],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    results = reports / "results.json"
    return proc.returncode, proc.stdout, proc.stderr, json.loads(results.read_text()) if results.exists() else None


def report_texts(tmp_path: Path) -> dict[str, str]:
    return {name: (tmp_path / "reports" / name).read_text(encoding="utf-8") for name in REPORTS}


def success(result: Any) -> dict[str, Any]:
    return {"result": result, "time": TIME}


# crm.activity.get's result as the reference portal answers it
GET_ITEM = {
    "ID": "7", "OWNER_ID": "102", "OWNER_TYPE_ID": "2", "TYPE_ID": "2", "PROVIDER_ID": "VOXIMPLANT_CALL",
    "PROVIDER_TYPE_ID": "CALL", "PROVIDER_GROUP_ID": None, "ASSOCIATED_ENTITY_ID": "0", "SUBJECT": "Call",
    "CREATED": "2024-04-03T10:26:32+02:00", "LAST_UPDATED": "2024-04-03T10:26:32+02:00", "START_TIME": None,
    "END_TIME": None, "DEADLINE": None, "COMPLETED": "N", "STATUS": "1", "RESPONSIBLE_ID": "1", "PRIORITY": "2",
    "NOTIFY_TYPE": "0", "NOTIFY_VALUE": "0", "DESCRIPTION": "", "DESCRIPTION_TYPE": "1", "DIRECTION": "0",
    "LOCATION": "", "SETTINGS": [], "ORIGINATOR_ID": None, "ORIGIN_ID": None, "ORIGIN_VERSION": None,
    "AUTHOR_ID": "1", "EDITOR_ID": "1", "PROVIDER_PARAMS": [], "PROVIDER_DATA": None, "RESULT_MARK": "0",
    "RESULT_VALUE": None, "RESULT_SUM": None, "RESULT_CURRENCY_ID": None, "RESULT_STATUS": "0",
    "RESULT_STREAM": "0", "RESULT_SOURCE_ID": None, "AUTOCOMPLETE_RULE": "0", "IS_INCOMING_CHANNEL": "N",
    "COMMUNICATIONS": [{"ID": "1", "TYPE": "PHONE", "VALUE": "+18005551234", "ENTITY_ID": "134",
                        "ENTITY_TYPE_ID": "3", "ENTITY_SETTINGS": {"NAME": "John", "LAST_NAME": "Smith"}}],
    "FILES": [],
}
ADD_FIELDS = ("fields[OWNER_TYPE_ID]=2&fields[OWNER_ID]=102&fields[TYPE_ID]=2&fields[SUBJECT]=Call"
              "&fields[RESPONSIBLE_ID]=1&fields[COMMUNICATIONS][0][VALUE]=%2B18005551234")


def conformant_entries() -> list[dict[str, Any]]:
    """One of each kind of exchange, each as a conformant portal answers it, each in another encoding."""
    get = GET_ITEM
    batch_reply = {"result": {"result": {"a": 8}, "result_error": {"b": {"error": "", "error_description":
                                                                          "The field SUBJECT is not defined or empty"}},
                              "result_total": [], "result_next": [], "result_time": {"a": BATCH_TIME}},
                   "time": BATCH_TIME}
    return [
        entry("POST", HOOK + "crm.activity.add", request_text=json.dumps({"fields": {"TYPE_ID": 2}}), reply=success(7)),
        entry("POST", HOOK + "crm.activity.get.json", request_text="id=7", request_mime="application/x-www-form-urlencoded",
              reply=success(get)),
        entry("GET", HOOK + "CRM.Activity.List?filter%5BID%5D=7&select%5B%5D=%2A",
              reply={"result": [get], "total": 1, "time": TIME}),
        # DevTools keeps a form body's names URL-encoded in postData.params and may leave out the text.
        entry("POST", HOOK + "batch", request_mime="application/x-www-form-urlencoded", params=[
            {"name": "halt", "value": "0"},
            {"name": "cmd%5Ba%5D", "value": "crm.activity.add%3F" + ADD_FIELDS.replace("&", "%26").replace("=", "%3D")},
            {"name": "cmd%5Bb%5D", "value": "crm.activity.add%3Ffields%5BTYPE_ID%5D%3D2"}], reply=batch_reply),
        # the reply stored base64, as mitmproxy and Charles do for bodies they do not take for text
        entry("POST", HOOK + "crm.activity.add", request_text=json.dumps({"fields": {"SUBJECT": ""}}), status=400,
              reply_text=base64.b64encode(json.dumps({"error": "", "error_description":
                                                      "The field SUBJECT is not defined or empty"}).encode()).decode(),
              reply_encoding="base64"),
        # OAuth: the token in a multipart body
        entry("POST", f"{PORTAL}/rest/crm.activity.delete",
              request_text='--XyZ\r\nContent-Disposition: form-data; name="auth"\r\n\r\noauthtokensecret42\r\n'
                           '--XyZ\r\nContent-Disposition: form-data; name="id"\r\n\r\n7\r\n--XyZ--\r\n',
              request_mime="multipart/form-data; boundary=XyZ", reply=success(True)),
        entry("POST", f"{PORTAL}/rest/1/wrongcode99x/crm.activity.list", request_text="{}", status=401,
              reply={"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"}),
        entry("GET", f"{PORTAL}/bitrix/js/main/core.js", reply_text="var x;", reply_mime="application/javascript"),
    ]


def test_conformant_traffic_passes_and_every_check_maps_to_clauses(tmp_path):
    path = write_har(tmp_path / "portal.har", conformant_entries())
    code, out, err, results = traffic_check(tmp_path, path)
    assert code == 0, out + err
    jsonschema.Draft202012Validator(SCHEMA).validate(results)
    assert results["problems"] == []
    traffic = results["traffic"]
    assert (traffic["entries"], traffic["exchanges_judged"], traffic["not_rest"]) == (8, 7, 1), traffic
    assert traffic["not_judged_total"] == 0, traffic["not_judged"]
    applied = set(traffic["checks"])
    assert {"add_result", "batch_adds", "batch_errors", "readback_numbers", "list_page", "method_error_code",
            "general_error", "reply_schema_change"} <= applied, applied
    statuses = {c["id"]: c["status"] for c in results["clauses"]}
    judged = {cid for name in applied for cid in CHECKS[name]}
    assert {cid for cid, s in statuses.items() if s == "passed"} == judged
    # everything else is not covered (or not checkable), never passed
    assert {s for cid, s in statuses.items() if cid not in judged} <= {"not_covered", "not_checkable"}
    for clause in results["clauses"]:
        if clause["status"] == "not_covered":
            assert clause["reason"].startswith("not covered: ")
    assert set(CHECKS.values()) and all(cid in statuses for clauses in CHECKS.values() for cid in clauses)


def test_a_problem_points_at_its_exchange_and_exits_1(tmp_path):
    entries = conformant_entries()
    entries.insert(2, entry("POST", HOOK + "crm.activity.add", reply=success(True), started="2024-04-03T09:00:00.000Z"))
    path = write_har(tmp_path / "bad.har", entries)
    code, out, err, results = traffic_check(tmp_path, path)
    assert code == 1, out + err
    jsonschema.Draft202012Validator(SCHEMA).validate(results)
    problem = next(p for p in results["problems"] if p["kind"] == "result-not-id")
    assert problem["clauses"] == ["ENV-002"]
    assert "log.entries[2] 2024-04-03T09:00:00.000Z, crm.activity.add" in problem["message"]
    assert problem["evidence"]["exchange"] == {"file": str(path), "entry": 2,
                                               "startedDateTime": "2024-04-03T09:00:00.000Z",
                                               "method": "crm.activity.add"}
    assert {c["id"]: c["status"] for c in results["clauses"]}["ENV-002"] == "failed"
    assert "failures=\"" in report_texts(tmp_path)["junit.xml"] and "result true" in report_texts(tmp_path)["junit.xml"]
    assert "log.entries[2]" in report_texts(tmp_path)["report.md"]


def _cut(tmp_path: Path) -> Path:
    text = json.dumps(har(conformant_entries()))
    path = tmp_path / "cut.har"
    path.write_text(text[: len(text) // 2])
    return path


BAD_FILES = {
    "not JSON": (lambda p: p.write_text("this is not a HAR file\n"), "not JSON"),
    "binary": (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10), "not JSON"),
    "wrong version": (lambda p: write_har(p, conformant_entries(), version="3.0"), "HAR version '3.0' is not supported"),
    "no version": (lambda p: p.write_text(json.dumps({"log": {"entries": []}})), "no log.version"),
    "no entries list": (lambda p: p.write_text(json.dumps({"log": {"version": "1.2"}})), "no log.entries list"),
    "a list": (lambda p: p.write_text("[1, 2]"), "the top level is not a JSON object"),
    "no log": (lambda p: p.write_text(json.dumps({"version": "1.2", "entries": []})), "no `log` object"),
    "entry not an object": (lambda p: p.write_text(json.dumps(har([1]))), "entry 0 is not an object"),
    "empty file": (lambda p: p.write_text(""), "truncated JSON"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_file_that_is_not_har_is_one_line_and_exit_2(tmp_path, name):
    make, why = BAD_FILES[name]
    path = tmp_path / "input.har"
    make(path)
    code, out, err, results = traffic_check(tmp_path, path)
    assert code == 2, (out, err)
    assert err.strip() == f"error: {path}: {err.strip().split(': ', 2)[2]}" and why in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in out + err
    assert results is None


def test_truncated_json_is_exit_2_naming_the_file_even_after_a_good_one(tmp_path):
    good = write_har(tmp_path / "good.har", conformant_entries())
    cut = _cut(tmp_path)
    code, out, err, results = traffic_check(tmp_path, good, cut)
    assert code == 2 and err.strip() == f"error: {cut}: truncated JSON: the file ends before the HAR document does"
    assert "Traceback" not in out + err


def test_no_entries_or_no_bitrix24_exchange_is_exit_5(tmp_path):
    empty = write_har(tmp_path / "empty.har", [])
    code, out, err, results = traffic_check(tmp_path, empty)
    assert code == 5 and "nothing judged" in err, out + err
    jsonschema.Draft202012Validator(SCHEMA).validate(results)
    assert {c["status"] for c in results["clauses"]} <= {"not_covered", "not_checkable"}
    other = write_har(tmp_path / "other.har", [entry("GET", "https://example.org/rest/", reply={"ok": True})])
    assert traffic_check(tmp_path, other)[0] == 5


def test_unreadable_exchanges_are_listed_as_not_judged_with_the_reason(tmp_path):
    cut_reply = json.dumps(success(7))[:30]
    entries = [
        entry("POST", HOOK + "crm.activity.add", reply_text=cut_reply, size=200),
        entry("POST", HOOK + "crm.activity.add", reply_text='{"result": 7, "time": {"start": 1', size=0),
        entry("POST", HOOK + "crm.activity.get", reply_mime="image/png",
              reply_text=base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").decode(), reply_encoding="base64"),
        entry("POST", HOOK + "crm.activity.list", status=0, reply_text=""),
        entry("POST", HOOK + "crm.activity.list"),
        entry("POST", HOOK + "crm.activity.fields", status=502, reply_text="<html>Bad gateway</html>",
              reply_mime="text/html"),
        entry("POST", HOOK + "crm.activity.list.xml", reply_text="<response/>", reply_mime="text/xml"),
        entry("POST", HOOK + "batch", request_text="cmd[a]=%FF%FE", request_mime="application/x-www-form-urlencoded",
              reply={"result": {"result": [], "result_error": [], "result_total": [], "result_next": [],
                                "result_time": []}, "time": BATCH_TIME}),
    ]
    path = write_har(tmp_path / "odd.har", entries)
    code, out, err, results = traffic_check(tmp_path, path)
    assert "Traceback" not in out + err
    reasons = {item["entry"]: item["reason"] for item in results["traffic"]["not_judged"]}
    assert reasons[0] == "reply cut short: 30 of 200 bytes recorded"
    assert reasons[1] == "reply cut short: its JSON ends early"
    assert reasons[2].startswith("reply: a binary body (image/png)")
    assert reasons[3].startswith("no reply recorded (status 0")
    assert reasons[4] == "reply: no body recorded in the HAR"
    assert reasons[5].startswith("reply is not JSON (text/html)")
    assert reasons[6].startswith("XML transport")
    assert reasons[7].startswith("request only: the request body cannot be read")  # its reply is still judged
    assert results["traffic"]["exchanges_judged"] == 1 and code == 0, out + err
    md = report_texts(tmp_path)["report.md"]
    assert "## Recorded traffic" in md and "reply cut short: 30 of 200 bytes recorded" in md
    assert "exchanges not judged" in report_texts(tmp_path)["junit.xml"]


def test_no_readable_exchange_is_exit_5(tmp_path):
    path = write_har(tmp_path / "cut.har", [entry("POST", HOOK + "crm.activity.add", reply_text="{", size=90)])
    code, out, err, _ = traffic_check(tmp_path, path)
    assert code == 5 and "could be read" in err


SECRETS = ("q9wz3xk1v7b2mn4p", "oauthtokensecret42", "bearertoken5551", "sessioncookie777", "hunter2pass",
           "querytoken31337", "phptoken99887", "set-cookie-secret-1")


def test_secrets_never_reach_a_report(tmp_path):
    headers = [{"name": "Authorization", "value": "Bearer bearertoken5551"},
               {"name": "Cookie", "value": "PHPSESSID=sessioncookie777; lang=ru"}]
    entries = [
        entry("POST", HOOK + "crm.activity.add", reply=success(True), headers=headers),
        entry("POST", f"https://admin:hunter2pass@portal.example/rest/crm.activity.add?auth=querytoken31337",
              reply=success(True)),
        entry("POST", f"{PORTAL}/rest/crm.activity.add", request_mime="application/x-www-form-urlencoded",
              request_text="auth%5Baccess_token%5D=phptoken99887&fields%5BTYPE_ID%5D=2",
              reply={"result": True, "time": TIME, "echo": "phptoken99887 oauthtokensecret42"}),
        *conformant_entries(),
    ]
    entries[0]["response"]["headers"].append({"name": "Set-Cookie", "value": "BITRIX_SM=set-cookie-secret-1; path=/"})
    path = write_har(tmp_path / "secrets.har", entries)
    code, out, err, results = traffic_check(tmp_path, path)
    assert code == 1, out + err  # result true: found, and shown
    texts = {**report_texts(tmp_path), "stdout": out, "stderr": err}
    for name, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, (name, secret)
    assert "/rest/1/***/crm.activity.add" in texts["results.json"]


def test_streaming_holds_one_entry_at_a_time(tmp_path):
    """A file whose entries come before its version is still read in one pass; the entries judged are every one."""
    document = {"log": {"entries": conformant_entries() * 3, "version": "1.2"}}
    path = tmp_path / "late-version.har"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(document).encode())  # with a byte order mark, as Windows tools write
    tally = check_files([path], CONTRACT, "lenient")
    assert (tally.entries, tally.exchanges) == (24, 21)
    assert not tally.failed


def test_a_reply_against_its_openapi_schema(tmp_path):
    """The response schema of spec/openapi.yaml for the method and status: a get whose activity lacks keys every
    reading has is a schema violation of RT-002, found by the fast validator and worded by jsonschema."""
    item = {k: v for k, v in GET_ITEM.items() if k != "CREATED"}
    path = write_har(tmp_path / "schema.har", [entry("POST", HOOK + "crm.activity.get", request_text='{"id": 7}',
                                                     reply=success(item))])
    code, out, err, results = traffic_check(tmp_path, path)
    assert code == 1, out + err
    problem = next(p for p in results["problems"] if p["kind"] == "schema-violation")
    assert problem["clauses"] == ["RT-002"] and "'CREATED' is a required property" in problem["actual"]


def test_the_shapes_mitmproxy_and_devtools_write(tmp_path):
    """mitmproxy's HAR export (savehar: postData with text and decoded params, a binary reply base64, a flow
    without a reply as status 0 and `content: {}`, ISO times with +00:00) and a browser's CORS preflight."""
    add = entry("POST", HOOK + "crm.activity.add", request_mime="application/x-www-form-urlencoded",
                request_text="fields%5BTYPE_ID%5D=2", params=[{"name": "fields[TYPE_ID]", "value": "2"}],
                reply=success(7), started="2024-04-03T08:26:32.123456+00:00")
    failed = entry("POST", HOOK + "crm.activity.list", request_text="{}")
    failed["response"].update(status=0, content={}, _error="Connection killed.")
    preflight = entry("OPTIONS", HOOK + "crm.activity.add", status=204, reply_text="", reply_mime="")
    path = write_har(tmp_path / "mitm.har", [add, failed, preflight])
    code, out, err, results = traffic_check(tmp_path, path)
    assert code == 0, out + err
    traffic = results["traffic"]
    assert (traffic["exchanges_judged"], traffic["not_rest"], traffic["not_judged_total"]) == (1, 1, 1)
    assert traffic["not_judged"][0]["reason"].startswith("no reply recorded (status 0")
