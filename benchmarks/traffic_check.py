#!/usr/bin/env python3
"""`b24conform traffic check` on large HAR files: exchanges judged per second and peak RSS.

    .venv/bin/python benchmarks/traffic_check.py                      # 10,000 exchanges (and 1,000), ~1 min
    .venv/bin/python benchmarks/traffic_check.py --exchanges 50000 --no-write

Generates HAR 1.2 files (written entry by entry) of N exchanges with a webhook portal, cycling through five
kinds as a client app's traffic has them: crm.activity.add (JSON), crm.activity.get (form body),
crm.activity.list (GET query), a batch of three commands (one failing) and a 400 method error. Each file is
judged by `b24conform traffic check` as a separate process; its wall time and peak RSS (wait4's ru_maxrss)
are measured. A file with no entry gives the fixed cost (interpreter, contract, reports); exchanges/s is
N over the wall time less that. The RSS at a tenth of N and at N shows whether memory grows with the file
(it should not: the file is read as a stream). Results replace the `traffic-check` section of BENCHMARKS.md.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench  # noqa: E402

HOOK = f"https://portal.example/rest/{_bench.BENCH_WEBHOOK_USER}/{_bench.BENCH_WEBHOOK_CODE}/"
TIME = {"start": 1712132792.910734, "finish": 1712132793.530359, "duration": 0.6196250915527344,
        "processing": 0.032338857650756836, "date_start": "2024-04-03T10:26:32+02:00",
        "date_finish": "2024-04-03T10:26:33+02:00", "operating_reset_at": 1705765533, "operating": 3.3076241016387939}
BATCH_TIME = {k: v for k, v in TIME.items() if not k.startswith("operating")}
ITEM = {"ID": "7", "OWNER_ID": "102", "OWNER_TYPE_ID": "2", "TYPE_ID": "2", "PROVIDER_ID": "VOXIMPLANT_CALL",
        "PROVIDER_TYPE_ID": "CALL", "PROVIDER_GROUP_ID": None, "ASSOCIATED_ENTITY_ID": "0", "SUBJECT": "Call",
        "CREATED": "2024-04-03T10:26:32+02:00", "LAST_UPDATED": "2024-04-03T10:26:32+02:00", "START_TIME": None,
        "END_TIME": None, "DEADLINE": None, "COMPLETED": "N", "STATUS": "1", "RESPONSIBLE_ID": "1", "PRIORITY": "2",
        "NOTIFY_TYPE": "0", "NOTIFY_VALUE": "0", "DESCRIPTION": "", "DESCRIPTION_TYPE": "1", "DIRECTION": "0",
        "LOCATION": "", "SETTINGS": [], "ORIGINATOR_ID": None, "ORIGIN_ID": None, "ORIGIN_VERSION": None,
        "AUTHOR_ID": "1", "EDITOR_ID": "1", "PROVIDER_PARAMS": [], "PROVIDER_DATA": None, "RESULT_MARK": "0",
        "RESULT_VALUE": None, "RESULT_SUM": None, "RESULT_CURRENCY_ID": None, "RESULT_STATUS": "0",
        "RESULT_STREAM": "0", "RESULT_SOURCE_ID": None, "AUTOCOMPLETE_RULE": "0", "IS_INCOMING_CHANNEL": "N",
        "COMMUNICATIONS": [{"ID": "1", "TYPE": "PHONE", "VALUE": "+18005551234", "ENTITY_ID": "134",
                            "ENTITY_TYPE_ID": "3", "ENTITY_SETTINGS": {"NAME": "John", "LAST_NAME": "Smith"}}],
        "FILES": []}
ADD = ("crm.activity.add?fields[OWNER_TYPE_ID]=2&fields[OWNER_ID]=102&fields[TYPE_ID]=2&fields[SUBJECT]=Call"
       "&fields[RESPONSIBLE_ID]=1&fields[COMMUNICATIONS][0][VALUE]=%2B18005551234")
FIELDS = {"OWNER_TYPE_ID": 2, "OWNER_ID": 102, "TYPE_ID": 2, "SUBJECT": "Call", "RESPONSIBLE_ID": 1,
          "COMMUNICATIONS": [{"VALUE": "+18005551234", "ENTITY_ID": 134, "ENTITY_TYPE_ID": 3}]}


def _entry(i: int, method: str, url: str, status: int, reply: object, body: str | None, mime: str | None) -> dict:
    text = json.dumps(reply)
    request = {"method": method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
               "headers": [{"name": "User-Agent", "value": "bench"}], "queryString": [], "headersSize": -1,
               "bodySize": len(body or "")}
    if body is not None:
        request["postData"] = {"mimeType": mime, "text": body}
    return {"startedDateTime": f"2024-04-03T08:{i // 3600 % 60:02d}:{i // 60 % 60:02d}.{i % 1000:03d}Z", "time": 10,
            "request": request,
            "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [],
                         "headers": [{"name": "Content-Type", "value": "application/json"}],
                         "content": {"size": len(text), "mimeType": "application/json", "text": text},
                         "redirectURL": "", "headersSize": -1, "bodySize": len(text)},
            "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 0}}


def exchange(i: int) -> dict:
    kind = i % 5
    if kind == 0:
        return _entry(i, "POST", HOOK + "crm.activity.add", 200, {"result": 7 + i, "time": TIME},
                      json.dumps({"fields": FIELDS}), "application/json")
    if kind == 1:
        return _entry(i, "POST", HOOK + "crm.activity.get", 200, {"result": ITEM, "time": TIME}, "id=7",
                      "application/x-www-form-urlencoded")
    if kind == 2:
        return _entry(i, "GET", HOOK + "crm.activity.list?filter%5BOWNER_ID%5D=102", 200,
                      {"result": [ITEM, ITEM, ITEM], "total": 3, "time": TIME}, None, None)
    if kind == 3:
        reply = {"result": {"result": {"a": 8, "b": ITEM}, "result_error": {"c": {
            "error": "", "error_description": "The field SUBJECT is not defined or empty"}},
            "result_total": [], "result_next": [], "result_time": {"a": BATCH_TIME, "b": BATCH_TIME}},
            "time": BATCH_TIME}
        body = json.dumps({"halt": 0, "cmd": {"a": ADD, "b": "crm.activity.get?id=$result[a]",
                                              "c": "crm.activity.add?fields[TYPE_ID]=2"}})
        return _entry(i, "POST", HOOK + "batch", 200, reply, body, "application/json")
    return _entry(i, "POST", HOOK + "crm.activity.add", 400,
                  {"error": "", "error_description": "The field SUBJECT is not defined or empty"},
                  json.dumps({"fields": {**FIELDS, "SUBJECT": ""}}), "application/json")


def write_har(path: Path, n: int) -> int:
    """A HAR of n exchanges, written entry by entry (the generator holds one at a time too)."""
    with path.open("w", encoding="utf-8") as out:
        out.write('{"log": {"version": "1.2", "creator": {"name": "benchmarks/traffic_check.py", "version": "1"}, '
                  '"entries": [')
        for i in range(n):
            out.write(("," if i else "") + "\n" + json.dumps(exchange(i)))
        out.write("\n]}}\n")
    return path.stat().st_size


def judge(path: Path, reports: Path) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MiB, exit code) of one `traffic check`."""
    start = time.perf_counter()
    proc = subprocess.Popen([_bench.B24CONFORM, "traffic", "check", str(path), "--report-dir", str(reports)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exchanges", type=int, default=10_000)
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    sizes = sorted({0, max(1, args.exchanges // 10), args.exchanges})
    rows = []
    with tempfile.TemporaryDirectory(prefix="b24-traffic-bench-") as tmp:
        base = None
        for n in sizes:
            path = Path(tmp) / f"traffic-{n}.har"
            size = write_har(path, n)
            wall, rss, code = judge(path, Path(tmp) / f"reports-{n}")
            expected = 5 if n == 0 else 0
            if code != expected:
                print(f"traffic check exited {code} on {n} exchanges (expected {expected})", file=sys.stderr)
                return 1
            if n == 0:
                base = wall
                rows.append(f"| 0 (fixed cost) | {size / 1e6:.2f} | {wall:.2f} | - | {rss:.0f} |")
                continue
            rate = n / max(wall - (base or 0.0), 1e-9)
            rows.append(f"| {n:,} | {size / 1e6:.1f} | {wall:.2f} | {rate:,.0f} | {rss:.0f} |")
    lines = [f"Command: `{_bench.command_line()}`", "",
             "Each file judged by `b24conform traffic check FILE` as a separate process; exchanges/s is N over the wall "
             "time less the fixed cost of a file with no entry (interpreter, contract, reports). The five kinds of "
             "exchange cycle (add, get, list of 3, batch of 3 with one failing command, a 400 method error).", "",
             "| exchanges | HAR MB | wall s | exchanges/s | peak RSS MiB |", "| ---: | ---: | ---: | ---: | ---: |",
             *rows, "", _bench.facts_table()]
    _bench.publish("traffic-check", "Judging recorded traffic (traffic check)", lines, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
