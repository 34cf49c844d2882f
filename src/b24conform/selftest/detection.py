"""Detection power and specificity: prove that every check can fail, and that none fails a legitimate portal.

One pytest process per run, all driven through the judge's pytest plugin (loaded by its entry point)
on the suites, against the embedded reference portal:

* the faithful run: the whole suite, no profile. Every check that fails is a FALSE ALARM.
* one run per deviation profile of spec/deviations.yaml: only the checks of the clauses the profile
  names plus the smoke set. The profile is KILLED when a check of one of its named clauses reports a
  conformance failure (outcome "failed" of the record plugin); otherwise it is a MISS (with the
  reason: the checks passed, were skipped, do not exist, or only other clauses failed), or NO
  VERDICT when its named clauses' checks only crashed, met a target error or a failing fixture.
* one run per legitimate variant of spec/variants.yaml, then one of the composed `all-variants`:
  the WHOLE suite each. Every failed check is a FALSE ALARM (a check refusing a documented
  reading), every no-verdict a problem too. In strict mode a variant with `strict_fails` is run and
  judged like a deviant profile instead (its strict_fails are its named clauses): the add page's own
  reading must kill it on one of them.

Runs go in parallel (`jobs` processes). Each run gets its own report and ledger folders, so runs never
share files. The result is written as reports/detection.json and reports/detection.md.

With `batch_plan` (`selftest --batch-plan`) every run judges the reference portal as a live target instead:
the portal (the profile or variant) is served on 127.0.0.1 for that run alone and the judge runs against it
with writes allowed and the live batch plan on (judge/batchplan.py), as `b24conform run --target URL
--allow-writes` with B24_BATCH_PLAN=1 would. Only the deviant profiles naming a live-checkable clause
(`where: any`) are run; the checks of the other clauses are skipped on a live target.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from b24conform.contract import load_contract
from b24conform.contract.model import DEFAULT_MODE
from b24conform.judge import settings as judge_settings
from b24conform.judge.commands import pytest_args
from b24conform.judge.suites_dir import suites_dir
from b24conform.selftest.catalogue import Catalogue, DeviantProfile, Variant, automated_clauses, deviation_key, load_catalogue

RECORD_PLUGIN = "b24conform.selftest.pytest_record"
DEFAULT_TIMEOUT = 900.0


def repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


@dataclass
class RunSpec:
    label: str                       # "faithful", the profile's or the variant's name
    profile: str | None              # what the embedded portal serves (a profile or a variant name)
    clauses: tuple[str, ...] = ()    # empty: every check
    heavy: bool = True               # False: leave out the generative suite files (property tests, schemathesis)
    plan: bool = True                # with selftest(batch_plan=True): False judges the served portal live without the plan


@dataclass
class RunResult:
    label: str
    profile: str | None
    clauses: tuple[str, ...]
    returncode: int
    wall: float
    checks: list[dict[str, Any]] = field(default_factory=list)
    output_tail: str = ""

    def clause_status(self) -> dict[str, dict[str, Any]]:
        """clause id -> {status: failed|no-verdict|passed|skipped, checks: [...], reasons: [...]}"""
        out: dict[str, dict[str, Any]] = {}
        for rec in self.checks:
            for cid in rec.get("clauses") or ():
                entry = out.setdefault(cid, {"outcomes": [], "checks": [], "reasons": []})
                entry["outcomes"].append(rec["outcome"])
                entry["checks"].append(rec["nodeid"])
                if rec["outcome"] != "passed" and rec.get("reason"):
                    entry["reasons"].append(f"{rec['nodeid']}: {rec['reason']}")
        for entry in out.values():
            outcomes = set(entry.pop("outcomes"))
            for status in STATUS_ORDER:
                if status in outcomes:
                    entry["status"] = status
                    break
        return out

    @property
    def alive(self) -> bool:
        """The portal answered at all: at least one check ran to a verdict (passed or failed)."""
        return any(rec["outcome"] in ("passed", "failed") for rec in self.checks)


# A clause's status in one run: its checks' worst outcome. "no-verdict" (crash, target error, failing
# fixture; pytest_record) ranks below "failed", and is never a kill.
STATUS_ORDER = ("failed", "no-verdict", "passed", "skipped")


# ------------------------------------------------------------------------------------- running


def pytest_command(spec: RunSpec, record: Path, workdir: Path, suites: Path, mode: str,
                   extra: Iterable[str] = (), served: bool = False) -> list[str]:
    """The command line of one run: the judge's own `b24conform run` command line (its pytest_args),
    plus the deviation profile for the embedded portal and the record/selection plugin."""
    # the record plugin registers the `b24-selftest` hypothesis profile (no shrinking); argparse keeps the
    # last --hypothesis-profile, so it overrides the judge's `ci`
    mine = ["-p", RECORD_PLUGIN, f"--b24-selftest-record={record}", "--hypothesis-profile=b24-selftest"]
    if spec.clauses:
        mine.append("--b24-selftest-clauses=" + ",".join(spec.clauses))
    if spec.profile and not served:  # a served portal has its profile already
        mine += (["--b24-mock-profile", spec.profile] if _judge_has_option("--b24-mock-profile")
                 else [f"--b24-selftest-profile={spec.profile}"])
    args = pytest_args(
        suites, target=None, oauth_token=None, ca_bundle=None, allow_writes=False, mode=mode,
        report_dir=workdir / "reports", keyword=None, hypothesis_profile="ci", workers=None, verbose=False,
        extra=[f"--b24-ledger-dir={workdir / 'ledger'}", *mine, *extra],
    )
    files = suite_files_for(suites, spec.clauses, heavy=spec.heavy)
    if files and args and args[0] == str(suites):
        args[0:1] = [str(f) for f in files]  # collect only the files that tag these clauses
        if not spec.heavy:
            args = without_plugins(args, LIGHT_RUN_NEEDS_NOT)
    return [sys.executable, "-m", "pytest", *args]


HEAVY_MARKERS = ("import schemathesis", "from hypothesis import", "import hypothesis")
# Plugins a run of example-based files only does not use: importing them is a third of such a run's
# wall time (schemathesis alone ~0.35 s of ~1.2 s; BENCHMARKS.md, self-test).
LIGHT_RUN_NEEDS_NOT = ("schemathesis.pytest.plugin", "xdist.plugin")


def without_plugins(args: list[str], plugins: Iterable[str]) -> list[str]:
    """`args` without the `-p NAME` pairs of these plugins."""
    drop = set(plugins)
    out: list[str] = []
    skip_next = False
    for i, arg in enumerate(args):
        if skip_next:
            skip_next = False
            continue
        if arg == "-p" and i + 1 < len(args) and args[i + 1] in drop:
            skip_next = True
            continue
        out.append(arg)
    return out


def is_heavy(text: str) -> bool:
    """A generative suite file (hypothesis properties, schemathesis): slow to collect and, against a
    deviant portal, slow to fail."""
    return any(m in text for m in HEAVY_MARKERS)


def suite_files_for(suites: Path, clauses: Iterable[str], heavy: bool = True) -> list[Path]:
    """The suite files whose text names one of `clauses` (collecting only those saves most of a run's
    start-up); without the generative files when heavy=False. Empty - meaning the whole folder - when
    no clause is given, or (heavy=True) when a clause is named by no file."""
    clauses = list(clauses)
    if not clauses:
        return []
    files = sorted(Path(suites).glob("test_*.py"))
    texts = {f: f.read_text(encoding="utf-8", errors="replace") for f in files}
    if not heavy:
        texts = {f: t for f, t in texts.items() if not is_heavy(t)}
    chosen: list[Path] = []
    for cid in clauses:
        hits = [f for f, t in texts.items() if f'"{cid}"' in t or f"'{cid}'" in t]
        if not hits and heavy:
            return []
        chosen.extend(h for h in hits if h not in chosen)
    return sorted(chosen)


def _judge_has_option(flag: str) -> bool:
    return any(o.flag == flag for o in judge_settings.OPTIONS)


def default_suites() -> Path:
    try:
        return suites_dir()
    except Exception:
        return repo_root() / "suites"


# The options of a run judging a served portal as a live target with the batch plan. The client-side rate
# limiter is opened wide: the served portal has no limits, and generative checks (not planned) would wait
# minutes for a 2/s budget that benchmarks/live_budget.py measures apart.
PLAN_OPTIONS = ("--b24-allow-writes", "--b24-batch-plan", "--b24-rate=1000", "--b24-burst=1000")


@contextlib.contextmanager
def served_portal(profile: str | None) -> Iterator[str]:
    """The reference portal under `profile` (a deviant profile or a variant), served over plain HTTP on
    127.0.0.1 with one admin webhook for this run alone; yields the webhook URL a live run is given."""
    # start-up: the portal's server (uvicorn) is loaded only by a self-test that serves one
    from b24conform.portal.config import PortalConfig, Webhook
    from b24conform.portal.server import start_portal

    hook = Webhook(1, secrets.token_hex(8))
    config = PortalConfig(webhooks=[hook], tls=False, http_port=None, profile=profile)
    with start_portal(config) as portal:
        yield f"{portal.base_url}/rest/{hook.user_id}/{hook.code}/"


def run_one(spec: RunSpec, *, suites: Path | None = None, mode: str = DEFAULT_MODE, timeout: float = DEFAULT_TIMEOUT,
            cwd: Path | None = None, extra: Iterable[str] = (), batch_plan: bool = False) -> RunResult:
    if batch_plan:
        with served_portal(spec.profile) as url:
            return _run_one(spec, suites=suites, mode=mode, timeout=timeout, cwd=cwd,
                            extra=[f"--b24-target={url}", *PLAN_OPTIONS, *extra], served=True)
    return _run_one(spec, suites=suites, mode=mode, timeout=timeout, cwd=cwd, extra=extra)


def _run_one(spec: RunSpec, *, suites: Path | None, mode: str, timeout: float, cwd: Path | None,
             extra: Iterable[str], served: bool = False) -> RunResult:
    cwd = cwd or repo_root()
    with tempfile.TemporaryDirectory(prefix=f"b24-selftest-{spec.label[:40]}-") as tmp:
        workdir = Path(tmp)
        record = workdir / "record.json"
        cmd = pytest_command(spec, record, workdir, suites or default_suites(), mode, extra, served=served)
        env = dict(os.environ)
        env.pop("PYTEST_ADDOPTS", None)
        env.pop("PYTEST_XDIST_WORKER", None)
        env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
        for var in ("B24_TARGET", "B24_OAUTH_TOKEN", "B24_ALLOW_WRITES", "B24_TRIP_LIMITS", "B24_HTTP_URL",
                    "B24_REPORT_DIR", "B24_LEDGER_DIR", "B24_MOCK_PROFILE", "B24_MODE", "B24_BATCH_PLAN"):
            env.pop(var, None)            # the embedded portal or the one served for this run, never a live one
        started = time.monotonic()
        try:
            proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
            rc, output = proc.returncode, proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as exc:
            rc = -9
            output = f"timed out after {timeout:.0f} s\n" + (exc.stdout or "" if isinstance(exc.stdout, str) else "")
        wall = time.monotonic() - started
        checks: list[dict[str, Any]] = []
        if record.exists():
            try:
                checks = json.loads(record.read_text(encoding="utf-8")).get("checks", [])
            except json.JSONDecodeError:
                checks = []
    return RunResult(spec.label, spec.profile, spec.clauses, rc, wall, checks, _tail(output))


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


# ------------------------------------------------------------------------------------ analysing



@dataclass
class ProfileVerdict:
    profile: str
    family: str
    description: str
    named: list[str]
    verdict: str                              # killed | miss | no-verdict | live-miss (batch plan: missed without it too)
    killed_by: list[str] = field(default_factory=list)
    collateral: list[str] = field(default_factory=list)   # failing clauses the profile does not name
    reason: str = ""
    clause_status: dict[str, str] = field(default_factory=dict)
    wall: float = 0.0
    evidence: list[str] = field(default_factory=list)
    no_verdicts: list[dict[str, Any]] = field(default_factory=list)  # checks of named clauses without a verdict


def failing_keys(run: RunResult | None) -> set[tuple[str, str]]:
    """(node id, name) of the checks that reported a conformance failure in `run` (the faithful run: its
    false alarms)."""
    if run is None:
        return set()
    return {(r["nodeid"], r.get("name", "")) for r in run.checks if r["outcome"] == "failed"}


def _entry(rec: dict[str, Any]) -> dict[str, Any]:
    return {"check": rec["nodeid"], "clauses": list(rec.get("clauses") or []), "outcome": rec["outcome"],
            "reason": str(rec.get("reason", ""))[:800]}


def judge_profile(profile: DeviantProfile, run: RunResult, baseline: dict[str, dict[str, Any]],
                  faithful_failures: set[tuple[str, str]] | None = None) -> ProfileVerdict:
    """Killed when a check of a named clause reports a conformance failure (outcome "failed") and that
    same check did not fail on the faithful portal (a check that always fails proves nothing). A crash,
    a target error or a failing fixture is a no-verdict, never a kill."""
    faithful_failures = faithful_failures or set()
    named = list(profile.breaks)
    killing = []
    for c in named:
        if any(c in (r.get("clauses") or ()) and r["outcome"] == "failed"
               and (r["nodeid"], r.get("name", "")) not in faithful_failures for r in run.checks):
            killing.append(c)
    status = run.clause_status()
    collateral = sorted(c for c, s in status.items() if c not in named and s.get("status") == "failed")
    mine = [r for r in run.checks if set(r.get("clauses") or ()) & set(named)]
    v = ProfileVerdict(
        profile=profile.id, family=profile.family, description=profile.bends, named=named,
        verdict="killed" if killing else "miss", killed_by=killing, collateral=collateral,
        clause_status={c: status.get(c, {}).get("status", "no check") for c in named}, wall=round(run.wall, 2),
        no_verdicts=[_entry(r) for r in mine if r["outcome"] == "no-verdict"],
    )
    if killing:
        for c in killing:
            v.evidence.extend(status[c]["reasons"][:2])
        return v
    if v.no_verdicts and not any(r["outcome"] in ("passed", "failed") for r in mine):
        v.verdict = "no-verdict"
        first = v.no_verdicts[0]
        v.reason = (f"the checks of {', '.join(named)} reached no verdict ({len(v.no_verdicts)} crashed, met a "
                    f"target error or a failing fixture): {first['check']}: {first['reason'][:300]}")
        return v
    v.reason = _miss_reason(profile, run, status, baseline, collateral)
    return v


def _miss_reason(profile: DeviantProfile, run: RunResult, status: dict[str, dict[str, Any]],
                 baseline: dict[str, dict[str, Any]], collateral: list[str]) -> str:
    if not run.checks:
        return f"the run produced no check results (exit {run.returncode}): {run.output_tail[-600:]}"
    if not run.alive:
        first = next((r.get("reason", "") for r in run.checks if r.get("reason")), "")
        return f"the portal did not come up with this profile (no check reached a verdict): {first[:400]}"
    parts: list[str] = []
    for c in profile.breaks:
        s = status.get(c)
        if s is None:
            parts.append(f"{c}: no check carries this clause")
        elif s["status"] == "passed":
            parts.append(f"{c}: its checks passed ({', '.join(_short_ids(s['checks']))})")
        elif s["status"] == "skipped":
            why = s["reasons"][0] if s["reasons"] else "skipped"
            parts.append(f"{c}: its checks were skipped ({why[:200]})")
        elif s["status"] == "no-verdict":
            why = s["reasons"][0] if s["reasons"] else ""
            parts.append(f"{c}: no verdict (not a kill): {why[:200]}")
        else:
            parts.append(f"{c}: {s['status']}")
        if baseline.get(c, {}).get("status") == "failed":
            parts.append(f"{c}: checks that also fail on the faithful portal do not count")
    if collateral:
        parts.append("only unrelated clauses failed: " + ", ".join(collateral))
    return "; ".join(parts)


def _short_ids(nodeids: list[str]) -> list[str]:
    return [n.split("::", 1)[-1] for n in nodeids][:4]


@dataclass
class VariantVerdict:
    variant: str
    description: str
    readings: list[str]                       # "AMB-ID b"
    verdict: str                              # passed | killed (strict) | false-alarm | no-verdict | not-killed
    expected_failures: list[str] = field(default_factory=list)   # strict mode: its strict_fails
    killed_by: list[str] = field(default_factory=list)           # strict mode: strict_fails clauses that failed
    false_alarms: list[dict[str, Any]] = field(default_factory=list)   # {check, clauses, outcome, reason}
    no_verdicts: list[dict[str, Any]] = field(default_factory=list)
    checks: dict[str, int] = field(default_factory=dict)         # outcome -> count
    reason: str = ""
    wall: float = 0.0
    composed_of: list[str] = field(default_factory=list)
    collateral: list[str] = field(default_factory=list)          # strict mode: other clauses that failed too

    @property
    def ok(self) -> bool:
        return self.verdict in ("passed", "killed")


def as_profile(variant: Variant) -> DeviantProfile:
    """A variant judged in strict mode: a deviation of the add page's own reading, breaking its strict_fails."""
    return DeviantProfile(id=variant.id, family="variant", bends=variant.description, breaks=variant.strict_fails,
                   operations=variant.operations)


def strict_killable(variant: Variant, mode: str) -> bool:
    """Strict mode judges a variant with strict_fails like a deviant profile: it must be killed on one of them."""
    return mode == "strict" and bool(variant.strict_fails)


def judge_variant(variant: Variant, run: RunResult, mode: str, baseline: dict[str, dict[str, Any]] | None = None,
                  faithful_failures: set[tuple[str, str]] | None = None) -> VariantVerdict:
    """A legitimate variant. In the default (lenient) mode, and in strict mode without strict_fails, it ran the
    whole suite and passes with no failed check and no check without a verdict; each failed check is a false
    alarm. In strict mode a variant with strict_fails ran like a deviant profile (its strict_fails and the smoke
    set) and must be killed on one of them: the add page's own reading refuses it; failures elsewhere are
    collateral, the same defect seen by other checks."""
    v = VariantVerdict(
        variant=variant.id, description=variant.description, readings=[f"{a} {r}" for a, r in variant.readings],
        verdict="passed", checks=_count(r["outcome"] for r in run.checks), wall=round(run.wall, 2),
        composed_of=list(variant.composed_of),
    )
    if strict_killable(variant, mode):
        pv = judge_profile(as_profile(variant), run, baseline or {}, faithful_failures)
        v.expected_failures, v.killed_by, v.collateral = list(variant.strict_fails), pv.killed_by, pv.collateral
        v.verdict = {"killed": "killed", "miss": "not-killed"}.get(pv.verdict, pv.verdict)
        v.no_verdicts = [] if pv.verdict == "killed" else pv.no_verdicts
        v.reason = pv.reason if pv.verdict != "killed" else ""
        if v.verdict == "not-killed":
            v.reason = f"strict mode must fail it on {', '.join(variant.strict_fails)}: {pv.reason}"
        return v
    for rec in run.checks:
        if rec["outcome"] == "failed":
            v.false_alarms.append(_entry(rec))
        elif rec["outcome"] == "no-verdict":
            v.no_verdicts.append(_entry(rec))
    if not run.checks:
        v.verdict, v.reason = "no-verdict", f"the run produced no check results (exit {run.returncode}): {run.output_tail[-600:]}"
    elif v.false_alarms:
        v.verdict = "false-alarm"
        v.reason = "; ".join(f"{', '.join(fa['clauses'])}: {fa['check']}" for fa in v.false_alarms[:5])
    elif v.no_verdicts:
        v.verdict = "no-verdict"
        v.reason = "; ".join(f"{nv['check']}: {nv['reason'][:200]}" for nv in v.no_verdicts[:3])
    return v


@dataclass
class Detection:
    mode: str
    profiles_total: int
    killed: int
    misses: list[ProfileVerdict]                                # missed and no-verdict profiles (not live-miss)
    verdicts: list[ProfileVerdict]
    false_alarms: list[dict[str, Any]]                          # faithful run: checks that failed
    faithful: dict[str, Any]
    wall_seconds: float
    jobs: int
    smoke: list[str]
    distinct: int = 0                                           # distinct deviations (operation sets) judged
    killers: dict[str, list[str]] = field(default_factory=dict)  # automated clause -> profiles killed on it
    whole_catalogue: bool = False                               # every profile ran: a clause without killer fails
    variants: list[VariantVerdict] = field(default_factory=list)
    faithful_no_verdicts: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = False                                      # every profile and every variant ran
    batch_plan: bool = False                                    # served portals, judged live with the batch plan

    @property
    def unkillable(self) -> list[str]:
        """Automated clauses no profile was killed on (only meaningful when the whole catalogue ran)."""
        return sorted(c for c, who in self.killers.items() if not who) if self.whole_catalogue else []

    @property
    def rate(self) -> float:
        return self.killed / self.profiles_total if self.profiles_total else 0.0

    @property
    def variants_passed(self) -> int:
        return sum(v.ok for v in self.variants)

    @property
    def variant_false_alarms(self) -> list[dict[str, Any]]:
        """Every false alarm of the variant runs, with the variant it fired on."""
        return [{"variant": v.variant, **fa} for v in self.variants for fa in v.false_alarms]

    @property
    def failed(self) -> bool:
        """The self-test's verdict: any false alarm, miss, no-verdict, failed variant or clause without killer."""
        return bool(self.false_alarms or self.faithful_no_verdicts or self.misses or self.unkillable
                    or any(not v.ok for v in self.variants))

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "profiles_total": self.profiles_total,
            "killed": self.killed,
            "missed": len(self.misses),
            "live_misses": [v.profile for v in self.verdicts if v.verdict == "live-miss"],
            "detection_rate": round(self.rate, 4),
            "variants_total": len(self.variants),
            "variants_passed": self.variants_passed,
            "false_alarms": self.false_alarms,
            "faithful_no_verdicts": self.faithful_no_verdicts,
            "variant_false_alarms": self.variant_false_alarms,
            "faithful": self.faithful,
            "wall_seconds": round(self.wall_seconds, 1),
            "jobs": self.jobs,
            "smoke": self.smoke,
            "distinct_deviations": self.distinct,
            "whole_catalogue": self.whole_catalogue,
            "complete": self.complete,
            "batch_plan": self.batch_plan,
            "clause_killers": self.killers,
            "unkillable_clauses": self.unkillable,
            "passed": not self.failed,
            "profiles": [asdict(v) for v in self.verdicts],
            "variants": [asdict(v) for v in self.variants],
        }


def clause_killers(verdicts: Iterable[ProfileVerdict], clauses: Iterable[str],
                   variants: Iterable[VariantVerdict] = ()) -> dict[str, list[str]]:
    """clause -> the profiles killed by a check of that clause (a profile counts for each clause it was
    killed on, not for every clause it names), and in strict mode the variants killed on their strict_fails."""
    out: dict[str, list[str]] = {c: [] for c in clauses}
    for v in verdicts:
        if v.verdict == "killed":
            for c in v.killed_by:
                out.setdefault(c, []).append(v.profile)
    for vv in variants:
        if vv.verdict == "killed":
            for c in vv.killed_by:
                out.setdefault(c, []).append(vv.variant)
    return out


def false_alarms_of(run: RunResult) -> list[dict[str, Any]]:
    """The faithful run's failed checks (its no-verdicts: no_verdicts_of)."""
    return [_entry(rec) for rec in run.checks if rec["outcome"] == "failed"]


def no_verdicts_of(run: RunResult) -> list[dict[str, Any]]:
    return [_entry(rec) for rec in run.checks if rec["outcome"] == "no-verdict"]


def faithful_summary(run: RunResult) -> dict[str, Any]:
    status = run.clause_status()
    counts: dict[str, int] = {}
    for s in status.values():
        counts[s["status"]] = counts.get(s["status"], 0) + 1
    clauses = load_contract().clauses
    automated = [c for c, cl in clauses.items() if cl.check == "automated"]
    return {
        "checks": len(run.checks),
        "check_outcomes": _count(r["outcome"] for r in run.checks),
        "clauses": counts,
        "clauses_without_checks": sorted(c for c in automated if c not in status),
        "skipped_clauses": {c: (s["reasons"][0][:200] if s["reasons"] else "") for c, s in status.items()
                            if s["status"] == "skipped"},
        "returncode": run.returncode,
        "wall": round(run.wall, 2),
        "output_tail": run.output_tail if run.returncode not in (0,) else "",
    }


def _count(items: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return out


# ------------------------------------------------------------------------------------- top level


def selftest(
    *,
    jobs: int = 2,
    profiles: Iterable[str] | None = None,
    variants: Iterable[str] | None = None,
    suites: Path | None = None,
    mode: str = DEFAULT_MODE,
    timeout: float = DEFAULT_TIMEOUT,
    catalogue: Catalogue | None = None,
    cwd: Path | None = None,
    progress: Callable[[str], None] | None = None,
    batch_plan: bool = False,
) -> Detection:
    """`profiles` / `variants`: the names to run, None for all of them, [] for none (`all-variants`
    is a variant name). The faithful run always comes first. `batch_plan`: every run judges a served
    portal as a live target with the batch plan (module docstring), and only the profiles naming a
    live-checkable clause run."""
    catalogue = catalogue or load_catalogue()
    chosen = list(catalogue.profiles) if profiles is None else [catalogue.get(p) for p in profiles]
    if batch_plan:
        chosen = [p for p in chosen if live_checkable(p)]
    chosen_variants = [catalogue.variant(n) for n in (catalogue.variant_names() if variants is None else variants)]
    # Runs of the clauses named: the deviant profiles, and in strict mode the variants with strict_fails.
    targeted = {p.id: p for p in chosen}
    targeted.update({v.id: as_profile(v) for v in chosen_variants if strict_killable(v, mode)})
    # The whole-suite runs first: they are the long ones, so the short runs fill the gaps.
    specs = [RunSpec("faithful", None, ())]
    specs += [RunSpec(v.id, v.id, ()) for v in chosen_variants if v.id not in targeted]
    for p in targeted.values():
        specs.append(RunSpec(p.id, p.id, tuple(dict.fromkeys([*p.breaks, *catalogue.smoke])), heavy=False))
    variant_ids = {v.id for v in chosen_variants}
    started = time.monotonic()
    results: dict[str, RunResult] = {}

    def run(spec: RunSpec) -> RunResult:
        if batch_plan and not spec.plan:
            with served_portal(spec.profile) as url:
                return _run_one(spec, suites=suites, mode=mode, timeout=timeout, cwd=cwd, served=True,
                                extra=[f"--b24-target={url}", *(o for o in PLAN_OPTIONS if o != "--b24-batch-plan")])
        return run_one(spec, suites=suites, mode=mode, timeout=timeout, cwd=cwd, batch_plan=batch_plan)

    direct: dict[str, RunResult] = {}  # batch_plan: the live runs without the plan of the profiles it missed

    # Targeted runs, stage 1: the example-based checks of the named clauses. Stage 2, only for those stage 1
    # did not kill: every check of those clauses, the generative ones included, so that a miss is declared
    # only after all of a clause's checks ran.
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        pending = {pool.submit(run, s): s for s in specs}
        while pending:
            fut = next(as_completed(list(pending)))
            spec = pending.pop(fut)
            res = fut.result()
            if not spec.plan:
                direct[res.label] = res
                continue
            if spec.label in targeted and not spec.heavy:
                prof = targeted[spec.label]
                status = res.clause_status()
                if not any(status.get(c, {}).get("status") == "failed" for c in prof.breaks):
                    again = RunSpec(spec.label, spec.profile, spec.clauses, heavy=True)
                    pending[pool.submit(run, again)] = again
                    if progress:
                        progress(f"{res.label}: not killed by the example-based checks; running all its checks")
                    continue
            results[res.label] = res
            if batch_plan and spec.label in targeted and spec.heavy and not any(
                    res.clause_status().get(c, {}).get("status") == "failed" for c in targeted[spec.label].breaks):
                # Missed with the plan: is it the plan's miss, or does a live run miss it whatever it sends?
                again = RunSpec(spec.label, spec.profile, spec.clauses, heavy=True, plan=False)
                pending[pool.submit(run, again)] = again
            if progress:
                kind = "variant " if spec.label in variant_ids else ""
                progress(f"{kind}{res.label}: {len(res.checks)} checks, exit {res.returncode}, {res.wall:.1f} s")
    wall = time.monotonic() - started
    faithful = results["faithful"]
    baseline = faithful.clause_status()
    verdicts = [judge_profile(p, results[p.id], baseline, failing_keys(faithful)) for p in chosen]
    for verdict in verdicts:
        if verdict.verdict != "killed" and verdict.profile in direct:
            live_miss(verdict, judge_profile(catalogue.get(verdict.profile), direct[verdict.profile], baseline,
                                             failing_keys(faithful)))
    variant_verdicts = [judge_variant(v, results[v.id], mode, baseline, failing_keys(faithful)) for v in chosen_variants]
    misses = [v for v in verdicts if v.verdict not in ("killed", "live-miss")]
    complete = ({p.id for p in chosen} >= {p.id for p in catalogue.profiles}
                and {v.id for v in chosen_variants} >= {v.id for v in catalogue.variants})
    return Detection(
        mode=mode, profiles_total=len(verdicts), killed=sum(v.verdict == "killed" for v in verdicts), misses=misses,
        verdicts=verdicts, false_alarms=false_alarms_of(faithful), faithful=faithful_summary(faithful),
        wall_seconds=wall, jobs=jobs, smoke=list(catalogue.smoke),
        distinct=len({deviation_key(p.operations) for p in chosen}),
        killers=clause_killers(verdicts, automated_clauses(), variant_verdicts),
        # Both modes: every clause has a deviant profile no reading allows (spec/deviations.yaml, "beyond
        # every legitimate reading"), so a clause without a killer is a check that cannot fail.
        whole_catalogue=complete,
        variants=variant_verdicts, faithful_no_verdicts=no_verdicts_of(faithful), complete=complete,
        batch_plan=batch_plan,
    )


def live_miss(verdict: ProfileVerdict, direct: ProfileVerdict) -> None:
    """A profile the batch plan missed, judged again from a live run without the plan: missed there too, it
    is a `live-miss` (what a live portal lets the checks see, not the plan: listed apart, not failing the
    self-test); killed there, it stays the plan's miss, with the direct run's kill in its reason."""
    if direct.verdict == "killed":
        verdict.reason = f"killed without the plan (on {', '.join(direct.killed_by)}), missed with it: {verdict.reason}"
        return
    verdict.verdict = "live-miss"
    verdict.reason = f"a live run without the plan misses it too: {direct.reason or verdict.reason}"


def live_checkable(profile: DeviantProfile) -> bool:
    """Whether the profile names a clause a live run checks (`where: any`): the others are skipped there."""
    clauses = load_contract().clauses
    return any(getattr(clauses.get(c), "where", None) == "any" for c in profile.breaks)
