"""Comparing two results.json files, in problems first: the problems that are new and the ones that
are fixed (matched by their stable id, reporting/problems.py), then the clauses that changed status.

Problems explain; statuses gate. A regression (a clause that passed now fails, or is no longer checked by any check) makes
`b24conform diff` exit 1. A clause that is now an "error" (the target gave no judgeable answer) is
listed apart and exits 3 when there is no regression: a network blip is not a regression. Clauses
that merely became skipped or appeared are listed, not failed, because they depend on the target's
capabilities and options of the run. A new problem in a clause that already failed is listed, and
does not change the exit code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b24conform.reporting.results import load_results


class DiffInputError(Exception):
    """A results file is missing, unreadable or not a results.json."""


@dataclass
class Diff:
    regressions: list[str] = field(default_factory=list)
    new_passes: list[str] = field(default_factory=list)
    other_changes: list[tuple[str, str, str]] = field(default_factory=list)  # (id, before, after)
    errors: list[str] = field(default_factory=list)  # now "error": no verdict either way
    lost: list[str] = field(default_factory=list)    # passed before, no check names them now
    new_problems: list[dict[str, Any]] = field(default_factory=list)
    fixed_problems: list[dict[str, Any]] = field(default_factory=list)
    open_problems: int = 0                            # in both runs
    problems_compared: bool = True                    # False when a side predates problems (schema_version 1)
    roots: dict[str, str] = field(default_factory=dict)  # clause id -> its root problem now, for regressions

    @property
    def exit_code(self) -> int:
        if self.regressions or self.lost:
            return 1
        return 3 if self.errors else 0


def statuses(results: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c.get("status", "") for c in results.get("clauses", []) if isinstance(c, dict) and "id" in c}


def problems_by_id(results: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
    """The run's distinct problems by id; None for a results.json written before problems existed."""
    problems = results.get("problems")
    if not isinstance(problems, list):
        return None
    return {p["id"]: p for p in problems if isinstance(p, dict) and "id" in p}


def root_of(results: dict[str, Any]) -> dict[str, str]:
    """Each failed clause's likeliest root problem (its first), as `message [kind]`."""
    problems = problems_by_id(results) or {}
    roots = {}
    for clause in results.get("clauses", []):
        ids = [pid for pid in (clause.get("problems") or []) if pid in problems] if isinstance(clause, dict) else []
        if ids:
            roots[clause["id"]] = f"{problems[ids[0]].get('message', '')} [{problems[ids[0]].get('kind', '')}]"
    return roots


def compare(baseline: dict[str, Any], current: dict[str, Any]) -> Diff:
    before, after = statuses(baseline), statuses(current)
    diff = Diff(roots=root_of(current))
    old_problems, new_problems = problems_by_id(baseline), problems_by_id(current)
    if old_problems is None or new_problems is None:
        diff.problems_compared = False
    else:
        diff.new_problems = [p for pid, p in new_problems.items() if pid not in old_problems]
        diff.fixed_problems = [p for pid, p in old_problems.items() if pid not in new_problems]
        diff.open_problems = sum(1 for pid in new_problems if pid in old_problems)
    for cid in sorted(set(before) | set(after)):
        old, new = before.get(cid, "absent"), after.get(cid, "absent")
        if new == "error":
            diff.errors.append(cid)
            continue
        if old == new:
            continue
        if old == "passed" and new == "not_covered":
            diff.lost.append(cid)
        elif old == "passed" and new == "failed":
            diff.regressions.append(cid)
        elif new == "passed":
            diff.new_passes.append(cid)
        else:
            diff.other_changes.append((cid, old, new))
    return diff


def load(path: Path) -> dict[str, Any]:
    try:
        return load_results(Path(path))
    except FileNotFoundError:
        raise DiffInputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DiffInputError(f"{path}: cannot read: {exc}") from None
    except ValueError as exc:  # JSONDecodeError is a ValueError
        raise DiffInputError(f"{path}: not a b24conform results.json: {exc}") from None


def _problem_lines(mark: str, problem: dict[str, Any]) -> list[str]:
    clauses = problem.get("clauses") or []
    return [f"  {mark} {problem.get('title', '')}: {problem.get('message', '')} [{problem.get('kind', '')}]",
            f"      {len(clauses)} clause(s): {', '.join(clauses)}"]


def render(diff: Diff) -> str:
    lines = []
    if diff.new_problems:
        lines.append(f"NEW PROBLEMS ({len(diff.new_problems)}): not in the baseline")
        for problem in diff.new_problems:
            lines += _problem_lines("+", problem)
    if diff.fixed_problems:
        lines.append(f"fixed problems ({len(diff.fixed_problems)}): in the baseline, gone now")
        for problem in diff.fixed_problems:
            lines += _problem_lines("-", problem)
    if diff.regressions:
        lines.append(f"REGRESSIONS ({len(diff.regressions)}): passed before, fail now")
        lines += [f"  - {cid}" + (f": {diff.roots[cid]}" if cid in diff.roots else "") for cid in diff.regressions]
    if diff.lost:
        lines.append(f"NO LONGER CHECKED ({len(diff.lost)}): passed before, no check names them now")
        lines += [f"  - {cid}" for cid in diff.lost]
    if diff.errors:
        lines.append(f"errors, not verdicts ({len(diff.errors)}): the target gave no judgeable answer")
        lines += [f"  ! {cid}" for cid in diff.errors]
    if diff.new_passes:
        lines.append(f"new passes ({len(diff.new_passes)}):")
        lines += [f"  + {cid}" for cid in diff.new_passes]
    if diff.other_changes:
        lines.append(f"other changes ({len(diff.other_changes)}):")
        lines += [f"  ~ {cid}: {old} -> {new}" for cid, old, new in diff.other_changes]
    if not lines:
        lines.append("no change in clause statuses" + (", no new or fixed problem" if diff.problems_compared else ""))
    if diff.open_problems:
        lines.append(f"still open: {diff.open_problems} problem(s) of the baseline")
    if not diff.problems_compared:
        lines.append("(problems not compared: a results.json written before b24conform recorded problems)")
    return "\n".join(lines)
