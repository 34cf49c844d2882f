"""`b24conform traffic proxy`: a validating reverse proxy in front of a portal, built on mitmproxy.

mitmproxy runs as a separate process from its own environment (its versions for Python 3.11 pin h11 and
cryptography below what b24conform needs, and mitmproxy 12 needs Python 3.12): `mitmdump` is found
(--mitmdump, B24_MITMDUMP, else PATH) and started in reverse mode on 127.0.0.1 with the addon shipped
with the HAR format (har/mitm_addon.py), which appends one HAR 1.2 entry per completed flow as a JSON line to
a file in a private temporary folder. This process tails that file and judges each entry as it arrives
with the code `traffic check` uses (exchange.read_entry, report.Tally), prints each problem as one line,
and copies the entry into the HAR it writes (--har). mitmdump only reads the flows: every request and
reply passes through unchanged (mitmproxy's reverse mode sets the Host header to the portal's, as any
reverse proxy does).

On Ctrl-C or SIGTERM (or when mitmdump ends by itself) mitmdump is stopped, the entries it still wrote
are judged, the HAR is closed, and the reports of `traffic check` are written, with its exit codes.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from b24conform.contract import load_contract
from b24conform.har import HarWriter
from b24conform.traffic.checks import CHECKS
from b24conform.traffic.exchange import read_entry
from b24conform.traffic.report import MAX_NOT_JUDGED, Tally
from b24conform.exitcodes import EXIT_NONCONFORMANT, EXIT_NOTHING, EXIT_TARGET, EXIT_USAGE
from b24conform.traffic.verdict import exit_code, summary
from b24conform.verdict.redact import redact

ADDON = Path(__file__).parent.parent / "har" / "mitm_addon.py"
OPTION = "b24conform_har_lines"   # mitm_addon.OPTION (the addon is never imported here)
MITMDUMP_ENV = "B24_MITMDUMP"
LISTEN_HOST = "127.0.0.1"
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
POLL = 0.05
INSTALL_HINT = ("install mitmproxy in an environment of its own (it cannot share b24conform's): "
                "`pipx install mitmproxy`, or `python3 -m venv ~/mitmproxy && ~/mitmproxy/bin/pip install mitmproxy`; "
                f"then put mitmdump on PATH, or give its path with --mitmdump PATH or {MITMDUMP_ENV}")


class ProxyError(Exception):
    """A reason not to start: one line, and the exit code."""

    def __init__(self, line: str, code: int = EXIT_USAGE) -> None:
        super().__init__(line)
        self.line, self.code = line, code


# -- before starting -------------------------------------------------------------------------------

def find_mitmdump(option: str | None, environ: Any = None) -> str:
    """The mitmdump to run: --mitmdump, else B24_MITMDUMP, else the one on PATH."""
    environ = os.environ if environ is None else environ
    given = option or environ.get(MITMDUMP_ENV) or None
    if given:
        found = shutil.which(given) if os.sep not in given else (given if os.path.isfile(given) else None)
        if not found or not os.access(found, os.X_OK):
            source = "--mitmdump" if option else MITMDUMP_ENV
            raise ProxyError(f"error: {source}: {given} is not an executable mitmdump; {INSTALL_HINT}")
        return os.path.abspath(found)
    found = shutil.which("mitmdump")
    if not found:
        raise ProxyError(f"error: mitmdump not found; {INSTALL_HINT}")
    return found


def upstream_origin(url: str) -> str:
    """The portal's origin (scheme://host[:port]) that mitmproxy's reverse mode takes."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProxyError(f"error: --upstream: {url!r} is not an http(s) URL (https://HOST[:PORT])")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ProxyError("error: --upstream: give the portal's address alone (https://HOST[:PORT]), without a path, "
                         "query or credentials: the app keeps its own /rest/... paths")
    try:
        port = parts.port
    except ValueError:
        raise ProxyError(f"error: --upstream: {url!r} has a port that is not a number") from None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def listen_port(port: int) -> int:
    """The port to listen on: the one given, free on 127.0.0.1, or (0) a free one."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((LISTEN_HOST, port))
        except OSError as exc:
            raise ProxyError(f"error: --listen-port: cannot listen on {LISTEN_HOST}:{port} "
                             f"({exc.strerror or exc})") from None
        return int(sock.getsockname()[1])


def probe_upstream(origin: str, *, insecure: bool, ca_bundle: Path | None) -> str | None:
    """None when the portal answers anything over HTTP(S); else the one line saying why not (exit 3)."""
    verify: Any = False if insecure else (ssl.create_default_context(cafile=str(ca_bundle)) if ca_bundle else True)
    try:
        with httpx.Client(verify=verify, timeout=15, follow_redirects=False) as client:
            client.get(origin + "/")
    except httpx.TransportError as exc:
        text = " ".join(str(exc).split()) or type(exc).__name__
        if "CERTIFICATE_VERIFY_FAILED" in text:
            return (f"error: cannot reach the upstream: TLS verification of {origin} failed ({text}); give the "
                    "portal's CA (PEM) with --ca-bundle, or, knowing what it means, --upstream-insecure")
        return f"error: cannot reach the upstream {origin}: {text}"
    return None


def mitmdump_command(mitmdump: str, origin: str, port: int, lines: Path, *, insecure: bool,
                     ca_bundle: Path | None) -> list[str]:
    args = [mitmdump, "--mode", f"reverse:{origin}", "--listen-host", LISTEN_HOST, "--listen-port", str(port),
            "-s", str(ADDON), "--set", f"{OPTION}={lines}", "--set", "flow_detail=0"]
    if insecure:
        args += ["--set", "ssl_insecure=true"]
    if ca_bundle:
        args += ["--set", f"ssl_verify_upstream_trusted_ca={ca_bundle}"]
    return args


# -- while running ---------------------------------------------------------------------------------

class Lines:
    """The complete lines appended to a file another process writes (a line is complete at its newline)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: Any = None
        self._partial = b""

    def new(self) -> Iterator[bytes]:
        if self._handle is None:
            try:
                self._handle = self.path.open("rb")
            except FileNotFoundError:
                return
        while True:
            chunk = self._handle.readline()
            if not chunk:
                return
            self._partial += chunk
            if self._partial.endswith(b"\n"):
                line, self._partial = self._partial, b""
                if line.strip():
                    yield line

    @property
    def left_over(self) -> bool:
        return bool(self._partial.strip())

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


@dataclass
class LiveJudge:
    """Each entry as it arrives: judged into the tally, copied into the HAR, its problems as lines."""

    tally: Any
    har: HarWriter
    echo: Callable[[str], None]
    unreadable: int = 0

    def feed(self, raw: bytes) -> None:
        try:
            entry = json.loads(raw)
        except ValueError:
            self.unreadable += 1
            return
        if not isinstance(entry, dict):
            self.unreadable += 1
            return
        index = self.har.count
        self.har.add(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
        seen = read_entry(entry, str(self.har.path), index)
        before = self.tally.not_judged_total
        found = self.tally.add(seen)
        method = seen.exchange.method_as_sent if seen.exchange else (seen.not_judged.method if seen.not_judged else "")
        for name, problems in found.items():
            clauses = ", ".join(CHECKS.get(name, ()))
            for problem in problems:
                self.echo(redact(f"problem: {method} [{clauses}] {problem.title} (log.entries[{index}])"))
        if self.tally.not_judged_total > before:
            # The tally keeps the first MAX_NOT_JUDGED of them: past that, the reason is in no list.
            reason = (self.tally.not_judged[-1]["reason"] if self.tally.not_judged_total <= MAX_NOT_JUDGED
                      else "see the summary")
            self.echo(redact(f"not judged: {method or '?'}: {reason} (log.entries[{index}])"))


class Stop:
    """Set by SIGINT / SIGTERM while the proxy runs; the previous handlers come back afterwards."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._saved: dict[int, Any] = {}

    def __enter__(self) -> Stop:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._saved[sig] = signal.signal(sig, lambda *_: self.event.set())
        return self

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)


def _last_lines(path: Path, n: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " / ".join(lines[-n:])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection((LISTEN_HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _end(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)


@dataclass
class Outcome:
    tally: Any
    har: Path
    ended_by_itself: bool
    unreadable: int


def serve(*, mitmdump: str, origin: str, port: int, report_dir: Path, har: Path, insecure: bool,
          ca_bundle: Path | None, contract: Any, mode: str, echo: Callable[[str], None]) -> Outcome:
    """Run mitmdump and judge what passes until a stop; raises ProxyError when mitmdump does not start."""
    report_dir.mkdir(parents=True, exist_ok=True)
    log = report_dir / "mitmdump.log"
    work = Path(tempfile.mkdtemp(prefix="b24conform-proxy-"))
    lines_path = work / "flows.jsonl"
    lines_path.touch(mode=0o600)
    tally = Tally(contract, mode)
    tally.files.append(str(har))
    writer: HarWriter | None = None
    lines = Lines(lines_path)
    ended = False
    unreadable = 0
    try:
        with Stop() as stop, log.open("wb") as log_file:
            proc = subprocess.Popen(mitmdump_command(mitmdump, origin, port, lines_path, insecure=insecure,
                                                     ca_bundle=ca_bundle),
                                    stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + READY_TIMEOUT
                while not _listening(port):
                    if proc.poll() is not None:
                        raise ProxyError(f"error: mitmdump ended at start (exit {proc.returncode}): "
                                         f"{_last_lines(log) or 'no output'} ({log})")
                    if stop.event.is_set() or time.monotonic() > deadline:
                        raise ProxyError("error: mitmdump did not start listening" +
                                         (" before the stop" if stop.event.is_set() else f" within {READY_TIMEOUT:.0f} s")
                                         + f" ({log})")
                    time.sleep(0.1)
                writer = HarWriter(har)  # flows that came meanwhile wait in the lines file
                judge = LiveJudge(tally, writer, echo)
                echo(f"proxy: http://{LISTEN_HOST}:{port} -> {origin} (mitmdump {mitmdump})")
                echo(f"point the app at http://{LISTEN_HOST}:{port} instead of {origin}; Ctrl-C stops the proxy "
                     "and writes the reports")
                while not stop.event.is_set():
                    for raw in lines.new():
                        judge.feed(raw)
                    if proc.poll() is not None:
                        ended = True
                        echo(f"mitmdump ended by itself (exit {proc.returncode}): {_last_lines(log, 1)}")
                        break
                    stop.event.wait(POLL)
            finally:
                _end(proc)
            for raw in lines.new():  # what mitmdump wrote before it stopped
                judge.feed(raw)
            unreadable = judge.unreadable + (1 if lines.left_over else 0)
    finally:
        lines.close()
        if writer is not None:
            writer.close()
        shutil.rmtree(work, ignore_errors=True)
    return Outcome(tally, har, ended, unreadable)


def run(*, upstream: str, port: int, report_dir: Path, har: Path | None, mitmdump: str | None, insecure: bool,
        ca_bundle: Path | None, mode: str, out: Callable[[str], None], err: Callable[[str], None]) -> int:
    """The command: check the options, probe the portal, proxy and judge until a stop, write the reports.
    Returns the exit code (those of `traffic check`; 2 bad options or no mitmdump; 3 portal unreachable)."""
    try:
        origin = upstream_origin(upstream)
        found = find_mitmdump(mitmdump)
        port = listen_port(port)
        problem = probe_upstream(origin, insecure=insecure, ca_bundle=ca_bundle)
        if problem:
            raise ProxyError(problem, EXIT_TARGET)
        report_dir = report_dir.resolve()
        har = (har or report_dir / "traffic.har").resolve()
        outcome = serve(mitmdump=found, origin=origin, port=port, report_dir=report_dir, har=har,
                        insecure=insecure, ca_bundle=ca_bundle, contract=load_contract(), mode=mode, echo=out)
    except ProxyError as exc:
        err(redact(exc.line))
        return exc.code
    tally = outcome.tally
    results = tally.results()
    results["traffic"]["proxy"] = {"upstream": origin, "listen": f"http://{LISTEN_HOST}:{port}",
                                   "har": str(har), "unreadable_lines": outcome.unreadable}
    tally.write(results, report_dir)
    for line in summary(tally, results, report_dir):
        out(line)
    out(f"har: {har} ({tally.entries} entries)")
    if outcome.unreadable:
        err(f"warning: {outcome.unreadable} flow record(s) from mitmdump could not be read (see {report_dir / 'mitmdump.log'})")
    code = exit_code(tally)
    if code == EXIT_NOTHING:
        err(f"nothing judged: no Bitrix24 REST exchange passed through the proxy to {origin}"
            + (" that could be read" if tally.not_judged_total else ""))
    elif code == EXIT_NONCONFORMANT:
        err("non-conformant: the traffic through the proxy shows at least one problem")
    return code
