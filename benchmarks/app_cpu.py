#!/usr/bin/env python3
"""CPU per call of the ASGI apps themselves, with no HTTP server and no socket: what each app adds to the
server's own cost, and what each piece of a portal add costs in place.

    .venv/bin/python benchmarks/app_cpu.py                  # ~60 s
    .venv/bin/python benchmarks/app_cpu.py --calls 8000 --no-write

32 tasks on one uvloop loop call the app in a loop with the seed body (as 32 keep-alive connections would),
and the script reports the process CPU time per call (time.process_time: the other core's noise does not
count). Apps: a null ASGI app (reads the body, answers `{}`), the throughput benchmark's echo, and the portal
(file db, as `b24conform serve`). Then the portal again with one piece replaced by a stand-in each time,
which shows that piece's cost in place (caches, allocation and group commit included), unlike a
micro-benchmark of the piece alone:

    without store      Store.add returns the next id (no SQL, no serialisation, no group wait)
    without validation first_error returns None
    without record     build_record / build_communications return a minimal record (so the store also
                       writes less: the cost of the record's size is counted here)
    without answer     respond returns a fixed 200 body
    without parsing    wire.parse_body returns a copy of the already parsed seed body

Every variant runs `--repeat` times in a fresh process each; the table shows the median.
Results replace the `app-cpu` section of BENCHMARKS.md (not with --no-write).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench  # noqa: E402

APPS = ("null", "echo", "portal")
WITHOUT = ("store", "validation", "record", "answer", "parsing")


def measure(variant: str, calls: int, concurrency: int = 32) -> float:
    """Runs in a child process (a fresh interpreter per variant): CPU microseconds per call."""
    import asyncio
    import itertools
    import time

    import uvloop

    from b24conform.portal.config import PortalConfig
    from portal_throughput import SEED_BODY  # the throughput benchmark's body, so the two measure the same add

    body = json.dumps(SEED_BODY).encode()
    work = Path(tempfile.mkdtemp(prefix="b24appcpu-"))
    config = PortalConfig.for_conformance(db=str(work / "db.sqlite3"), tls=False)
    hook = config.roles["webhook"]
    path = f"/rest/{hook.user_id}/{hook.code}/crm.activity.add"
    statuses: list[int] = []

    if variant == "null":
        async def app(scope, receive, send):
            await receive()
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
            await send({"type": "http.response.body", "body": b"{}"})
    elif variant == "echo":
        import echo_app
        app = echo_app.app
    else:
        from b24conform.portal import app as app_module
        from b24conform.portal import assembly
        from b24conform.portal import store, wire
        from b24conform.portal.methods import activity

        piece = variant.removeprefix("portal-without-") if variant != "portal" else None
        if piece == "store":
            ids = itertools.count(1)
            store.Store.add = lambda self, *a, **k: next(ids)
        elif piece == "validation":
            activity.first_error = lambda req, skip=frozenset(): None
        elif piece == "record":
            activity.build_record = lambda req, now, tz: {"TYPE_ID": 2, "SUBJECT": "x"}
            activity.build_communications = lambda req, record: []
        elif piece == "answer":
            app_module.respond = lambda *a: (200, b'{"result":1}', "application/json")
        elif piece == "parsing":
            parsed = wire.parse_body(body, "application/json")
            wire.parse_body = lambda raw, content_type: {"fields": dict(parsed["fields"])}
        app = assembly.build_app(config)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 50000),
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")]}

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def load(n: int) -> None:
        async def worker() -> None:
            for _ in range(n // concurrency):
                await app(dict(scope), receive, send)
        await asyncio.gather(*(worker() for _ in range(concurrency)))

    uvloop.run(load(concurrency * 20))  # warm-up: imports, caches, the first group commits
    statuses.clear()
    t0 = time.process_time()
    uvloop.run(load(calls))
    spent = time.process_time() - t0
    if any(s != 200 for s in statuses):
        raise SystemExit(f"{variant}: answers other than 200: {sorted(set(statuses))}")
    return 1e6 * spent / len(statuses)


def run_child(variant: str, calls: int) -> float:
    out = subprocess.run([_bench.PYTHON, __file__, "--child", variant, "--calls", str(calls)],
                         capture_output=True, text=True, cwd=_bench.ROOT, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"{variant} failed:\n{out.stderr[-2000:]}")
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=16000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(f"{measure(args.child, args.calls):.2f}")
        return 0
    variants = [*APPS, *(f"portal-without-{p}" for p in WITHOUT)]
    runs: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(args.repeat):  # interleaved, so a noisy minute spreads over every variant
        for variant in variants:
            runs[variant].append(run_child(variant, args.calls))
            print(f"{variant}: {runs[variant][-1]:.1f} us", flush=True)
    med = {v: statistics.median(r) for v, r in runs.items()}
    lines = [f"Command: `{_bench.command_line()}`", "",
             f"{args.calls} calls of the seed add per run, 32 concurrent tasks on one uvloop loop, no HTTP server; "
             f"process CPU time per call, median of {args.repeat} runs (each in a fresh process).", "",
             "| app | CPU us per call | runs |", "| --- | ---: | --- |"]
    for variant in APPS:
        lines.append(f"| {variant} | {med[variant]:.1f} | {', '.join(f'{x:.1f}' for x in runs[variant])} |")
    lines += ["", "The portal with one piece replaced by a stand-in (see the script's docstring); the difference "
              "to the whole portal is that piece's cost in place:", "",
              "| portal without | CPU us per call | cost of the piece | runs |", "| --- | ---: | ---: | --- |"]
    for piece in WITHOUT:
        v = f"portal-without-{piece}"
        lines.append(f"| {piece} | {med[v]:.1f} | {med['portal'] - med[v]:.1f} | "
                     f"{', '.join(f'{x:.1f}' for x in runs[v])} |")
    lines += ["", _bench.facts_table()]
    _bench.publish("app-cpu", "CPU per call of the apps, without HTTP", lines, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
