#!/usr/bin/env python3
"""Suite speed: wall time of `b24conform run` (embedded mock) against the number of generated cases, and of a
bare `schemathesis run` over the same spec/openapi.yaml and schemathesis.toml with the same max-examples.

    .venv/bin/python benchmarks/suite_speed.py                   # sizes 10,25,50,100: ~6-8 min
    .venv/bin/python benchmarks/suite_speed.py --sizes 25,100

`b24conform run` gets the size through benchmarks/bench_suite_plugin.py (PYTEST_ADDOPTS), which sets every
Hypothesis property's and every schemathesis operation's max-examples and counts the Hypothesis test cases that
ran. The bare schemathesis run targets `b24conform serve` (TLS, same portal code) and reports its own count.
Results replace the `suite-speed` section of BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench  # noqa: E402


def b24_run(size: int, work: Path) -> dict:
    count_file = work / f"count-{size}.json"
    env = {**os.environ, "PYTHONPATH": str(_bench.BENCH) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "PYTEST_ADDOPTS": "-p bench_suite_plugin", "B24_BENCH_MAX_EXAMPLES": str(size),
           "B24_BENCH_COUNT_FILE": str(count_file), "B24_LEDGER_DIR": str(work / "ledger")}
    t0 = time.monotonic()
    proc = subprocess.run([_bench.B24CONFORM, "run", "--report-dir", str(work / f"reports-{size}")], cwd=_bench.ROOT,
                          env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    counts = json.loads(count_file.read_text()) if count_file.exists() else {"cases": -1, "tests": -1}
    results = work / f"reports-{size}" / "results.json"
    clause_counts = json.loads(results.read_text())["run"]["counts"]["clauses"] if results.exists() else {}
    return {"wall": wall, "cases": counts["cases"], "tests": counts["tests"], "exit": proc.returncode,
            "clauses": clause_counts}


def schemathesis_run(size: int, work: Path) -> dict:
    port = _bench.free_port()
    tls = work / "tls"
    argv = [_bench.B24CONFORM, "serve", "--host", "127.0.0.1", "--port", str(port), "--webhook",
            f"{_bench.BENCH_WEBHOOK_USER}:{_bench.BENCH_WEBHOOK_CODE}", "--db", str(work / f"st-{size}.sqlite3"),
            "--tls-dir", str(tls)]
    created_before = (_bench.ROOT / ".schemathesis").exists()
    with _bench.server(argv, port, log=work / "serve.log"):
        t0 = time.monotonic()
        proc = subprocess.run([str(_bench.VENV_BIN / "schemathesis"), "run", str(_bench.ROOT / "spec" / "openapi.yaml"),
                               "--url", f"https://127.0.0.1:{port}", "--tls-verify", str(tls / "ca.pem"),
                               "--max-examples", str(size)], cwd=_bench.ROOT, capture_output=True, text=True)
        wall = time.monotonic() - t0
    cache = _bench.ROOT / ".schemathesis"  # schemathesis' own cache dir, created in its cwd: not ours to keep
    if cache.is_dir() and not created_before:
        import shutil

        shutil.rmtree(cache, ignore_errors=True)
    m = re.search(r"(\d+) generated", proc.stdout)
    return {"wall": wall, "cases": int(m.group(1)) if m else -1, "exit": proc.returncode,
            "tail": proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10,25,50,100")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="b24speed-") as tmp:
        work = Path(tmp)
        for size in sizes:
            ours = b24_run(size, work)
            bare = schemathesis_run(size, work)
            rows.append((size, ours, bare))
            print(f"max-examples {size}: b24conform run {ours['wall']:.1f} s / {ours['cases']} cases "
                  f"(exit {ours['exit']}); schemathesis run {bare['wall']:.1f} s / {bare['cases']} cases", flush=True)

    lines = [f"Command: `{_bench.command_line()}`", "",
             "`b24conform run` = the whole conformance run on the embedded mock (TLS): every suite, reports written; "
             "'cases' = Hypothesis test cases generated across all property and schemathesis tests (counted by "
             "benchmarks/bench_suite_plugin.py), plus the non-generated checks (`tests`). Bare `schemathesis run` = "
             "the same spec and schemathesis.toml against `b24conform serve` (TLS), its own 'N generated' count. "
             "Bare schemathesis fills the webhook path parameters with generated values, so most of its calls stop "
             "at NO_AUTH_FOUND: its per-case cost is a lower bound.", "",
             "| max-examples | b24conform run s | its generated cases | its pytest items | schemathesis run s | "
             "its generated cases | b24conform s per 1,000 cases | schemathesis s per 1,000 cases |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size, ours, bare in rows:
        per_ours = 1000 * ours["wall"] / max(ours["cases"], 1)
        per_bare = 1000 * bare["wall"] / max(bare["cases"], 1)
        lines.append(f"| {size} | {ours['wall']:.1f} | {ours['cases']} | {ours['tests']} | {bare['wall']:.1f} | "
                     f"{bare['cases']} | {per_ours:.1f} | {per_bare:.1f} |")
    lines.append("")
    # marginal cost per generated case (slope between the smallest and the largest size) and fixed cost
    if len(rows) >= 2:
        (s0, o0, b0), (s1, o1, b1) = rows[0], rows[-1]
        slope_o = (o1["wall"] - o0["wall"]) / max(o1["cases"] - o0["cases"], 1)
        slope_b = (b1["wall"] - b0["wall"]) / max(b1["cases"] - b0["cases"], 1)
        fixed_o = o0["wall"] - slope_o * o0["cases"]
        lines.append(f"- marginal cost per generated case: b24conform run {1000 * slope_o:.1f} ms, bare schemathesis "
                     f"{1000 * slope_b:.1f} ms (ratio {slope_o / slope_b if slope_b > 0 else float('nan'):.2f}); fixed "
                     f"cost of a b24conform run (non-generated checks, start-up, reports): {fixed_o:.1f} s")
        cases_1000 = fixed_o + slope_o * 1000
        lines.append(f"- projected wall time of `b24conform run` for 1,000 generated cases: {cases_1000:.1f} s "
                     f"(target <= 20 s: {'met' if cases_1000 <= 20 else 'MISSED'})")
        big = max(rows, key=lambda r: r[1]["cases"])
        fixed_b = b0["wall"] - slope_b * b0["cases"]
        bare_same = fixed_b + slope_b * big[1]["cases"]  # bare schemathesis interpolated to our case count
        ratio = big[1]["wall"] / bare_same - 1
        lines.append(f"- at the same case count ({big[1]['cases']}, bare schemathesis interpolated linearly from its "
                     f"rows: {bare_same:.1f} s): b24conform run {big[1]['wall']:.1f} s, overhead {100 * ratio:+.0f} % "
                     f"(target <= +20 %: {'met' if ratio <= 0.2 else 'MISSED'})")
    lines += ["", "Clause counts of each b24conform run: " + "; ".join(
        f"{s}: {json.dumps(o['clauses'])}" for s, o, _ in rows), "", _bench.facts_table()]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        _bench.write_section("suite-speed", "Suite speed", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
