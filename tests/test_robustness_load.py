"""Load on the reference portal: concurrency never produces anything but documented answers, and the leaky bucket
admits the documented rate.

- Many concurrent clients over real sockets (standard limits and limits off): every answer is HTTP 200 with a
  result, or exactly one of the catalogue's error bodies (spec/errors.yaml) with its status; no 5xx, no dropped
  connection, no unknown error.
- The bucket, driven through the portal app on a FakeClock (no wall clock anywhere): offered loads above the drain
  rate are admitted at the documented rate (standard 2/s, enterprise 5/s) within +/-5 %, after exactly the
  documented burst; a burst of simultaneous requests at one instant admits exactly the burst.

A wall-clock measurement of the same thing is `benchmarks/limits_rate.py`.
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from b24conform.contract import load_contract
from b24conform.portal.assembly import build_app
from b24conform.portal.clock import FakeClock
from b24conform.portal.config import PortalConfig
from b24conform.portal.limits import PLANS
from b24conform.portal.server import start_portal
from b24conform.portal.testing import InProcessClient, seed_fields

CONTRACT = load_contract()
# The seed example without its file: this load is about requests, not attachments.
SEED_FIELDS: dict[str, Any] = seed_fields(SUBJECT="load", DESCRIPTION="load test", FILES=None)

CATALOGUE_BODIES = {(e.http_status, json.dumps(e.body(), sort_keys=True)) for e in CONTRACT.errors.values()}


def undocumented(resp: httpx.Response) -> str | None:
    """None when the answer is a success envelope or exactly a catalogue error, else a description."""
    try:
        body = resp.json()
    except ValueError:
        return f"{resp.status_code} non-JSON {resp.text[:120]!r}"
    if resp.status_code == 200 and isinstance(body, dict) and "result" in body:
        return None
    if (resp.status_code, json.dumps(body, sort_keys=True)) in CATALOGUE_BODIES:
        return None
    return f"{resp.status_code} {resp.text[:160]}"


# --------------------------------------------------------------------------- many concurrent clients, real sockets

def _mixed_calls(hook_url: str, n: int) -> list[tuple[str, dict[str, Any]]]:
    calls = []
    for i in range(n):
        kind = i % 8
        if kind in (0, 1, 2):
            calls.append(("crm.activity.add", {"json": {"fields": {**SEED_FIELDS, "SUBJECT": f"load-{i}"}}}))
        elif kind == 3:
            calls.append(("crm.activity.add", {"json": {"fields": {**SEED_FIELDS, "SUBJECT": ""}}}))
        elif kind == 4:
            calls.append(("crm.activity.list", {"json": {"filter": {"SUBJECT": "load-1"}, "select": ["ID"]}}))
        elif kind == 5:
            calls.append(("crm.activity.get", {"json": {"id": 1 + i % 5}}))
        elif kind == 6:
            calls.append(("batch", {"json": {"cmd": {"a": "crm.enum.activitytype", "b": "crm.activity.get?id=1"}}}))
        else:
            calls.append(("crm.activity.add", {"content": b"{broken", "headers": {"content-type": "application/json"}}))
    return calls


@pytest.mark.parametrize("limits", ["standard", "off"])
def test_many_concurrent_clients_get_only_documented_answers(tmp_path: Path, limits: str) -> None:
    clients, per_client = 40, 24
    config = PortalConfig.for_conformance(tls=False, limits=limits, db=str(tmp_path / "load.sqlite3"), http_port=None)
    statuses: Counter[int] = Counter()
    problems: list[str] = []
    transport_errors: list[str] = []
    lock = threading.Lock()
    with start_portal(config) as portal:
        hook_url = portal.webhook_url
        barrier = threading.Barrier(clients)

        def client(n: int) -> None:
            with httpx.Client(base_url=hook_url, timeout=60) as http:
                barrier.wait()
                for method, kwargs in _mixed_calls(hook_url, per_client):
                    try:
                        resp = http.post(method, **kwargs)
                    except httpx.HTTPError as exc:
                        with lock:
                            transport_errors.append(f"{method}: {exc!r}")
                        continue
                    problem = undocumented(resp)
                    with lock:
                        statuses[resp.status_code] += 1
                        if problem:
                            problems.append(f"{method}: {problem}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        # still answering afterwards (limits off) / answering with a documented body (standard)
        after = httpx.post(hook_url + "crm.enum.activitytype", timeout=30)
        assert undocumented(after) is None
    print(f"\nload ({limits}): {clients} clients x {per_client} calls, statuses {dict(sorted(statuses.items()))}")
    assert not transport_errors, transport_errors[:5]
    assert not problems, problems[:10]
    assert sum(statuses.values()) == clients * per_client
    assert statuses[500] == 0
    if limits == "standard":
        assert statuses[503] > 0, "the burst of 960 requests should have tripped the bucket"
        # Every request the bucket admits gets a non-503 answer, and its burst alone admits 50.
        assert sum(statuses.values()) - statuses[503] >= 50
    else:
        assert statuses[503] == 0


# --------------------------------------------------------------------------- the bucket on a fake clock

def _portal_on_fake_clock(plan: str) -> tuple[InProcessClient, FakeClock, str]:
    clock = FakeClock(start=1_800_000_000.0, step=0.0)
    config = PortalConfig.for_conformance(limits=plan, clock=clock, db=":memory:")
    hook = config.roles["webhook"]
    return InProcessClient(build_app(config)), clock, f"/rest/{hook.user_id}/{hook.code}/crm.enum.activitytype"


@pytest.mark.parametrize(
    "plan, offered_rate, seconds",
    [("standard", 4.0, 300.0), ("standard", 10.0, 150.0), ("enterprise", 8.0, 200.0), ("enterprise", 25.0, 60.0)],
)
def test_bucket_admits_the_documented_rate_on_a_fake_clock(plan: str, offered_rate: float, seconds: float) -> None:
    rate, burst = PLANS[plan]
    documented = CONTRACT.error("QUERY_LIMIT_EXCEEDED")
    client, clock, url = _portal_on_fake_clock(plan)
    try:
        # fill the bucket at one instant: exactly `burst` admitted
        first = client.gather(url, burst + 20)
        assert Counter(r.status_code for r in first) == {200: burst, documented.http_status: 20}
        admitted = refused = 0
        steps = int(offered_rate * seconds)
        for _ in range(steps):
            clock.advance(1.0 / offered_rate)
            resp = client.post(url)
            if resp.status_code == 200:
                admitted += 1
            else:
                assert resp.status_code == documented.http_status and resp.json() == documented.body()
                refused += 1
    finally:
        client.close()
    measured = admitted / seconds
    print(f"\n{plan}: offered {offered_rate}/s for {seconds:g} fake s -> admitted {measured:.3f}/s "
          f"(documented {rate}/s), refused {refused}")
    assert abs(measured - rate) <= 0.05 * rate, f"admitted {measured:.3f}/s, documented {rate}/s"


def test_bucket_never_refuses_at_the_drain_rate_on_a_fake_clock() -> None:
    rate, burst = PLANS["standard"]
    client, clock, url = _portal_on_fake_clock("standard")
    try:
        statuses = Counter()
        for _ in range(int(rate * 120)):
            clock.advance(1.0 / rate)
            statuses[client.post(url).status_code] += 1
        # then a simultaneous burst: the bucket is (nearly) empty, so the whole burst fits
        burst_statuses = Counter(r.status_code for r in client.gather(url, burst))
    finally:
        client.close()
    assert statuses == {200: int(rate * 120)}
    assert burst_statuses[200] >= burst - 1


def test_listener_socket_lets_asyncio_set_tcp_nodelay() -> None:
    """asyncio sets TCP_NODELAY on accepted sockets only when the listening socket's proto is IPPROTO_TCP; with
    proto 0 every keep-alive answer waited ~40 ms for the client's delayed ACK (portal_throughput: 44 ms p50 at 4
    connections, 90 req/s). Checked structurally, not by timing."""
    import socket

    from b24conform.portal.server import _Listener

    listener = _Listener(build_app(PortalConfig.for_conformance(limits="off", db=":memory:")), "127.0.0.1", 0, None)
    try:
        assert listener.sock.proto == socket.IPPROTO_TCP
    finally:
        listener.sock.close()
