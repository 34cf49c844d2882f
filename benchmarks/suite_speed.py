#!/usr/bin/env python3
"""Suite speed: wall time of `b24conform run` (embedded mock) against the number of generated cases, and of a
bare `schemathesis run` over the same spec/openapi.yaml and schemathesis.toml with the same max-examples.

    .venv/bin/python benchmarks/suite_speed.py                   # sizes 10,25,100,200
    .venv/bin/python benchmarks/suite_speed.py --sizes 25,100 --no-write

`b24conform run` gets the size through benchmarks/bench_suite_plugin.py (PYTEST_ADDOPTS), which sets every
Hypothesis property's and every schemathesis operation's max-examples and counts the Hypothesis test cases that
ran. The bare schemathesis run targets `b24conform serve` (TLS, same portal code) and reports its own count.

The bare run is a fair peer, and still plain schemathesis (no b24conform code in it):
- the operations the suite fuzzes (suites/test_schemathesis.py: the webhook add, get, list, fields and the
  crm.enum.* lists), selected with --include-operation-id;
- schemathesis.toml plus a `[parameters]` table that pins the webhook path parameters to the served portal's real
  user id and code (a temporary copy passed with --config-file), so its calls reach the method as the suite's
  do (the suite pins them too: its Target sends its own credentials) instead of stopping at NO_AUTH_FOUND;
- one worker, as `b24conform run`;
- the served portal keeps its store in memory (`--db :memory:`), as the embedded mock does: a file store
  would add its disk writes to every bare add;
- --continue-on-failure --no-shrink: bare schemathesis reports some negative cases of crm.activity.list as
  accepted (the suite judges those with its own rule, rejection_demanded); without these options the bare run
  would stop that operation early and spend time shrinking, which the passing b24conform run never does.
Target (b) compares the two at the same number of generated cases: the bare run is repeated with the
max-examples that makes its count match the largest b24conform row, in --pairs interleaved (b24conform, bare)
pairs (default 5); the verdict is on the median pair, since single runs on this shared machine vary by +-15 %.

Results replace the `suite-speed` section of BENCHMARKS.md (not with --no-write).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
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


def suite_operations() -> list[str]:
    """The operation ids suites/test_schemathesis.py fuzzes (same selection rule as that module)."""
    import yaml

    spec = yaml.safe_load((_bench.ROOT / "spec" / "openapi.yaml").read_text())
    ids = ["activityAdd", "activityGet", "activityList", "activityFields"]
    ids += [op["post"]["operationId"] for path, op in spec["paths"].items()
            if path.rsplit("/", 1)[-1].startswith("crm.enum.")]
    return ids


def bare_config(work: Path) -> Path:
    """schemathesis.toml plus the served portal's real webhook as fixed path parameters."""
    path = work / "schemathesis-bare.toml"
    base = (_bench.ROOT / "schemathesis.toml").read_text()
    path.write_text(base.rstrip() + "\n\n# benchmarks/suite_speed.py: the served portal's webhook, so calls reach the method\n"
                    f'[parameters]\n"path.user_id" = {_bench.BENCH_WEBHOOK_USER}\n'
                    f'"path.webhook" = "{_bench.BENCH_WEBHOOK_CODE}"\n')
    return path


def schemathesis_run(size: int, work: Path) -> dict:
    port = _bench.free_port()
    tls = work / "tls"
    argv = [_bench.B24CONFORM, "serve", "--host", "127.0.0.1", "--port", str(port), "--webhook",
            f"{_bench.BENCH_WEBHOOK_USER}:{_bench.BENCH_WEBHOOK_CODE}", "--db", ":memory:",
            "--tls-dir", str(tls)]
    created_before = (_bench.ROOT / ".schemathesis").exists()
    include = [a for op in suite_operations() for a in ("--include-operation-id", op)]
    with _bench.server(argv, port, log=work / "serve.log"):
        t0 = time.monotonic()
        proc = subprocess.run([str(_bench.VENV_BIN / "schemathesis"), "--config-file", str(bare_config(work)), "run",
                               str(_bench.ROOT / "spec" / "openapi.yaml"), *include,
                               "--url", f"https://127.0.0.1:{port}", "--tls-verify", str(tls / "ca.pem"),
                               "--workers", "1", "--continue-on-failure", "--no-shrink",
                               "--max-examples", str(size)], cwd=_bench.ROOT, capture_output=True,
                              text=True)
        wall = time.monotonic() - t0
    cache = _bench.ROOT / ".schemathesis"  # schemathesis' own cache dir, created in its cwd: not ours to keep
    if cache.is_dir() and not created_before:
        import shutil

        shutil.rmtree(cache, ignore_errors=True)
    m = re.search(r"(\d+) generated", proc.stdout)
    return {"wall": wall, "cases": int(m.group(1)) if m else -1, "exit": proc.returncode,
            "tail": proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "",
            "no_auth": proc.stdout.count("NO_AUTH_FOUND"), "stdout": proc.stdout}


def targets(rows: list, matched: dict | None) -> list[str]:
    """Issue #7's two targets from the measured rows: (a) >= 1,000 generated cases within 20 s, (b) at most
    +20 % over a bare schemathesis run with the same number of generated cases."""
    lines = []
    if len(rows) >= 2:
        (_, o0, b0), (_, o1, b1) = rows[0], rows[-1]
        slope_o = (o1["wall"] - o0["wall"]) / max(o1["cases"] - o0["cases"], 1)
        slope_b = (b1["wall"] - b0["wall"]) / max(b1["cases"] - b0["cases"], 1)
        fixed_o = o0["wall"] - slope_o * o0["cases"]
        fixed_b = b0["wall"] - slope_b * b0["cases"]
        lines.append(f"- marginal cost per generated case: b24conform run {1000 * slope_o:.1f} ms, bare schemathesis "
                     f"{1000 * slope_b:.1f} ms (ratio {slope_o / slope_b if slope_b > 0 else float('nan'):.2f}); fixed "
                     f"cost (intercept): b24conform run {fixed_o:.1f} s (start-up, the non-generated checks, reports), "
                     f"bare schemathesis {fixed_b:.1f} s")
        big = [r for r in rows if r[1]["cases"] >= 1000]
        if big:
            size, ours, _ = min(big, key=lambda r: r[1]["cases"])
            lines.append(f"- target (a), measured: max-examples {size} ran {ours['cases']} generated cases in "
                         f"{ours['wall']:.1f} s (target >= 1,000 cases within 20 s: "
                         f"{'met' if ours['wall'] <= 20 else 'MISSED'})")
        else:
            projected = fixed_o + slope_o * 1000
            lines.append(f"- target (a), projected (no row reached 1,000 cases): {projected:.1f} s for 1,000 generated "
                         f"cases (target <= 20 s: {'met' if projected <= 20 else 'MISSED'})")
    if matched:
        pairs = matched["pairs"]
        ratios = sorted(ours["wall"] / bare["wall"] - 1 for ours, bare in pairs)
        median = statistics.median(ratios)
        ours_cases, bare_cases = pairs[0][0]["cases"], pairs[0][1]["cases"]
        lines.append(f"- target (b), measured in {len(pairs)} interleaved pairs (b24conform run at max-examples "
                     f"{matched['size']}: {ours_cases} generated cases; bare schemathesis at max-examples "
                     f"{matched['bare_size']}: {bare_cases}): " + "; ".join(
                         f"{ours['wall']:.1f} s vs {bare['wall']:.1f} s" for ours, bare in pairs)
                     + f" -> overhead {', '.join(f'{100 * r:+.0f} %' for r in ratios)}, median **{100 * median:+.0f} %** "
                     f"(target <= +20 %: {'met' if median <= 0.2 else 'MISSED'})")
        if bare_cases != ours_cases:
            per = statistics.median((o["wall"] / o["cases"]) / (b["wall"] / b["cases"]) - 1 for o, b in pairs)
            lines.append(f"  (the counts differ by {bare_cases - ours_cases:+d}; per generated case the median overhead "
                         f"is {100 * per:+.0f} %)")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10,25,100,200")
    ap.add_argument("--no-write", action="store_true", help="print the section, leave BENCHMARKS.md alone")
    ap.add_argument("--no-matched", action="store_true",
                    help="skip the bare schemathesis run at the largest row's case count (target b)")
    ap.add_argument("--pairs", type=int, default=5,
                    help="interleaved (b24conform, bare) pairs at the same case count for target (b); the machine is "
                         "shared and noisy, so the verdict is on the median pair")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    matched = None
    with tempfile.TemporaryDirectory(prefix="b24speed-") as tmp:
        work = Path(tmp)
        for size in sizes:
            ours = b24_run(size, work)
            bare = schemathesis_run(size, work)
            rows.append((size, ours, bare))
            print(f"max-examples {size}: b24conform run {ours['wall']:.1f} s / {ours['cases']} cases "
                  f"(exit {ours['exit']}); schemathesis run {bare['wall']:.1f} s / {bare['cases']} cases "
                  f"(exit {bare['exit']}) [load {os.getloadavg()[0]:.2f}]", flush=True)
        size, ours, bare = rows[-1]
        if not args.no_matched and bare["cases"] > 0 and ours["cases"] > 0:
            # Same number of generated cases: the bare run's max-examples scaled to our count (its cases grow
            # with max-examples in the same proportion), then measured.
            bare_size = max(1, round(size * ours["cases"] / bare["cases"]))
            pairs = []
            for i in range(args.pairs):
                mine = ours if i == 0 else b24_run(size, work)
                same = schemathesis_run(bare_size, work) if bare_size != size or i else bare
                pairs.append((mine, same))
                print(f"matched pair {i + 1}: b24conform run {mine['wall']:.1f} s / {mine['cases']} cases; schemathesis "
                      f"run max-examples {bare_size}: {same['wall']:.1f} s / {same['cases']} cases "
                      f"(exit {same['exit']}) [load {os.getloadavg()[0]:.2f}]", flush=True)
            matched = {"size": size, "bare_size": bare_size, "pairs": pairs}

    lines = [f"Command: `{_bench.command_line()}`", "",
             "`b24conform run` = the whole conformance run on the embedded mock (TLS): every suite, reports written; "
             "'cases' = Hypothesis test cases generated across all property and schemathesis tests (counted by "
             "benchmarks/bench_suite_plugin.py), plus the non-generated checks (`tests`). Bare `schemathesis run` = "
             "the same spec and schemathesis.toml against `b24conform serve` (TLS, in-memory store), its own 'N generated' count, "
             "restricted to the operations the suite fuzzes, one worker, with the webhook path parameters pinned to "
             "the portal's real webhook (as the suite pins them) so that its calls reach the method.", "",
             "| max-examples | b24conform run s | its generated cases | its pytest items | schemathesis run s | "
             "its generated cases | b24conform s per 1,000 cases | schemathesis s per 1,000 cases |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size, ours, bare in rows:
        per_ours = 1000 * ours["wall"] / max(ours["cases"], 1)
        per_bare = 1000 * bare["wall"] / max(bare["cases"], 1)
        lines.append(f"| {size} | {ours['wall']:.1f} | {ours['cases']} | {ours['tests']} | {bare['wall']:.1f} | "
                     f"{bare['cases']} | {per_ours:.1f} | {per_bare:.1f} |")
    lines.append("")
    lines += targets(rows, matched)
    lines += ["", "Clause counts of each b24conform run: " + "; ".join(
        f"{s}: {json.dumps(o['clauses'])}" for s, o, _ in rows), "", _bench.facts_table()]
    _bench.publish("suite-speed", "Suite speed", lines, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
