#!/usr/bin/env python3
"""The long fuzzing run: >= 10,000 schemathesis cases (positive + negative, every operation of spec/openapi.yaml)
plus every malformed body of tests/test_robustness_fuzz.py, in-process against the reference portal (file db).

    .venv/bin/python benchmarks/fuzz_long.py                 # 10,000 cases, ~5-10 min on 2 cores
    .venv/bin/python benchmarks/fuzz_long.py --cases 20000 --seed 7

Records the case count, the status histogram and the number of 5xx / non-envelope answers in the `fuzz-long`
section of BENCHMARKS.md (and prints up to 20 reproductions of any problem).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import _bench  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    import schemathesis
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis import strategies as st
    from schemathesis.generation import GenerationMode

    import test_robustness_fuzz as tf
    from b24conform.portal.assembly import build_app
    from b24conform.portal.config import PortalConfig
    from b24conform.portal.testing import InProcessClient

    with tempfile.TemporaryDirectory(prefix="b24fuzz-") as tmp:
        config = PortalConfig.for_conformance(tls=True, limits="off", db=str(Path(tmp) / "fuzz.sqlite3"))
        client = InProcessClient(build_app(config))
        hook = config.roles["webhook"]
        token = config.roles["oauth_token"].token
        hook_path = f"/rest/{hook.user_id}/{hook.code}/"
        schema = schemathesis.openapi.from_path(str(tf.OPENAPI))
        strategies = [r.ok().as_strategy(generation_mode=m) for r in schema.get_all_operations()
                      for m in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        statuses: Counter[int] = Counter()
        by_op: Counter[str] = Counter()
        problems: list[str] = []
        t0 = time.monotonic()

        @seed(args.seed)
        @settings(max_examples=args.cases, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=st.one_of(strategies), real_hook=st.integers(0, 9), oauth=st.booleans())
        def run(case: Any, real_hook: int, oauth: bool) -> None:
            if real_hook < 8 and "user_id" in (case.path_parameters or {}):
                case.path_parameters = {**case.path_parameters, "user_id": hook.user_id, "webhook": hook.code}
            if oauth and "{" not in case.path and not (case.query or {}).get("auth"):
                case.query = {**(case.query or {}), "auth": token}
            kwargs = case.as_transport_kwargs(base_url="https://portal.test")
            resp = client.request(kwargs["method"], kwargs["url"], **tf._case_to_httpx(kwargs))
            statuses[resp.status_code] += 1
            by_op[case.operation.label.rsplit("/", 1)[-1]] += 1
            problem = tf.envelope_problem(resp)
            if problem:
                problems.append(f"{problem}\n    {case.as_curl_command()}")
            if sum(statuses.values()) % 1000 == 0:
                print(f"{sum(statuses.values())} cases, {time.monotonic() - t0:.0f} s, "
                      f"{sum(v for k, v in statuses.items() if k >= 500)} 5xx", flush=True)

        run()
        generated = sum(statuses.values())
        wall = time.monotonic() - t0

        malformed: Counter[int] = Counter()
        for label, content_type, body in tf.MALFORMED:
            headers = {"content-type": content_type} if content_type is not None else {}
            for path in ("crm.activity.add", "crm.activity.update", "batch", "crm.activity.list"):
                if len(body) > 64 * 1024 and path != "crm.activity.add":
                    continue
                resp = client.request("POST", hook_path + path, content=body, headers=headers)
                malformed[resp.status_code] += 1
                problem = tf.envelope_problem(resp)
                if problem:
                    problems.append(f"malformed '{label}' -> {path}: {problem}")
        after = client.request("POST", hook_path + "crm.activity.add", json={"fields": tf.SEED_FIELDS})
        client.close()

    fives = sum(v for k, v in statuses.items() if k >= 500) + sum(v for k, v in malformed.items() if k >= 500)
    lines = [f"Command: `{_bench.command_line()}`", "",
             "In-process (httpx.ASGITransport) against `build_app(PortalConfig.for_conformance(db=FILE))`; "
             "schemathesis 4.32.5 strategies, positive and negative, one_of every operation; webhook path parameters "
             "replaced by the real webhook in 80 % of the cases, OAuth token added to half of the /rest/METHOD cases.",
             "", "| figure | value |", "| --- | ---: |",
             f"| generated schemathesis cases | {generated} |",
             f"| wall time of the generated part | {wall:.0f} s |",
             f"| malformed-body requests | {sum(malformed.values())} |",
             f"| 5xx answers (all) | {fives} |",
             f"| answers without a JSON envelope or 5xx (problems) | {len(problems)} |",
             f"| valid add after the run | HTTP {after.status_code} |", "",
             f"Statuses of the generated cases: {dict(sorted(statuses.items()))}", "",
             f"Statuses of the malformed bodies: {dict(sorted(malformed.items()))}", "",
             f"Cases per method: {dict(sorted(by_op.items()))}", ""]
    if problems:
        lines += ["Problems (first 20):", "", "```", *[p[:600] for p in problems[:20]], "```", ""]
    lines.append(_bench.facts_table())
    _bench.publish("fuzz-long", "Long fuzzing run", lines, write=not args.no_write)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
