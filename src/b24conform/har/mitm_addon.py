"""A mitmproxy addon that b24conform's `traffic proxy` loads into mitmdump: for each completed flow, one
HAR 1.2 entry as a JSON line, appended to the file of the option `b24conform_har_lines` and flushed at
once, so that the judge can tail the file while the proxy runs.

It runs inside mitmdump, in mitmproxy's own environment, not b24conform's: it uses only mitmproxy's
addon API (the `load`, `configure`, `response`, `error`, `done` hooks, `loader.add_option`, `ctx.options`)
and the standard library, and never imports b24conform. It only reads flows: every request and reply
passes through unchanged. Flows are read duck-typed (request/response with headers, bodies and
timestamps), so a test can hand it a stand-in.

    mitmdump --mode reverse:https://PORTAL -s mitm_addon.py --set b24conform_har_lines=flows.jsonl

Bodies are stored decoded (Content-Encoding undone), as HAR wants: as text when they are UTF-8 without
NUL bytes, else base64 with `"encoding": "base64"` (for a request body too, which HAR 1.2 does not foresee and
b24conform reads). A flow that got no reply (the portal could not be reached, the client went away) is
an entry with status 0 and mitmproxy's error in `_error`.
"""
from __future__ import annotations

import base64
import json
import threading
from datetime import datetime, timezone
from typing import Any

OPTION = "b24conform_har_lines"


def _pairs(multidict: Any) -> list[dict[str, str]]:
    """A mitmproxy Headers / MultiDictView as HAR's [{"name", "value"}] (every value of a repeated name)."""
    if multidict is None:
        return []
    try:
        items = multidict.items(multi=True)
    except TypeError:
        items = multidict.items()
    return [{"name": str(name), "value": str(value)} for name, value in items]


def _body(message: Any) -> bytes:
    """The body with its Content-Encoding undone (the raw bytes when that fails)."""
    try:
        content = message.get_content(strict=False)
    except Exception:  # noqa: BLE001 - a body mitmproxy cannot decode is stored as it came
        content = None
    if content is None:
        content = getattr(message, "raw_content", None)
    return bytes(content or b"")


def text_or_base64(raw: bytes) -> dict[str, str]:
    """UTF-8 text as text; anything else (or text with NUL bytes, which no text format has) as base64."""
    if b"\x00" not in raw:
        try:
            return {"text": raw.decode("utf-8")}
        except UnicodeDecodeError:
            pass
    return {"text": base64.b64encode(raw).decode("ascii"), "encoding": "base64"}


def _iso(timestamp: Any) -> str:
    if not timestamp:
        return ""
    moment = datetime.fromtimestamp(float(timestamp), timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _ms(start: Any, end: Any) -> float:
    return round(1000 * (float(end) - float(start)), 3) if start and end else 0.0


def har_entry(flow: Any) -> dict[str, Any]:
    """One HAR 1.2 entry of an HTTP flow (request and, if it came, the reply)."""
    request, response = flow.request, getattr(flow, "response", None)
    sent = _body(request)
    req: dict[str, Any] = {
        "method": request.method,
        "url": request.pretty_url,
        "httpVersion": request.http_version,
        "cookies": [],
        "headers": _pairs(request.headers),
        "queryString": _pairs(getattr(request, "query", None)),
        "headersSize": -1,
        "bodySize": len(sent),
    }
    if sent or request.method in ("POST", "PUT", "PATCH"):
        req["postData"] = {"mimeType": request.headers.get("Content-Type", ""), **text_or_base64(sent)}
    send = _ms(request.timestamp_start, getattr(request, "timestamp_end", None))
    wait = receive = 0.0
    if response is not None:
        got = _body(response)
        raw = getattr(response, "raw_content", None)
        content: dict[str, Any] = {"size": len(got), "compression": len(got) - len(raw or b""),
                                   "mimeType": response.headers.get("Content-Type", ""), **text_or_base64(got)}
        resp: dict[str, Any] = {
            "status": response.status_code,
            "statusText": response.reason or "",
            "httpVersion": response.http_version,
            "cookies": [],
            "headers": _pairs(response.headers),
            "content": content,
            "redirectURL": response.headers.get("Location", ""),
            "headersSize": -1,
            "bodySize": len(raw or b""),
        }
        wait = _ms(getattr(request, "timestamp_end", None), response.timestamp_start)
        receive = _ms(response.timestamp_start, getattr(response, "timestamp_end", None))
    else:
        error = getattr(flow, "error", None)
        resp = {"status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
                "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": -1,
                "_error": getattr(error, "msg", None) if error is not None else None}
    timings = {"send": max(send, 0.0), "wait": max(wait, 0.0), "receive": max(receive, 0.0)}
    return {"startedDateTime": _iso(request.timestamp_start), "time": round(sum(timings.values()), 3),
            "request": req, "response": resp, "cache": {}, "timings": timings}


class HarLines:
    """Appends one HAR entry per completed flow to a file, one JSON object a line, flushed each time."""

    def __init__(self, path: str = "") -> None:
        self.path = path
        self._file: Any = None
        self._lock = threading.Lock()

    # -- mitmproxy's addon hooks -------------------------------------------------------------------

    def load(self, loader: Any) -> None:
        loader.add_option(OPTION, str, "", "Append one HAR 1.2 entry per completed flow (a JSON line) to this file.")

    def configure(self, updated: Any) -> None:
        if OPTION in updated:
            from mitmproxy import ctx  # only inside mitmdump

            self.close()
            self.path = getattr(ctx.options, OPTION)

    def response(self, flow: Any) -> None:
        if getattr(flow, "websocket", None) is None:
            self.write(flow)

    def error(self, flow: Any) -> None:
        self.write(flow)

    def done(self) -> None:
        self.close()

    # -- the file ----------------------------------------------------------------------------------

    def write(self, flow: Any) -> None:
        metadata = getattr(flow, "metadata", None)
        if not self.path or getattr(flow, "request", None) is None:
            return
        if isinstance(metadata, dict):
            if metadata.get(OPTION):
                return  # a flow that had its reply written and then an error: one entry
            metadata[OPTION] = True
        line = json.dumps(har_entry(flow), ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            if self._file is None:
                self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open between flows
            self._file.write(line)
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


addons = [HarLines()]
