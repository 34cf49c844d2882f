"""The practical ceiling: a bare Starlette app served by uvicorn that parses the JSON body and answers it back.

It does what any JSON-over-HTTP Python server must do at least (read the body, parse it, encode an answer),
with no routing by method name, no auth, no validation and no storage. It reads and writes JSON as the portal
does (portal/jsoncodec.py), so the ratio measures the portal's work and not a JSON library.

    .venv/bin/uvicorn --app-dir benchmarks echo_app:app --host 127.0.0.1 --port 8001 --log-level warning --no-access-log
"""
from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from b24conform.portal.jsoncodec import dumps_bytes, loads_bytes

DECODER = json.JSONDecoder()


async def echo(request: Request) -> Response:
    payload = loads_bytes(await request.body(), DECODER)
    body = dumps_bytes({"result": payload, "time": {"start": 0, "finish": 0}})
    return Response(body, media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", echo, methods=["POST"])])
