"""Input fields -> the stored activity record (after validation passed), and update merging.

The stored record keeps typed values (ints as ints, datetimes as Unix timestamps) so that JSON,
form and query input give byte-identical records; readback.py turns them into the portal's
strings. Defensive on purpose: a deviation profile may skip validation rules, and storing odd
input must then still not crash.
"""
from __future__ import annotations

import math
from datetime import timezone
from typing import Any, Callable

from b24conform.contract.fieldsets import activity_field_sets
from b24conform.portal.coerce import as_int, as_text, parse_datetime
from b24conform.portal.validation import (
    TYPE_CALL,
    TYPE_MEETING,
    AddRequest,
    bound_item,
    counted_communications,
    responsible_id,
)

# The field sets by value kind, read-only and immutable: derived from spec/fields.yaml (contract/fieldsets.py).
_SETS = activity_field_sets()
INT_FIELDS = _SETS.of_kind("int")
FLOAT_FIELDS = _SETS.of_kind("float")
TEXT_FIELDS = _SETS.of_kind("text")
FLAG_FIELDS = _SETS.of_kind("flag")
DATETIME_FIELDS = _SETS.of_kind("datetime")
OBJECT_FIELDS = _SETS.of_kind("object")

# Never taken from input: derived, read-only, or immutable after creation (update ignores them).
READ_ONLY = _SETS.read_only
IMMUTABLE = _SETS.immutable

# What add fills in per TYPE_ID (spec/fields.yaml `by_type`): the provider when none is given, and the
# TYPE of every kept communication.
DEFAULT_PROVIDERS = _SETS.providers()
COMMUNICATION_TYPES = _SETS.communication_types()

# What a field add leaves out holds (spec/fields.yaml `readback.defaults`).
DEFAULTS: dict[str, Any] = _SETS.defaults


def _as_float(value: Any, tz: timezone) -> float | None:
    text = as_text(value)
    try:
        number = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _as_flag(value: Any, tz: timezone) -> str | None:
    text = (as_text(value) or "").upper()
    return text if text in ("Y", "N") else None


def _as_object(value: Any, tz: timezone) -> Any:
    return value if isinstance(value, (dict, list)) else {}


# Field name -> how its input is read. A table rather than a chain of tuple-membership tests: it is
# consulted for every field of every add and update.
COERCERS: dict[str, Callable[[Any, timezone], Any]] = {
    **{name: lambda value, tz: as_int(value) for name in INT_FIELDS},
    **{name: _as_float for name in FLOAT_FIELDS},
    **{name: lambda value, tz: as_text(value) for name in TEXT_FIELDS},
    **{name: parse_datetime for name in DATETIME_FIELDS},
    **{name: _as_object for name in OBJECT_FIELDS},
    **{name: _as_flag for name in FLAG_FIELDS},
}


def _assign(record: dict[str, Any], fields: dict[str, Any], tz: timezone, skip: tuple[str, ...]) -> None:
    # Walks the input, not the 46 known names: a request carries a dozen fields. The record's key
    # order is of no consequence (read-back prints a fixed order).
    for name, raw in fields.items():
        coerce = COERCERS.get(name)
        if coerce is not None and name not in skip:
            value = coerce(raw, tz)
            if value is None and name in FLAG_FIELDS:
                continue  # a Y/N flag keeps its value when given anything but Y or N
            record[name] = value


def derive(record: dict[str, Any]) -> None:
    """Fields the portal computes: DEADLINE (AMB-DEADLINE-DERIVED reading a) and STATUS."""
    if record.get("TYPE_ID") in (TYPE_CALL, TYPE_MEETING):
        record["DEADLINE"] = record.get("START_TIME")
    else:
        record["DEADLINE"] = record.get("END_TIME")
    if record.get("STATUS") in (None, 0):
        record["STATUS"] = 2 if record.get("COMPLETED") == "Y" else 1


def build_record(req: AddRequest, now: float, tz: timezone) -> dict[str, Any]:
    fields = req.f
    record: dict[str, Any] = dict(DEFAULTS)
    _assign(record, fields, tz, skip=READ_ONLY)
    for key, value in DEFAULTS.items():
        if record.get(key) is None:
            record[key] = value
    bound = bound_item(req)
    if bound:
        record["OWNER_TYPE_ID"], record["OWNER_ID"] = bound
    record["RESPONSIBLE_ID"] = responsible_id(req) or as_int(fields.get("RESPONSIBLE_ID")) or req.user_id
    type_id = record.get("TYPE_ID")
    if not record.get("PROVIDER_ID") and type_id in DEFAULT_PROVIDERS:
        record["PROVIDER_ID"], provider_type = DEFAULT_PROVIDERS[type_id]
        record["PROVIDER_TYPE_ID"] = record.get("PROVIDER_TYPE_ID") or provider_type
    record["CREATED"] = record["LAST_UPDATED"] = now
    record["AUTHOR_ID"] = record["EDITOR_ID"] = req.user_id
    derive(record)
    return record


def build_communications(req: AddRequest, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The communications kept, with TYPE filled by the portal (PHONE / EMAIL / "" for meetings)."""
    filled = COMMUNICATION_TYPES.get(record.get("TYPE_ID"))
    result = []
    for comm in counted_communications(req):
        ent_type, ent_id = as_int(comm.get("ENTITY_TYPE_ID")), as_int(comm.get("ENTITY_ID"))
        if ent_type is None or ent_id is None:
            ent_type, ent_id = record.get("OWNER_TYPE_ID"), record.get("OWNER_ID")
        result.append({
            "TYPE": filled if filled is not None else (as_text(comm.get("TYPE")) or ""),
            "VALUE": (as_text(comm.get("VALUE")) or "").strip(),
            "ENTITY_ID": ent_id,
            "ENTITY_TYPE_ID": ent_type,
        })
    return result


def apply_update(record: dict[str, Any], fields: dict[str, Any], now: float, tz: timezone, user_id: int) -> dict[str, Any]:
    """The record after crm.activity.update: TYPE_ID and the owner are immutable and ignored."""
    updated = dict(record)
    _assign(updated, fields, tz, skip=READ_ONLY + IMMUTABLE)
    updated["LAST_UPDATED"] = now
    updated["EDITOR_ID"] = user_id
    if "STATUS" not in fields and "COMPLETED" in fields:
        updated["STATUS"] = 0
    derive(updated)
    return updated
