#!/usr/bin/env python3
"""The leaky bucket on the wall clock: `b24conform serve --limits standard|enterprise`, a burst at one instant,
then a steady offered load above the drain rate; admitted requests per second after the burst.
(The fake-clock version, with the +/-5 % assertion, is tests/test_robustness_load.py.)

    .venv/bin/python benchmarks/limits_rate.py                     # standard plan, 5/s offered for 30 s (~45 s)
    .venv/bin/python benchmarks/limits_rate.py --plan enterprise --offered 12
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench  # noqa: E402

PLANS = {"standard": (2.0, 50), "enterprise": (5.0, 250)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plan", default="standard", choices=sorted(PLANS))
    ap.add_argument("--offered", type=float, default=5.0, help="requests per second after the burst")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rate, burst = PLANS[args.plan]
    with tempfile.TemporaryDirectory(prefix="b24rate-") as tmp:
        port = _bench.free_port()
        argv = [_bench.B24CONFORM, "serve", "--no-tls", "--host", "127.0.0.1", "--port", str(port), "--webhook",
                f"{_bench.BENCH_WEBHOOK_USER}:{_bench.BENCH_WEBHOOK_CODE}", "--db", str(Path(tmp) / "r.sqlite3"),
                "--limits", args.plan]
        url = f"http://127.0.0.1:{port}/rest/{_bench.BENCH_WEBHOOK_USER}/{_bench.BENCH_WEBHOOK_CODE}/crm.enum.activitytype"
        with _bench.server(argv, port, log=Path(tmp) / "serve.log"), httpx.Client(timeout=30) as client:
            with ThreadPoolExecutor(32) as pool:
                first = list(pool.map(lambda _: client.post(url).status_code, range(burst + 30)))
            admitted = refused = 0
            t0 = time.monotonic()
            n = int(args.offered * args.seconds)
            for i in range(n):
                delay = t0 + (i + 1) / args.offered - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                status = client.post(url).status_code
                admitted += status == 200
                refused += status == 503
            elapsed = time.monotonic() - t0
    measured = admitted / elapsed
    lines = [f"Command: `{_bench.command_line()}`", "",
             f"Plan {args.plan} (documented: drain {rate:g}/s, burst {burst}). Burst of {burst + 30} concurrent "
             f"requests: {first.count(200)} admitted, {first.count(503)} refused. Then {args.offered:g}/s offered for "
             f"{elapsed:.1f} s (wall clock): {admitted} admitted, {refused} refused -> **{measured:.2f}/s admitted** "
             f"({100 * (measured - rate) / rate:+.1f} % from the documented rate).", "", _bench.facts_table()]
    _bench.publish(f"limits-rate-{args.plan}", f"Leaky bucket on the wall clock ({args.plan})", lines, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
