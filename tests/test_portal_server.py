"""The portal over real sockets: TLS and plain, the HTTPS-required listener, durability."""
from __future__ import annotations

import ssl

import httpx
import pytest

from b24conform.contract import load_contract
from b24conform.portal.config import PortalConfig
from b24conform.portal.server import start_portal
from b24conform.portal.testing import SEED_FIELDS, comparable


def _client(portal) -> httpx.Client:
    verify = ssl.create_default_context(cafile=portal.ca_file) if portal.ca_file else True
    return httpx.Client(verify=verify, timeout=10)


@pytest.mark.parametrize("tls", [True, False], ids=["https", "http"])
def test_add_get_round_trip_over_sockets(tls):
    with start_portal(PortalConfig.for_conformance(tls=tls)) as portal, _client(portal) as client:
        assert portal.base_url.startswith("https://127.0.0.1:" if tls else "http://127.0.0.1:")
        assert portal.webhook_url.startswith(portal.base_url + "/rest/1/") and portal.webhook_url.endswith("/")
        r = client.post(portal.webhook_url + "crm.activity.add", json={"fields": SEED_FIELDS})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        new_id = r.json()["result"]
        # OAuth with the token in the body, then in the query string
        token = portal.credentials["oauth_token"]
        got = client.post(portal.oauth_url + "crm.activity.get", json={"id": new_id, "auth": token})
        assert got.status_code == 200 and got.json()["result"]["ID"] == str(new_id)
        got = client.get(portal.oauth_url + f"crm.activity.get.json?id={new_id}&auth={token}")
        assert got.json()["result"]["SUBJECT"] == "New call"
        assert (portal.ca_file is not None) == tls
        assert (portal.http_url is not None) == tls  # the plain listener exists next to HTTPS only


def test_plain_http_listener_requires_https():
    with start_portal(PortalConfig.for_conformance()) as portal, httpx.Client(timeout=10) as client:
        entry = load_contract().error("INVALID_REQUEST")
        hook = portal.webhook_url.replace(portal.base_url, portal.http_url)
        for r in (
            client.post(hook + "crm.activity.add", json={"fields": SEED_FIELDS}),
            client.get(portal.http_url + "/rest/crm.activity.fields"),
            client.get(portal.http_url + "/"),
        ):
            assert (r.status_code, r.content) == (entry.http_status, b'{"error":"INVALID_REQUEST","error_description":"Https required"}')
            assert r.json() == entry.body()


def test_credentials_cover_every_role():
    with start_portal(PortalConfig.for_conformance(http_port=None)) as portal, _client(portal) as client:
        creds = portal.credentials
        assert {"webhook", "restricted_webhook", "unscoped_webhook", "oauth_token", "expired_token"} <= set(creds)
        assert portal.http_url is None
        contract = load_contract()
        r = client.post(creds["unscoped_webhook"] + "crm.activity.fields")
        assert (r.status_code, r.json()) == (403, contract.error("INSUFFICIENT_SCOPE").body())
        r = client.post(portal.oauth_url + "crm.activity.fields", json={"auth": creds["expired_token"]})
        assert (r.status_code, r.json()) == (401, contract.error("EXPIRED_TOKEN").body())
        r = client.post(creds["restricted_webhook"] + "crm.activity.add", json={"fields": SEED_FIELDS})
        assert (r.status_code, r.json()) == (400, contract.error("ADD_ACCESS_DENIED").body())
        assert portal.seed["deals"][0]["ID"] == 102


def test_activities_survive_a_restart(tmp_path):
    db = str(tmp_path / "portal.sqlite3")
    config = PortalConfig.for_conformance(db=db, tls_dir=tmp_path / "tls")
    with start_portal(config) as portal, _client(portal) as client:
        new_id = client.post(portal.webhook_url + "crm.activity.add", json={"fields": SEED_FIELDS}).json()["result"]
        before = client.post(portal.webhook_url + "crm.activity.get", json={"id": new_id}).json()["result"]
        ca_before = (tmp_path / "tls" / "ca.pem").read_bytes()
    with start_portal(config) as portal, _client(portal) as client:
        after = client.post(portal.webhook_url + "crm.activity.get", json={"id": new_id}).json()["result"]
        assert comparable(after) == comparable(before) and after["ID"] == before["ID"]
        # the next id continues after the old ones
        next_id = client.post(portal.webhook_url + "crm.activity.add", json={"fields": SEED_FIELDS}).json()["result"]
        assert next_id > new_id
        assert (tmp_path / "tls" / "ca.pem").read_bytes() == ca_before  # the CA is reused


def test_concurrent_adds_get_distinct_ids():
    from concurrent.futures import ThreadPoolExecutor

    with start_portal(PortalConfig.for_conformance(tls=False)) as portal, httpx.Client(timeout=20) as client:
        def add(_):
            return client.post(portal.webhook_url + "crm.activity.add", json={"fields": SEED_FIELDS}).json()["result"]

        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(add, range(40)))
        assert len(set(ids)) == 40
        total = client.post(portal.webhook_url + "crm.activity.list", json={}).json()["total"]
        assert total == 40


def test_oversized_body_gets_an_envelope_not_a_reset():
    with start_portal(PortalConfig.for_conformance(http_port=None)) as portal, _client(portal) as client:
        entry = load_contract().error("ERROR_BODY_TOO_LARGE")
        r = client.post(portal.webhook_url + "crm.activity.add", content=b"{" + b" " * (9 * 1024 * 1024) + b"}",
                        headers={"content-type": "application/json"})
        assert (r.status_code, r.json()) == (entry.http_status, entry.body())
        # the connection stays usable
        assert client.post(portal.webhook_url + "crm.activity.fields").status_code == 200
