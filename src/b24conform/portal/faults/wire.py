"""Wire faults: an ASGI layer around the portal app.

It lets the faithful app answer, reads what the request and the answer were from the outside (path,
headers, status, JSON body), and rewrites the answer per the profile (answers.py). Installed only
when the profile has wire operations: the faithful portal runs without it.
"""
from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import parse_qs, unquote

from b24conform.portal.envelope import encode
from b24conform.portal.faults.answers import Answer, Request, deviant_answer, error_id_of
from b24conform.portal.faults.operation import Op
from b24conform.portal.routing import parse_path

WIRE_KINDS = ("response", "time")
LIMITS_FAULTS = frozenset({"wrong_status"})  # kind `limits`, but an answer rewritten on the wire


def is_wire(op: Op) -> bool:
    return op.kind in WIRE_KINDS or (op.kind == "limits" and op.fault in LIMITS_FAULTS)


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def _encoding(content_type: str) -> str:
    kind = content_type.split(";", 1)[0].strip().lower()
    return {"application/json": "json", "application/x-www-form-urlencoded": "form",
            "multipart/form-data": "multipart"}.get(kind, "none" if not kind else kind)


def request_of(scope: dict[str, Any], body: bytes = b"") -> Request:
    path = scope.get("path", "")
    target = parse_path(path)
    segments = [unquote(p) for p in path.split("/") if p]
    last = segments[-1] if segments else ""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    credential = "webhook" if target and target.is_webhook else "query" if "auth" in query else "body"
    return Request(
        method=target.method if target else "",
        suffix=".json" if last.lower().endswith(".json") else "none",
        method_case="lower" if last == last.lower() else "other",
        encoding=_encoding(_header(scope, b"content-type")),
        http_method=str(scope.get("method", "GET")).upper(),
        credential=credential,
        text=scope.get("query_string", b"").decode("latin-1") + "\n" + body.decode("latin-1"),
    )


class WireFaults:
    def __init__(self, app: Any, ops: tuple[Op, ...]) -> None:
        self.app, self.ops = app, ops
        self._answers = itertools.count(1)  # operating_decreases: an answer counter of this portal

    def __getattr__(self, name: str) -> Any:
        # state, portal, https, worker: the wrapped app's (portal_state(app) keeps working)
        return getattr(self.app, name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        received: list[bytes] = []

        async def tee() -> dict[str, Any]:
            # what the app reads, kept for `body_matches` (bounded by the app's own body limit)
            message = await receive()
            if message["type"] == "http.request":
                received.append(message.get("body", b""))
            return message

        async def keep(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, tee, keep)
        if not start:
            return  # the client went away: nobody to answer
        status, raw = start["status"], b"".join(chunks)
        content_type = next((v.decode("latin-1") for k, v in start.get("headers", ()) if k == b"content-type"), "")
        status, raw, content_type = self.bend(request_of(scope, b"".join(received)), status, raw, content_type)
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", content_type.encode("latin-1")), (b"content-length", str(len(raw)).encode())]})
        await send({"type": "http.response.body", "body": raw})

    def bend(self, request: Request, status: int, raw: bytes, content_type: str) -> tuple[int, bytes, str]:
        try:
            body = json.loads(raw)
        except ValueError:
            return status, raw, content_type
        answer = Answer(status, body, content_type, error_id_of(status, body))
        bent = deviant_answer(answer, request, self.ops, next(self._answers))
        # Not `bent == answer`: Python holds True == 1, so `result: true` would equal the first id.
        if bent is answer:
            return status, raw, content_type
        out = bent.text.encode("utf-8") if bent.text is not None else encode(bent.body)
        return bent.status, out, bent.content_type
