"""Interop: a PHP client (interop/php/seed_add.php, php-cli + php-curl) sends the seed page's PHP example
to the reference portal over TLS and reads it back.

Two request styles, each as its library builds it (the script names the files it follows):
- crest: CRest::call, PHP's own http_build_query POSTed as a form to WEBHOOK/METHOD.json, or to
  https://HOST/rest/METHOD.json with `auth` in the form;
- b24phpsdk: the SDK's core ApiClient, a JSON body to WEBHOOK/method/ or /rest/method with `auth` in it.
The portal's CA is given to libcurl through CURLOPT_CAINFO only. Every request the portal receives is
recorded, so the tests check the bytes PHP sent as well as the activity that was stored.
Skipped, with the reason, where php-cli or its curl extension is missing (.ci/run installs both).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import pytest

from b24conform.contract import load_contract
from b24conform.portal.errors import portal_error
from b24conform.portal.config import PortalConfig
from b24conform.portal.testing import SEED_FIELDS, readback_mismatches, start_recording_portal
from b24conform.portal.wire import encode_php_query
from b24conform.selftest.interop import split_webhook

SCRIPT = Path(__file__).resolve().parents[1] / "interop" / "php" / "seed_add.php"
INSTALL_HINT = "apt-get install php-cli php-curl"


@pytest.fixture(scope="module")
def php() -> str:
    php_bin = shutil.which("php")
    if not php_bin:
        pytest.skip(f"php-cli with the curl extension is not installed: {INSTALL_HINT}")
    probe = subprocess.run([php_bin, "-r", "exit(function_exists('curl_init') ? 0 : 3);"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip(f"php is installed but its curl extension is not: {INSTALL_HINT}")
    return php_bin


@pytest.fixture(scope="module")
def portal() -> Iterator[tuple[Any, Any]]:
    with start_recording_portal(PortalConfig.for_conformance(tls=True)) as running:
        yield running


def _run(php_bin: str, style: str, credentials: dict[str, str], ca_file: str | None) -> tuple[subprocess.CompletedProcess, dict[str, tuple[int, dict]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("B24_", "CURL_", "SSL_CERT"))}
    env.update(credentials, B24_STYLE=style)
    if ca_file:
        env["B24_CA_FILE"] = ca_file
    proc = subprocess.run([php_bin, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    answers: dict[str, tuple[int, dict]] = {}
    for line in proc.stdout.splitlines():
        match = re.match(r"^B24CONFORM_(ADD|GET) (\d{3}) (.*)$", line)
        if match:
            answers[match.group(1)] = (int(match.group(2)), json.loads(match.group(3)))
    return proc, answers


def _webhook(running) -> dict[str, str]:
    return {"B24_WEBHOOK_URL": running.webhook_url}


def _oauth(running) -> dict[str, str]:
    return {"B24_REST_URL": running.oauth_url, "B24_ACCESS_TOKEN": running.credentials["oauth_token"]}


def _decode_php_form(body: bytes) -> dict[str, Any]:
    """a[b][0]=v pairs back to nested data, independently of the portal's own decoder: PHP's
    http_build_query writes lists as [0], [1], ... keys, so dicts with exactly those keys are lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=True):
        match = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", key)
        assert match, f"not a PHP-style key: {key!r}"
        names = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for name in names[:-1]:
            node = node.setdefault(name, {})
        assert names[-1] not in node, f"{key} sent twice"
        node[names[-1]] = value

    def lists(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out = {k: lists(v) for k, v in value.items()}
        if out and list(out) == [str(i) for i in range(len(out))]:
            return list(out.values())
        return out

    return lists(root)


def _as_form_strings(value: Any) -> Any:
    """What a form can carry: every scalar as its decimal or text form."""
    if isinstance(value, dict):
        return {k: _as_form_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_form_strings(v) for v in value]
    return str(value)


def _check_stored(answers: dict[str, tuple[int, dict]]) -> int:
    add_status, added = answers["ADD"]
    assert add_status == 200, added
    new_id = added["result"]
    assert isinstance(new_id, int) and not isinstance(new_id, bool) and new_id > 0, added
    get_status, got = answers["GET"]
    assert get_status == 200, got
    item = got["result"]
    assert item["ID"] == str(new_id)
    assert readback_mismatches(SEED_FIELDS, item) == []
    return new_id


def _requests_of(recorder, before: int, n: int) -> list:
    received = recorder.requests[before:]
    assert len(received) == n, [(r.method, r.path) for r in received]
    return received


def _add_and_get(php, portal, mode: str, auth: str):
    """The PHP client in `mode` adds the seed's activity and reads it back, by webhook or OAuth: the
    add and get requests the portal received, the new id, the OAuth token and the webhook."""
    running, recorder = portal
    before = len(recorder.requests)
    proc, answers = _run(php, mode, _webhook(running) if auth == "webhook" else _oauth(running), running.ca_file)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    new_id = _check_stored(answers)
    add, get = _requests_of(recorder, before, 2)
    return add, get, new_id, running.credentials["oauth_token"], split_webhook(running.webhook_url)


@pytest.mark.parametrize("auth", ["webhook", "oauth"])
def test_crest_style_form_post(php, portal, auth) -> None:
    add, get, new_id, token, hook = _add_and_get(php, portal, "crest", auth)
    prefix = f"/rest/{hook.user_id}/{hook.code}/" if auth == "webhook" else "/rest/"
    assert (add.method, add.path, add.query) == ("POST", prefix + "crm.activity.add.json", b"")
    assert (get.method, get.path) == ("POST", prefix + "crm.activity.get.json")
    for received in (add, get):
        assert received.headers["content-type"] == "application/x-www-form-urlencoded"
        assert received.headers["user-agent"] == "Bitrix24 CRest PHP 1.36"

    expected = {"fields": SEED_FIELDS} if auth == "webhook" else {"fields": SEED_FIELDS, "auth": token}
    # The form decodes to the seed's fields (every value as text, as a form carries it) ...
    assert _decode_php_form(add.body) == _as_form_strings(expected)
    # ... and is byte for byte what the portal's model of CRest (testing.client_requests) assumes.
    assert add.body == encode_php_query(expected).encode()
    assert b"%2B18005551234" in add.body and b"New+call" in add.body  # http_build_query's RFC 1738 form
    get_form = parse_qs(get.body.decode("ascii"), strict_parsing=True)
    assert get_form == ({"id": [str(new_id)]} if auth == "webhook" else {"id": [str(new_id)], "auth": [token]})


@pytest.mark.parametrize("auth", ["webhook", "oauth"])
def test_b24phpsdk_style_json_post(php, portal, auth) -> None:
    add, get, new_id, token, hook = _add_and_get(php, portal, "b24phpsdk", auth)
    if auth == "webhook":
        assert add.path == f"/rest/{hook.user_id}/{hook.code}/crm.activity.add/"
    else:
        assert add.path == "/rest/crm.activity.add"
    assert get.path == add.path.replace("add", "get")
    for received in (add, get):
        assert received.method == "POST"
        assert received.headers["content-type"] == "application/json"
        request_id = parse_qs(received.query.decode("ascii"))["bx24_request_id"]
        assert request_id == [received.headers["x-request-id"]]

    sent = json.loads(add.body)
    assert sent == ({"fields": SEED_FIELDS} if auth == "webhook" else {"fields": SEED_FIELDS, "auth": token})
    assert json.loads(get.body) == ({"id": new_id} if auth == "webhook" else {"id": new_id, "auth": token})


def test_without_the_ca_php_does_not_reach_the_api(php, portal) -> None:
    # The control: libcurl verifies the peer, so the passes above are due to CURLOPT_CAINFO.
    running, recorder = portal
    before = len(recorder.requests)
    proc, answers = _run(php, "crest", _webhook(running), None)
    assert proc.returncode == 2 and answers == {}, (proc.stdout, proc.stderr)
    assert "curl error" in proc.stderr and "certificate" in proc.stderr.lower()
    assert recorder.requests[before:] == []


def test_a_wrong_webhook_code_is_refused(php, portal) -> None:
    running, recorder = portal
    hook = split_webhook(running.webhook_url)
    wrong = f"{running.base_url}/rest/{hook.user_id}/{'x' * len(hook.code)}/"
    proc, answers = _run(php, "crest", {"B24_WEBHOOK_URL": wrong}, running.ca_file)
    entry = load_contract().error(portal_error("AMB-WRONG-CODE"))
    assert proc.returncode == 1 and set(answers) == {"ADD"}, (proc.stdout, proc.stderr)
    status, body = answers["ADD"]
    assert status == entry.http_status == 401
    assert body["error"] == entry.code and body["error_description"] == entry.message
