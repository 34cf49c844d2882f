"""Fuzzing the reference portal: generated and malformed requests never get a 5xx, and it keeps answering.

Two halves:

- schemathesis positive + negative data for every operation of spec/openapi.yaml, sent in-process through
  httpx.ASGITransport (no sockets, so ~1,000 cases fit the CI budget). Path parameters are swapped for the real
  webhook in most cases so the generated bodies reach validation instead of stopping at NO_AUTH_FOUND.
  `B24_FUZZ_CASES` sets the count (default 1,000); `benchmarks/fuzz_long.py` runs >= 10,000 and records the figures.
- hand-made malformed bodies (broken JSON, wrong content types, a 10 MB body, deep nesting, invalid UTF-8, bad
  base64, huge integers, NaN/Infinity, NUL bytes, PHP-key bombs), in-process and over a real socket.

Every answer must be < 500 and carry a JSON envelope (`result` or `error`), and after each batch of abuse a valid
crm.activity.add must still succeed.
"""
from __future__ import annotations

import json
import os
import socket
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from b24conform.portal.assembly import build_app
from b24conform.portal.testing import InProcessClient
from b24conform.portal.config import PortalConfig
from b24conform.portal.server import start_portal

ROOT = Path(__file__).resolve().parent.parent
OPENAPI = ROOT / "spec" / "openapi.yaml"
FUZZ_CASES = int(os.environ.get("B24_FUZZ_CASES", "1000"))

SEED_FIELDS: dict[str, Any] = {
    "OWNER_TYPE_ID": 2, "OWNER_ID": 102, "TYPE_ID": 2,
    "COMMUNICATIONS": [{"VALUE": "+18005551234", "ENTITY_ID": 134, "ENTITY_TYPE_ID": 3}],
    "SUBJECT": "New call", "START_TIME": "2023-12-31T12:00:00+00:00", "END_TIME": "2023-12-31T12:30:00+00:00",
    "COMPLETED": "N", "PRIORITY": 3, "RESPONSIBLE_ID": 1, "DESCRIPTION": "Important call",
    "DESCRIPTION_TYPE": 3, "DIRECTION": 2,
}


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("fuzz") / "portal.sqlite3"
    config = PortalConfig.for_conformance(tls=True, limits="off", db=str(db))
    client = InProcessClient(build_app(config))
    hook = config.roles["webhook"]
    client.hook_path = f"/rest/{hook.user_id}/{hook.code}/"  # type: ignore[attr-defined]
    client.hook = hook  # type: ignore[attr-defined]
    client.token = config.roles["oauth_token"].token  # type: ignore[attr-defined]
    yield client
    client.close()


def envelope_problem(resp: httpx.Response) -> str | None:
    """None when the answer is a < 500 JSON envelope, else what is wrong with it."""
    if resp.status_code >= 500:
        return f"HTTP {resp.status_code}: {resp.text[:200]}"
    try:
        body = resp.json()
    except ValueError:
        return f"HTTP {resp.status_code} with a non-JSON body: {resp.text[:200]!r}"
    if not isinstance(body, dict) or not ({"result", "error"} & body.keys()):
        return f"HTTP {resp.status_code} without an envelope: {resp.text[:200]}"
    return None


def assert_still_answers(client: InProcessClient) -> None:
    resp = client.request("POST", client.hook_path + "crm.activity.add", json={"fields": SEED_FIELDS})
    assert resp.status_code == 200, resp.text
    assert isinstance(resp.json()["result"], int)


# --------------------------------------------------------------------------- schemathesis

def _case_to_httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"headers": {k: v for k, v in (kwargs.get("headers") or {}).items()
                                       if k.lower() not in ("connection", "accept-encoding")}}
    if kwargs.get("params"):
        out["params"] = kwargs["params"]
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    elif "data" in kwargs:
        data = kwargs["data"]
        if isinstance(data, (bytes, str)):
            out["content"] = data
        else:
            out["data"] = data
    if kwargs.get("files"):
        out["files"] = kwargs["files"]
    return out


def test_schemathesis_positive_and_negative_never_5xx(portal: InProcessClient) -> None:
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis.generation import GenerationMode

    schema = schemathesis.openapi.from_path(str(OPENAPI))
    strategies = []
    for result in schema.get_all_operations():
        op = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append(op.as_strategy(generation_mode=mode))
    assert strategies, "spec/openapi.yaml has no operations"
    hook = portal.hook  # type: ignore[attr-defined]
    statuses: Counter[int] = Counter()
    problems: list[str] = []

    @settings(max_examples=FUZZ_CASES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(strategies), real_hook=st.integers(0, 9), oauth=st.booleans())
    def run(case: Any, real_hook: int, oauth: bool) -> None:
        if real_hook < 8 and "user_id" in (case.path_parameters or {}):
            case.path_parameters = {**case.path_parameters, "user_id": hook.user_id, "webhook": hook.code}
        if oauth and "{" not in case.path and not (case.query or {}).get("auth"):
            case.query = {**(case.query or {}), "auth": portal.token}  # type: ignore[attr-defined]
        kwargs = case.as_transport_kwargs(base_url="https://portal.test")
        resp = portal.request(kwargs["method"], kwargs["url"], **_case_to_httpx(kwargs))
        statuses[resp.status_code] += 1
        problem = envelope_problem(resp)
        if problem and len(problems) < 20:
            problems.append(f"{problem}\n    reproduce: {case.as_curl_command()}")

    run()
    total = sum(statuses.values())
    print(f"\nschemathesis fuzz: {total} cases, statuses {dict(sorted(statuses.items()))}")
    assert not problems, "\n".join(problems)
    assert total >= FUZZ_CASES * 0.9, f"only {total} cases were generated"
    assert statuses[200] > 0, "no generated case was ever accepted: the fuzzing never reached the store"
    assert_still_answers(portal)


# --------------------------------------------------------------------------- malformed bodies

def _deep_json(n: int) -> bytes:
    return b'{"fields":' + b"[" * n + b"]" * n + b"}"


def _php_bomb(depth: int) -> bytes:
    return ("fields" + "[0]" * depth + "=1").encode()


MALFORMED: list[tuple[str, str | None, bytes]] = [
    ("empty body, json type", "application/json", b""),
    ("truncated JSON", "application/json", b'{"fields": {"SUBJECT": "x"'),
    ("trailing garbage", "application/json", b'{"fields": {}} trailing'),
    ("single quotes", "application/json", b"{'fields': {}}"),
    ("JSON null", "application/json", b"null"),
    ("JSON number", "application/json", b"1"),
    ("JSON string", "application/json", b'"fields"'),
    ("JSON array of objects", "application/json", b'[{"fields": {}}]'),
    ("fields is a string", "application/json", b'{"fields": "SUBJECT=x"}'),
    ("fields is a number", "application/json", b'{"fields": 7}'),
    ("fields is null", "application/json", b'{"fields": null}'),
    ("fields is a list", "application/json", b'{"fields": [1, 2, 3]}'),
    ("duplicate keys", "application/json", b'{"fields": {"SUBJECT": "a", "SUBJECT": {"x": 1}}}'),
    ("NaN and Infinity", "application/json",
     b'{"fields": {"OWNER_TYPE_ID": NaN, "OWNER_ID": Infinity, "TYPE_ID": -Infinity, "SUBJECT": NaN,'
     b' "RESPONSIBLE_ID": 1, "COMMUNICATIONS": [{"VALUE": NaN}]}}'),
    ("huge integers", "application/json",
     ('{"fields": {"OWNER_TYPE_ID": 2, "OWNER_ID": ' + "9" * 4000 + ', "TYPE_ID": ' + "9" * 400
      + ', "RESPONSIBLE_ID": 18446744073709551617, "SUBJECT": "x", "PRIORITY": -' + "9" * 300
      + ', "COMMUNICATIONS": [{"VALUE": "+1", "ENTITY_ID": 1' + "0" * 30 + ', "ENTITY_TYPE_ID": 3}]}}').encode()),
    ("integer past the str-digits limit", "application/json", ('{"fields": {"OWNER_ID": ' + "1" * 5000 + "}}").encode()),
    ("huge float", "application/json", b'{"fields": {"OWNER_ID": 1e400, "OWNER_TYPE_ID": -1e400, "TYPE_ID": 2.5e-400}}'),
    ("huge id on get", "application/json", b'{"id": 99999999999999999999999999999}'),
    ("NUL bytes in values", "application/json",
     json.dumps({"fields": {**SEED_FIELDS, "SUBJECT": "a\u0000b", "DESCRIPTION": "\u0000" * 100}}).encode()),
    ("NUL byte in a key", "application/json", json.dumps({"fields": {"SUB\u0000JECT": "x", "\u0000": 1}}).encode()),
    ("raw NUL bytes", "application/json", b"\x00" * 64),
    ("lone surrogate escape", "application/json", b'{"fields": {"SUBJECT": "\\ud800", "DESCRIPTION": "\\udfff"}}'),
    ("invalid UTF-8 in JSON", "application/json", b'{"fields": {"SUBJECT": "\xff\xfe\xc3\x28"}}'),
    ("UTF-16 JSON", "application/json", json.dumps({"fields": SEED_FIELDS}).encode("utf-16")),
    ("UTF-8 BOM", "application/json", b"\xef\xbb\xbf" + json.dumps({"fields": SEED_FIELDS}).encode()),
    ("invalid UTF-8 in form", "application/x-www-form-urlencoded", b"fields[SUBJECT]=%ff%fe&fields[TYPE_ID]=\xff"),
    ("form with a JSON body", "application/x-www-form-urlencoded", json.dumps({"fields": SEED_FIELDS}).encode()),
    ("JSON type with a form body", "application/json", b"fields[SUBJECT]=x&fields[TYPE_ID]=2"),
    ("text/plain", "text/plain", json.dumps({"fields": SEED_FIELDS}).encode()),
    ("application/xml", "application/xml", b"<fields><SUBJECT>x</SUBJECT></fields>"),
    ("octet-stream", "application/octet-stream", os.urandom(512)),
    ("garbage content type", ";;;=\x01", b'{"fields": {}}'),
    ("multipart without boundary", "multipart/form-data", b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--"),
    ("multipart, broken parts", "multipart/form-data; boundary=zz", b"--zz\r\n\r\n\r\n--zz\r\nnonsense\r\n--z"),
    ("multipart, part without name", "multipart/form-data; boundary=zz",
     b"--zz\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--zz--\r\n"),
    ("multipart, invalid UTF-8 field", "multipart/form-data; boundary=zz",
     b"--zz\r\nContent-Disposition: form-data; name=\"fields[SUBJECT]\"\r\n\r\n\xff\xfe\r\n--zz--\r\n"),
    ("no content type, binary", None, os.urandom(256)),
    ("deep JSON nesting (100,000)", "application/json", _deep_json(100_000)),
    ("deep JSON nesting (40)", "application/json", _deep_json(40)),
    ("deep JSON objects", "application/json", b'{"fields":' + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"}"),
    ("PHP-key bomb a[0][0]...[0] (20,000)", "application/x-www-form-urlencoded", _php_bomb(20_000)),
    ("PHP-key bomb, many appends (1,500)", "application/x-www-form-urlencoded", b"&".join([b"fields[COMMUNICATIONS][]=1"] * 1_500)),
    ("PHP-key bomb, wide", "application/x-www-form-urlencoded",
     "&".join(f"fields[K{i}][{i}]={i}" for i in range(30_000)).encode()),
    ("PHP keys, unbalanced brackets", "application/x-www-form-urlencoded",
     b"fields[[SUBJECT]=x&fields]]=y&[]=z&fields[SUBJECT=w&fields[][][]=1"),
    ("PHP keys, list then map", "application/x-www-form-urlencoded",
     b"fields[COMMUNICATIONS][0][VALUE]=a&fields[COMMUNICATIONS][x]=b&fields[COMMUNICATIONS]=c&fields=d"),
    ("bad base64 in FILES", "application/json",
     json.dumps({"fields": {**SEED_FIELDS, "FILES": [{"fileData": ["a.jpg", "%%%not base64%%%"]}]}}).encode()),
    ("FILES of odd shapes", "application/json",
     json.dumps({"fields": {**SEED_FIELDS, "FILES": [{"fileData": []}, {"fileData": "x"}, None, 7,
                                                      {"fileData": [None, None]}, {"fileData": [["a"], {"b": 1}]}]}}).encode()),
    ("FILES with a 2 MB base64 payload", "application/json",
     json.dumps({"fields": {**SEED_FIELDS, "FILES": [{"fileData": ["big.bin", "QUJD" * 500_000]}]}}).encode()),
    ("COMMUNICATIONS of odd shapes", "application/json",
     json.dumps({"fields": {**SEED_FIELDS, "COMMUNICATIONS": [None, 1, "x", [], {"VALUE": {"a": [1]}},
                                                               {"ENTITY_ID": "x", "ENTITY_TYPE_ID": None}]}}).encode()),
    ("every field an object", "application/json",
     json.dumps({"fields": {k: {"nested": [k]} for k in SEED_FIELDS}}).encode()),
    ("every field a list", "application/json", json.dumps({"fields": {k: [k, 1] for k in SEED_FIELDS}}).encode()),
    ("every field a bool", "application/json", json.dumps({"fields": {k: True for k in SEED_FIELDS}}).encode()),
    ("dates out of range", "application/json",
     json.dumps({"fields": {**SEED_FIELDS, "START_TIME": "99999-12-31T25:61:61+99:99", "END_TIME": "0000-00-00",
                            "DEADLINE": "-1"}}).encode()),
    ("year 1 and 9999 dates", "application/json",
     json.dumps({"fields": {**SEED_FIELDS, "START_TIME": "0001-01-01T00:00:00-23:59",
                            "END_TIME": "9999-12-31T23:59:59+23:59"}}).encode()),
    ("a 1 MB SUBJECT", "application/json", json.dumps({"fields": {**SEED_FIELDS, "SUBJECT": "x" * 1_000_000}}).encode()),
    ("a 10 MB body", "application/json",
     json.dumps({"fields": {**SEED_FIELDS, "DESCRIPTION": "y" * (10 * 1024 * 1024)}}).encode()),
]


def test_malformed_bodies_in_process(portal: InProcessClient) -> None:
    problems = []
    statuses: Counter[int] = Counter()
    created: list[int] = []
    for label, content_type, body in MALFORMED:
        headers = {"content-type": content_type} if content_type is not None else {}
        # big bodies go to add only; small ones to every method that takes a body
        paths = ("crm.activity.add",) if len(body) > 64 * 1024 else (
            "crm.activity.add", "crm.activity.add.json", "crm.activity.update", "batch", "crm.activity.list")
        for path in paths:
            resp = portal.request("POST", portal.hook_path + path, content=body, headers=headers)
            statuses[resp.status_code] += 1
            problem = envelope_problem(resp)
            if problem:
                problems.append(f"{label} -> {path}: {problem}")
            elif path.startswith("crm.activity.add") and resp.status_code == 200:
                created.append(resp.json()["result"])
    # whatever odd content got stored must read back without a server error
    for activity_id in created:
        resp = portal.request("POST", portal.hook_path + "crm.activity.get", json={"id": activity_id})
        problem = envelope_problem(resp)
        if problem:
            problems.append(f"read-back of {activity_id}: {problem}")
    resp = portal.request("POST", portal.hook_path + "crm.activity.list",
                          json={"select": ["*", "COMMUNICATIONS"], "order": {"START_TIME": "ASC"}})
    if envelope_problem(resp):
        problems.append(f"list after abuse: {envelope_problem(resp)}")
    print(f"\nmalformed bodies: {sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}, "
          f"{len(created)} stored and read back")
    assert not problems, "\n".join(problems)
    assert_still_answers(portal)


def test_oauth_and_query_abuse_in_process(portal: InProcessClient) -> None:
    """Malformed query strings, auth values and paths (the other ways parameters arrive)."""
    token = portal.token  # type: ignore[attr-defined]
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", portal.hook_path + "crm.activity.add?" + "fields" + "[0]" * 5000 + "=1", {}),
        ("GET", portal.hook_path + "crm.activity.add?fields[SUBJECT]=%ff%00", {}),
        ("GET", portal.hook_path + "crm.activity.add?" + "&".join(["a[]=1"] * 1_000), {}),
        ("GET", portal.hook_path + "crm.activity.list?start=" + "9" * 5000, {}),
        ("GET", portal.hook_path + "crm.activity.list?start=-1&order[ID]=sideways&filter[>ID]=x", {}),
        ("GET", portal.hook_path + "crm.activity.get?id=" + "9" * 100, {}),
        ("GET", portal.hook_path + "crm.activity.get?id=1e400", {}),
        ("POST", "/rest/crm.activity.add", {"json": {"fields": SEED_FIELDS, "auth": {"a": [1]}}}),
        ("POST", "/rest/crm.activity.add", {"json": {"fields": SEED_FIELDS, "auth": ["x", token]}}),
        ("POST", "/rest/crm.activity.add", {"json": {"fields": SEED_FIELDS, "auth": None}}),
        ("POST", "/rest/crm.activity.add", {"json": {"fields": SEED_FIELDS, "auth": 12345678901234567890}}),
        ("POST", "/rest/crm.activity.add?auth=" + "%00" * 10, {"json": {"fields": SEED_FIELDS}}),
        ("POST", "/rest/crm.activity.add?auth[]=1&auth[x]=2", {"json": {"fields": SEED_FIELDS}}),
        ("POST", "/rest/0/x/crm.activity.add", {"json": {"fields": SEED_FIELDS}}),
        ("POST", "/rest/-1/" + "a" * 10_000 + "/crm.activity.add", {"json": {"fields": SEED_FIELDS}}),
        ("POST", "/rest/" + "9" * 5000 + "/code/crm.activity.add", {"json": {"fields": SEED_FIELDS}}),
        ("POST", "/rest/1/%00/crm.activity.add", {"json": {"fields": SEED_FIELDS}}),
        ("POST", "/rest/1/%ff%fe/crm.activity.add", {"json": {"fields": SEED_FIELDS}}),
        ("POST", portal.hook_path + "%00", {"json": {}}),
        ("POST", portal.hook_path + "crm.activity.add/../../../etc/passwd", {"json": {}}),
        ("POST", portal.hook_path + "crm." + "activity." * 2000 + "add", {"json": {}}),
        ("POST", portal.hook_path + "batch", {"json": {"cmd": {"a": "crm.activity.add?" + "x[0]" * 3000 + "=1"}}}),
        ("POST", portal.hook_path + "batch", {"json": {"cmd": {str(i): "batch?cmd[0]=batch" for i in range(60)}}}),
        ("POST", portal.hook_path + "batch", {"json": {"cmd": "crm.activity.add", "halt": "maybe"}}),
        ("POST", portal.hook_path + "batch", {"json": {"cmd": [None, 1, {"a": 1}, "%ff?%00"]}}),
        ("POST", portal.hook_path + "batch", {"json": {"cmd": {"a": "crm.activity.get?id=$result[b][0][ID]",
                                                                "b": "crm.activity.get?id=$result[a]"}}}),
        ("PUT", portal.hook_path + "crm.activity.add", {"content": b"\x00\xff"}),
        ("DELETE", portal.hook_path + "crm.activity.add", {}),
        ("OPTIONS", portal.hook_path + "crm.activity.add", {}),
        ("PATCH", portal.hook_path + "crm.activity.add", {"headers": {"content-type": "application/json"},
                                                           "content": b"{"}),
    ]
    problems = []
    for method, url, kwargs in requests:
        resp = portal.request(method, url, **kwargs)
        problem = envelope_problem(resp)
        if problem:
            problems.append(f"{method} {url[:80]}: {problem}")
    assert not problems, "\n".join(problems)
    assert_still_answers(portal)


# --------------------------------------------------------------------------- regressions found by this file

LONG_DIGITS = "9" * 5000  # past CPython's int_max_str_digits (4300): int(text) raises ValueError


@pytest.mark.parametrize(
    "method,url_tail,body",
    [
        ("POST", "crm.activity.add", {"fields": {**SEED_FIELDS, "OWNER_ID": LONG_DIGITS}}),
        ("POST", "crm.activity.add", {"fields": {**SEED_FIELDS, "RESPONSIBLE_ID": LONG_DIGITS}}),
        ("POST", "crm.activity.get", {"id": LONG_DIGITS}),
        ("POST", "crm.activity.list", {"start": LONG_DIGITS}),
        ("GET", "crm.activity.list?start=" + LONG_DIGITS, None),
    ],
    ids=["add-owner", "add-responsible", "get-id", "list-start-json", "list-start-query"],
)
def test_numeric_strings_past_the_int_digit_limit(portal: InProcessClient, method: str, url_tail: str, body: Any) -> None:
    resp = portal.request(method, portal.hook_path + url_tail, **({"json": body} if body is not None else {}))
    assert envelope_problem(resp) is None, envelope_problem(resp)


def test_user_id_past_the_int_digit_limit(portal: InProcessClient) -> None:
    resp = portal.request("POST", f"/rest/{LONG_DIGITS}/code/crm.activity.add", json={"fields": SEED_FIELDS})
    assert envelope_problem(resp) is None, envelope_problem(resp)
    assert resp.status_code == 401


@pytest.mark.parametrize("path", ["/rest/a%0Ab/v9/crm.enum.activitypriority", "/rest/1/x%0Ay/crm.activity.add"])
def test_newline_in_a_path_segment_gets_an_envelope(portal: InProcessClient, path: str) -> None:
    resp = portal.request("POST", path, json={"fields": SEED_FIELDS})
    assert envelope_problem(resp) is None, envelope_problem(resp)
    assert resp.headers["content-type"].startswith("application/json")


# --------------------------------------------------------------------------- PHP-key appends: work per key

def test_php_key_appends_do_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts key inspections instead of timing: decoding N `fields[X][]=1` pairs must inspect O(N) keys."""
    from b24conform.portal import wire

    calls = 0
    real = wire._is_index

    def counting(key: Any) -> bool:
        nonlocal calls
        calls += 1
        return real(key)

    monkeypatch.setattr(wire, "_is_index", counting)
    n = 2_000
    wire.parse_query("&".join(["fields[COMMUNICATIONS][]=1"] * n))
    assert calls <= 20 * n, f"{calls} key inspections for {n} appends (quadratic)"


# --------------------------------------------------------------------------- over a real socket

def _raw_http(port: int, request: bytes, timeout: float = 30.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_malformed_over_a_real_socket(tmp_path: Path) -> None:
    config = PortalConfig.for_conformance(tls=False, limits="off", db=str(tmp_path / "socket.sqlite3"),
                                          http_port=None)
    with start_portal(config) as running:
        port = int(running.base_url.rsplit(":", 1)[1])
        hook = config.roles["webhook"]
        path = f"/rest/{hook.user_id}/{hook.code}/crm.activity.add"
        big = json.dumps({"fields": {**SEED_FIELDS, "DESCRIPTION": "z" * (10 * 1024 * 1024)}}).encode()
        deep = _deep_json(200_000)
        raw_requests = [
            b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(big)).encode() + b"\r\n\r\n" + big,
            b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(deep)).encode() + b"\r\n\r\n" + deep,
            b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n5\r\n{\"fie\r\n0\r\n\r\n",
            b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
            b"10\r\n\r\n\xff\xfe\x00\x00\x00\xff\xfe\x00\x00\x00",
            b"POST " + path.encode() + b"?\xff\xfe HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(len(_php_bomb(50_000))).encode() + b"\r\n\r\n" + _php_bomb(50_000),
        ]
        problems = []
        for raw in raw_requests:
            answer = _raw_http(port, raw)
            status_line = answer.split(b"\r\n", 1)[0]
            if not status_line.startswith(b"HTTP/1.1 "):
                continue  # the connection was refused at the HTTP layer (uvicorn/h11): not a 5xx from the app
            status = int(status_line.split()[1])
            if status >= 500:
                problems.append(f"{raw[:80]!r}... -> {status_line!r}")
        # still answering, over the same kind of socket
        resp = httpx.post(running.webhook_url + "crm.activity.add", json={"fields": SEED_FIELDS}, timeout=30)
        assert resp.status_code == 200, resp.text
    assert not problems, "\n".join(problems)
