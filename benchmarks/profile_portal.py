#!/usr/bin/env python3
"""Where the portal's time goes under the throughput load: py-spy samples a `b24conform serve` process while wrk
sends valid crm.activity.add calls, plus a file-db vs in-memory-db comparison (what a durable write costs).

    /tmp/tools/bin/pip install py-spy==0.4.3        # any py-spy; not a project dependency
    .venv/bin/python benchmarks/profile_portal.py --py-spy /tmp/tools/bin/py-spy     # ~60 s

Writes the `portal-profile` section of BENCHMARKS.md (top functions by inclusive and by self samples).
"""
from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench  # noqa: E402
import portal_throughput as pt  # noqa: E402


def portal_argv(port: int, db: str) -> list[str]:
    return [_bench.B24CONFORM, "serve", "--no-tls", "--host", "127.0.0.1", "--port", str(port),
            "--webhook", f"{_bench.BENCH_WEBHOOK_USER}:{_bench.BENCH_WEBHOOK_CODE}", "--db", db, "--limits", "off"]


def url_of(port: int) -> str:
    return f"http://127.0.0.1:{port}/rest/{_bench.BENCH_WEBHOOK_USER}/{_bench.BENCH_WEBHOOK_CODE}/crm.activity.add"


def short(frame: str) -> str:
    # py-spy raw frames look like "function (path/to/file.py:123)"
    name, _, loc = frame.partition(" (")
    loc = loc.rstrip(")")
    path, _, _line = loc.rpartition(":")
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})"


GROUP = 16  # adds per group commit in the in-process variants (under wrk -c 32 a loop iteration holds ~13)


def in_process_cost(work: Path, n: int = 1024) -> tuple[dict[str, float], list[tuple[float, str]]]:
    """ms per add of parse + auth + invoke (no HTTP): one transaction per add (a call on a worker thread) vs
    group commit on an event loop (how short calls run under load), file vs in-memory db; cProfile top
    entries of the in-memory grouped variant."""
    import asyncio
    import cProfile
    import pstats

    from b24conform.portal import wire
    from b24conform.portal.auth import authenticate
    from b24conform.portal.calls import invoke
    from b24conform.portal.config import PortalConfig
    from b24conform.portal.routing import parse_path
    from b24conform.portal.assembly import build_state

    body = json.dumps(pt.SEED_BODY).encode()
    costs: dict[str, float] = {}
    top: list[tuple[float, str]] = []
    variants = (
        ("file db, one transaction per add", str(work / "inproc-single.sqlite3"), False),
        (f"file db, group commit of {GROUP}", str(work / "inproc-group.sqlite3"), True),
        (f"in-memory db, group commit of {GROUP}", ":memory:", True),
    )
    for label, db, grouped in variants:
        cfg = PortalConfig.for_conformance(db=db)
        state = build_state(cfg)
        hook = cfg.roles["webhook"]
        target = parse_path(f"/rest/{hook.user_id}/{hook.code}/crm.activity.add")

        def one() -> None:
            params = wire.merge_params({}, wire.parse_body(body, "application/json"))
            caller = state.authenticate(target, params)
            invoke(state, caller, "crm.activity.add", params, "http://x")

        if grouped:
            loop = asyncio.new_event_loop()

            async def group() -> None:
                await asyncio.gather(*(state.store.call_grouped(one) for _ in range(GROUP)))

            def batch() -> None:
                loop.run_until_complete(group())
        else:
            loop = None

            def batch() -> None:
                for _ in range(GROUP):
                    one()

        for _ in range(4):
            batch()
        t0 = time.perf_counter()
        for _ in range(n // GROUP):
            batch()
        costs[label] = (time.perf_counter() - t0) / (n // GROUP * GROUP) * 1000
        if db == ":memory:":
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(n // GROUP):
                batch()
            prof.disable()
            stats = pstats.Stats(prof).stats
            # Shares of the whole add (call_grouped runs all of one()); call_grouped itself is left out.
            run_time = sum(v[3] for k, v in stats.items() if k[2] == "call_grouped") or 1.0
            cum = sorted(((v[3], f"{Path(k[0]).name}:{k[1]}({k[2]})") for k, v in stats.items()
                          if "b24conform" in k[0] and k[2] != "call_grouped"), reverse=True)
            top = [(100 * c / run_time, name) for c, name in cum[:18]]
        if loop is not None:
            loop.close()
        state.store.close()
    return costs, top


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--py-spy", default=shutil.which("py-spy") or "/tmp/tools/bin/py-spy")
    ap.add_argument("--duration", type=float, default=15.0)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    wrk_args = argparse.Namespace(connections=args.connections, threads=1, warmup=2.0, duration=8.0)

    with tempfile.TemporaryDirectory(prefix="b24prof-") as tmp:
        work = Path(tmp)
        body_file = work / "body.json"
        body_file.write_text(json.dumps(pt.SEED_BODY))
        compare = {}
        for label, db in (("file db", str(work / "p.sqlite3")), ("in-memory db", ":memory:")):
            port = _bench.free_port()
            with _bench.server(portal_argv(port, db), port, log=work / "p.log") as proc:
                compare[label] = pt.sample(proc, url_of(port), body_file, wrk_args)
            print(label, f"{compare[label]['rps']:.0f} req/s, server cpu {compare[label]['server_cpu_pct']:.0f}%")

        port = _bench.free_port()
        raw = work / "profile.txt"
        with _bench.server(portal_argv(port, str(work / "prof.sqlite3")), port, log=work / "p.log") as proc:
            pt.run_wrk(url_of(port), body_file, connections=args.connections, threads=1, duration=2)
            spy = subprocess.Popen([args.py_spy, "record", "--pid", str(proc.pid), "--rate", "250", "--duration",
                                    f"{args.duration:g}", "--format", "raw", "--output", str(raw),
                                    "--nonblocking", "--threads"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(0.5)
            load = pt.run_wrk(url_of(port), body_file, connections=args.connections, threads=1,
                              duration=args.duration)
            spy.wait(args.duration + 60)
        print(f"under profiling: {load['requests'] / (load['duration_us'] / 1e6):.0f} req/s")
        inclusive: collections.Counter[str] = collections.Counter()
        leaf: collections.Counter[str] = collections.Counter()
        by_thread: collections.Counter[str] = collections.Counter()
        total = 0
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack:
                continue
            n = int(count)
            frames = stack.split(";")
            thread, frames = frames[0], frames[1:]
            by_thread["event loop thread" if "portal" in thread or "MainThread" in thread or "b24conform-portal"
                      in thread else "worker threads (run_in_threadpool)" if "AnyIO" in thread or "worker" in thread
                      else thread.split(" ")[0]] += n
            total += n
            seen = set()
            for fr in frames:
                s = short(fr)
                if s not in seen:
                    inclusive[s] += n
                    seen.add(s)
            if frames:
                leaf[short(frames[-1])] += n

        costs, top = in_process_cost(work)

    lines = [f"Command: `{_bench.command_line()}`", "",
             "In-process cost of one add (wire parse + auth + invoke, no HTTP, single thread, "
             f"{GROUP}-add batches): " + ", ".join(f"{k}: {v:.3f} ms" for k, v in costs.items()) + ". "
             f"Group commit takes the durable write from "
             f"{costs['file db, one transaction per add'] - costs[f'in-memory db, group commit of {GROUP}']:.3f} "
             f"to {costs[f'file db, group commit of {GROUP}'] - costs[f'in-memory db, group commit of {GROUP}']:.3f} "
             "ms per add.", "",
             "cProfile of the in-memory grouped variant (cumulative share of the whole add, project functions):", "",
             "| % cumulative | function |", "| ---: | --- |", *[f"| {p:.1f} | `{n}` |" for p, n in top], "",
             f"py-spy 250 Hz for {args.duration:g} s (on-CPU samples only, all threads; waiting in fsync or on locks is not sampled, see the file-vs-memory table for the cost of the durable write) on "
             f"`b24conform serve --no-tls --db FILE --limits off` under wrk -c {args.connections} with the seed body.",
             "", "Durable write cost (same load, 2 s warm-up + 8 s measured):", "",
             "| portal db | req/s | p50 ms | p99 ms | server CPU % |", "| --- | ---: | ---: | ---: | ---: |"]
    for label, r in compare.items():
        lines.append(f"| {label} | {r['rps']:.0f} | {r['p50_us'] / 1000:.2f} | {r['p99_us'] / 1000:.2f} | "
                     f"{r['server_cpu_pct']:.0f} |")
    lines += ["", f"Samples: {total}; per thread group: " + ", ".join(f"{k}: {v * 100 / total:.0f} %"
                                                                     for k, v in by_thread.most_common(6)), "",
              f"Top {args.top} functions by inclusive share of all samples:", "",
              "| % | function (file) |", "| ---: | --- |"]
    lines += [f"| {v * 100 / total:.1f} | `{k}` |" for k, v in inclusive.most_common(args.top)]
    lines += ["", "Top 15 by self (leaf) samples:", "", "| % | function (file) |", "| ---: | --- |"]
    lines += [f"| {v * 100 / total:.1f} | `{k}` |" for k, v in leaf.most_common(15)]
    lines += ["", _bench.facts_table()]
    _bench.publish("portal-profile", "Portal profile (where the time goes)", lines, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
