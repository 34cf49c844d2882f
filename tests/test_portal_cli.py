"""`b24conform serve` in a subprocess: prints its webhook line, answers a curl-like call, stops on SIGTERM."""
from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from b24conform.portal.testing import SEED_FIELDS

# The console script installed next to this interpreter (cli.py has no __main__ block).
SERVE = [str(Path(sys.executable).parent / "b24conform")]


def run_serve(args: list[str], cwd: Path, command: list[str] | None = None,
              env: dict[str, str] | None = None) -> tuple[subprocess.Popen, list[str], threading.Event]:
    """`b24conform serve` (this environment's, or `command`) as a separate process; its output lines
    as they come, and an event set once it printed its webhook (or ended)."""
    proc = subprocess.Popen(
        (command or SERVE) + ["serve", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env={**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("webhook: "):
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    return proc, lines, ready


def stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    return proc.returncode


def test_serve_plain_prints_webhook_and_answers(tmp_path):
    proc, lines, ready = run_serve(["--no-tls", "--port", "0", "--webhook", "1:abc", "--db", ":memory:"], tmp_path)
    try:
        assert ready.wait(60), lines
        url = next(l.split(" ", 1)[1] for l in lines if l.startswith("webhook: "))
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/rest/1/abc/", url), url
        r = httpx.post(url + "crm.activity.add", json={"fields": SEED_FIELDS},
                       headers={"Accept": "application/json"}, timeout=10)
        assert r.status_code == 200 and isinstance(r.json()["result"], int)
    finally:
        code = stop(proc)
    assert code == 0, lines
    assert lines[-1] == "stopped"
    # Codes appear in the start line only; nothing else logged them.
    assert sum("abc" in line for line in lines) == 1


def test_serve_tls_defaults(tmp_path):
    proc, lines, ready = run_serve(
        ["--port", "0", "--http-port", "0", "--limits", "standard", "--webhook-scope", "2:narrow=user,task",
         "--oauth-token", "tok1:2", "--expired-token", "old1"],
        tmp_path,
    )
    try:
        assert ready.wait(60), lines
        ca = next(l.split(" ", 1)[1] for l in lines if l.startswith("ca: "))
        url = next(l.split(" ", 1)[1] for l in lines if l.startswith("webhook: "))
        http = next(l.split(" ", 1)[1] for l in lines if l.startswith("http: "))
        assert Path(ca) == (tmp_path / ".b24conform" / "tls" / "ca.pem").resolve()
        verify = ssl.create_default_context(cafile=ca)
        r = httpx.post(url + "crm.activity.fields", verify=verify, timeout=10)
        assert r.status_code == 200
        base = url.split("/rest/")[0]
        assert httpx.post(base + "/rest/2/narrow/crm.activity.fields", verify=verify, timeout=10).status_code == 403
        assert httpx.post(base + "/rest/2/narrow/batch", verify=verify, timeout=10).status_code == 200
        assert httpx.post(base + "/rest/crm.activity.fields", json={"auth": "tok1"}, verify=verify, timeout=10).status_code == 200
        expired = httpx.post(base + "/rest/crm.activity.fields", json={"auth": "old1"}, verify=verify, timeout=10)
        assert (expired.status_code, expired.json()["error"]) == (401, "expired_token")
        assert httpx.get(http + "rest/crm.activity.fields", timeout=10).json()["error_description"] == "Https required"
    finally:
        assert stop(proc) == 0, lines
    assert (tmp_path / ".b24conform" / "portal.sqlite3").exists()


def test_serve_unknown_profile_is_a_clear_error(tmp_path):
    result = subprocess.run(SERVE + ["serve", "--no-tls", "--profile", "no-such-profile"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown deviation profile 'no-such-profile'" in result.stderr


def test_option_parsing():
    import pytest
    import typer

    from b24conform.portal.commands import build_config, parse_scoped_webhook, parse_token, parse_webhook

    assert parse_webhook("1:abc").user_id == 1 and parse_webhook("1:abc").code == "abc"
    assert parse_scoped_webhook("2:x=user, task").scopes == ("user", "task")
    assert (parse_token("tok").user_id, parse_token("tok:4").user_id) == (1, 4)
    for bad in ("abc", "x:abc", "1:"):
        with pytest.raises(typer.BadParameter):
            parse_webhook(bad)
    config = build_config("127.0.0.1", 0, ["1:abc"], [], [], ["old"], ["app:2"], ":memory:", False, Path("t"),
                          None, "enterprise", 60.0, None, None, None)
    assert [w.code for w in config.webhooks] == ["abc"]
    assert config.find_token("old").expired and config.find_token("app").app_context
    assert (config.limits, config.operating_budget) == ("enterprise", 60.0)
