"""spec/deviations.yaml as the self-test reads it: which profiles exist, which clauses each one
claims to break, and the smoke set every profile run also checks.

The portal reads the same file for the operations (src/b24conform/portal/profiles.py); here only
the self-test's keys matter: `name`, `family`, `description`, `clauses` (the clauses it breaks), and
the top-level `smoke`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b24conform.contract import load_contract
from b24conform.contract.paths import spec_dir
from b24conform.yamltext import load_yaml

FAMILIES = ("envelope", "status", "messages", "validation", "auth", "state", "time", "limits", "batch", "calling")


class CatalogueError(ValueError):
    """deviations.yaml is missing, malformed or names clauses that do not exist."""


@dataclass(frozen=True)
class Profile:
    id: str
    family: str
    bends: str
    breaks: tuple[str, ...]
    operations: tuple[Any, ...] = ()
    strict_only: bool = False   # bends only a strict reading: lenient judging must accept it
    note: str = ""


@dataclass(frozen=True)
class Catalogue:
    path: Path
    smoke: tuple[str, ...]
    profiles: tuple[Profile, ...] = field(default_factory=tuple)

    def get(self, profile_id: str) -> Profile:
        for p in self.profiles:
            if p.id == profile_id:
                return p
        raise KeyError(profile_id)


def deviation_key(operations: tuple[Any, ...]) -> str:
    """What makes two profiles the same deviation: their operations, in order."""
    return json.dumps(list(operations), sort_keys=True, default=str)


def duplicate_problems(profiles: list[Profile]) -> list[str]:
    """Two profiles with the same operations are one deviation counted twice: they must be merged into
    one profile naming the clauses of both."""
    first: dict[str, str] = {}
    problems = []
    for p in profiles:
        key = deviation_key(p.operations)
        if key in first:
            problems.append(f"{p.id}: same operations as {first[key]} (one deviation: merge them, naming both's clauses)")
        first.setdefault(key, p.id)
    return problems


def automated_clauses() -> list[str]:
    return [cid for cid, cl in load_contract().clauses.items() if cl.check == "automated"]


def deviations_path() -> Path:
    return spec_dir() / "deviations.yaml"


def load_catalogue(path: Path | None = None) -> Catalogue:
    path = path or deviations_path()
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueError(f"missing {path}") from None
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), list):
        raise CatalogueError(f"{path}: expected a mapping with a `profiles` list")
    clauses = load_contract().clauses
    smoke = tuple(data.get("smoke") or ())
    problems: list[str] = [f"smoke: unknown clause {c}" for c in smoke if c not in clauses]
    seen: set[str] = set()
    profiles: list[Profile] = []
    for raw in data["profiles"]:
        pid = raw.get("name") or raw.get("id")
        if not pid or pid in seen:
            problems.append(f"profile id missing or repeated: {pid!r}")
            continue
        seen.add(pid)
        breaks = tuple(raw.get("clauses") or ())
        if not breaks:
            problems.append(f"{pid}: names no clause it breaks")
        for cid in breaks:
            if cid not in clauses:
                problems.append(f"{pid}: unknown clause {cid}")
            elif clauses[cid].check != "automated":
                problems.append(f"{pid}: clause {cid} has no automated check")
        family = raw.get("family", "")
        if family not in FAMILIES:
            problems.append(f"{pid}: family {family!r} is not one of {', '.join(FAMILIES)}")
        ops = raw.get("operations") or ()
        if not ops:
            problems.append(f"{pid}: no operations")
        errors = load_contract().errors
        for op in ops:
            rewrite = op.get("response") if isinstance(op, dict) else None
            if isinstance(rewrite, dict):
                for err in ((rewrite.get("when") or {}).get("error"), rewrite.get("error")):
                    if err is not None and err not in errors:
                        problems.append(f"{pid}: unknown error id {err}")
        profiles.append(
            Profile(
                id=pid,
                family=family,
                bends=str(raw.get("description", "")).strip(),
                breaks=breaks,
                operations=tuple(ops),
                strict_only=bool(raw.get("strict_only", False)),
                note=str(raw.get("note", "") or "").strip(),
            )
        )
    problems += duplicate_problems(profiles)
    if problems:
        raise CatalogueError(f"{path}:\n  " + "\n  ".join(problems))
    return Catalogue(path=path, smoke=smoke, profiles=tuple(profiles))
