#!/usr/bin/env python3
"""Cost of crm.activity.list as the store fills: ms per call over N stored activities, in-process.

    .venv/bin/python benchmarks/list_cost.py                 # ~30 s: 250, 1,000 and 2,000 activities
    .venv/bin/python benchmarks/list_cost.py --sizes 1000 --no-write

The suites call list a few hundred times per run over a store that the earlier checks filled, so its cost
per stored activity is part of every run's wall time. For each size: a fresh in-memory portal, N valid adds
of the seed example (distinct subjects), then four list bodies -- no filter; a filter on OWNER_ID; a filter
on >ID with DESC order and a two-field select; a page far down -- called through calls.invoke on this thread
(no HTTP, no threads: the list's own work). Results replace the `list-cost` section of BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench  # noqa: E402

BODIES = [
    {},
    {"filter": {"OWNER_ID": 102}},
    {"filter": {">ID": 10}, "order": {"ID": "DESC"}, "select": ["ID", "SUBJECT"]},
    {"start": 200},
]


def measure(size: int, rounds: int) -> dict[str, float]:
    from b24conform.portal.auth import authenticate
    from b24conform.portal.calls import invoke
    from b24conform.portal.config import PortalConfig
    from b24conform.portal.routing import parse_path
    from b24conform.portal.assembly import build_state
    from b24conform.portal.testing import seed_fields

    config = PortalConfig.for_conformance(tls=False)
    state = build_state(config)
    hook = config.roles["webhook"]
    caller = authenticate(parse_path(f"/rest/{hook.user_id}/{hook.code}/crm.activity.list"), {}, config)
    for i in range(size):
        added = invoke(state, caller, "crm.activity.add", {"fields": seed_fields(SUBJECT=f"list cost {i}")}, "http://x")
        assert added.error_id is None, added.error_id
    per_call: list[float] = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for body in BODIES:
            outcome = invoke(state, caller, "crm.activity.list", json.loads(json.dumps(body)), "http://x")
            assert outcome.error_id is None, outcome.error_id
        per_call.append((time.perf_counter() - t0) / len(BODIES) * 1000)
    state.store.close()
    return {"median": statistics.median(per_call), "min": min(per_call), "max": max(per_call)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="250,1000,2000")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        result = measure(size, args.rounds)
        rows.append((size, result))
        print(f"{size} activities: {result['median']:.1f} ms per list (median of {args.rounds} rounds)", flush=True)
    lines = [f"Command: `{_bench.command_line()}`", "",
             f"In-process (calls.invoke, in-memory store), {len(BODIES)} list bodies per round (see the script), "
             f"{args.rounds} rounds per size.", "",
             "| stored activities | ms per list, median | min | max |", "| ---: | ---: | ---: | ---: |"]
    lines += [f"| {size} | {r['median']:.1f} | {r['min']:.1f} | {r['max']:.1f} |" for size, r in rows]
    lines += ["", _bench.facts_table()]
    _bench.publish("list-cost", "crm.activity.list cost against the store's size", lines, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
