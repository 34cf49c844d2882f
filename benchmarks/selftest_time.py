"""Wall time of `b24conform selftest` over every deviation profile, on --jobs N (default 2).

Runs the self-test as a user would (`b24conform selftest --jobs N --quiet`), times it with the monotonic
clock, and reads the counts from the detection.json it wrote: profiles, distinct deviations, killed, false
alarms, automated clauses without a killing profile. Target: <= 120 s on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _bench


def measure(jobs: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="b24-selftest-bench-") as tmp:
        started = time.monotonic()
        proc = subprocess.run([_bench.B24CONFORM, "selftest", "--jobs", str(jobs), "--quiet", "--report-dir", tmp],
                              cwd=_bench.ROOT, capture_output=True, text=True)
        wall = time.monotonic() - started
        data = json.loads((Path(tmp) / "detection.json").read_text())
    return {"wall": wall, "exit": proc.returncode, "data": data}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    runs = [measure(args.jobs) for _ in range(args.rounds)]
    for r in runs:
        d = r["data"]
        print(f"{r['wall']:.1f} s wall, exit {r['exit']}, {d['killed']}/{d['profiles_total']} killed, "
              f"{len(d['false_alarms'])} false alarms, {len(d['unkillable_clauses'])} clauses without killer", flush=True)
    d = runs[-1]["data"]
    lines = [f"Command: `{_bench.command_line()}` (runs `b24conform selftest --jobs {args.jobs} --quiet`)", "",
             "| round | wall s | exit | profiles | distinct deviations | killed | false alarms | clauses without killer |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for i, r in enumerate(runs, 1):
        x = r["data"]
        lines.append(f"| {i} | {r['wall']:.1f} | {r['exit']} | {x['profiles_total']} | {x.get('distinct_deviations', '?')} "
                     f"| {x['killed']} | {len(x['false_alarms'])} | {len(x.get('unkillable_clauses', []))} |")
    lines += ["", f"Automated clauses with a killing profile: {sum(bool(v) for v in d.get('clause_killers', {}).values())}"
              f" of {len(d.get('clause_killers', {}))}. Target: <= 120 s on 2 cores.", "", _bench.facts_table()]
    _bench.publish("selftest-time", "Self-test wall time (every deviation profile)", lines, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
