"""Building the run's targets from Settings: a live portal, or the embedded mock portal.

The mock is the reference portal of b24conform.portal, started on a free 127.0.0.1 port with TLS
and a fresh in-memory database, and stopped by the same context manager that started it.
"""
from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from b24conform.judge.client import Endpoints, TargetURLError, parse_credential_webhook, parse_target_url
from b24conform.judge.ledger import Ledger, open_ledger
from b24conform.judge.ratelimit import LeakyBucket, shared_budget
from b24conform.judge.settings import Settings, capabilities
from b24conform.judge.target import Target
from b24conform.portal.clock import SteppableClock
from b24conform.portal.config import PortalConfig

MOCK_CAPABILITIES = frozenset({"any", "oauth", "mock", "https"})


class InsecureTargetWarning(UserWarning):
    """A plain-HTTP loopback target: credentials travel unencrypted (acceptable on 127.0.0.1 only)."""


def _workers() -> int:
    try:
        return int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    except ValueError:
        return 1


def _limiter(settings: Settings, *, default_on: bool) -> LeakyBucket | None:
    if not (default_on or settings.rate_given):
        return None
    rate, burst = shared_budget(settings.rate, settings.burst, _workers())
    return LeakyBucket(rate=rate, burst=burst)


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def live_endpoints(settings: Settings) -> Endpoints:
    assert settings.target
    base, webhook = parse_target_url(settings.target)
    if webhook is None and not settings.oauth_token:
        raise TargetURLError("an OAuth target https://HOST/rest/ needs an OAuth token: --oauth-token (pytest: --b24-oauth-token)")
    if base.startswith("http://"):
        warnings.warn(f"plain-HTTP target {base}: accepted because the host is loopback",
                      InsecureTargetWarning, stacklevel=2)
    return Endpoints(base_url=base, webhook=webhook, oauth_token=settings.oauth_token,
                     http_base_url=_origin(settings.http_url))


def live_target(settings: Settings, *, rate_limited: bool = True) -> Target:
    endpoints = live_endpoints(settings)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    run_id = f"{settings.run_id}-{worker}" if worker else settings.run_id
    ledger = open_ledger(settings.ledger_dir, portal=endpoints.base_url, run_id=run_id)
    caps = capabilities(settings) - {"limits"} if rate_limited else capabilities(settings)
    return Target(
        endpoints, kind="live", run_id=settings.run_id, mode=settings.mode,
        allow_writes=settings.allow_writes, capabilities=caps, fixtures=settings.fixtures,
        ledger=ledger, limiter=_limiter(settings, default_on=rate_limited), ca_bundle=settings.ca_bundle,
    )


def _cred(credentials: Any, name: str) -> Any:
    if credentials is None:
        return None
    if isinstance(credentials, dict):
        return credentials.get(name)
    return getattr(credentials, name, None)


def mock_endpoints(portal: Any) -> Endpoints:
    creds = getattr(portal, "credentials", None)
    base = _origin(portal.base_url) or ""
    webhook = parse_credential_webhook(_cred(creds, "webhook") or portal.webhook_url, base)
    return Endpoints(
        base_url=base,
        webhook=webhook,
        oauth_token=_cred(creds, "oauth_token"),
        http_base_url=_origin(getattr(portal, "http_url", None)),
        restricted=parse_credential_webhook(_cred(creds, "restricted_webhook"), base),
        unscoped=parse_credential_webhook(_cred(creds, "unscoped_webhook"), base),
        expired_token=_cred(creds, "expired_token"),
    )


@contextlib.contextmanager
def embedded_target(settings: Settings, *, limits: str = "off") -> Iterator[Target]:
    """Start a reference portal, yield a Target on it, stop it. limits="standard" gives the
    instance for the `limits` checks (no client-side limiter there: those checks must trip it)."""
    from b24conform.portal.server import start_portal  # start-up: uvicorn, ~55 ms a run against a live portal never needs

    # Real time that the drain check can move forward (Target.let_time_pass) instead of sleeping.
    clock = SteppableClock()
    config = PortalConfig.for_conformance(tls=True, limits=limits, db=":memory:", http_port=True,
                                          profile=settings.mock_profile, clock=clock)
    with start_portal(config) as portal:
        endpoints = mock_endpoints(portal)
        caps = MOCK_CAPABILITIES | ({"limits"} if limits != "off" else set())
        target = Target(
            endpoints, kind="mock", run_id=settings.run_id, mode=settings.mode, allow_writes=True,
            capabilities=caps, fixtures=settings.fixtures,
            ledger=Ledger(None, portal=endpoints.base_url, run_id=settings.run_id),
            limiter=_limiter(settings, default_on=False) if limits == "off" else None,
            ca_bundle=str(getattr(portal, "ca_file", "") or "") or None,
            pass_time=clock.advance,
        )
        target.portal = portal  # type: ignore[attr-defined]  # for checks that inspect the mock
        try:
            yield target
        finally:
            target.close()
