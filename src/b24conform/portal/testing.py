"""Helpers for tests of the portal (and the judge's own tests): the seed example and the wire
format each official client sends it in.
"""
from __future__ import annotations

import asyncio
import copy
import json
import ssl
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from b24conform.contract import load_contract
from b24conform.portal import server
from b24conform.portal.assembly import build_app
from b24conform.portal.config import PortalConfig
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


@dataclass(frozen=True)
class ReceivedRequest:
    """One HTTP request as the portal app received it (after TLS, before any parsing)."""

    method: str
    path: str
    query: bytes
    headers: dict[str, str]
    body: bytes


class RecordingApp:
    """Wraps an ASGI app and keeps every HTTP request passed to it, so an interop test can check the
    bytes a real client put on the wire, not only what the portal made of them."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[ReceivedRequest] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def tapped() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        try:
            await self.app(scope, tapped, send)
        finally:
            self.requests.append(ReceivedRequest(
                method=scope["method"],
                path=scope["path"],
                query=scope.get("query_string", b""),
                headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
                body=b"".join(chunks),
            ))


def readback_mismatches(sent: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Each field of the seed-shaped `sent` that crm.activity.get (`got`) does not give back, with why.

    The reference portal's read-back: numbers as decimal strings, datetimes in the portal's offset
    (compared as instants), DEADLINE = START_TIME for a call, files as {id, url} descriptors."""
    def scalar(value: Any) -> str:
        return str(value)

    problems: list[str] = []
    for key, value in sent.items():
        read = got.get(key)
        if key in ("START_TIME", "END_TIME"):
            ok = isinstance(read, str) and datetime.fromisoformat(read) == datetime.fromisoformat(value)
        elif key == "COMMUNICATIONS":
            ok = isinstance(read, list) and [
                {k: c.get(k) for k in ("VALUE", "ENTITY_ID", "ENTITY_TYPE_ID")} for c in read
            ] == [{k: scalar(v) for k, v in c.items()} for c in value]
        elif key == "FILES":
            ok = isinstance(read, list) and len(read) == len(value) and all(
                isinstance(f.get("id"), int) and f["id"] > 0 for f in read
            )
        else:
            ok = read == scalar(value)
        if not ok:
            problems.append(f"{key}: sent {value!r}, read back {read!r}")
    if sent.get("TYPE_ID") in (1, 2) and got.get("DEADLINE") != got.get("START_TIME"):  # meeting, call
        problems.append(f"DEADLINE {got.get('DEADLINE')!r} is not START_TIME {got.get('START_TIME')!r}")
    return problems


@contextmanager
def start_recording_portal(config: Any) -> Iterator[tuple[Any, RecordingApp]]:
    """start_portal() whose main listener serves the app through a RecordingApp.

    server.build_app is swapped only while the portal starts, so portals started later (by other
    tests in the same worker) are not wrapped."""
    made: list[RecordingApp] = []
    real_build = server.build_app

    def build(config: Any, state: Any = None) -> RecordingApp:
        made.append(RecordingApp(real_build(config, state)))
        return made[-1]

    server.build_app = build
    try:
        running = server.start_portal(config)
        portal = running.__enter__()
    finally:
        server.build_app = real_build
    try:
        yield portal, made[0]
    finally:
        running.__exit__(None, None, None)


@contextmanager
def in_process_portal(config: Any = None) -> Iterator[Any]:
    """A reference portal behind Starlette's TestClient, no socket: the client carries `hook` (the
    webhook path prefix of the conformance credentials) and `config`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Starlette 1.x nudges towards httpx2; httpx is what the project pins
        from starlette.testclient import TestClient  # here: its import-time warning is silenced only in this block


    config = config or PortalConfig.for_conformance()
    with TestClient(build_app(config), base_url="https://testserver") as client:
        hook = config.roles["webhook"]
        client.hook = f"/rest/{hook.user_id}/{hook.code}/"  # type: ignore[attr-defined]
        client.config = config  # type: ignore[attr-defined]
        yield client


def call(client: Any, method: str, params: dict | None = None) -> Any:
    """`method` with JSON `params` on an in_process_portal client, through its webhook."""
    return client.post(client.hook + method, json=params or {})


def read_activity(portal: Any, activity_id: int) -> dict:
    """crm.activity.get of a running portal (start_portal / start_recording_portal), over its TLS,
    as an interop test reads back what a client created."""
    ctx = ssl.create_default_context(cafile=portal.ca_file)
    with httpx.Client(verify=ctx, timeout=10) as client:
        reply = client.post(portal.webhook_url + "crm.activity.get.json", json={"id": activity_id})
    assert reply.status_code == 200, reply.text
    return reply.json()["result"]
