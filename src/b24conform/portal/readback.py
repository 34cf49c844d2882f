"""Stored record -> what crm.activity.get / list answer, the way portals print it.

Numbers and ids as decimal strings, datetimes in the portal's offset, null for empty optional
strings except the ones the get example prints ("" and "0", UNSET_AS), SETTINGS / PROVIDER_PARAMS as
[] when empty (an empty PHP array), COMMUNICATIONS in the list page's shape (with ENTITY_SETTINGS),
FILES as [{"id", "url"}].
"""
from __future__ import annotations

from collections.abc import Mapping

from datetime import timezone
from typing import Any, Callable

from b24conform.portal.coerce import format_datetime
from b24conform.contract import load_contract
from b24conform.contract.fieldsets import activity_field_sets
from b24conform.portal.records import DATETIME_FIELDS, FLAG_FIELDS, FLOAT_FIELDS, INT_FIELDS, OBJECT_FIELDS, TEXT_FIELDS

# What get prints and how (spec/fields.yaml `readback`): the keys in order, then the lists; unset fields
# printed as a value rather than null; `select` names that pick another field.
_SETS = activity_field_sets()
BASE_FIELDS = _SETS.readback
MULTI_FIELDS = _SETS.multi
UNSET_AS = _SETS.unset_as
SELECT_ALIASES = _SETS.select_aliases
_OWNER_TYPE_IDS = {v["SYMBOL_CODE"]: int(v["ID"]) for v in load_contract().enums["ownertype"].values}
LEAD, CONTACT, COMPANY = (_OWNER_TYPE_IDS[code] for code in ("LEAD", "CONTACT", "COMPANY"))
PERSONS = (LEAD, CONTACT)


def stringify(value: Any) -> Any:
    """Scalars as PHP prints them inside arrays read from the database: all strings."""
    if isinstance(value, dict):
        return {k: stringify(v) for k, v in value.items()} if value else []
    if isinstance(value, list):
        return [stringify(v) for v in value]
    if value is None:
        return None
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def field_value(name: str, record: dict[str, Any], tz: timezone) -> Any:
    value = record.get(name)
    if name in UNSET_AS and value in (None, ""):
        return UNSET_AS[name]
    if name == "ID" or name in INT_FIELDS:
        return None if value is None else str(value)
    if name in FLOAT_FIELDS:
        return None if value is None else stringify(float(value))
    if name in DATETIME_FIELDS:
        return format_datetime(value, tz)
    if name in OBJECT_FIELDS:
        return stringify(value) if value else []
    if name in FLAG_FIELDS:
        return value if value in ("Y", "N") else "N"
    if name in TEXT_FIELDS:
        return value if value not in (None, "") else None
    return value


def communications(record: dict[str, Any], describe: Callable[[Any, Any], Any] | None = None) -> list[dict[str, Any]]:
    """The list page's shape: ID, TYPE, VALUE, ENTITY_ID, ENTITY_TYPE_ID and ENTITY_SETTINGS, the bound
    item described by `describe(type, id)` ([] when there is nothing to describe)."""
    return [
        {
            "ID": str(c["ID"]),
            "TYPE": c.get("TYPE") or "",
            "VALUE": c.get("VALUE") or "",
            "ENTITY_ID": None if c.get("ENTITY_ID") is None else str(c["ENTITY_ID"]),
            "ENTITY_TYPE_ID": None if c.get("ENTITY_TYPE_ID") is None else str(c["ENTITY_TYPE_ID"]),
            "ENTITY_SETTINGS": stringify((describe(c.get("ENTITY_TYPE_ID"), c.get("ENTITY_ID")) if describe else None) or {}),
        }
        for c in record.get("COMMUNICATIONS", [])
    ]


def bindings(record: dict[str, Any]) -> list[tuple[int, int]]:
    """(type, id) of every CRM item the activity is bound to: its owner and its communications' items
    (needs the record's children)."""
    found: list[tuple[int, int]] = []
    if record.get("OWNER_TYPE_ID") and record.get("OWNER_ID"):
        found.append((int(record["OWNER_TYPE_ID"]), int(record["OWNER_ID"])))
    for c in record.get("COMMUNICATIONS", []):
        if c.get("ENTITY_TYPE_ID") and c.get("ENTITY_ID"):
            pair = (int(c["ENTITY_TYPE_ID"]), int(c["ENTITY_ID"]))
            if pair not in found:
                found.append(pair)
    return found


def describer(world: Any) -> Callable[[Any, Any], Any]:
    """describe(type, id) for COMMUNICATIONS' ENTITY_SETTINGS: the keys of the list page's example for a
    person (contact or lead), the title for a company, nothing for other items."""
    def describe(type_id: Any, item_id: Any) -> dict[str, Any] | None:
        try:
            kind, key = int(type_id), int(item_id)
        except (TypeError, ValueError):
            return None
        item = world.item(kind, key)
        if not item:
            return None
        if kind == COMPANY:
            return {"COMPANY_TITLE": item.get("TITLE") or ""}
        if kind not in PERSONS:
            return None
        company_id = item.get("COMPANY_ID")
        company = world.item(COMPANY, int(company_id)) if company_id else None
        return {"HONORIFIC": item.get("HONORIFIC") or "", "NAME": item.get("NAME") or "",
                "SECOND_NAME": item.get("SECOND_NAME") or "", "LAST_NAME": item.get("LAST_NAME") or "",
                "COMPANY_TITLE": (company or {}).get("TITLE") or "", "COMPANY_ID": company_id or ""}
    return describe


def files(record: dict[str, Any], base_url: str) -> list[dict[str, Any]]:
    # Shape of the crm.activity.list "files" example: {"id": int, "url": "..."}.
    return [
        {"id": f["id"], "url": f"{base_url}/bitrix/tools/crm_show_file.php?fileId={f['id']}&ownerTypeId=6&ownerId={record['ID']}"}
        for f in record.get("FILES", [])
    ]


def activity(record: dict[str, Any], tz: timezone, base_url: str, select: tuple[str, ...] | None = None,
             describe: Callable[[Any, Any], Any] | None = None) -> dict[str, Any]:
    """The read-back of one activity. `select=None` means every field, COMMUNICATIONS and FILES
    included (crm.activity.get); list passes the resolved select."""
    names = select if select is not None else BASE_FIELDS + MULTI_FIELDS
    out: dict[str, Any] = {}
    for name in names:
        if name == "COMMUNICATIONS":
            out[name] = communications(record, describe)
        elif name == "FILES":
            out[name] = files(record, base_url)
        elif name in BASE_FIELDS:
            out[name] = field_value(name, record, tz)
    return out


class LazyActivity(Mapping):
    """The read-back of one activity computed field by field on first access: crm.activity.list
    filters and sorts on a few fields of every stored activity, and selects from one page only."""

    KEYS = BASE_FIELDS + MULTI_FIELDS
    _BASE, _ALL = frozenset(BASE_FIELDS), frozenset(KEYS)

    def __init__(self, record: dict[str, Any], tz: timezone, base_url: str,
                 describe: Callable[[Any, Any], Any] | None = None) -> None:
        self._record, self._tz, self._base_url, self._describe = record, tz, base_url, describe
        self._values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            pass
        # The branches of activity(), for one field: list reads a field of every stored activity.
        if name in self._BASE:
            value = field_value(name, self._record, self._tz)
        elif name == "COMMUNICATIONS":
            value = communications(self._record, self._describe)
        elif name == "FILES":
            value = files(self._record, self._base_url)
        else:
            raise KeyError(name)
        self._values[name] = value
        return value

    @property
    def record(self) -> dict[str, Any]:
        return self._record

    def get(self, name: str, default: Any = None) -> Any:  # Mapping.get goes through a raised KeyError
        return self[name] if name in self._ALL else default

    def __contains__(self, name: object) -> bool:
        return name in self._ALL

    def __iter__(self):
        return iter(self.KEYS)

    def __len__(self) -> int:
        return len(self.KEYS)


def resolve_select(select: Any) -> tuple[str, ...]:
    """crm.activity.list `select`: empty or absent = every base field; "*" = every base field;
    COMMUNICATIONS and FILES only when named. Unknown names are ignored, as portals do."""
    if isinstance(select, str):
        select = [select]
    if not isinstance(select, list) or not select:
        return BASE_FIELDS
    wanted = [str(s).upper() for s in select if isinstance(s, (str, int))]
    wanted = [SELECT_ALIASES.get(name, name) for name in wanted]
    names: list[str] = []
    if "*" in wanted:
        names.extend(BASE_FIELDS)
    for name in wanted:
        if name in BASE_FIELDS + MULTI_FIELDS and name not in names:
            names.append(name)
    if not names:
        return ("ID",)
    return tuple(names)
