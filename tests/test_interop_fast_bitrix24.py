"""Interop: fast-bitrix24 (aiohttp based) against the reference portal over TLS.

fast-bitrix24's own `ssl` option is a bool (verify or not), so the CA is given in one of the two ways
its docs and aiohttp allow, with the client code otherwise unchanged:

* in-process: the documented `client=` option, an aiohttp.ClientSession whose connector trusts a
  bundle with the portal's CA (fast-bitrix24 expects `raise_for_status=True` on it, as it sets itself);
* as a user would run it: a separate Python process with SSL_CERT_FILE pointing at that bundle
  (aiohttp builds its default SSL context when imported, from OpenSSL's default paths, which honour
  SSL_CERT_FILE), and a plain `Bitrix(webhook)`.

The scenario is the seed's add, then a paged list: more than 50 activities, so that get_all pages
(start=0, 50, ...), and call() with a list of items goes through `batch` with PHP-style query strings.
"""
from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

fast_bitrix24 = pytest.importorskip("fast_bitrix24")
aiohttp = pytest.importorskip("aiohttp")

from b24conform.portal.config import PortalConfig  # noqa: E402
from b24conform.portal.server import start_portal  # noqa: E402
from b24conform.selftest.interop import seed_fields, trust_bundle  # noqa: E402

MANY = 63  # > 50: list must page, and call() must split the adds into two batches


@pytest.fixture(scope="module")
def portal() -> Iterator[object]:
    with start_portal(PortalConfig.for_conformance(tls=True)) as running:
        yield running


@pytest.fixture(scope="module")
def bundle(portal, tmp_path_factory) -> str:
    return str(trust_bundle(portal.ca_file, tmp_path_factory.mktemp("fb24-ca")))


async def _scenario(webhook: str, cafile: str, marker: str) -> dict:
    ctx = ssl.create_default_context(cafile=cafile)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx), raise_for_status=True) as session:
        b = fast_bitrix24.BitrixAsync(webhook, verbose=False, client=session)
        one = await b.call("crm.activity.add", {"fields": seed_fields(SUBJECT=f"{marker} seed")})
        items = [{"fields": seed_fields(SUBJECT=f"{marker} #{i:02d}")} for i in range(MANY)]
        many = await b.call("crm.activity.add", items)
        listed = await b.get_all(
            "crm.activity.list", {"filter": {"%SUBJECT": marker}, "select": ["ID", "SUBJECT", "OWNER_ID"]}
        )
        got = await b.get_by_ID("crm.activity.get", [one, many[0]])
    return {"one": one, "many": many, "listed": listed, "got": got}


def test_add_and_paged_list_with_client_session(portal, bundle) -> None:
    marker = "fb24-" + uuid.uuid4().hex[:8]
    seen = asyncio.run(_scenario(portal.webhook_url, bundle, marker))
    _check(seen, marker)


def _check(seen: dict, marker: str) -> None:
    one = int(seen["one"])
    assert one > 0
    many = [int(x) for x in seen["many"]]
    assert len(many) == MANY and len(set(many)) == MANY and one not in many and min(many) > 0
    listed = seen["listed"]
    assert len(listed) == MANY + 1, f"get_all returned {len(listed)} of {MANY + 1}"
    assert {int(r["ID"]) for r in listed} == {one, *many}
    assert all(r["SUBJECT"].startswith(marker) and r["OWNER_ID"] == "102" for r in listed)
    # get_by_ID: {id: record} read through batch commands `crm.activity.get?ID=<id>`.
    got = {str(k): v for k, v in seen["got"].items()}
    assert set(got) == {str(one), str(many[0])}, sorted(got)
    assert got[str(one)]["ID"] == str(one) and got[str(one)]["SUBJECT"] == f"{marker} seed"
    # call() with more than 50 items returns the ids in the order the batches completed, not in the order
    # of the items (fast-bitrix24 1.8.14 drops its `__order` labels), so only membership is checked.
    assert got[str(many[0])]["SUBJECT"] in {f"{marker} #{i:02d}" for i in range(MANY)}
    assert got[str(one)]["COMMUNICATIONS"][0]["VALUE"] == "+18005551234"


_SUBPROCESS = r"""
import json, sys
from fast_bitrix24 import Bitrix
sys.path.insert(0, sys.argv[3])
webhook, marker = sys.argv[1], sys.argv[2]
from b24conform.selftest.interop import seed_fields
b = Bitrix(webhook, verbose=False)
one = b.call("crm.activity.add", {"fields": seed_fields(SUBJECT=marker + " seed")})
many = b.call("crm.activity.add", [{"fields": seed_fields(SUBJECT=f"{marker} #{i:02d}")} for i in range(int(sys.argv[4]))])
listed = b.get_all("crm.activity.list", {"filter": {"%SUBJECT": marker}, "select": ["ID", "SUBJECT", "OWNER_ID"]})
got = b.get_by_ID("crm.activity.get", [one, many[0]])
print("B24CONFORM_RESULT " + json.dumps({"one": one, "many": many, "listed": listed, "got": {str(k): v for k, v in got.items()}}))
"""


def test_add_and_paged_list_with_ssl_cert_file(portal, bundle) -> None:
    marker = "fb24env-" + uuid.uuid4().hex[:8]
    env = {k: v for k, v in os.environ.items() if k not in {"SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"}}
    env["SSL_CERT_FILE"] = bundle
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    proc = subprocess.run(
        [sys.executable, "-c", _SUBPROCESS, portal.webhook_url, marker, src, str(MANY)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("B24CONFORM_RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-1500:]
    _check(json.loads(lines[-1].split(" ", 1)[1]), marker)
