"""Mutation testing of the checks, through the deviation catalogue.

Each mutant makes one pure check of src/b24conform/judge/checks/ vacuous (it finds no problem). The
mutant is run against the profiles that should depend on that check; the mutant is KILLED when at
least one of them is no longer caught (the self-test notices the weakened check), and SURVIVES when
every one is still caught by other checks (the check is redundant for those deviations, or the
catalogue lacks a deviation only it would catch).

A target may also be a legitimate variant of spec/variants.yaml with `strict_fails`: it is run in strict
mode, where it must be caught on those clauses, and the mutant is killed when it no longer is.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from b24conform.contract.model import DEFAULT_MODE
from b24conform.selftest.catalogue import Catalogue, DeviantProfile, load_catalogue
from b24conform.selftest.detection import RunSpec, judge_profile, run_one
from b24conform.selftest.report import JSON_NAME, MD_NAME

C = "b24conform.judge.checks."

# mutant (module:function) -> profiles (or variants, judged strict) that exercise it
MUTANTS: dict[str, tuple[str, ...]] = {
    C + "errors:check_message": ("messages-subject-lowercase", "messages-no-auth-reworded", "messages-query-limit-typo"),
    C + "errors:check_status": ("status-method-errors-200", "status-no-auth-403", "status-query-limit-429"),
    C + "errors:check_code": ("messages-error-code-error-core", "messages-no-auth-code-lowercase"),
    C + "envelope:check_result_id": ("envelope-result-zero", "envelope-result-string"),
    C + "envelope:check_no_error_keys": ("envelope-success-with-error-key",),
    C + "time_block:check_time_arithmetic": ("time-duration-inconsistent", "time-finish-before-start"),
    C + "time_block:check_time_dates": ("time-date-not-iso", "time-date-start-disagrees"),
    C + "readback:check_readback_numbers": ("state-numbers-as-integers",),
    C + "readback:check_deadline": ("state-deadline-as-sent",),
    C + "readback:check_completed": ("state-completed-ignored",),
    C + "batch:check_batch_length": ("batch-over-50-accepted",),
}


def target(catalogue: Catalogue, name: str) -> tuple[DeviantProfile, str]:
    """A mutant's target as a profile, with the mode to judge it in: a deviant profile in the default mode,
    or a variant in strict mode, breaking its strict_fails."""
    try:
        return catalogue.get(name), DEFAULT_MODE
    except KeyError:
        v = catalogue.variant(name)
        if not v.strict_fails:
            raise KeyError(f"{name}: a variant without strict_fails cannot catch a mutant") from None
        return DeviantProfile(id=v.id, family="variant", bends=v.description, breaks=v.strict_fails,
                       operations=v.operations), "strict"


@dataclass
class MutantResult:
    mutant: str
    verdict: str                                  # killed | survived
    profiles: dict[str, str] = field(default_factory=dict)   # profile -> killed | miss (under the mutant)


def run_mutants(*, jobs: int = 2, catalogue: Catalogue | None = None, mutants: dict[str, tuple[str, ...]] | None = None,
                progress: Callable[[str], None] | None = None) -> list[MutantResult]:
    catalogue = catalogue or load_catalogue()
    mutants = mutants or MUTANTS
    jobs_list = [(m, *target(catalogue, p)) for m, profs in mutants.items() for p in profs]

    def one(item: tuple[str, DeviantProfile, str]) -> tuple[str, str, str]:
        mutant, prof, mode = item
        spec = RunSpec(f"{prof.id}", prof.id, tuple(dict.fromkeys([*prof.breaks, *catalogue.smoke])), heavy=True)
        res = run_one(spec, mode=mode, extra=[f"--b24-selftest-mutant={mutant}"])
        verdict = judge_profile(prof, res, {}).verdict
        if progress:
            progress(f"mutant {mutant.rsplit('.', 1)[-1]} x {prof.id}: profile {verdict}")
        return mutant, prof.id, verdict

    results: dict[str, MutantResult] = {m: MutantResult(m, "survived") for m in mutants}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for mutant, pid, verdict in pool.map(one, jobs_list):
            results[mutant].profiles[pid] = verdict
    for r in results.values():
        r.verdict = "killed" if any(v != "killed" for v in r.profiles.values()) else "survived"
    return list(results.values())


def mutation_markdown(results: list[MutantResult]) -> str:
    killed = sum(r.verdict == "killed" for r in results)
    lines = ["", "## Mutation of the checks", "",
             f"{killed}/{len(results)} vacuous-check mutants killed (a profile they should catch escapes).", "",
             "| mutant (check made vacuous) | verdict | profiles under the mutant |", "| --- | --- | --- |"]
    for r in results:
        profs = ", ".join(f"{p}: {v}" for p, v in r.profiles.items())
        lines.append(f"| `{r.mutant.rsplit('.', 1)[-1]}` | {r.verdict} | {profs} |")
    return "\n".join(lines) + "\n"


def as_json(results: list[MutantResult]) -> list[dict[str, Any]]:
    return [asdict(r) for r in results]


def append_to_reports(results: list[MutantResult], report_dir: Path) -> None:
    md = Path(report_dir) / MD_NAME
    js = Path(report_dir) / JSON_NAME
    if md.exists():
        md.write_text(md.read_text(encoding="utf-8") + mutation_markdown(results), encoding="utf-8")
    if js.exists():
        data = json.loads(js.read_text(encoding="utf-8"))
        data["mutation"] = as_json(results)
        js.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
