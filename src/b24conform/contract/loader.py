"""Reads spec/ into typed objects once per process.

Everything that needs a message, a status, an enum id, a clause or a schema asks this module; no
other module keeps its own copy of those values.
"""
from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from b24conform.contract.model import (EFFECTS, Ambiguity, Clause, Enum, ErrorEntry, Limits, MethodEffect, Plan,
                                       Variant)
from b24conform.contract.paths import ENV_VAR, spec_dir
from b24conform.contract.provenance import (Citation, Provenance, citation_problems, evidence_problems,
                                            parse_citations, parse_provenance, source_text)
from b24conform.yamltext import load_yaml


class ContractError(Exception):
    """The spec files are missing, unreadable or inconsistent."""


def _read_yaml(path: Path) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ContractError(f"missing spec file: {path}") from exc
    except yaml.YAMLError as exc:
        raise ContractError(f"{path}: not valid YAML: {exc}") from exc


def _citations(raw: Any, where: str) -> tuple[Citation, ...]:
    # A missing source is left to `spec validate` to report (entries built in code have none); a
    # malformed one would render as nonsense, so it stops here.
    if raw is None or raw == []:  # [] beside `evidence`: shown only beside the docs (spec validate checks)
        return ()
    problems = citation_problems(raw, where)
    if problems:
        raise ContractError(problems[0])
    return parse_citations(raw)


def _evidence_ids(raw: Any, where: str) -> tuple[str, ...]:
    # Whether each id exists is `spec validate`'s to report; a value that is not a list of ids stops here.
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(i, str) and i for i in raw):
        raise ContractError(f"{where}: `evidence` must be a list of provenance.yaml evidence ids")
    return tuple(raw)


def _variant(raw: dict[str, Any], where: str) -> Variant:
    # A variant cites the docs (`source`), evidence beside them (`evidence`), or both.
    citations = _citations(raw.get("source"), where)
    evidence = _evidence_ids(raw.get("evidence"), where)
    text = "; ".join([source_text(citations)] * bool(citations) + [f"evidence {i}" for i in evidence])
    return Variant(raw["text"], text, citations, evidence)


def parse_errors(data: dict[str, Any], file: str = "errors.yaml") -> dict[str, ErrorEntry]:
    entries: dict[str, ErrorEntry] = {}
    seen: set[Any] = set()
    for raw in data["errors"]:  # ids first: a duplicate is reported as such, whatever else the entries lack
        if raw.get("id") in seen:
            raise ContractError(f"{file}: error id {raw['id']} appears twice")
        seen.add(raw.get("id"))
    for raw in data["errors"]:
        # No default: whether a message is the docs' own text or b24conform's choice decides whether a
        # live portal is held to it, so each entry must say so (see the header of errors.yaml).
        pinned = raw.get("message_pinned")
        if not isinstance(pinned, bool):
            raise ContractError(
                f"{file}: {raw.get('id', '?')}: `message_pinned` must be true or false, got {pinned!r} "
                "(true when the docs give the message, false when b24conform chose it or only observed it)"
            )
        cites = _citations(raw.get("source"), f"{file}: {raw.get('id', '?')}")
        entry = ErrorEntry(
            id=raw["id"],
            kind=raw["kind"],
            http_status=int(raw["http_status"]),
            code=raw["code"],
            message=raw["message"],
            variants=tuple(_variant(v, f"{file}: {raw['id']}: variant") for v in raw.get("variants") or ()),
            meaning=raw.get("meaning", ""),
            trigger=raw.get("trigger", ""),
            reachable=raw.get("reachable", ""),
            source=source_text(cites),
            methods=tuple(raw.get("methods") or ()),
            evidence=_evidence_ids(raw.get("evidence"), f"{file}: {raw['id']}"),
            message_pinned=pinned,
            citations=cites,
            message_pattern=raw.get("message_pattern"),
        )
        entries[entry.id] = entry
    return entries


def _names(value: Any) -> tuple[str, ...]:
    """A key that holds one name or a list of them."""
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def parse_clauses(data: dict[str, Any]) -> dict[str, Clause]:
    clauses: dict[str, Clause] = {}
    for raw in data["clauses"]:
        cites = _citations(raw.get("source"), f"clauses.yaml: {raw.get('id', '?')}")
        clause = Clause(
            id=raw["id"],
            title=raw["title"],
            statement=raw["statement"],
            level=raw["level"],
            source=source_text(cites),
            errors=tuple(raw.get("errors") or ()),
            schemas=tuple(raw.get("schemas") or ()),
            ambiguity=_names(raw.get("ambiguity"))[0] if raw.get("ambiguity") else None,
            ambiguities=_names(raw.get("ambiguity")),
            where=raw["where"],
            writes=bool(raw.get("writes", False)),
            check=raw.get("check", "automated"),
            reason=raw.get("reason"),
            citations=cites,
            needs=_names(raw.get("needs")) if raw.get("needs") else (),
        )
        if clause.id in clauses:
            raise ContractError(f"clauses.yaml: clause id {clause.id} appears twice")
        clauses[clause.id] = clause
    return clauses


def parse_ambiguities(data: dict[str, Any]) -> dict[str, Ambiguity]:
    result: dict[str, Ambiguity] = {}
    for raw in data["ambiguities"]:
        cites = _citations(raw.get("sources"), f"ambiguities.yaml: {raw.get('id', '?')}")
        amb = Ambiguity(
            id=raw["id"],
            title=raw["title"],
            sources=tuple(c.text() for c in cites),
            readings=dict(raw["readings"]),
            strict=tuple(raw["strict"]),
            lenient=tuple(raw["lenient"]),
            portal=raw["portal"],
            note=raw.get("note"),
            citations=cites,
            errors={reading: tuple(ids) for reading, ids in (raw.get("errors") or {}).items()},
            evidence=_evidence_ids(raw.get("evidence"), f"ambiguities.yaml: {raw.get('id', '?')}"),
        )
        if amb.id in result:
            raise ContractError(f"ambiguities.yaml: id {amb.id} appears twice")
        result[amb.id] = amb
    return result


def parse_enums(data: dict[str, Any]) -> dict[str, Enum]:
    return {
        name: Enum(
            name=name,
            method=raw["method"],
            field=raw["field"],
            values=tuple(raw["values"]),
            creatable=tuple(raw.get("creatable") or ()),
            citations=_citations(raw.get("source"), f"enums.yaml: {name}"),
        )
        for name, raw in data["enums"].items()
    }


def parse_methods(data: dict[str, Any]) -> dict[str, MethodEffect]:
    result: dict[str, MethodEffect] = {}
    for name, raw in (data.get("methods") or {}).items():
        key = str(name).lower()
        entry = MethodEffect(method=key, effect=raw["effect"], entity=raw.get("entity"),
                             mark=raw.get("mark"), source=raw.get("source", ""), probe=bool(raw.get("probe", False)))
        if entry.effect not in EFFECTS:
            raise ContractError(f"methods.yaml: {name}: effect {entry.effect!r} is not one of {', '.join(EFFECTS)}")
        if entry.effect in {"change", "delete", "create"} and not entry.entity:
            raise ContractError(f"methods.yaml: {name}: a {entry.effect} method names its entity")
        if key in result:
            raise ContractError(f"methods.yaml: method {name} appears twice")
        result[key] = entry
    return result


def parse_limits(data: dict[str, Any]) -> Limits:
    try:
        plans = {name: Plan(rate=float(raw["rate"]), burst=int(raw["burst"]))
                 for name, raw in data["plans"].items() if name != "source"}
        operating = data["operating"]
        return Limits(
            page_size=int(data["list"]["page_size"]),
            batch_max_commands=int(data["batch"]["max_commands"]),
            plans=plans,
            operating_budget=float(operating["budget_seconds"]),
            operating_bucket=float(operating["bucket_seconds"]),
            operating_window=float(operating["window_seconds"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ContractError(f"limits.yaml: {type(exc).__name__}: {exc} (see the file's header for its keys)") from exc


@dataclass
class Contract:
    """The whole of spec/, parsed."""

    root: Path

    @cached_property
    def errors(self) -> dict[str, ErrorEntry]:
        return parse_errors(_read_yaml(self.root / "errors.yaml"))

    @cached_property
    def item_errors(self) -> dict[str, ErrorEntry]:
        """The errors of the CRM item methods the portal serves beside the contract (spec/item_errors.yaml)."""
        return parse_errors(_read_yaml(self.root / "item_errors.yaml"), "item_errors.yaml")

    @cached_property
    def clauses(self) -> dict[str, Clause]:
        return parse_clauses(_read_yaml(self.root / "clauses.yaml"))

    @cached_property
    def ambiguities(self) -> dict[str, Ambiguity]:
        return parse_ambiguities(_read_yaml(self.root / "ambiguities.yaml"))

    @cached_property
    def enums(self) -> dict[str, Enum]:
        return parse_enums(_read_yaml(self.root / "enums.yaml"))

    @cached_property
    def methods(self) -> dict[str, MethodEffect]:
        return parse_methods(_read_yaml(self.root / "methods.yaml"))

    @cached_property
    def items(self) -> dict[str, Any]:
        """spec/items.yaml: the CRM item types the portal serves beside activities (multi-fields, kinds)."""
        data = _read_yaml(self.root / "items.yaml")
        if not isinstance((data or {}).get("kinds"), dict):
            raise ContractError("items.yaml: `kinds` must map item types to their tables")
        return data

    @cached_property
    def limits(self) -> Limits:
        return parse_limits(_read_yaml(self.root / "limits.yaml"))

    @cached_property
    def fields(self) -> dict[str, Any]:
        """spec/fields.yaml: the descriptor tables ("activity", "communication") and the docs' required marks."""
        data = _read_yaml(self.root / "fields.yaml")
        for table in ("activity", "communication"):
            if not isinstance((data or {}).get(table, {}).get("fields"), dict):
                raise ContractError(f"fields.yaml: `{table}.fields` must map field names to descriptors")
        return data

    def field_descriptors(self, table: str) -> dict[str, dict[str, Any]]:
        """A fresh copy of one descriptor table ("activity" or "communication"), in the docs' order."""
        return copy.deepcopy(self.fields[table]["fields"])

    @cached_property
    def provenance(self) -> Provenance:
        data = _read_yaml(self.root / "provenance.yaml")
        problems = evidence_problems(data.get("evidence") if isinstance(data, dict) else None)
        if problems:
            raise ContractError(problems[0])
        try:
            return parse_provenance(data)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ContractError(f"provenance.yaml: needs docs.repository, docs.url, docs.commit, docs.date: {exc}") from exc

    @cached_property
    def openapi(self) -> dict[str, Any]:
        return _read_yaml(self.root / "openapi.yaml")

    def error(self, error_id: str) -> ErrorEntry:
        try:
            return self.errors[error_id]
        except KeyError:
            raise ContractError(f"unknown error id {error_id!r}") from None

    def enum_for_field(self, field_name: str) -> Enum | None:
        for enum in self.enums.values():
            if enum.field == field_name:
                return enum
        return None

    def seed_example_fields(self) -> dict[str, Any]:
        """A fresh copy of the seed page's example `fields`, as spec/openapi.yaml records it.

        Portal tests, suites and interop tests all start from this one request, so it lives in the
        spec (the AddRequest example `seedWebhook`) and nowhere else.
        """
        try:
            body = self.openapi["components"]["requestBodies"]["AddRequest"]["content"]["application/json"]
            fields = body["examples"]["seedWebhook"]["value"]["fields"]
        except (KeyError, TypeError) as exc:
            raise ContractError("openapi.yaml: the AddRequest example seedWebhook is missing") from exc
        return copy.deepcopy(fields)

    def schema(self, name: str) -> dict[str, Any]:
        path = self.root / "schemas" / name
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ContractError(f"missing schema: {path}") from exc
        except json.JSONDecodeError as exc:
            raise ContractError(f"{path}: not valid JSON: {exc}") from exc

    def schema_names(self) -> list[str]:
        return sorted(p.name for p in (self.root / "schemas").glob("*.json"))


@lru_cache(maxsize=8)
def _load(root: Path) -> Contract:
    return Contract(root)


@lru_cache(maxsize=8)
def _default_root(override: str | None) -> Path:
    # Keyed by the override variable so a test that points B24CONFORM_SPEC_DIR elsewhere still
    # gets that folder; resolving paths on every call cost the portal a quarter of an add.
    return spec_dir().resolve()


def load_contract(root: Path | None = None) -> Contract:
    """The contract at `root` (default: spec_dir()), cached per folder."""
    if root is None:
        return _load(_default_root(os.environ.get(ENV_VAR)))
    return _load(root.resolve())
