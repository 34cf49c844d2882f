"""A tiny HTTP reverse proxy that counts what a client sends to a portal (server-side view of a run).

    with CountingProxy(upstream="http://127.0.0.1:PORT") as proxy:   # proxy.url, proxy.counts
        ...

It forwards method, path, query, headers and body unchanged, and counts requests by portal method name,
statuses, and QUERY_LIMIT_EXCEEDED / OPERATION_TIME_LIMIT answers. The path (with the webhook code) is never
stored or printed: only the last path segment (the method name) is.
"""
from __future__ import annotations

import socket
import threading
import time
from collections import Counter

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
       "proxy-authenticate", "host", "content-length"}


def _commands(body: bytes) -> int:
    """How many commands a batch request carries (a JSON body's `cmd`; 0 when it cannot be read)."""
    import json

    try:
        cmd = json.loads(body or b"{}").get("cmd")
    except (ValueError, AttributeError):
        return 0
    return len(cmd) if isinstance(cmd, (dict, list)) else 0


class CountingProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.lock = threading.Lock()
        self.requests = 0
        self.by_method: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.batch_commands: list[int] = []  # the commands of each batch request, in order
        self.first: float | None = None
        self.last: float | None = None
        self.client = httpx.AsyncClient(timeout=120)
        app = Starlette(routes=[Route("/{path:path}", self._forward,
                                      methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"])])
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, access_log=False,
                                                    log_config=None, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=lambda: self.server.run(sockets=[self.sock]), daemon=True)

    async def _forward(self, request: Request) -> Response:
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP}
        url = self.upstream + request.url.path + (("?" + request.url.query) if request.url.query else "")
        upstream = await self.client.request(request.method, url, content=body, headers=headers)
        method = request.url.path.rstrip("/").rsplit("/", 1)[-1].lower().removesuffix(".json")
        error = ""
        if upstream.status_code >= 400:
            try:
                error = str(upstream.json().get("error", ""))
            except ValueError:
                error = "<not json>"
        with self.lock:
            now = time.monotonic()
            self.first = self.first or now
            self.last = now
            self.requests += 1
            self.by_method[method] += 1
            self.statuses[upstream.status_code] += 1
            if error:
                self.errors[error] += 1
            if method == "batch":
                self.batch_commands.append(_commands(body))
        out = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP and k.lower() != "content-encoding"}
        return Response(upstream.content, status_code=upstream.status_code, headers=out)

    def __enter__(self) -> "CountingProxy":
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.sock.close()
