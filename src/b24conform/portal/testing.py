"""Helpers for tests of the portal (and the judge's own tests): the seed example and the wire
format each official client sends it in.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from b24conform.contract import load_contract
from b24conform.portal.wire import encode_php_query

# The seed page's example `fields`, read from the spec (the single copy of it).
SEED_FIELDS: dict[str, Any] = load_contract().seed_example_fields()


def seed_fields(**changes: Any) -> dict[str, Any]:
    """A copy of the seed's fields; a change of None removes the key."""
    fields = copy.deepcopy(SEED_FIELDS)
    for key, value in changes.items():
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value
    return fields


@dataclass(frozen=True)
class WireRequest:
    """One HTTP request, as a client would send it (path relative to the portal's base URL)."""

    client: str
    http_method: str
    path: str
    headers: dict[str, str]
    content: bytes


def client_requests(params: dict[str, Any], method: str, user_id: int, code: str, token: str) -> list[WireRequest]:
    """The same call in the wire format of each client the seed page shows."""
    as_json = json.dumps(params).encode()
    with_auth = json.dumps({**params, "auth": token}).encode()
    json_headers = {"content-type": "application/json", "accept": "application/json"}
    form_headers = {"content-type": "application/x-www-form-urlencoded"}
    hook = f"/rest/{user_id}/{code}"
    return [
        # curl, webhook: JSON POST to /rest/{user}/{code}/{method}
        WireRequest("curl-webhook", "POST", f"{hook}/{method}", json_headers, as_json),
        # curl, OAuth: JSON POST to /rest/{method} with "auth" in the body
        WireRequest("curl-oauth", "POST", f"/rest/{method}", json_headers, with_auth),
        # JS SDK ($b24.callMethod): JSON POST to {base}/{method} plus its own query parameters
        WireRequest("js-sdk", "POST", f"{hook}/{method}?logTag=b24conform", {"content-type": "application/json"}, as_json),
        # PHP SDK: lower-cased method, trailing slash, JSON body
        WireRequest("php-sdk", "POST", f"{hook}/{method.lower()}/", json_headers, as_json),
        # BX24.callMethod (app frame): form-encoded PHP keys, auth in the form, .json suffix
        WireRequest("bx24", "POST", f"/rest/{method}.json", form_headers, encode_php_query({**params, "auth": token}).encode()),
        # CRest: http_build_query POST to the webhook URL + method + .json
        WireRequest("crest", "POST", f"{hook}/{method}.json", form_headers, encode_php_query(params).encode()),
    ]


# Read-back keys that differ between two adds of the same fields.
VOLATILE = ("ID", "CREATED", "LAST_UPDATED")


def comparable(item: dict[str, Any]) -> dict[str, Any]:
    """A read-back without what differs between two otherwise equal activities."""
    out = {k: v for k, v in item.items() if k not in VOLATILE}
    out["COMMUNICATIONS"] = [
        {k: v for k, v in c.items() if k not in ("ID", "ACTIVITY_ID")} for c in item.get("COMMUNICATIONS", [])
    ]
    out["FILES"] = len(item.get("FILES", []))
    return out


class InProcessClient:
    """A synchronous facade over httpx.AsyncClient + ASGITransport on one long-lived event loop:
    the portal app answers in-process, without sockets, for fast and deterministic tests."""

    def __init__(self, app: Any, *, timeout: float = 60) -> None:
        import asyncio

        import httpx

        self._asyncio = asyncio
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://portal.test", timeout=timeout
        )

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        return self.loop.run_until_complete(self.client.request(method, url, **kwargs))

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def gather(self, url: str, n: int) -> list[Any]:
        """n POSTs to url at once (concurrently on the loop), answers in request order."""

        async def many() -> list[Any]:
            return list(await self._asyncio.gather(*(self.client.post(url) for _ in range(n))))

        return self.loop.run_until_complete(many())

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()
