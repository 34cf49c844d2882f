"""The HTTP shell of the reference portal: a bare ASGI app, bytes in, envelope out.

Bare ASGI rather than a Starlette app: the portal has one endpoint for every path and verb, and
Starlette's router and middleware stack around it cost ~10 % of a call (BENCHMARKS.md). Starlette
still provides URL parsing and the State holder, and its TestClient drives this app in tests.

Pipeline of one request, in this order (each step may end it with a catalogue error):

    transport   plain HTTP on the HTTPS-only portal       -> INVALID_REQUEST
    body        over the size limit                        -> ERROR_BODY_TOO_LARGE
    route       path outside /rest/                        -> ERROR_METHOD_NOT_FOUND
    params      body/query not readable (wire.py)          -> ERROR_BAD_BODY
    auth        webhook path / `auth` token (auth.py)      -> NO_AUTH_FOUND, expired_token
    limits      leaky bucket of the portal (limits.py)     -> QUERY_LIMIT_EXCEEDED
    call        scope, operating budget, method (calls.py) -> insufficient_scope, OPERATION_TIME_LIMIT,
                                                              ERROR_METHOD_NOT_FOUND, method errors
    envelope    result + time, or error (envelope.py)

A deviation profile wraps this app and the state's parts (faults/, put together by assembly.py);
nothing here knows of it.

Anything unexpected becomes the INTERNAL_SERVER_ERROR envelope: the portal never drops a
connection or prints a stack trace to the client.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import anyio
import anyio.to_thread

from starlette.datastructures import URL, State

from b24conform.portal import wire
from b24conform.portal.calls import Outcome, invoke, limits_on
from b24conform.portal.config import PortalConfig
from b24conform.portal.envelope import JSON_TYPE, Timing, encode, success_body, time_block
from b24conform.portal.errors import PortalError, catalogue
from b24conform.portal.routing import parse_path
from b24conform.portal.state import PortalState

log = logging.getLogger("b24conform.portal")

# Calls that may take long (a whole batch, a list over every stored activity, a big FILES upload)
# run on a worker thread so that they do not hold up other connections; every other call runs
# right on the event loop: it costs ~0.1 ms, and the hop to a thread and back cost more than that
# (BENCHMARKS.md, portal profile).
OFFLOADED_METHODS = frozenset({"batch", "crm.activity.list", "crm.contact.list", "crm.deal.list", "crm.company.list"})
INLINE_BODY_LIMIT = 64 * 1024


def runs_inline(method: str, body_size: int) -> bool:
    return method not in OFFLOADED_METHODS and body_size <= INLINE_BODY_LIMIT


# Past the limit the rest of the body is still read (and dropped) so the client gets its 413
# answer instead of a reset connection; beyond this much more we stop reading.
DRAIN_LIMIT = 64 * 1024 * 1024


class ClientGone(Exception):
    """The client disconnected before its request was read: there is nobody to answer."""


async def read_body(receive: Any, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        elif size > limit + DRAIN_LIMIT:
            break
        if not message.get("more_body", False):
            break
    if size > limit:
        raise PortalError("ERROR_BODY_TOO_LARGE")
    return b"".join(chunks)


def base_url_of(scope: Any) -> str:
    server = scope.get("server")  # a list from some test clients: the cache needs a tuple
    return _base_url(scope.get("scheme", "http"), header(scope, b"host"), tuple(server) if server else None)


@lru_cache(maxsize=256)
def _base_url(scheme: str, host: str | None, server: tuple[str, int] | None) -> str:
    # Starlette's URL rules (a valid Host header, else the server address); cached, as every call
    # of a client sends the same Host.
    headers = [(b"host", host.encode("latin-1"))] if host is not None else []
    url = URL(scope={"type": "http", "scheme": scheme, "server": server, "path": "/", "headers": headers})
    return f"{url.scheme}://{url.netloc}"


def header(scope: Any, name: bytes) -> str | None:
    """The first value of a header (ASGI servers give names in lower case)."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


Answer = tuple[int, bytes, str]  # status, body, content type


async def handle(
    state: PortalState, scope: Any, receive: Any, https: bool, worker: anyio.CapacityLimiter | None = None
) -> Answer:
    start = state.now()
    method = ""
    outcome: Outcome | None = None
    error_id: str | None = None
    try:
        if not https:
            # Read (and drop) the body first so the client gets the answer, not a reset.
            try:
                await read_body(receive, state.config.max_body_bytes)
            except PortalError:
                pass
            raise PortalError("INVALID_REQUEST")
        body = await read_body(receive, state.config.max_body_bytes)
        # scope["path"] is already percent-decoded; parse_path decodes each segment once more, as
        # the portal always did through Starlette's URL (which re-escapes only ?, # and \).
        target = parse_path(scope["path"])
        if target is None:
            raise PortalError("ERROR_METHOD_NOT_FOUND")
        try:
            params = wire.merge_params(
                wire.parse_query(scope.get("query_string", b"")),
                wire.parse_body(body, header(scope, b"content-type")),
            )
        except wire.BodyError:
            raise PortalError("ERROR_BAD_BODY") from None
        caller = state.authenticate(target, params)
        params.pop("auth", None)
        method = target.method
        if state.bucket is not None and not state.bucket.admit(state.now()):
            raise PortalError("QUERY_LIMIT_EXCEEDED")
        if runs_inline(method, len(body)):
            outcome = await state.store.call_grouped(invoke, state, caller, method, params, base_url_of(scope))
        else:
            outcome = await anyio.to_thread.run_sync(
                invoke, state, caller, method, params, base_url_of(scope), limiter=worker
            )
        error_id = outcome.error_id
    except PortalError as exc:
        error_id = exc.error_id
    except ClientGone:
        raise
    except Exception:  # noqa: BLE001 - the envelope below is the whole point
        # Log the method and the traceback only: the path and params may hold webhook codes.
        log.exception("unexpected error in %s", method or "<no method>")
        error_id = "INTERNAL_SERVER_ERROR"
    return respond(state, method, start, outcome, error_id)


def respond(state: PortalState, method: str, start: float, outcome: Outcome | None, error_id: str | None) -> Answer:
    try:
        if error_id:
            entry = catalogue(error_id)
            status, body = entry.http_status, entry.body()
        else:
            assert outcome is not None and outcome.result is not None
            finish = state.now()
            timing = Timing(start, finish, outcome.finish - outcome.start, outcome.operating, outcome.operating_reset_at)
            block = time_block(timing, state.tz)
            result = outcome.result
            status, body = 200, success_body(result.result, block, result.total, result.next_start)
        return status, encode(body), JSON_TYPE
    except Exception:  # noqa: BLE001
        log.exception("unexpected error while answering %s", method or "<no method>")
        entry = catalogue("INTERNAL_SERVER_ERROR")
        return entry.http_status, encode(entry.body()), JSON_TYPE


class PortalApp:
    """The ASGI app: every HTTP request, whatever its verb or path, goes to handle() and gets a JSON
    envelope (a router would answer unknown verbs or odd paths with its own plain-text 404/405)."""

    def __init__(self, state: PortalState, https: bool) -> None:
        self.state = State({"portal": state})
        self.portal, self.https = state, https
        # One offloaded call at a time per listener: every call ends in the store's single lock anyway,
        # and forty pool threads queuing on it cost more (thread switches, GIL hand-offs) than the
        # calls themselves (BENCHMARKS.md, portal throughput). Created lazily: it needs the loop.
        self.worker: anyio.CapacityLimiter | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            if self.worker is None:
                self.worker = anyio.CapacityLimiter(1)
            try:
                status, body, content_type = await handle(self.portal, scope, receive, self.https, self.worker)
            except ClientGone:
                return
            await send({
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", content_type.encode("latin-1")), (b"content-length", str(len(body)).encode())],
            })
            await send({"type": "http.response.body", "body": body})
        elif kind == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        elif kind == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1003})  # the REST API has no websocket


def portal_state(app: Any) -> PortalState:
    return app.state.portal
