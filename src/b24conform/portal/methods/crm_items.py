"""crm.contact.* / crm.deal.* / crm.company.*: add, get, list, update, delete of the CRM items
activities bind to, stored in the same tables the seed world fills (store.ITEM_TABLES).

Docs pages followed (bitrix-tools/b24-rest-docs):
    api-reference/crm/contacts/crm-contact-{add,get,list,update,delete}.md
    api-reference/crm/deals/crm-deal-{add,get,list,update,delete}.md
    api-reference/crm/companies/crm-company-{add,get,list,update,delete}.md
    api-reference/crm/data-types.md (crm_multifield)

The three kinds differ only in data (spec/items.yaml, ITEM_KINDS below): their fields in the order of each get page's
example, their defaults, and the not-found error each page names. Deleting an item an activity is
bound to is allowed (the pages say nothing against it); later adds bound to it fail the binding rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone
from functools import partial
from typing import Any

from b24conform.contract import load_contract
from b24conform.portal import listing
from b24conform.portal.coerce import as_int, as_text, format_datetime, parse_datetime
from b24conform.portal.errors import PortalError
from b24conform.portal.state import CallContext, MethodResult
from b24conform.portal.store import MultiValue

SQLITE_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Kind:
    """One CRM item type (spec/items.yaml `kinds`): read-back fields in the get page's order, by value kind."""

    name: str                              # store kind and method infix: crm.{name}.add
    fields: tuple[str, ...]                # read-back keys, in order (multi-fields come after)
    ids: frozenset[str]                    # integers, printed as strings
    datetimes: tuple[str, ...]
    flags: dict[str, str]                  # Y/N fields -> default
    money: frozenset[str] = frozenset()    # printed with two decimals
    defaults: dict[str, Any] = field(default_factory=dict)
    multi: tuple[str, ...] = ()
    not_found: dict[str, str] = field(default_factory=dict)  # operation -> error id


def parse_kind(name: str, raw: dict[str, Any], multi_fields: tuple[str, ...]) -> Kind:
    return Kind(
        name=name,
        fields=tuple(raw["fields"]),
        ids=frozenset(raw["ids"]),
        datetimes=tuple(raw["datetimes"]),
        flags=dict(raw["flags"]),
        money=frozenset(raw.get("money") or ()),
        defaults=dict(raw.get("defaults") or {}),
        multi=multi_fields if raw.get("multi") else (),
        not_found=dict(raw["not_found"]),
    )


_ITEMS = load_contract().items
MULTI: tuple[str, ...] = tuple(_ITEMS["multi_fields"])
PRESENCE: dict[str, str] = dict(_ITEMS["presence"])  # HAS_* -> the multi-field it reports on
SYSTEM = frozenset(_ITEMS["system"])
ITEM_KINDS = tuple(parse_kind(name, raw, MULTI) for name, raw in _ITEMS["kinds"].items())


# ---------------------------------------------------------------- input -> stored


def _fields(params: dict[str, Any]) -> dict[str, Any]:
    # Keys are case-insensitive on the wire (the add pages' curl examples send FIELDS).
    raw = next((v for k, v in params.items() if str(k).lower() == "fields"), None)
    if raw is None or raw == []:
        raw = {}
    if not isinstance(raw, dict):
        raise PortalError("ITEM_FIELDS_NOT_ARRAY")
    return {str(k).upper(): v for k, v in raw.items()}


def stored_value(kind: Kind, name: str, value: Any, tz: timezone) -> Any:
    """One input value as stored; None drops it (empty, or not readable as the field's type)."""
    if value is None or value == "" or isinstance(value, (dict, list)):
        return None
    if name in kind.ids:
        return as_int(value)
    if name in kind.datetimes:
        return parse_datetime(value, tz)
    if name in kind.flags:
        text = (as_text(value) or "").upper()
        return "Y" if text in ("Y", "1", "TRUE") else "N"
    if name in kind.money:
        try:
            return float(str(value))
        except ValueError:
            return None
    return as_text(value)


def changes(kind: Kind, fields: dict[str, Any], tz: timezone) -> dict[str, Any]:
    """The writable known fields of `fields`; unknown ones are ignored, as the pages say."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name in kind.fields and name not in SYSTEM:
            out[name] = stored_value(kind, name, value, tz)
    return out


def _entries(raw: Any) -> list[tuple[int | None, dict[str, Any]]]:
    """Multi-field input as (value ID or None, entry): a list of {ID?, VALUE, VALUE_TYPE}, or an
    object keyed by value ID / n0, n1... for new values."""
    if isinstance(raw, dict):
        pairs = [(as_int(k) if str(k).isdigit() else None, v) for k, v in raw.items()]
    elif isinstance(raw, list):
        pairs = [(None, v) for v in raw]
    else:
        return []
    out = []
    for key_id, entry in pairs:
        if isinstance(entry, dict):
            entry = {str(k).upper(): v for k, v in entry.items()}
            out.append((as_int(entry.get("ID")) or key_id, entry))
    return out


def merged_multi(kind: Kind, fields: dict[str, Any], current: dict[str, Any]) -> list[MultiValue] | None:
    """The item's multi-field values after `fields`: an entry with an ID changes that value (an
    empty VALUE or DELETE=Y removes it), one without adds a value. None: no multi-field given."""
    if not any(name in fields for name in kind.multi):
        return None
    result: list[MultiValue] = []
    for type_id in kind.multi:
        values = {v["ID"]: (v["ID"], type_id, v["VALUE_TYPE"], v["VALUE"]) for v in current.get(type_id, [])}
        added: list[MultiValue] = []
        for value_id, entry in _entries(fields.get(type_id)):
            value = (as_text(entry.get("VALUE")) or "").strip()
            removed = (as_text(entry.get("DELETE")) or "").upper() == "Y" or not value
            if value_id in values:
                old = values[value_id]
                if removed:
                    del values[value_id]
                else:
                    values[value_id] = (value_id, type_id, as_text(entry.get("VALUE_TYPE")) or old[2], value)
            elif not removed:
                added.append((None, type_id, as_text(entry.get("VALUE_TYPE")) or "WORK", value))
        result += list(values.values()) + added
    return result


# ---------------------------------------------------------------- stored -> read-back


def _money(value: Any) -> str | None:
    return None if value is None else f"{float(value):.2f}"


def read_value(kind: Kind, name: str, record: dict[str, Any], tz: timezone) -> Any:
    if name in PRESENCE:
        return "Y" if record.get(PRESENCE[name]) else "N"
    value = record.get(name)
    if name in kind.ids:
        return None if value is None else str(value)
    if name in kind.datetimes:
        return format_datetime(value, tz)
    if name in kind.flags:
        return value if value in ("Y", "N") else kind.flags[name]
    if name in kind.money:
        return _money(value)
    return None if value in (None, "") else str(value)


def multi_values(record: dict[str, Any], type_id: str) -> list[dict[str, str]]:
    return [
        {"ID": str(v["ID"]), "VALUE_TYPE": v["VALUE_TYPE"], "VALUE": v["VALUE"], "TYPE_ID": v["TYPE_ID"]}
        for v in record.get(type_id, [])
    ]


def readback(kind: Kind, record: dict[str, Any], tz: timezone, names: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The item as get prints it: scalars as strings, multi-fields only where they hold values
    (crm-contact-get.md's note); `names` limits it to a list's select."""
    out: dict[str, Any] = {}
    for name in names if names is not None else kind.fields + kind.multi:
        if name in kind.multi:
            if record.get(name):
                out[name] = multi_values(record, name)
        elif name in kind.fields:
            out[name] = read_value(kind, name, record, tz)
    return out


def resolve_select(kind: Kind, select: Any) -> tuple[str, ...]:
    """Absent, empty or "*": every scalar field; multi-fields only when named (crm-contact-list.md)."""
    if isinstance(select, str):
        select = [select]
    if not isinstance(select, list) or not select:
        return kind.fields
    wanted = [str(s).upper() for s in select if isinstance(s, (str, int))]
    names: list[str] = list(kind.fields) if "*" in wanted else []
    for name in wanted:
        if (name in kind.fields or name in kind.multi) and name not in names:
            names.append(name)
    return tuple(names) or ("ID",)


# ---------------------------------------------------------------- handlers


def _id(params: dict[str, Any]) -> int:
    raw = next((v for k, v in params.items() if str(k).lower() == "id"), None)
    value = as_int(raw)
    if value is None or value <= 0 or value > SQLITE_MAX_ID:
        raise PortalError("ITEM_ID_INVALID")
    return value


def _existing(ctx: CallContext, kind: Kind, item_id: int, operation: str) -> dict[str, Any]:
    record = ctx.state.store.get_item(kind.name, item_id)
    if record is None:
        raise PortalError(kind.not_found[operation])
    return record


def _stored(record: dict[str, Any], kind: Kind) -> dict[str, Any]:
    """A record without what the store keeps elsewhere (its id, its multi-field values)."""
    return {k: v for k, v in record.items() if k != "ID" and k not in kind.multi}


def add(kind: Kind, ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    state = ctx.state
    fields = _fields(params)
    now, user = state.now(), ctx.caller.user_id
    data = {k: v for k, v in kind.defaults.items()}
    data.update({k: v for k, v in changes(kind, fields, state.tz).items() if v is not None})
    data.setdefault("ASSIGNED_BY_ID", user)  # the pages: the caller, unless given
    data.update(DATE_CREATE=now, DATE_MODIFY=now, CREATED_BY_ID=user, MODIFY_BY_ID=user,
                LAST_ACTIVITY_TIME=now, LAST_ACTIVITY_BY=user)
    multi = merged_multi(kind, fields, {}) or []
    return MethodResult(state.store.add_item(kind.name, data, multi))


def get(kind: Kind, ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    record = _existing(ctx, kind, _id(params), "get")
    return MethodResult(readback(kind, record, ctx.state.tz))


def update(kind: Kind, ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    state = ctx.state
    item_id = _id(params)
    record = _existing(ctx, kind, item_id, "update")
    fields = _fields(params)
    data = _stored(record, kind)
    for name, value in changes(kind, fields, state.tz).items():
        if value is None:
            data.pop(name, None)  # an empty value clears the field
        else:
            data[name] = value
    data.update(DATE_MODIFY=state.now(), MODIFY_BY_ID=ctx.caller.user_id)
    state.store.update_item(kind.name, item_id, data, merged_multi(kind, fields, record))
    return MethodResult(True)


def delete(kind: Kind, ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    item_id = _id(params)
    if not ctx.state.store.delete_item(kind.name, item_id):
        raise PortalError(kind.not_found["delete"])
    return MethodResult(True)


def _multi_filter(kind: Kind, raw: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, set[str]]]]:
    """Split off multi-field conditions: the pages allow only exact matches on them."""
    rest, exact = {}, []
    for key, value in raw.items():
        op, name = listing.split_key(str(key))
        if name in kind.multi and op == "=":
            values = value if isinstance(value, list) else [value]
            exact.append((name, {str(v).strip().lower() for v in values}))
        elif name not in kind.multi:
            rest[key] = value
    return rest, exact


def list_(kind: Kind, ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    state, tz = ctx.state, ctx.state.tz
    raw_filter, order = params.get("filter"), params.get("order")
    if raw_filter in (None, "", []):
        raw_filter = {}
    if order in (None, "", []):
        order = {}
    if not isinstance(raw_filter, dict):
        raise PortalError("ITEM_FILTER_NOT_ARRAY")
    if not isinstance(order, dict):
        raise PortalError("ITEM_ORDER_NOT_ARRAY")
    scalar_filter, exact = _multi_filter(kind, raw_filter)
    keep = listing.build_filter(scalar_filter, tz, kind.fields, kind.datetimes)
    records = state.store.items(kind.name)
    rows = []
    for record in records:
        row = readback(kind, record, tz, kind.fields)
        has = {name: {v["VALUE"].strip().lower() for v in record.get(name, [])} for name, _ in exact}
        if keep(row) and all(has[name] & wanted for name, wanted in exact):
            rows.append((row, record))
    by_id = {row["ID"]: record for row, record in rows}
    ordered = listing.sort_rows([row for row, _ in rows], order, tz, kind.fields, kind.datetimes, default="ID")
    page, total, next_start = listing.page(ordered, params.get("start"))
    select = resolve_select(kind, params.get("select"))
    result = [readback(kind, by_id[row["ID"]], tz, select) for row in page]
    return MethodResult(result, total=total, next_start=next_start)


def operations() -> dict[str, dict[str, Any]]:
    """Entity (a kind's name in spec/methods.yaml) -> the last part of a method name -> its handler."""
    handlers = {"add": add, "get": get, "list": list_, "update": update, "delete": delete}
    return {kind.name: {op: partial(handler, kind) for op, handler in handlers.items()} for kind in ITEM_KINDS}
