"""Durability of the reference portal: kill -9 in the middle of concurrent writes loses nothing acknowledged.

The portal runs as a real subprocess (`b24conform serve --no-tls --port 0 --db FILE`). Twenty writer threads add
activities, each with a unique SUBJECT; once enough adds have been acknowledged the portal gets SIGKILL while the
writers are still sending. It is restarted on the same file, and then:

- every id acknowledged with HTTP 200 reads back with its own SUBJECT and DESCRIPTION,
- no id was acknowledged twice,
- ids handed out after the restart are new ones (no reuse of an acknowledged id).

No timing assertions: the kill is triggered by a count of acknowledgements, not by a clock.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from b24conform.portal.testing import seed_fields

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 20
KILL_AFTER_ACKS = 300          # SIGKILL once this many adds were acknowledged (writers keep going meanwhile)
CODE = "durabilitycode01"


def _b24conform() -> list[str]:
    exe = Path(sys.executable).parent / "b24conform"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("b24conform")
    if found:
        return [found]
    return [sys.executable, "-m", "b24conform.cli"]


class Served:
    """`b24conform serve` as a subprocess; reads the `webhook: <url>` line it prints."""

    def __init__(self, db: Path, log: Path) -> None:
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(
            [*_b24conform(), "serve", "--no-tls", "--port", "0", "--webhook", f"1:{CODE}", "--db", str(db)],
            stdout=subprocess.PIPE, stderr=self.log, cwd=ROOT, start_new_session=True,
        )
        self.url = self._read_webhook_url()

    def _read_webhook_url(self) -> str:
        lines: list[str] = []
        result: list[str] = []

        def reader() -> None:
            assert self.proc.stdout is not None
            for raw in self.proc.stdout:
                line = raw.decode(errors="replace").strip()
                lines.append(line)
                m = re.search(r"webhook:\s*(\S+)", line)
                if m and not result:
                    result.append(m.group(1))
            # keep draining so the child never blocks on a full pipe

        threading.Thread(target=reader, daemon=True).start()
        for _ in range(600):  # up to ~60 s of start-up, polled, never asserted on
            if result:
                url = result[0]
                return url if url.endswith("/") else url + "/"
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"portal did not print its webhook url; output: {lines!r}")

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)
        self.log.close()


def _fields(subject: str) -> dict:
    return seed_fields(SUBJECT=subject, DESCRIPTION=f"body of {subject}", FILES=None, PRIORITY=None,
                       DESCRIPTION_TYPE=None, DIRECTION=None)


def kill_cycle(db: Path, log: Path, writers: int = WRITERS, kill_after: int = KILL_AFTER_ACKS,
               previous_ids: frozenset[int] = frozenset()) -> dict:
    """One run: start on `db`, write concurrently, kill -9 after `kill_after` acks, restart, verify.

    Returns the figures; raises AssertionError on any lost, altered or reused id. Used by the test below and by
    benchmarks/durability_long.py (many cycles on one file).
    """
    portal = Served(db, log)
    acked: list[tuple[int, str]] = []            # (id, subject) for every 200 with an integer result
    in_flight: list[str] = []                    # subjects whose request died with the portal (no answer)
    lock = threading.Lock()
    enough = threading.Event()
    stop = threading.Event()
    unexpected: list[str] = []

    def writer(n: int) -> None:
        with httpx.Client(base_url=portal.url, timeout=10) as client:
            i = 0
            while not stop.is_set():
                subject = f"dur-{uuid.uuid4().hex[:8]}-{n}-{i}"
                i += 1
                try:
                    r = client.post("crm.activity.add", json={"fields": _fields(subject)})
                except httpx.HTTPError:
                    if enough.is_set():
                        with lock:
                            in_flight.append(subject)
                        return  # the portal is gone: expected after the kill
                    continue
                if r.status_code == 200 and isinstance(r.json().get("result"), int):
                    with lock:
                        acked.append((r.json()["result"], subject))
                        if len(acked) >= kill_after:
                            enough.set()
                elif not enough.is_set():
                    with lock:
                        unexpected.append(f"{r.status_code} {r.text[:200]}")
                    stop.set()

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(writers)]
    try:
        for t in threads:
            t.start()
        enough.wait(120)
        assert enough.is_set() or unexpected, "writers never reached the kill threshold"
        portal.kill9()                # writers are still sending at this point
        stop.set()
        for t in threads:
            t.join(30)
    finally:
        stop.set()
        portal.stop()
    assert not unexpected, unexpected[:3]
    ids = [i for i, _ in acked]
    assert len(ids) == len(set(ids)), "an id was acknowledged twice"
    assert not (set(ids) & previous_ids), "an id of an earlier cycle was handed out again"
    assert len(acked) >= kill_after

    portal = Served(db, log)
    try:
        with httpx.Client(base_url=portal.url, timeout=10) as client:
            missing, wrong = [], []
            for activity_id, subject in acked:
                r = client.post("crm.activity.get", json={"id": activity_id})
                if r.status_code != 200:
                    missing.append((activity_id, r.status_code, r.text[:120]))
                    continue
                got = r.json()["result"]
                if got.get("SUBJECT") != subject or got.get("DESCRIPTION") != f"body of {subject}":
                    wrong.append((activity_id, subject, got.get("SUBJECT")))
            assert not missing, f"{len(missing)} acknowledged ids lost after kill -9: {missing[:5]}"
            assert not wrong, f"{len(wrong)} ids read back with other content: {wrong[:5]}"

            committed_unacked = 0
            for subject in in_flight:
                r = client.post("crm.activity.list", json={"filter": {"SUBJECT": subject}, "select": ["ID"]})
                if r.status_code == 200 and r.json().get("result"):
                    committed_unacked += 1

            fresh = []
            for k in range(20):
                r = client.post("crm.activity.add", json={"fields": _fields(f"after-restart-{uuid.uuid4().hex[:8]}-{k}")})
                assert r.status_code == 200, r.text
                fresh.append(r.json()["result"])
            reused = set(fresh) & (set(ids) | previous_ids)
            assert not reused, f"ids reused after restart: {sorted(reused)[:10]}"
            assert len(set(fresh)) == len(fresh)
    finally:
        portal.stop()
    return {"writers": writers, "acknowledged": len(acked), "in_flight_at_kill": len(in_flight),
            "in_flight_committed": committed_unacked, "fresh_ids": len(fresh), "ids": frozenset(ids) | frozenset(fresh)}


def test_kill9_mid_write_keeps_every_acknowledged_activity(tmp_path: Path) -> None:
    figures = kill_cycle(tmp_path / "portal.sqlite3", tmp_path / "portal.log")
    print(f"\ndurability: {figures['acknowledged']} acknowledged before kill -9 with {figures['writers']} writers, all "
          f"read back; {figures['in_flight_at_kill']} in flight at the kill ({figures['in_flight_committed']} of them "
          f"committed anyway); no reuse among {figures['fresh_ids']} new ids")
