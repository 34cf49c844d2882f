#!/usr/bin/env python3
"""Durability over several kill -9 cycles on one database file (the long variant of
tests/test_robustness_durability.py): each cycle starts `b24conform serve --db FILE`, lets 20 writers add
activities, SIGKILLs the portal after N acknowledged adds, restarts it, and checks every acknowledged id (of this
and of every earlier cycle's fresh adds) is present with its content and that no id is handed out twice.

    .venv/bin/python benchmarks/durability_long.py --cycles 5 --kill-after 500      # ~2-3 min
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import _bench  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cycles", type=int, default=5)
    ap.add_argument("--writers", type=int, default=20)
    ap.add_argument("--kill-after", type=int, default=500)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    import test_robustness_durability as td

    rows = []
    seen: frozenset[int] = frozenset()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="b24dur-") as tmp:
        db, log = Path(tmp) / "portal.sqlite3", Path(tmp) / "portal.log"
        for cycle in range(1, args.cycles + 1):
            figures = td.kill_cycle(db, log, writers=args.writers, kill_after=args.kill_after, previous_ids=seen)
            seen = seen | figures["ids"]
            rows.append((cycle, figures))
            print(f"cycle {cycle}: {figures['acknowledged']} acknowledged, {figures['in_flight_at_kill']} in flight "
                  f"({figures['in_flight_committed']} committed anyway); all present, none reused", flush=True)
    lines = [f"Command: `{_bench.command_line()}`", "",
             f"{args.cycles} cycles on one SQLite file, {args.writers} concurrent writers each, SIGKILL after "
             f"{args.kill_after} acknowledged adds, restart, read back every acknowledged id, 20 fresh adds. "
             f"Total {time.monotonic() - t0:.0f} s.", "",
             "| cycle | acknowledged before kill | in flight at the kill | of those committed anyway | lost | altered | "
             "reused ids |", "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for cycle, f in rows:
        lines.append(f"| {cycle} | {f['acknowledged']} | {f['in_flight_at_kill']} | {f['in_flight_committed']} | 0 | 0 "
                     "| 0 |")
    lines += ["", f"Distinct ids handed out over all cycles: {len(seen)} (every acknowledged id verified after each "
                  "restart; a loss, change or reuse would have stopped the script with an AssertionError).", "",
              _bench.facts_table()]
    _bench.publish("durability", "Durability under kill -9", lines, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
