"""spec/deviations.yaml and spec/variants.yaml as the self-test reads them: which deviant profiles
exist and which clauses each one claims to break, the smoke set every profile run also checks, and
which legitimate variants exist, the documented readings each serves and the clauses strict mode must
fail it on.

The portal reads the same files for the operations (src/b24conform/portal/profiles.py); here the
self-test's keys are validated: for a profile `name`, `family`, `description`, `clauses`, and the
top-level `smoke`; for a variant every key of the format described in spec/variants.yaml's header.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b24conform.contract import load_contract
from b24conform.contract.model import DEFAULT_MODE
from b24conform.contract.paths import spec_dir
from b24conform.portal.profiles import ALL_VARIANTS, ProfileError, composed_names, parse_op
from b24conform.yamltext import load_yaml

FAMILIES = ("envelope", "status", "messages", "validation", "auth", "state", "time", "limits", "batch", "calling")


class CatalogueError(ValueError):
    """deviations.yaml is missing, malformed or names clauses that do not exist."""


@dataclass(frozen=True)
class DeviantProfile:
    id: str
    family: str
    bends: str
    breaks: tuple[str, ...]
    operations: tuple[Any, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Variant:
    """A legitimate portal: it bends only to documented readings (spec/variants.yaml)."""

    id: str
    description: str
    readings: tuple[tuple[str, str], ...]          # (ambiguity id, reading)
    operations: tuple[Any, ...] = ()
    strict_fails: tuple[str, ...] = ()             # clauses --mode strict must fail it on
    evidence: tuple[str, ...] = ()
    exclusive_with: tuple[str, ...] = ()
    note: str = ""
    composed_of: tuple[str, ...] = ()              # all-variants: the variants it composes


@dataclass(frozen=True)
class Catalogue:
    path: Path
    smoke: tuple[str, ...]
    profiles: tuple[DeviantProfile, ...] = field(default_factory=tuple)
    variants: tuple[Variant, ...] = field(default_factory=tuple)   # the file's, without all-variants
    variants_path: Path | None = None

    def get(self, profile_id: str) -> DeviantProfile:
        for p in self.profiles:
            if p.id == profile_id:
                return p
        raise KeyError(profile_id)

    def variant(self, name: str) -> Variant:
        """A variant of spec/variants.yaml by name, or the composed `all-variants`."""
        if name == ALL_VARIANTS and self.variants:
            return self.all_variants()
        for v in self.variants:
            if v.id == name:
                return v
        raise KeyError(name)

    def variant_names(self) -> list[str]:
        """Every variant, then `all-variants` (when there is any variant)."""
        return [v.id for v in self.variants] + ([ALL_VARIANTS] if self.variants else [])

    def representative(self, variants: int = 2) -> tuple[list[str], list[str]]:
        """A CI-sized selection (`selftest --quick`): the first profile of every family, the first
        `variants` variants and `all-variants`."""
        firsts: dict[str, str] = {}
        for p in self.profiles:
            firsts.setdefault(p.family, p.id)
        names = [v.id for v in self.variants[:variants]] + ([ALL_VARIANTS] if self.variants else [])
        return list(firsts.values()), names

    def all_variants(self) -> Variant:
        """The composed variant, as the portal builds it (profiles.composed_names): every variant's
        operations in file order, but those a kept variant contradicts (`exclusive_with`)."""
        names = composed_names([{"name": v.id, "exclusive_with": list(v.exclusive_with)} for v in self.variants])
        parts = [self.variant(n) for n in names]
        return Variant(
            id=ALL_VARIANTS, description="every legitimate variant at once: " + ", ".join(names),
            readings=tuple(dict.fromkeys(r for v in parts for r in v.readings)),
            operations=tuple(op for v in parts for op in v.operations),
            strict_fails=tuple(dict.fromkeys(c for v in parts for c in v.strict_fails)),
            composed_of=tuple(names),
        )


def deviation_key(operations: tuple[Any, ...]) -> str:
    """What makes two profiles the same deviation: their operations, in order."""
    return json.dumps(list(operations), sort_keys=True, default=str)


def duplicate_problems(profiles: list[DeviantProfile]) -> list[str]:
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


def variants_path() -> Path:
    return spec_dir() / "variants.yaml"


def load_catalogue(path: Path | None = None, variants: Path | None = None) -> Catalogue:
    """Both halves of the self-test's data: deviations.yaml (`path`) and variants.yaml (`variants`),
    validated; a name may appear once across the two."""
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
    profiles: list[DeviantProfile] = []
    for raw in data["profiles"]:
        pid = raw.get("name") or raw.get("id")
        if not pid or pid in seen:
            problems.append(f"profile id missing or repeated: {pid!r}")
            continue
        seen.add(pid)
        if "strict_only" in raw:
            problems.append(f"{pid}: `strict_only` is no longer a key: a profile that only follows a documented "
                            "reading is a legitimate variant (spec/variants.yaml, with strict_fails)")
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
            DeviantProfile(
                id=pid,
                family=family,
                bends=str(raw.get("description", "")).strip(),
                breaks=breaks,
                operations=tuple(ops),
                note=str(raw.get("note", "") or "").strip(),
            )
        )
    problems += duplicate_problems(profiles)
    if problems:
        raise CatalogueError(f"{path}:\n  " + "\n  ".join(problems))
    vpath = variants or variants_path()
    found = load_variants(vpath, profiles) if variants is not None or vpath.exists() else ()
    return Catalogue(path=path, smoke=smoke, profiles=tuple(profiles), variants=tuple(found), variants_path=vpath)


VARIANT_KEYS = ("name", "description", "readings", "operations", "strict_fails", "evidence", "exclusive_with", "note")


def _names_list(raw: Any, key: str, vid: str, problems: list[str]) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(x, (str, int)) for x in value):
        problems.append(f"{vid}: `{key}` must be a list of names")
        return ()
    return tuple(str(x) for x in value)


def load_variants(path: Path, profiles: Iterable[DeviantProfile] = ()) -> list[Variant]:
    """spec/variants.yaml, validated against the contract (ambiguities, readings the default mode
    accepts, automated clauses), the portal's operation vocabulary, and the profiles' names and
    operations (a variant may not repeat a deviant profile). Raises CatalogueError listing every problem."""
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueError(f"missing {path}") from None
    if not isinstance(data, dict) or not isinstance(data.get("variants"), list):
        raise CatalogueError(f"{path}: expected a mapping with a `variants` list")
    contract = load_contract()
    deviant = {p.id: deviation_key(p.operations) for p in profiles}
    problems: list[str] = []
    found: list[Variant] = []
    seen: set[str] = set()
    for raw in data["variants"]:
        if not isinstance(raw, dict):
            problems.append(f"a variant is a mapping, got {raw!r}")
            continue
        vid = str(raw.get("name") or "")
        if not vid or vid in seen:
            problems.append(f"variant name missing or repeated: {vid!r}")
            continue
        seen.add(vid)
        if vid == ALL_VARIANTS:
            problems.append(f"{vid}: reserved for the composed variant")
        if vid in deviant:
            problems.append(f"{vid}: also a deviant profile of deviations.yaml (a name means one portal)")
        problems += [f"{vid}: unknown key {k!r} (known: {', '.join(VARIANT_KEYS)})" for k in raw if k not in VARIANT_KEYS]
        description = str(raw.get("description") or "").strip()
        if not description:
            problems.append(f"{vid}: no description")
        readings: list[tuple[str, str]] = []
        raw_readings = raw.get("readings")
        if not isinstance(raw_readings, list) or not raw_readings:
            problems.append(f"{vid}: `readings` must list the documented readings it serves")
            raw_readings = []
        for r in raw_readings:
            amb_id = r.get("ambiguity") if isinstance(r, dict) else None
            reading = str(r.get("reading", "")) if isinstance(r, dict) else ""
            amb = contract.ambiguities.get(str(amb_id))
            if amb is None:
                problems.append(f"{vid}: unknown ambiguity {amb_id!r} (spec/ambiguities.yaml)")
            elif reading not in amb.readings:
                problems.append(f"{vid}: {amb_id} has no reading {reading!r} (readings: {', '.join(amb.readings)})")
            elif not amb.accepts(reading, DEFAULT_MODE):
                problems.append(f"{vid}: {amb_id} reading {reading} is not accepted in {DEFAULT_MODE} mode, "
                                "so a portal following it is deviant, not a variant")
            else:
                readings.append((str(amb_id), reading))
        strict_fails = _names_list(raw, "strict_fails", vid, problems)
        for cid in strict_fails:
            if cid not in contract.clauses:
                problems.append(f"{vid}: strict_fails: unknown clause {cid}")
            elif contract.clauses[cid].check != "automated":
                problems.append(f"{vid}: strict_fails: clause {cid} has no automated check")
        if strict_fails and readings and all(contract.ambiguities[a].accepts(r, "strict") for a, r in readings):
            problems.append(f"{vid}: strict_fails given, yet strict mode accepts every reading it serves")
        ops = raw.get("operations")
        if not isinstance(ops, list) or not ops:
            problems.append(f"{vid}: no operations")
            ops = []
        for op in ops:
            try:
                parse_op(op, f"{vid}")
            except ProfileError as exc:
                problems.append(str(exc))
        key = deviation_key(tuple(ops))
        twins = [pid for pid, k in deviant.items() if k == key]
        if ops and twins:
            problems.append(f"{vid}: same operations as the deviant profile {twins[0]} (a portal is deviant or legitimate, not both)")
        found.append(Variant(
            id=vid, description=description, readings=tuple(readings), operations=tuple(ops),
            strict_fails=strict_fails, evidence=_names_list(raw, "evidence", vid, problems),
            exclusive_with=_names_list(raw, "exclusive_with", vid, problems),
            note=str(raw.get("note", "") or "").strip(),
        ))
    for v in found:
        problems += [f"{v.id}: exclusive_with names no variant: {n}" for n in v.exclusive_with if n not in seen]
    if problems:
        raise CatalogueError(f"{path}:\n  " + "\n  ".join(problems))
    return found
