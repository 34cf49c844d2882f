"""Stored record -> what crm.activity.get / list answer, the way portals print it.

Numbers and ids as decimal strings, datetimes in the portal's offset, null for empty optional
strings, SETTINGS / PROVIDER_PARAMS as [] when empty (an empty PHP array), COMMUNICATIONS with the
TYPE the portal filled in, FILES as [{"id", "url"}].
"""
from __future__ import annotations

from collections.abc import Mapping

from datetime import timezone
from typing import Any

from b24conform.portal.coerce import format_datetime
from b24conform.portal.records import DATETIME_FIELDS, FLOAT_FIELDS, INT_FIELDS, OBJECT_FIELDS, TEXT_FIELDS

# The keys of the crm.activity.get example, in its order, plus ORIGIN_VERSION / IS_INCOMING_CHANNEL
# (input fields of the add table).
BASE_FIELDS = (
    "ID", "OWNER_ID", "OWNER_TYPE_ID", "TYPE_ID", "PROVIDER_ID", "PROVIDER_TYPE_ID", "PROVIDER_GROUP_ID",
    "ASSOCIATED_ENTITY_ID", "SUBJECT", "CREATED", "LAST_UPDATED", "START_TIME", "END_TIME", "DEADLINE",
    "COMPLETED", "STATUS", "RESPONSIBLE_ID", "PRIORITY", "NOTIFY_TYPE", "NOTIFY_VALUE", "DESCRIPTION",
    "DESCRIPTION_TYPE", "DIRECTION", "LOCATION", "SETTINGS", "ORIGINATOR_ID", "ORIGIN_ID", "ORIGIN_VERSION",
    "AUTHOR_ID", "EDITOR_ID", "PROVIDER_PARAMS", "PROVIDER_DATA", "RESULT_MARK", "RESULT_VALUE", "RESULT_SUM",
    "RESULT_CURRENCY_ID", "RESULT_STATUS", "RESULT_STREAM", "RESULT_SOURCE_ID", "AUTOCOMPLETE_RULE",
    "IS_INCOMING_CHANNEL",
)
MULTI_FIELDS = ("COMMUNICATIONS", "FILES")


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
    if name == "ID" or name in INT_FIELDS:
        return None if value is None else str(value)
    if name in FLOAT_FIELDS:
        return None if value is None else stringify(float(value))
    if name in DATETIME_FIELDS:
        return format_datetime(value, tz)
    if name in OBJECT_FIELDS:
        return stringify(value) if value else []
    if name in ("COMPLETED", "IS_INCOMING_CHANNEL"):
        return value if value in ("Y", "N") else "N"
    if name in TEXT_FIELDS:
        return value if value not in (None, "") else None
    return value


def communications(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "ID": str(c["ID"]),
            "ACTIVITY_ID": str(c["ACTIVITY_ID"]),
            "TYPE": c.get("TYPE") or "",
            "VALUE": c.get("VALUE") or "",
            "ENTITY_ID": None if c.get("ENTITY_ID") is None else str(c["ENTITY_ID"]),
            "ENTITY_TYPE_ID": None if c.get("ENTITY_TYPE_ID") is None else str(c["ENTITY_TYPE_ID"]),
        }
        for c in record.get("COMMUNICATIONS", [])
    ]


def files(record: dict[str, Any], base_url: str) -> list[dict[str, Any]]:
    # Shape of the crm.activity.list "files" example: {"id": int, "url": "..."}.
    return [
        {"id": f["id"], "url": f"{base_url}/bitrix/tools/crm_show_file.php?fileId={f['id']}&ownerTypeId=6&ownerId={record['ID']}"}
        for f in record.get("FILES", [])
    ]


def activity(record: dict[str, Any], tz: timezone, base_url: str, select: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The read-back of one activity. `select=None` means every field, COMMUNICATIONS and FILES
    included (crm.activity.get); list passes the resolved select."""
    names = select if select is not None else BASE_FIELDS + MULTI_FIELDS
    out: dict[str, Any] = {}
    for name in names:
        if name == "COMMUNICATIONS":
            out[name] = communications(record)
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

    def __init__(self, record: dict[str, Any], tz: timezone, base_url: str) -> None:
        self._record, self._tz, self._base_url = record, tz, base_url
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
            value = communications(self._record)
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
    names: list[str] = []
    if "*" in wanted:
        names.extend(BASE_FIELDS)
    for name in wanted:
        if name in BASE_FIELDS + MULTI_FIELDS and name not in names:
            names.append(name)
    if not names:
        return ("ID",)
    return tuple(names)
