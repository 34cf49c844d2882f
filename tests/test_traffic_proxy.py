"""`b24conform traffic proxy`: mitmproxy's mitmdump, from a virtualenv of its own, in front of the reference
portal, both started as separate processes the way a vendor runs them; real clients (httpx, and curl) through it.

What must hold: every reply reaches the app byte for byte as the portal sent it; each exchange is judged as
it passes (a deviant portal's problem is printed before the stop); on SIGINT mitmdump is stopped and the
reports of `traffic check` and the HAR of everything that passed are written, with its exit codes; no
mitmdump is one line saying how to install it, exit 2; a portal that cannot be reached, exit 3.

Slow: one virtualenv with mitmproxy (from pip's cache when warm) serves every test of this file; without
a network the tests that need it skip and say why. The addon's HAR entries are also checked on their own
with a stand-in flow.
"""
from __future__ import annotations

import fcntl
import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_portal_cli import run_serve, stop

from b24conform.contract import load_contract
from b24conform.har.mitm_addon import OPTION, HarLines
from b24conform.portal.testing import SEED_FIELDS
from b24conform.traffic.commands import check_files
from b24conform.traffic.exchange import read_entry

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
B24CONFORM = str(Path(sys.executable).parent / "b24conform")
MITMPROXY = "mitmproxy==11.0.2"   # the last mitmproxy for Python 3.11
CODE = "proxycode7f3k9xq"
WEBHOOK = f"1:{CODE}"
INSTALL_TIMEOUT_S = 900
REPORTS = ("results.json", "report.md", "report.html", "junit.xml")


# -- mitmproxy in a virtualenv of its own ---------------------------------------------------------------

def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("B24_", "B24CONFORM_", "PYTEST_", "PYTHON")) and k != "VIRTUAL_ENV"}


@pytest.fixture(scope="session")
def mitmdump(tmp_path_factory) -> str:
    """mitmdump of a fresh virtualenv (`python -m venv X && X/bin/pip install mitmproxy`), built once for all
    pytest-xdist workers (under a lock in their shared temporary folder); skips when it cannot be installed."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    env_dir = shared / "mitmproxy-venv"
    failed = shared / "mitmproxy-venv.failed"
    binary = env_dir / "bin" / "mitmdump"
    with open(shared / "mitmproxy-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not binary.exists() and not failed.exists():
            steps = [[sys.executable, "-m", "venv", str(env_dir)],
                     [str(env_dir / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", MITMPROXY]]
            for step in steps:
                proc = subprocess.run(step, capture_output=True, text=True, env=_clean_env(), timeout=INSTALL_TIMEOUT_S)
                if proc.returncode != 0:
                    lines = [line for line in (proc.stderr + proc.stdout).splitlines()
                             if line.strip() and not line.startswith("WARNING: Location")]
                    failed.write_text(" ".join(lines[-2:])[-300:] or f"exit {proc.returncode}")
                    break
    if failed.exists():
        pytest.skip(f"{MITMPROXY} could not be installed into a separate virtualenv (no network?): {failed.read_text()}")
    return str(binary)


# -- processes ------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _portal(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """The reference portal over plain HTTP on a free port: (process, webhook URL)."""
    proc, lines, ready = run_serve(["--no-tls", "--port", "0", "--webhook", WEBHOOK, "--db", ":memory:", *args], tmp_path)
    assert ready.wait(60), lines
    webhook = next((line.split(" ", 1)[1] for line in lines if line.startswith("webhook: ")), None)
    assert webhook, lines
    return proc, webhook


class Proxy:
    """`b24conform traffic proxy` as a separate process; its stdout lines as they come."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        # A session of its own, like a command typed in a terminal: Ctrl-C reaches its whole process group.
        self.proc = subprocess.Popen(argv, cwd=cwd, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.err = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("proxy: "):
                self.ready.set()
        self.ready.set()

    def wait_for(self, pattern: str, timeout: float = 20) -> str | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            hit = next((line for line in self.lines if re.search(pattern, line)), None)
            if hit:
                return hit
            time.sleep(0.05)
        return None

    def stop(self, sig: int = signal.SIGINT, group: bool = False) -> int:
        """`sig` to the proxy (to its process group with `group`, as Ctrl-C in a terminal does); its exit code."""
        if self.proc.poll() is None:
            if group:
                os.killpg(self.proc.pid, sig)
            else:
                self.proc.send_signal(sig)
        try:
            code = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(10)
        self._reader.join(10)
        self.err = self.proc.stderr.read() if self.proc.stderr else ""
        return code

    @property
    def out(self) -> str:
        return "\n".join(self.lines) + "\n" + self.err


def _proxy_env(mitmdump: str | None) -> dict[str, str]:
    env = _clean_env()
    if mitmdump:
        env["B24_MITMDUMP"] = mitmdump
    return env


def readme_proxy_command() -> list[str]:
    """The `b24conform traffic proxy` line of the README's recipe, as words."""
    section = README.read_text().split("### Judge traffic as it passes", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    line = next(l for l in block.splitlines() if l.startswith("b24conform traffic proxy"))
    return line.split("#")[0].split()


def _start_proxy(tmp_path: Path, mitmdump: str, upstream: str, *extra: str) -> tuple[Proxy, int]:
    """The README's command with the portal and a free port in place of https://PORTAL and 8081."""
    port = _free_port()
    argv = [{"https://PORTAL": upstream, "8081": str(port)}.get(word, word) for word in readme_proxy_command()]
    argv[0] = B24CONFORM
    proxy = Proxy([*argv, "--report-dir", str(tmp_path / "reports"), *extra], tmp_path, _proxy_env(mitmdump))
    assert proxy.ready.wait(60) and proxy.proc.poll() is None, proxy.lines
    assert f"http://127.0.0.1:{port}" in proxy.lines[0], proxy.lines
    return proxy, port


def _origin(url: str) -> str:
    return re.match(r"https?://[^/]+", url).group(0)


# -- end to end -----------------------------------------------------------------------------------------

def _drive(client: httpx.Client, hook: str) -> list[httpx.Response]:
    """What an app does: an add, a get, a list, a batch, an error (JSON, form and query bodies)."""
    add = client.post(hook + "crm.activity.add", json={"fields": SEED_FIELDS})
    new_id = add.json()["result"]
    got = client.post(hook + "crm.activity.get", data={"id": str(new_id)})
    listed = client.get(hook + "crm.activity.list.json", params={"filter[ID]": str(new_id), "select[]": "ID"})
    batch = client.post(hook + "batch", json={"halt": 0, "cmd": {"one": f"crm.activity.get?id={new_id}",
                                                                  "page": "crm.activity.list?start=0"}})
    error = client.post(hook + "crm.activity.get", json={"id": 999999})
    return [add, got, listed, batch, error]


def test_the_proxy_passes_every_exchange_unchanged_and_judges_it(tmp_path, mitmdump):
    portal, hook = _portal(tmp_path)
    proxy = None
    try:
        proxy, port = _start_proxy(tmp_path, mitmdump, _origin(hook))
        through = hook.replace(_origin(hook), f"http://127.0.0.1:{port}")
        with httpx.Client(timeout=30) as client:
            replies = _drive(client, through)
            # A reply that does not change between two calls, straight and through the proxy: the same bytes.
            direct = client.post(hook + "crm.activity.get", json={"id": 999999})
        code = proxy.stop()
    finally:
        if proxy is not None and proxy.proc.poll() is None:
            proxy.stop()
        stop(portal)
    assert [r.status_code for r in replies] == [200, 200, 200, 200, 400], [r.text for r in replies]
    assert replies[0].json()["result"] > 0 and replies[4].json()["error_description"] == "Activity is not found"
    assert replies[4].content == direct.content
    drop = {"date"}
    assert ({k: v for k, v in replies[4].headers.items() if k not in drop}
            == {k: v for k, v in direct.headers.items() if k not in drop})

    assert code == 0, proxy.out
    assert not [line for line in proxy.lines if line.startswith(("problem:", "not judged:"))], proxy.out
    reports = tmp_path / "reports"
    for name in (*REPORTS, "traffic.har", "mitmdump.log"):
        assert (reports / name).is_file(), name
    results = json.loads((reports / "results.json").read_text())
    assert results["problems"] == [] and not [c for c in results["clauses"] if c["status"] == "failed"]
    traffic = results["traffic"]
    assert traffic["exchanges_judged"] == 5 and traffic["entries"] == 5 and traffic["not_judged_total"] == 0
    assert traffic["proxy"]["upstream"] == _origin(hook)
    passed = {c["id"] for c in results["clauses"] if c["status"] == "passed"}
    assert {"ENV-001", "ENV-002", "ENV-003", "RT-002", "RT-005", "BATCH-001", "ERR-001"} <= passed

    # The HAR holds the five exchanges, each with the very bytes the app received, and reads as HAR 1.2.
    har = reports / "traffic.har"
    assert oct(har.stat().st_mode & 0o777) == "0o600"
    entries = json.loads(har.read_text())["log"]["entries"]
    assert [e["request"]["url"].split("/")[-1].split("?")[0] for e in entries] == [
        "crm.activity.add", "crm.activity.get", "crm.activity.list.json", "batch", "crm.activity.get"]
    assert all(e["request"]["url"].startswith(_origin(hook)) for e in entries)  # what the portal was asked
    for entry, reply in zip(entries, replies):
        assert entry["response"]["status"] == reply.status_code
        assert entry["response"]["content"]["text"].encode() == reply.content
        sent = entry["request"].get("postData", {}).get("text", "")
        assert sent.encode() == (reply.request.content or b"")
    tally = check_files([har], load_contract(), "lenient")
    assert tally.exchanges == 5 and not tally.failed

    # The webhook code is in the HAR (it is the record) and in no report, nor on the console.
    assert CODE in har.read_text()
    for name in REPORTS:
        assert CODE not in (reports / name).read_text(), name
    assert CODE not in proxy.out


CURL = "/usr/bin/curl"


def _curl(*args: str) -> tuple[int, Any]:
    """curl as an app's shell script runs it: (status, the JSON body it printed)."""
    proc = subprocess.run([CURL, "-sS", "--max-time", "30", "-w", "\n%{http_code}", *args],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    body, _, status = proc.stdout.rpartition("\n")
    return int(status), json.loads(body)


@pytest.mark.skipif(not os.access(CURL, os.X_OK), reason=f"no {CURL}")
def test_curl_through_the_proxy_gets_its_answers_and_is_judged(tmp_path, mitmdump):
    """A second client, the real curl: one add (a JSON body) and one get (a query string) through the proxy."""
    portal, hook = _portal(tmp_path)
    proxy = None
    try:
        proxy, port = _start_proxy(tmp_path, mitmdump, _origin(hook))
        through = hook.replace(_origin(hook), f"http://127.0.0.1:{port}")
        fields = {**SEED_FIELDS, "SUBJECT": "Called by curl"}
        added = _curl("-H", "Content-Type: application/json", "--data-binary", json.dumps({"fields": fields}),
                      through + "crm.activity.add")
        got = _curl("-G", "--data-urlencode", f"id={added[1].get('result')}", through + "crm.activity.get")
        code = proxy.stop()
    finally:
        if proxy is not None and proxy.proc.poll() is None:
            proxy.stop()
        stop(portal)
    assert added[0] == 200 and isinstance(added[1]["result"], int) and added[1]["result"] > 0, added
    assert got[0] == 200 and got[1]["result"]["ID"] == str(added[1]["result"]), got
    assert got[1]["result"]["SUBJECT"] == "Called by curl"
    assert code == 0, proxy.out
    assert not [line for line in proxy.lines if line.startswith(("problem:", "not judged:"))], proxy.out
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert results["problems"] == [] and results["traffic"]["exchanges_judged"] == 2
    entries = json.loads((tmp_path / "reports" / "traffic.har").read_text())["log"]["entries"]
    agents = [next(h["value"] for h in e["request"]["headers"] if h["name"].lower() == "user-agent") for e in entries]
    assert [e["request"]["method"] for e in entries] == ["POST", "GET"] and all(a.startswith("curl/") for a in agents)
    assert CODE not in proxy.out


def test_a_deviant_portal_shows_its_problem_live_and_the_proxy_exits_1(tmp_path, mitmdump):
    portal, hook = _portal(tmp_path, "--profile", "envelope-result-boolean")
    proxy = None
    try:
        proxy, port = _start_proxy(tmp_path, mitmdump, _origin(hook))
        through = hook.replace(_origin(hook), f"http://127.0.0.1:{port}")
        reply = httpx.post(through + "crm.activity.add", json={"fields": SEED_FIELDS}, timeout=30)
        # Printed while the proxy runs, before any stop.
        live = proxy.wait_for(r"^problem: crm\.activity\.add \[ENV-002\]")
        still_running = proxy.proc.poll() is None
        code = proxy.stop(signal.SIGTERM)
    finally:
        if proxy is not None and proxy.proc.poll() is None:
            proxy.stop()
        stop(portal)
    assert reply.json()["result"] is True  # what the portal answered, passed on as it was
    assert live and still_running, proxy.out
    assert CODE not in proxy.out
    assert code == 1, proxy.out
    assert "non-conformant" in proxy.err
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    statuses = {c["id"]: c["status"] for c in results["clauses"]}
    assert statuses["ENV-002"] == "failed"
    assert any("ENV-002" in p["clauses"] for p in results["problems"])
    assert len(json.loads((tmp_path / "reports" / "traffic.har").read_text())["log"]["entries"]) == 1


def test_a_tls_portal_is_verified_against_the_ca_given(tmp_path, mitmdump):
    proc, lines, ready = run_serve(["--port", "0", "--webhook", WEBHOOK, "--db", ":memory:",
                                    "--tls-dir", str(tmp_path / "tls")], tmp_path)
    proxy = None
    try:
        assert ready.wait(60), lines
        hook = next(line.split(" ", 1)[1] for line in lines if line.startswith("webhook: "))
        ca = next(line.split(" ", 1)[1] for line in lines if line.startswith("ca: "))
        assert hook.startswith("https://")
        # Without the CA the portal's certificate is not trusted: the start is refused, exit 3.
        refused = subprocess.run([B24CONFORM, "traffic", "proxy", "--upstream", _origin(hook), "--listen-port", "0",
                                  "--report-dir", str(tmp_path / "r0")], cwd=tmp_path, env=_proxy_env(mitmdump),
                                 capture_output=True, text=True, timeout=120)
        proxy, port = _start_proxy(tmp_path, mitmdump, _origin(hook), "--ca-bundle", ca)
        reply = httpx.post(f"http://127.0.0.1:{port}/rest/1/{CODE}/crm.activity.fields", timeout=30)
        code = proxy.stop(group=True)  # Ctrl-C: mitmdump gets the SIGINT too
    finally:
        if proxy is not None and proxy.proc.poll() is None:
            proxy.stop()
        stop(proc)
    assert refused.returncode == 3 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "--ca-bundle" in refused.stderr
    assert reply.status_code == 200 and "ID" in reply.json()["result"]
    assert code == 0, proxy.out


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def test_when_mitmdump_ends_by_itself_the_reports_are_written_all_the_same(tmp_path, mitmdump):
    portal, hook = _portal(tmp_path)
    proxy = None
    try:
        proxy, port = _start_proxy(tmp_path, mitmdump, _origin(hook))
        reply = httpx.post(hook.replace(_origin(hook), f"http://127.0.0.1:{port}") + "crm.activity.fields", timeout=30)
        (child,) = _children(proxy.proc.pid)
        os.kill(child, signal.SIGKILL)
        code = proxy.proc.wait(60)
    finally:
        if proxy is not None and proxy.proc.poll() is None:
            proxy.stop()
        stop(portal)
    proxy.stop()  # collects the output
    assert reply.status_code == 200
    assert code == 0, proxy.out
    assert any(line.startswith("mitmdump ended by itself") for line in proxy.lines), proxy.out
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert results["traffic"]["exchanges_judged"] == 1
    assert len(json.loads((tmp_path / "reports" / "traffic.har").read_text())["log"]["entries"]) == 1


# -- refusals -------------------------------------------------------------------------------------------

def test_no_mitmdump_is_one_line_saying_how_to_install_it(tmp_path):
    env = _proxy_env(None)
    env["PATH"] = str(tmp_path)  # nothing there; the console script is called by its full path
    proc = subprocess.run([B24CONFORM, "traffic", "proxy", "--upstream", "https://portal.example",
                           "--report-dir", str(tmp_path / "r")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "mitmdump not found" in proc.stderr and "pipx install mitmproxy" in proc.stderr
    # A --mitmdump that is not there: the same, naming the option.
    given = subprocess.run([B24CONFORM, "traffic", "proxy", "--upstream", "https://portal.example",
                            "--mitmdump", str(tmp_path / "nope" / "mitmdump")], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=120)
    assert given.returncode == 2 and given.stderr.startswith("error: --mitmdump: "), given.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("upstream", ["portal.example", "https://portal.example/rest/1/abc/", "ftp://portal.example"])
def test_an_upstream_that_is_not_a_portal_origin_is_refused(tmp_path, upstream):
    proc = subprocess.run([B24CONFORM, "traffic", "proxy", "--upstream", upstream, "--mitmdump", "/bin/true"],
                          cwd=tmp_path, env=_proxy_env(None), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.startswith("error: --upstream: "), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "abc" not in proc.stderr


def test_an_unreachable_portal_is_exit_3_before_mitmdump_starts(tmp_path, mitmdump):
    dead = _free_port()
    proc = subprocess.run([B24CONFORM, "traffic", "proxy", "--upstream", f"http://127.0.0.1:{dead}",
                           "--listen-port", "0", "--report-dir", str(tmp_path / "r")], cwd=tmp_path,
                          env=_proxy_env(mitmdump), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert proc.stderr.startswith("error: cannot reach the upstream") and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


# -- the addon on its own -------------------------------------------------------------------------------

class FakeHeaders:
    """mitmproxy's Headers as the addon reads them: case-insensitive get, items(multi=True)."""

    def __init__(self, *pairs: tuple[str, str]) -> None:
        self.pairs = list(pairs)

    def get(self, name: str, default: str = "") -> str:
        return next((v for k, v in self.pairs if k.lower() == name.lower()), default)

    def items(self, multi: bool = False) -> list[tuple[str, str]]:
        return list(self.pairs)


class FakeMessage:
    def __init__(self, headers: FakeHeaders, raw: bytes, decoded: bytes | None = None, **fields: Any) -> None:
        self.headers, self.raw_content, self._decoded = headers, raw, decoded
        self.http_version = "HTTP/1.1"
        self.__dict__.update(fields)

    def get_content(self, strict: bool = True) -> bytes:
        return self._decoded if self._decoded is not None else self.raw_content


class FakeFlow:
    def __init__(self, request: FakeMessage, response: FakeMessage | None = None, error: str | None = None) -> None:
        self.request, self.response = request, response
        self.error = type("Error", (), {"msg": error})() if error else None
        self.websocket = None
        self.metadata: dict[str, Any] = {}


def _request(body: bytes, url: str = f"https://portal.example/rest/1/{CODE}/crm.activity.add") -> FakeMessage:
    return FakeMessage(FakeHeaders(("Host", "portal.example"), ("Content-Type", "application/json")), body,
                       method="POST", pretty_url=url, query=FakeHeaders(),
                       timestamp_start=1712132792.5, timestamp_end=1712132792.51)


def test_the_addon_writes_one_har_entry_per_completed_flow(tmp_path):
    path = tmp_path / "flows.jsonl"
    addon = HarLines(str(path))
    reply = json.dumps({"result": 7, "time": {"start": 1.0}}).encode()
    ok = FakeFlow(_request(json.dumps({"fields": {"SUBJECT": "Звонок"}}, ensure_ascii=False).encode()),
                  FakeMessage(FakeHeaders(("Content-Type", "application/json"), ("Content-Encoding", "gzip"),
                                          ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")),
                              gzip.compress(reply), reply, status_code=200, reason="OK",
                              timestamp_start=1712132792.6, timestamp_end=1712132792.7))
    addon.response(ok)
    addon.error(ok)  # mitmproxy may report an error after the reply: still one entry
    binary = FakeFlow(_request(b"\xff\xfe\x00"), FakeMessage(FakeHeaders(), b"\x00\x01", status_code=200, reason="OK",
                                                             timestamp_start=1.0, timestamp_end=2.0))
    addon.response(binary)
    failed = FakeFlow(_request(b"{}"), error="Connection refused")
    addon.error(failed)
    addon.done()
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(entries) == 3
    first = entries[0]
    assert first["startedDateTime"] == "2024-04-03T08:26:32.500Z"
    assert first["request"]["postData"] == {"mimeType": "application/json",
                                           "text": '{"fields": {"SUBJECT": "Звонок"}}'}
    content = first["response"]["content"]
    assert content["text"] == reply.decode() and content["size"] == len(reply)  # the decoded body, as HAR wants
    assert [h["value"] for h in first["response"]["headers"] if h["name"] == "Set-Cookie"] == ["a=1", "b=2"]
    assert first["time"] == pytest.approx(200, abs=0.01)
    assert entries[1]["request"]["postData"]["encoding"] == "base64"
    assert entries[1]["response"]["content"] == {"size": 2, "compression": 0, "mimeType": "", "text": "AAE=",
                                                 "encoding": "base64"}
    assert entries[2]["response"]["status"] == 0 and entries[2]["response"]["_error"] == "Connection refused"
    # The traffic reader takes them as a recorded exchange, one that cannot be judged, and says why.
    seen = read_entry(first, "flows.jsonl", 0)
    assert seen.exchange is not None and seen.exchange.reply.json == {"result": 7, "time": {"start": 1.0}}
    assert "no reply recorded" in read_entry(entries[2], "flows.jsonl", 2).not_judged.reason
    assert OPTION == "b24conform_har_lines"


def test_the_addon_needs_no_b24conform():
    """mitmdump loads the file by its path in mitmproxy's environment: it must import nothing of ours."""
    source = (ROOT / "src" / "b24conform" / "har" / "mitm_addon.py").read_text()
    imported = set(re.findall(r"^\s*(?:from|import)\s+([A-Za-z_][\w.]*)", source, re.M))
    assert {name.split(".")[0] for name in imported} <= {"__future__", "base64", "json", "threading", "datetime",
                                                         "typing", "mitmproxy"}
