"""Interop: the official Python SDK (b24pysdk) against the reference portal over TLS.

The SDK is used as documented (BitrixWebhook + Client, BitrixToken for OAuth); the only things given
to it are the portal's host:port as `domain` and the portal's CA through REQUESTS_CA_BUNDLE (requests
ignores SSL_CERT_FILE). Each test checks what the client saw, not only that it did not raise.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

b24pysdk = pytest.importorskip("b24pysdk")

from b24pysdk import BitrixApp, BitrixToken, BitrixWebhook, Client, Config  # noqa: E402
from b24pysdk.errors import (  # noqa: E402
    BitrixAPIBadRequest,
    BitrixAPIExpiredToken,
    BitrixAPIQueryLimitExceeded,
    BitrixAPIUnauthorized,
)

from b24conform.contract import load_contract  # noqa: E402
from b24conform.portal.errors import portal_error  # noqa: E402
from b24conform.portal.clock import FakeClock  # noqa: E402
from b24conform.portal.config import PortalConfig  # noqa: E402
from b24conform.portal.limits import PLANS  # noqa: E402
from b24conform.portal.server import start_portal  # noqa: E402
from b24conform.selftest.interop import seed_fields, split_webhook, trust_bundle  # noqa: E402

CONTRACT = load_contract()


# Any app credentials: they are only used for a refresh, which a one-off token never attempts.
_APP = BitrixApp(client_id="local.b24conform.interop", client_secret="unused")


def _msg(error_id: str) -> str:
    return CONTRACT.error(error_id).message


@pytest.fixture(scope="module")
def portal() -> Iterator[object]:
    with start_portal(PortalConfig.for_conformance(tls=True)) as running:
        yield running


@pytest.fixture()
def trusted(portal, tmp_path, monkeypatch) -> None:
    """Point requests (used by b24pysdk) at a bundle that trusts the portal's CA."""
    bundle = trust_bundle(portal.ca_file, tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


@pytest.fixture()
def sdk_config() -> Iterator[Config]:
    """The SDK's thread-local Config, put back as it was after the test."""
    cfg = Config()
    saved = (cfg.default_max_retries, cfg.default_initial_retry_delay, cfg.default_retry_delay_increment)
    yield cfg
    cfg.configure(
        default_max_retries=saved[0], default_initial_retry_delay=saved[1], default_retry_delay_increment=saved[2]
    )


def _client(webhook_url: str) -> Client:
    hook = split_webhook(webhook_url)
    return Client(BitrixWebhook(domain=hook.domain, webhook_token=hook.token))


def test_seed_example_add_get_list_delete(portal, trusted) -> None:
    client = _client(portal.webhook_url)
    fields = seed_fields()

    add = client.crm.activity.add(fields=fields)
    new_id = add.result
    assert isinstance(new_id, int) and not isinstance(new_id, bool) and new_id > 0, add.result
    assert add.time is not None and add.time.duration >= 0

    got = client.crm.activity.get(bitrix_id=new_id).result
    assert str(got["ID"]) == str(new_id)
    assert got["SUBJECT"] == fields["SUBJECT"]
    assert str(got["OWNER_ID"]) == str(fields["OWNER_ID"])
    assert str(got["TYPE_ID"]) == str(fields["TYPE_ID"])
    assert got["DESCRIPTION"] == fields["DESCRIPTION"]
    assert got["COMPLETED"] == "N"

    listed = client.crm.activity.list(filter={"ID": new_id}, select=["ID", "SUBJECT"])
    rows = listed.result
    assert [str(r["ID"]) for r in rows] == [str(new_id)]
    assert listed.response.total == 1

    deleted = client.crm.activity.delete(bitrix_id=new_id).result
    assert deleted is True

    with pytest.raises(BitrixAPIBadRequest) as gone:
        client.crm.activity.get(bitrix_id=new_id).result  # noqa: B018 - lazy request runs on access
    assert gone.value.status_code == 400
    assert gone.value.error_description == _msg("ACTIVITY_NOT_FOUND")


def test_missing_subject_raises_bad_request(portal, trusted) -> None:
    client = _client(portal.webhook_url)
    with pytest.raises(BitrixAPIBadRequest) as err:
        client.crm.activity.add(fields=seed_fields(SUBJECT=None)).result  # noqa: B018
    exc = err.value
    assert type(exc) is BitrixAPIBadRequest  # empty code: the SDK falls back on the status table
    assert exc.status_code == 400
    assert exc.error == CONTRACT.error("ADD_SUBJECT_MISSING").code == ""
    assert exc.error_description == _msg("ADD_SUBJECT_MISSING")


def test_wrong_webhook_code_raises_unauthorized(portal, trusted) -> None:
    hook = split_webhook(portal.webhook_url)
    client = Client(BitrixWebhook(domain=hook.domain, webhook_token=f"{hook.user_id}/{'x' * len(hook.code)}"))
    with pytest.raises(BitrixAPIUnauthorized) as err:
        client.crm.activity.add(fields=seed_fields()).result  # noqa: B018
    exc = err.value
    entry = CONTRACT.error(portal_error("AMB-WRONG-CODE"))
    assert exc.status_code == entry.http_status == 401
    assert exc.error == entry.code
    assert exc.error_description == entry.message


def test_query_limit_exceeded_on_the_standard_plan(trusted_limits_portal, sdk_config) -> None:
    portal = trusted_limits_portal
    # The SDK retries a 503 with sleeps (1 s, 2 s by default); keep it to two quick attempts. Its retries
    # change nothing here: the portal's clock stands still, so the bucket never drains between them.
    sdk_config.configure(default_max_retries=2, default_initial_retry_delay=0.01, default_retry_delay_increment=0)
    hook = split_webhook(portal.webhook_url)
    token = BitrixWebhook(domain=hook.domain, webhook_token=hook.token)
    entry = CONTRACT.error("QUERY_LIMIT_EXCEEDED")
    burst = PLANS["standard"][1]

    answered = 0
    with pytest.raises(BitrixAPIQueryLimitExceeded) as err:
        for _ in range(burst + 1):  # the bucket holds `burst` requests and, on a frozen clock, drains none
            response = token.call_method("crm.enum.activitytype")
            assert isinstance(response["result"], list)
            answered += 1
    exc = err.value
    assert answered == burst  # however slowly the machine sent them
    assert exc.status_code == entry.http_status == 503
    assert exc.error == entry.code
    assert exc.error_description == entry.message


@pytest.fixture()
def trusted_limits_portal(tmp_path, monkeypatch) -> Iterator[object]:
    """A portal on the standard plan whose clock only moves when told (it never is): what is refused depends on
    the number of requests alone, never on how fast a loaded machine sends them."""
    config = PortalConfig.for_conformance(tls=True, limits="standard", clock=FakeClock())
    with start_portal(config) as running:
        bundle = trust_bundle(running.ca_file, tmp_path)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        yield running


def test_expired_oauth_token(portal, trusted) -> None:
    # A BitrixToken bound to a BitrixApp is an OAuth token: calls go to https://{domain}/rest/{method}.json
    # with `auth` in the body. Only a refresh would go to oauth.bitrix24.tech, and a token without a
    # refresh_token is "one-off": the SDK raises instead of refreshing, so nothing leaves 127.0.0.1.
    expired = portal.credentials["expired_token"]
    hook = split_webhook(portal.webhook_url)
    token = BitrixToken(domain=hook.domain, auth_token=expired, bitrix_app=_APP)
    assert not token.is_webhook and token.is_one_off
    with pytest.raises(BitrixAPIExpiredToken) as err:
        Client(token).crm.activity.add(fields=seed_fields()).result  # noqa: B018
    exc = err.value
    entry = CONTRACT.error("EXPIRED_TOKEN")
    assert exc.status_code == entry.http_status == 401
    assert exc.error == entry.code
    assert exc.error_description == entry.message


def test_valid_oauth_token_adds(portal, trusted) -> None:
    good = portal.credentials["oauth_token"]
    hook = split_webhook(portal.webhook_url)
    token = BitrixToken(domain=hook.domain, auth_token=good, bitrix_app=_APP)
    assert not token.is_webhook
    client = Client(token)
    new_id = client.crm.activity.add(fields=seed_fields(SUBJECT="b24pysdk over OAuth")).result
    assert isinstance(new_id, int) and new_id > 0
    assert client.crm.activity.get(bitrix_id=new_id).result["SUBJECT"] == "b24pysdk over OAuth"
