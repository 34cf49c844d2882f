"""A tiny stand-in portal for the judge's own tests: plain HTTP on 127.0.0.1, a handful of methods,
and a log of every request it received. It lets tests drive the judge as a *live* target (the only
kind with write guards and a file ledger) without a real portal. Not a reference implementation:
that is b24conform.portal."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from b24conform.contract import load_contract


def _error(error_id: str, variant: int | None = None) -> tuple[int, dict[str, Any]]:
    """A catalogue error (spec/errors.yaml or item_errors.yaml) as this stand-in answers it: the entry's
    status, code and message, or one of its documented spellings."""
    contract = load_contract()
    entry = contract.errors.get(error_id) or contract.item_errors[error_id]
    message = entry.message if variant is None else entry.variants[variant].text
    return entry.http_status, {"error": entry.code, "error_description": message}


class FakePortal:
    def __init__(self, code: str = "fakewebhookcode123", token: str = "faketoken123456") -> None:
        self.code = code
        self.token = token
        self.requests: list[dict[str, Any]] = []
        self.activities: dict[int, dict[str, Any]] = {}
        self.next_id = 1
        self.fail_adds = False   # answer adds with a 500 (the id never reaches the judge)
        self.items: dict[str, dict[int, dict[str, Any]]] = {"contact": {}, "deal": {}}
        self.batch_enabled = True  # answer `batch` (only crm.activity.delete commands); else 404
        self.deny_deletes: set[int] = set()  # ids whose delete answers ACCESS_DENIED
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}/rest/1/{self.code}/"

    def __enter__(self) -> FakePortal:
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
                status, payload = portal.handle(self.command, self.path, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def handle(self, http_method: str, path: str, body: str) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(path)
        segments = [s for s in parts.path.split("/") if s]
        params: dict[str, Any] = {}
        if body:
            try:
                params = json.loads(body)
            except ValueError:
                params = dict(parse_qsl(body))
        with self._lock:
            self.requests.append({"method": http_method, "path": path, "body": body})
            if len(segments) == 4 and segments[2] != self.code:
                return _error("NO_AUTH_FOUND")
            method = segments[-1].lower().removesuffix(".json")
            if method == "crm.activity.add":
                if self.fail_adds:
                    return _error("INTERNAL_SERVER_ERROR")
                fields = params.get("fields") or {}
                if not fields.get("SUBJECT"):
                    return _error("ADD_SUBJECT_MISSING", variant=0)
                new_id = self.next_id
                self.next_id += 1
                self.activities[new_id] = {"ID": str(new_id), **fields}
                return 200, {"result": new_id, "time": {}}
            if method == "crm.activity.delete":
                return self._delete(int(params.get("id") or params.get("ID") or 0))
            if method == "crm.activity.fields":  # the preflight probe of a live run
                return 200, {"result": {"ID": {"type": "integer", "isReadOnly": True}}, "time": {}}
            if method in {"profile", "user.current"}:
                return 200, {"result": {"ID": "1", "ADMIN": True}, "time": {}}
            entity = method.split(".")[1] if method.count(".") == 2 and method.startswith("crm.") else ""
            if entity in self.items and method.endswith(".add"):  # the records a live run brings
                new_id = 9000 + sum(len(v) for v in self.items.values()) + 1  # apart from activity ids
                self.items[entity][new_id] = {"ID": str(new_id), **(params.get("fields") or {})}
                return 200, {"result": new_id, "time": {}}
            if entity in self.items and method.endswith(".delete"):
                if self.items[entity].pop(int(params.get("id") or params.get("ID") or 0), None) is None:
                    return _error("ITEM_NOT_FOUND")
                return 200, {"result": True}
            if method == "batch" and self.batch_enabled:
                cmd = params.get("cmd") or {}
                if len(cmd) > load_contract().limits.batch_max_commands:
                    return _error("ERROR_BATCH_LENGTH_EXCEEDED")
                results: dict[str, Any] = {}
                errors: dict[str, Any] = {}
                for key, command in cmd.items():
                    name, _, query = str(command).partition("?")
                    record_id = int(dict(parse_qsl(query)).get("id") or 0)
                    if name.lower() == "crm.activity.delete":
                        status, payload = self._delete(record_id)
                    elif name.lower() in {f"crm.{e}.delete" for e in self.items}:
                        gone = self.items[name.lower().split(".")[1]].pop(record_id, None) is not None
                        status, payload = (200, {"result": True}) if gone else _error("ITEM_NOT_FOUND")
                    else:
                        errors[key] = _error("ERROR_METHOD_NOT_FOUND")[1]
                        continue
                    (results if status == 200 else errors)[key] = payload["result"] if status == 200 else payload
                return 200, {"result": {"result": results or [], "result_error": errors or [], "result_total": [],
                                        "result_next": [], "result_time": []}}
            if method == "crm.activity.list":
                wanted = (params.get("filter") or {}).get("ORIGINATOR_ID")
                items = [a for a in self.activities.values() if wanted is None or a.get("ORIGINATOR_ID") == wanted]
                return 200, {"result": items, "total": len(items)}
            return _error("ERROR_METHOD_NOT_FOUND")

    def _delete(self, activity_id: int) -> tuple[int, dict[str, Any]]:
        if activity_id in self.deny_deletes:
            return _error("ADD_ACCESS_DENIED")
        if self.activities.pop(activity_id, None) is None:
            return _error("GET_NOT_FOUND")
        return 200, {"result": True}
