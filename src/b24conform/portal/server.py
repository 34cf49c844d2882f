"""Serving the portal over real sockets: uvicorn in a background thread, as a context manager.

    with start_portal(PortalConfig.for_conformance()) as portal:
        httpx.post(portal.webhook_url + "crm.activity.add", json=...,
                   verify=ssl.create_default_context(cafile=portal.ca_file))

Binds 127.0.0.1 on a free port (port 0) unless told otherwise, waits until the socket accepts
connections, and on exit asks uvicorn to stop (should_exit) and joins the thread. The uvicorn
access log is off: request paths hold webhook codes.
"""
from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import uvicorn

from b24conform.portal.assembly import build_app, build_http_app, build_state
from b24conform.portal.config import OAuthToken, PortalConfig, Webhook
from b24conform.portal.state import PortalState
from b24conform.portal.tls import TlsFiles, ensure_tls

START_TIMEOUT = 15.0


class PortalStartError(RuntimeError):
    pass


class _Listener:
    """One uvicorn server on one pre-bound socket, in its own thread."""

    def __init__(self, app: Any, host: str, port: int, tls: TlsFiles | None) -> None:
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets whose proto says TCP; with proto 0 every
        # keep-alive answer waited ~40 ms for the client's delayed ACK (Nagle).
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.host, self.port = host, self.sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            host=host,
            port=self.port,
            ssl_certfile=str(tls.cert_file) if tls else None,
            ssl_keyfile=str(tls.key_file) if tls else None,
            access_log=False,
            proxy_headers=False,  # nothing reads X-Forwarded-*; uvicorn's middleware for it costs ~2 % a call
            log_config=None,  # leave the host program's logging alone
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=3,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name=f"b24conform-portal-{self.port}", daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as exc:  # noqa: BLE001 - reported by start()
            self.error = exc

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise PortalStartError(f"portal listener on port {self.port} did not start: {self.error!r}")
            time.sleep(0.01)
        with socket.create_connection((self.host, self.port), timeout=5):
            pass

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            # Idle TLS keep-alive connections of clients that never close them (requests without a
            # Session) would hold the graceful shutdown; give in-flight calls a moment, then force.
            self.thread.join(timeout=2)
            if self.thread.is_alive():
                self.server.force_exit = True
                self.thread.join(timeout=15)
        self.sock.close()


@dataclass
class Portal:
    """A running portal: where it is and how to call it."""

    config: PortalConfig
    state: PortalState
    base_url: str
    ca_file: str | None
    http_url: str | None
    credentials: dict[str, Any] = field(default_factory=dict)

    @property
    def webhook_url(self) -> str:
        return self.webhook_url_for(self.config.roles.get("webhook") or self.config.webhooks[0])

    @property
    def oauth_url(self) -> str:
        return f"{self.base_url}/rest/"

    @property
    def seed(self) -> dict[str, Any]:
        return self.state.world.data

    def webhook_url_for(self, hook: Webhook, base: str | None = None) -> str:
        return f"{base or self.base_url}/rest/{hook.user_id}/{hook.code}/"


def credentials_of(config: PortalConfig, base_url: str) -> dict[str, Any]:
    """Role -> webhook base URL (webhooks) or access token (OAuth), for the judge and the tests."""
    result: dict[str, Any] = {}
    for role, cred in config.roles.items():
        if isinstance(cred, Webhook):
            result[role] = f"{base_url}/rest/{cred.user_id}/{cred.code}/"
        elif isinstance(cred, OAuthToken):
            result[role] = cred.token
    return result


@contextmanager
def start_portal(config: PortalConfig) -> Iterator[Portal]:
    if not config.webhooks:
        raise ValueError("a portal needs at least one webhook")
    state = build_state(config)
    temp_dir: str | None = None
    tls: TlsFiles | None = None
    if config.tls:
        folder = config.tls_dir
        if folder is None:
            temp_dir = tempfile.mkdtemp(prefix="b24conform-tls-")
            folder = Path(temp_dir)
        tls = ensure_tls(folder)
    listeners: list[_Listener] = []
    try:
        main = _Listener(build_app(config, state), config.host, config.port, tls)
        listeners.append(main)
        main.start()
        scheme = "https" if tls else "http"
        base_url = f"{scheme}://{config.host}:{main.port}"
        http_url = None
        if tls and config.http_port is not None and config.http_port is not False:  # 0 = a free port
            port = 0 if config.http_port is True else int(config.http_port)
            plain = _Listener(build_http_app(state), config.host, port, None)
            listeners.append(plain)
            plain.start()
            http_url = f"http://{config.host}:{plain.port}"
        yield Portal(
            config=config,
            state=state,
            base_url=base_url,
            ca_file=str(tls.ca_file) if tls else None,
            http_url=http_url,
            credentials=credentials_of(config, base_url),
        )
    finally:
        for listener in listeners:  # all shut down at once; stop() then waits for each
            listener.server.should_exit = True
        for listener in reversed(listeners):
            listener.stop()
        state.store.close()
        if temp_dir:
            shutil.rmtree(temp_dir, ignore_errors=True)
