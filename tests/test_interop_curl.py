"""Interop: the seed page's two curl commands, run by the real curl binary against the reference portal
over TLS, then read back and compared field by field.

The commands below are the page's text; only the address, the user id, the webhook code and the
access token are substituted, and curl is told to trust the portal's CA (--cacert) and to print the
HTTP status. They run through /bin/sh, as a reader pasting them would. A drift from the page is
caught by test_commands_are_the_seed_pages (when the shared seed folder is present).
"""
from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from b24conform.contract import load_contract
from b24conform.portal.config import PortalConfig
from b24conform.portal.errors import portal_error
from b24conform.portal.testing import SEED_FIELDS, read_activity, readback_mismatches, start_recording_portal
from b24conform.selftest.interop import split_webhook

CURL = Path("/usr/bin/curl")
SEED_PAGE = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "crm.activity.add.txt"

WEBHOOK_COMMAND = r"""curl -X POST \
        -H "Content-Type: application/json" \
        -H "Accept: application/json" \
        -d '{"fields":{"OWNER_TYPE_ID":2,"OWNER_ID":102,"TYPE_ID":2,"COMMUNICATIONS":[{"VALUE":"+18005551234","ENTITY_ID":134,"ENTITY_TYPE_ID":3}],"SUBJECT":"New call","START_TIME":"2023-12-31T12:00:00+00:00","END_TIME":"2023-12-31T12:30:00+00:00","COMPLETED":"N","PRIORITY":3,"RESPONSIBLE_ID":1,"DESCRIPTION":"Important call","DESCRIPTION_TYPE":3,"DIRECTION":2,"FILES":[{"fileData":["example.jpg","base64_encoded_content_here"]}]} }' \
        https://**put_your_bitrix24_address**/rest/**put_your_user_id_here**/**put_your_webhook_here**/crm.activity.add"""

OAUTH_COMMAND = r"""curl -X POST \
        -H "Content-Type: application/json" \
        -H "Accept: application/json" \
        -d '{"fields":{"OWNER_TYPE_ID":2,"OWNER_ID":102,"TYPE_ID":2,"COMMUNICATIONS":[{"VALUE":"+18005551234","ENTITY_ID":134,"ENTITY_TYPE_ID":3}],"SUBJECT":"New call","START_TIME":"2023-12-31T12:00:00+00:00","END_TIME":"2023-12-31T12:30:00+00:00","COMPLETED":"N","PRIORITY":3,"RESPONSIBLE_ID":1,"DESCRIPTION":"Important call","DESCRIPTION_TYPE":3,"DIRECTION":2,"FILES":[{"fileData":["example.jpg","base64_encoded_content_here"]}]},"auth":"**put_access_token_here**"}' \
        https://**put_your_bitrix24_address**/rest/crm.activity.add"""


def _data_of(command: str) -> str:
    """The -d argument of a command, as the shell hands it to curl."""
    return re.search(r"-d '([^']*)'", command).group(1)


@pytest.fixture(scope="module")
def curl() -> str:
    if not CURL.exists():
        pytest.skip("the curl binary is not installed at /usr/bin/curl: apt-get install curl")
    return str(CURL)


@pytest.fixture(scope="module")
def portal() -> Iterator[tuple[object, object]]:
    with start_recording_portal(PortalConfig.for_conformance(tls=True)) as running:
        yield running


def _substitute(command: str, portal, curl: str, *, ca_file: str | None) -> str:
    hook = split_webhook(portal.webhook_url)
    trust = f" --cacert {shlex.quote(ca_file)}" if ca_file else ""
    # --write-out: the status on a line of its own after the body, which curl prints as received.
    options = f"{shlex.quote(curl)}{trust} --silent --show-error --write-out '\\n%{{http_code}}'"
    assert command.startswith("curl ")
    out = options + command[len("curl"):]
    for placeholder, value in (
        ("**put_your_bitrix24_address**", hook.domain),
        ("**put_your_user_id_here**", str(hook.user_id)),
        ("**put_your_webhook_here**", hook.code),
        ("**put_access_token_here**", portal.credentials["oauth_token"]),
    ):
        out = out.replace(placeholder, value)
    assert "**" not in out, out
    return out


def _run(command: str) -> tuple[int, subprocess.CompletedProcess, str]:
    proc = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=60)
    body, _, status = proc.stdout.rpartition("\n")
    return int(status or 0), proc, body


@pytest.mark.parametrize(
    ("command", "path_of"),
    [
        (WEBHOOK_COMMAND, lambda p: f"/rest/{split_webhook(p.webhook_url).user_id}/{split_webhook(p.webhook_url).code}/crm.activity.add"),
        (OAUTH_COMMAND, lambda p: "/rest/crm.activity.add"),
    ],
    ids=["webhook", "oauth"],
)
def test_seed_curl_command_creates_the_activity(curl, portal, command, path_of) -> None:
    running, recorder = portal
    before = len(recorder.requests)
    status, proc, body = _run(_substitute(command, running, curl, ca_file=running.ca_file))
    assert proc.returncode == 0, proc.stderr
    assert status == 200, body

    answer = json.loads(body)
    new_id = answer["result"]
    assert isinstance(new_id, int) and not isinstance(new_id, bool) and new_id > 0, answer
    assert set(answer["time"]) >= {"start", "finish", "duration", "processing", "date_start", "date_finish"}

    # What curl put on the wire: one POST, the page's headers, the -d text byte for byte.
    [received] = recorder.requests[before:]
    sent_text = _data_of(command).replace("**put_access_token_here**", running.credentials["oauth_token"])
    assert received.method == "POST"
    assert received.path == path_of(running)
    assert received.headers["content-type"] == "application/json"
    assert received.headers["accept"] == "application/json"
    assert received.headers["user-agent"].startswith("curl/")
    assert received.body == sent_text.encode()

    sent = json.loads(sent_text)
    assert sent["fields"] == SEED_FIELDS  # the page's curl body is the spec's seed example
    got = read_activity(running, new_id)
    assert got["ID"] == str(new_id)
    assert readback_mismatches(sent["fields"], got) == []
    assert got["AUTHOR_ID"] == "1"  # the webhook's user and the token's user are both user 1


def test_without_the_ca_curl_refuses_the_portal(curl, portal) -> None:
    # The control: the portal's certificate is not trusted by the system store, so the pass above is
    # due to --cacert, and nothing reached the portal's API.
    running, recorder = portal
    before = len(recorder.requests)
    status, proc, _ = _run(_substitute(WEBHOOK_COMMAND, running, curl, ca_file=None))
    assert proc.returncode == 60, (proc.returncode, proc.stderr)  # CURLE_PEER_FAILED_VERIFICATION
    assert status == 0
    assert recorder.requests[before:] == []


def test_a_wrong_webhook_code_is_refused(curl, portal) -> None:
    running, _ = portal
    wrong = WEBHOOK_COMMAND.replace("**put_your_webhook_here**", "x" * len(split_webhook(running.webhook_url).code))
    status, proc, body = _run(_substitute(wrong, running, curl, ca_file=running.ca_file))
    assert proc.returncode == 0, proc.stderr
    assert status == 401
    assert json.loads(body) == load_contract().error(portal_error("AMB-WRONG-CODE")).body()


def test_commands_are_the_seed_pages() -> None:
    if not SEED_PAGE.exists():
        pytest.skip(f"seed page not found at {SEED_PAGE} (the shared folder is not mounted next to the repo)")
    text = SEED_PAGE.read_text(encoding="utf-8")
    # Each command on the page: from "curl -X POST" to its URL line, indentation as on the page.
    on_page = re.findall(r"^curl -X POST \\\n(?:.*\\\n)*.*/crm\.activity\.add$", text, re.M)
    assert on_page == [WEBHOOK_COMMAND, OAUTH_COMMAND]
