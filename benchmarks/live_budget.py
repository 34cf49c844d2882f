#!/usr/bin/env python3
"""Live-run budget: a full `b24conform run` against a portal started with `--limits standard` and a seed world
without any of the packaged ids (tests/data/world_other_ids.yaml), treated as a live target with --allow-writes
and no fixture options (the judge brings its own contact and deal), through a counting proxy (server-side counts).
The run uses the batch plan (B24_BATCH_PLAN=1, judge/batchplan.py): the checks' one-off calls ride as `batch`
commands, so the whole run fits the standard plan's burst of 50 requests.

    .venv/bin/python benchmarks/live_budget.py              # bounded by --timeout (default 900 s)
    .venv/bin/python benchmarks/live_budget.py --no-plan    # the same run, every call a request of its own
    .venv/bin/python benchmarks/live_budget.py --selftest   # then `b24conform selftest --batch-plan` too (~6 min)

Records wall time, HTTP requests the portal received (by method, and the commands of each batch), 503
QUERY_LIMIT_EXCEEDED answers, the clause counts of the run, and which live-checkable clauses (where: any) were
not passed. Then runs `b24conform cleanup` and counts the activities left. Results replace the `live-budget`
section of BENCHMARKS.md (only a run with the plan writes it).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench  # noqa: E402
from counting_proxy import CountingProxy  # noqa: E402


OTHER_WORLD = _bench.ROOT / "tests" / "data" / "world_other_ids.yaml"
WORLD_USER = 7001  # that world's admin: no record of the packaged seed exists there
ENTITY_LISTS = ("crm.activity.list", "crm.contact.list", "crm.deal.list", "crm.company.list")


def holdings(base: str) -> dict[str, list[str]]:
    """Every record id the portal holds, by list method (pages of 50 followed)."""
    held = {}
    for method in ENTITY_LISTS:
        ids, start = [], 0
        while start is not None:
            data = httpx.post(base + method, json={"select": ["ID"], "start": start}, timeout=60).json()
            ids += [item["ID"] for item in data.get("result") or []]
            start = data.get("next")
        held[method.split(".")[1]] = ids
    return held


def selftest_lines(timeout: float) -> list[str]:
    """`b24conform selftest --batch-plan`: every portal served and judged live with the plan (the deviant
    profiles naming a live-checkable clause, the faithful portal, every legitimate variant)."""
    with tempfile.TemporaryDirectory(prefix="b24live-selftest-") as tmp:
        t0 = time.monotonic()
        proc = subprocess.run([_bench.B24CONFORM, "selftest", "--batch-plan", "--jobs", "2", "--quiet", "--report-dir", tmp],
                              cwd=_bench.ROOT, capture_output=True, text=True, timeout=max(timeout, 1800))
        wall = time.monotonic() - t0
        report = Path(tmp) / "detection.json"
        d = json.loads(report.read_text()) if report.exists() else {}
    live_misses = d.get("live_misses") or []
    return ["Self-test with the plan: `b24conform selftest --batch-plan --jobs 2` (each portal served on 127.0.0.1 and "
            "judged as a live target with writes and the plan; the deviant profiles naming a live-checkable clause):", "",
            "| figure | value |", "| --- | ---: |",
            f"| deviant profiles killed with the plan | {d.get('killed')}/{d.get('profiles_total')} |",
            f"| missed with the plan, killed by a live run without it (the plan's misses) | {d.get('missed')} |",
            f"| missed by a live run without the plan too (live misses) | {len(live_misses)} |",
            f"| legitimate variants passed (whole suite, with the plan) | {d.get('variants_passed')}/{d.get('variants_total')} |",
            f"| false alarms (faithful portal and variants) | "
            f"{len(d.get('false_alarms') or []) + len(d.get('variant_false_alarms') or [])} |",
            f"| wall time (2 processes) / exit code | {wall:.1f} s / {proc.returncode} |", "",
            f"Live misses (a live portal lets no check see them, with or without the plan): {', '.join(live_misses) or 'none'}",
            ""]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--timeout", type=float, default=900.0, help="kill the run after this many seconds")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--no-plan", action="store_true", help="run without the batch plan (never writes BENCHMARKS.md)")
    ap.add_argument("--selftest", action="store_true",
                    help="after the run, `b24conform selftest --batch-plan --jobs 2`: profiles killed, variants passed, wall")
    args = ap.parse_args()
    clauses = yaml.safe_load((_bench.ROOT / "spec" / "clauses.yaml").read_text())["clauses"]
    live_checkable = {c["id"] for c in clauses if c.get("where") == "any" and c.get("check") == "automated"}

    with tempfile.TemporaryDirectory(prefix="b24live-") as tmp:
        work = Path(tmp)
        port = _bench.free_port()
        argv = [_bench.B24CONFORM, "serve", "--no-tls", "--host", "127.0.0.1", "--port", str(port), "--webhook",
                f"{WORLD_USER}:{_bench.BENCH_WEBHOOK_CODE}", "--db", str(work / "live.sqlite3"),
                "--limits", "standard", "--seed-data", str(OTHER_WORLD)]
        env = {**os.environ, "B24_LEDGER_DIR": str(work / "ledger"), "NO_COLOR": "1"}
        env.pop("B24_BATCH_PLAN", None)
        if not args.no_plan:
            env["B24_BATCH_PLAN"] = "1"
        hook_path = f"/rest/{WORLD_USER}/{_bench.BENCH_WEBHOOK_CODE}/"
        with _bench.server(argv, port, log=work / "serve.log"), CountingProxy(f"http://127.0.0.1:{port}") as proxy:
            target = proxy.url + hook_path
            held_before = holdings(f"http://127.0.0.1:{port}{hook_path}")
            time.sleep(5)  # the portal's bucket drains what the count cost before the run starts its burst
            t0 = time.monotonic()
            try:
                proc = subprocess.run([_bench.B24CONFORM, "run", "--target", target, "--allow-writes",
                                       "--report-dir", str(work / "reports")], cwd=_bench.ROOT, env=env,
                                      capture_output=True, text=True, timeout=args.timeout)
                exit_code, timed_out = proc.returncode, False
            except subprocess.TimeoutExpired:
                exit_code, timed_out = None, True
            wall = time.monotonic() - t0
            run_counts = (proxy.requests, dict(proxy.by_method), dict(proxy.statuses), dict(proxy.errors))
            batches = list(proxy.batch_commands)
            results_file = work / "reports" / "results.json"
            results = json.loads(results_file.read_text()) if results_file.exists() else None
            before_cleanup = len(httpx.post(f"http://127.0.0.1:{port}{hook_path}crm.activity.list",
                                            json={"select": ["ID"]}, timeout=60).json().get("result") or [])
            cleanup = subprocess.run([_bench.B24CONFORM, "cleanup", "--target", target], cwd=_bench.ROOT, env=env,
                                     capture_output=True, text=True, timeout=args.timeout)
            time.sleep(30)  # let the portal's bucket drain before counting what is left
            left = httpx.post(f"http://127.0.0.1:{port}{hook_path}crm.activity.list", json={"select": ["ID", "SUBJECT"]},
                              timeout=60).json()
            held_after = holdings(f"http://127.0.0.1:{port}{hook_path}")

    requests, by_method, statuses, errors = run_counts
    status_of = {c["id"]: c["status"] for c in (results or {}).get("clauses", [])}
    live_missing = sorted(c for c in live_checkable if status_of.get(c) != "passed")
    limit_503 = errors.get("QUERY_LIMIT_EXCEEDED", 0)
    lines = [f"Command: `{_bench.command_line()}`", "",
             "Portal: `b24conform serve --no-tls --limits standard --db FILE` (leaky bucket 2/s, burst 50), reached "
             "through a counting reverse proxy (benchmarks/counting_proxy.py) so every figure below is counted on the "
             "server side. Run: `B24_BATCH_PLAN=1 b24conform run --target http://127.0.0.1:PROXY/rest/1/CODE/ "
             "--allow-writes`" + (" (here without the plan: --no-plan)" if args.no_plan else "") + ".", "",
             "| figure | value |", "| --- | ---: |",
             f"| wall time of the run | {wall:.1f} s{' (killed at the timeout)' if timed_out else ''} |",
             f"| run exit code | {exit_code} |",
             f"| HTTP requests received by the portal | {requests} |",
             f"| of them `batch` requests / the commands they carried | {len(batches)} / {sum(batches)} |",
             f"| mean request rate | {requests / wall:.2f} /s |",
             f"| 503 QUERY_LIMIT_EXCEEDED received | {limit_503} |",
             f"| other 503s | {statuses.get(503, 0) - limit_503} |",
             f"| 5xx in total | {sum(v for k, v in statuses.items() if k >= 500)} |",
             f"| live-checkable clauses (where: any, automated) | {len(live_checkable)} |",
             f"| of them not passed | {len(live_missing)} |",
             f"| activities on the portal after the run / after `b24conform cleanup` | {before_cleanup} / "
             f"{len(left.get('result') or [])} (cleanup exit {cleanup.returncode}) |",
             f"| records held before the run / after it (activities, contacts, deals, companies) | "
             f"{held_before} / {held_after}: {'identical' if held_before == held_after else 'DIFFERENT'} |",
             f"| requests the judge sent to bring its own user, contact and deal (profile + adds; the deletes ride in a batch) | "
             f"{sum(v for k, v in by_method.items() if k.split('.')[1:2] in (['contact'], ['deal']) or k == 'profile')} |", "",
             f"Targets (issue #20 item 4): at most 50 requests, so none waits for the bucket: "
             f"{'met' if requests <= 50 else 'MISSED'}; every live-checkable clause passed: "
             f"{'met' if not live_missing else 'MISSED'}; zero QUERY_LIMIT_EXCEEDED: {'met' if limit_503 == 0 else 'MISSED'}; "
             f"nothing left behind: {'met' if held_before == held_after and not (left.get('result') or []) else 'MISSED'}.", "",
             f"Commands of each batch request, in order: {batches}", "",
             f"Requests by method: {json.dumps(dict(sorted(by_method.items(), key=lambda kv: -kv[1])))}", "",
             f"Statuses: {json.dumps(dict(sorted(statuses.items())))}; error codes: {json.dumps(errors)}", "",
             f"Clause counts of the run: {json.dumps((results or {}).get('run', {}).get('counts', {}).get('clauses'))}",
             "", f"Live-checkable clauses not passed: {', '.join(live_missing) or 'none'}", "",
             *(selftest_lines(args.timeout) if args.selftest else []),
             _bench.facts_table()]
    _bench.publish("live-budget", "Live-run budget", lines, write=not (args.no_write or args.no_plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
