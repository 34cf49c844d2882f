"""Wall time of `b24conform selftest` over every deviation profile and legitimate variant, on --jobs N
(default 2).

Runs the self-test as a user would (`b24conform selftest --jobs N --quiet`), times it with the monotonic
clock, and reads the counts from the detection.json it wrote: profiles, distinct deviations, killed,
variants (all-variants included) and how many passed, false alarms on the faithful portal and on the
variants (each listed with its clause, check and reason), automated clauses without a killing profile.
Target: <= 120 s on 2 cores for the profiles (the variants add one whole-suite run each).
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
              f"{d.get('variants_passed', 0)}/{d.get('variants_total', 0)} variants passed, "
              f"{len(d['false_alarms'])} + {len(d.get('variant_false_alarms', []))} false alarms, "
              f"{len(d['unkillable_clauses'])} clauses without killer", flush=True)
    d = runs[-1]["data"]
    lines = [f"Command: `{_bench.command_line()}` (runs `b24conform selftest --jobs {args.jobs} --quiet`)", "",
             "| round | wall s | exit | profiles | distinct deviations | killed | variants | variants passed "
             "| false alarms (faithful) | false alarms (variants) | clauses without killer |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for i, r in enumerate(runs, 1):
        x = r["data"]
        lines.append(f"| {i} | {r['wall']:.1f} | {r['exit']} | {x['profiles_total']} | {x.get('distinct_deviations', '?')} "
                     f"| {x['killed']} | {x.get('variants_total', 0)} | {x.get('variants_passed', 0)} "
                     f"| {len(x['false_alarms'])} | {len(x.get('variant_false_alarms', []))} "
                     f"| {len(x.get('unkillable_clauses', []))} |")
    lines += ["", f"Automated clauses with a killing profile: {sum(bool(v) for v in d.get('clause_killers', {}).values())}"
              f" of {len(d.get('clause_killers', {}))} (mode {d['mode']}). Target: <= 120 s on 2 cores."]
    alarms = d.get("variant_false_alarms", [])
    if alarms:
        lines += ["", "False alarms on legitimate variants (last round):", "",
                  "| variant | clauses | check | reason |", "| --- | --- | --- | --- |"]
        for fa in alarms:
            reason = " ".join(fa["reason"].split()).replace("|", "\\|")[:160]
            lines.append(f"| `{fa['variant']}` | {', '.join(fa['clauses'])} | `{fa['check']}` | {reason} |")
    lines += ["", _bench.facts_table()]
    _bench.publish("selftest-time", "Self-test wall time (every deviation profile and variant)", lines, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
