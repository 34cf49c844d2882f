"""The official Python SDK (unchanged) against the TLS portal: success, and its own exception classes."""
from __future__ import annotations

import pytest

b24pysdk = pytest.importorskip("b24pysdk")
from b24pysdk import BitrixWebhook, Client  # noqa: E402
from b24pysdk.errors import BitrixAPIBadRequest, BitrixAPIError, BitrixAPIUnauthorized  # noqa: E402

from b24conform.contract import load_contract  # noqa: E402
from b24conform.portal.errors import portal_error  # noqa: E402
from b24conform.portal.config import PortalConfig  # noqa: E402
from b24conform.portal.server import start_portal  # noqa: E402
from b24conform.portal.testing import SEED_FIELDS, seed_fields  # noqa: E402

CONTRACT = load_contract()


@pytest.fixture(scope="module")
def portal():
    with start_portal(PortalConfig.for_conformance(http_port=None)) as running:
        yield running


@pytest.fixture()
def sdk(portal, monkeypatch):
    # requests reads REQUESTS_CA_BUNDLE only (not SSL_CERT_FILE); override whatever the host set.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", portal.ca_file)
    domain = portal.base_url.removeprefix("https://")

    def make(code: str | None = None) -> Client:
        hook = portal.config.roles["webhook"]
        return Client(BitrixWebhook(domain=domain, webhook_token=f"{hook.user_id}/{code or hook.code}"), max_retries=1)

    return make


def test_seed_example_through_the_sdk(sdk):
    client = sdk()
    new_id = client.crm.activity.add(fields=SEED_FIELDS).result  # sent as crm.activity.Add.json
    assert isinstance(new_id, int) and new_id > 0
    item = client.crm.activity.get(bitrix_id=new_id).result
    assert item["ID"] == str(new_id) and item["SUBJECT"] == "New call" and item["OWNER_ID"] == "102"


def test_missing_subject_raises_bad_request(sdk):
    with pytest.raises(BitrixAPIBadRequest) as info:
        sdk().crm.activity.add(fields=seed_fields(SUBJECT=None)).result
    entry = CONTRACT.error("ADD_SUBJECT_MISSING")
    assert (info.value.status_code, info.value.error, info.value.error_description) == (400, "", entry.message)


def test_wrong_webhook_raises_unauthorized(sdk):
    with pytest.raises(BitrixAPIUnauthorized) as info:
        sdk("not-the-code").crm.activity.add(fields=SEED_FIELDS).result
    assert isinstance(info.value, BitrixAPIError)
    entry = CONTRACT.error(portal_error("AMB-WRONG-CODE"))
    assert (info.value.status_code, info.value.error) == (401, entry.code)


def test_sdk_batch(sdk):
    client = sdk()
    token = client._bitrix_token  # the SDK's public batch entry point lives on the token
    response = token.call_batch({"a": ("crm.activity.add", {"fields": SEED_FIELDS}), "b": ("crm.activity.fields", {})})
    body = response if isinstance(response, dict) else response.response  # raw batch envelope
    parts = body["result"]
    assert isinstance(parts["result"]["a"], int) and "SUBJECT" in parts["result"]["b"]
    assert parts["result_error"] == []
