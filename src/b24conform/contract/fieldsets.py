"""The activity's field sets, derived from spec/fields.yaml: which fields hold which kind of value,
which input ignores, which update cannot change, what read-back prints and what add fills in.

Pure functions of the parsed file, so a test can hand them a modified copy; `activity_field_sets()`
is the cached view the portal reads.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from b24conform.contract.loader import ContractError, load_contract

VALUE_KINDS = ("int", "float", "text", "flag", "datetime", "object")


@dataclass(frozen=True)
class TypeFill:
    """What add fills in for one activity type (fields.yaml `by_type`)."""

    provider_id: str
    provider_type_id: str
    communication_type: str


@dataclass(frozen=True)
class FieldSets:
    by_kind: dict[str, tuple[str, ...]]  # value kind -> single-valued fields of that kind, in the docs' order
    read_only: tuple[str, ...]           # never taken from input
    immutable: tuple[str, ...]           # taken by add, ignored by update
    readback: tuple[str, ...]            # what get prints, in order, before the lists
    multi: tuple[str, ...]               # the lists get prints after them
    unset_as: dict[str, str]
    select_aliases: dict[str, str]
    numbers: tuple[str, ...]             # held to decimal strings beside the enum fields, in judging order
    defaults: dict[str, Any]             # stored (and read back) when add leaves the field out
    fills: dict[int, TypeFill]           # TYPE_ID -> what add fills in for that type

    def of_kind(self, kind: str) -> tuple[str, ...]:
        return self.by_kind.get(kind, ())

    def providers(self) -> dict[int, tuple[str, str]]:
        """TYPE_ID -> (PROVIDER_ID, PROVIDER_TYPE_ID) add fills in when input names no provider."""
        return {type_id: (fill.provider_id, fill.provider_type_id) for type_id, fill in self.fills.items()}

    def communication_types(self) -> dict[int, str]:
        """TYPE_ID -> the TYPE every kept communication of that type gets ("" for none)."""
        return {type_id: fill.communication_type for type_id, fill in self.fills.items()}


def _descriptor_kind(name: str, descriptor: dict[str, Any], value_types: dict[str, str]) -> str | None:
    if descriptor.get("isMultiple"):
        return None
    kind = value_types.get(descriptor["type"])
    if kind is None:
        raise ContractError(f"fields.yaml: activity.{name}: type {descriptor['type']!r} has no entry in value_types")
    return kind


def field_sets(data: dict[str, Any]) -> FieldSets:
    """The sets of fields.yaml's `activity` table, with its `input` and `readback` rules and `by_type` fills applied."""
    descriptors: dict[str, dict[str, Any]] = data["activity"]["fields"]
    value_types: dict[str, str] = data["value_types"]
    by_kind: dict[str, list[str]] = {kind: [] for kind in VALUE_KINDS}
    for name, descriptor in descriptors.items():
        kind = _descriptor_kind(name, descriptor, value_types)
        if kind is not None:
            by_kind[kind].append(name)
    rules = data.get("input") or {}
    settable, derived = set(rules.get("settable") or ()), tuple(rules.get("derived") or ())
    read_only = tuple(n for n, d in descriptors.items() if d.get("isReadOnly") and n not in settable)
    readback = data["readback"]
    return FieldSets(
        by_kind={kind: tuple(names) for kind, names in by_kind.items()},
        read_only=read_only + tuple(n for n in derived if n not in read_only),
        immutable=tuple(n for n, d in descriptors.items() if d.get("isImmutable")),
        readback=tuple(readback["keys"]),
        multi=tuple(readback["multi"]),
        unset_as=dict(readback.get("unset_as") or {}),
        select_aliases=dict(readback.get("select_aliases") or {}),
        numbers=tuple(readback.get("numbers") or ()),
        defaults=dict(readback.get("defaults") or {}),
        fills={int(f["TYPE_ID"]): TypeFill(f["PROVIDER_ID"], f["PROVIDER_TYPE_ID"], f["COMMUNICATION_TYPE"])
               for f in (data.get("by_type") or {}).get("fill") or ()},
    )


@lru_cache(maxsize=1)
def activity_field_sets() -> FieldSets:
    return field_sets(load_contract().fields)
