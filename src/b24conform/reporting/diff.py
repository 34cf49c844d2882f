"""Comparing two results.json files: regressions (a clause that passed now fails) and new passes.

A regression (a clause that passed now fails, or is no longer checked by any check) makes
`b24conform diff` exit 1. A clause that is now an "error" (the target gave no judgeable answer) is
listed apart and exits 3 when there is no regression: a network blip is not a regression. Clauses
that merely became skipped or appeared are listed, not failed, because they depend on the target's
capabilities and options of the run.
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

    @property
    def exit_code(self) -> int:
        if self.regressions or self.lost:
            return 1
        return 3 if self.errors else 0


def statuses(results: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c.get("status", "") for c in results.get("clauses", []) if isinstance(c, dict) and "id" in c}


def compare(baseline: dict[str, Any], current: dict[str, Any]) -> Diff:
    before, after = statuses(baseline), statuses(current)
    diff = Diff()
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


def render(diff: Diff) -> str:
    lines = []
    if diff.regressions:
        lines.append(f"REGRESSIONS ({len(diff.regressions)}): passed before, fail now")
        lines += [f"  - {cid}" for cid in diff.regressions]
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
        lines.append("no change in clause statuses")
    return "\n".join(lines)
