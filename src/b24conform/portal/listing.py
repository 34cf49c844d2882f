"""crm.activity.list: filter, order and paging as pure functions over read-back rows.

Filter keys carry an operator prefix (api-reference/crm/timeline/activities/activity-base/crm-activity-list.md):
    =  (default)   !  !=   >  >=  <  <=   @ (in)  !@ (not in)
    %  (contains)  =% / %= (LIKE with explicit %)  !% / !=% / !%= (not like)
Values compare as numbers when both sides are integers, as instants for datetime fields, as
case-insensitive text otherwise. Unknown fields never match anything... except that portals
ignore them, so an unknown field is dropped from the filter.
"""
from __future__ import annotations

import re
from functools import lru_cache
from datetime import timezone
from typing import Any, Callable

from b24conform.contract import load_contract
from b24conform.portal.coerce import as_int, as_text, parse_datetime
from b24conform.portal.records import DATETIME_FIELDS
from b24conform.portal.readback import BASE_FIELDS

PAGE_SIZE = load_contract().limits.page_size
# Longest first, so "!%=" is not read as "!" + "%=".
PREFIXES = ("!%=", "!=%", "=%", "%=", ">=", "<=", "!@", "!%", "!=", ">", "<", "@", "%", "=", "!")


def split_key(key: str) -> tuple[str, str]:
    for prefix in PREFIXES:
        if key.startswith(prefix):
            return prefix, key[len(prefix):].upper()
    return "=", key.upper()


def _norm(name: str, value: Any, tz: timezone, datetimes: tuple[str, ...] = DATETIME_FIELDS) -> Any:
    if value is None or value == "":
        return None
    if name in datetimes:
        return _instant(value, tz) if isinstance(value, str) else parse_datetime(value, tz)
    number = as_int(value)
    if number is not None:
        return number
    text = as_text(value)
    return text.lower() if text is not None else None


@lru_cache(maxsize=4096)
def _instant(text: str, tz: timezone) -> float | None:
    # Sorting by a datetime reads it for every stored activity; few distinct values recur.
    return parse_datetime(text, tz)


def _like(pattern: str, value: str) -> bool:
    # SQL LIKE: % any run, _ any one character, everything else itself ("[" too, which fnmatch would
    # read as a character class: the judge's marked SUBJECTs begin with one).
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _compare(op: str, have: Any, want: Any) -> bool:
    if op in ("@", "!@"):
        inside = have in want
        return inside if op == "@" else not inside
    if op in ("%", "!%"):
        found = want is not None and have is not None and str(want) in str(have)
        return found if op == "%" else not found
    if op in ("=%", "%=", "!=%", "!%="):
        found = want is not None and have is not None and _like(str(want), str(have))
        return not found if op.startswith("!") else found
    if op == "=":
        return have == want
    if op in ("!", "!="):
        return have != want
    if have is None or want is None or type(have) is not type(want):
        if not (isinstance(have, (int, float)) and isinstance(want, (int, float))):
            return False
    return {">": have > want, ">=": have >= want, "<": have < want, "<=": have <= want}[op]


def build_filter(
    raw: Any, tz: timezone, fields: tuple[str, ...] = BASE_FIELDS, datetimes: tuple[str, ...] = DATETIME_FIELDS
) -> Callable[[dict[str, Any]], bool]:
    """A predicate over read-back rows (values as strings). `fields` and `datetimes` name the
    method's filterable and datetime fields (crm.activity.list's unless told)."""
    conditions = []
    if isinstance(raw, dict):
        for key, value in raw.items():
            op, name = split_key(str(key))
            if name not in fields:
                continue
            if op in ("@", "!@"):
                values = value if isinstance(value, list) else [value]
                want: Any = [_norm(name, v, tz, datetimes) for v in values]
            elif isinstance(value, list):  # a list under = means IN, as portals read it
                op, want = ("@" if op == "=" else "!@" if op in ("!", "!=") else op), [_norm(name, v, tz, datetimes) for v in value]
            else:
                want = _norm(name, value, tz, datetimes)
            conditions.append((op, name, want))

    def predicate(row: dict[str, Any]) -> bool:
        return all(_compare(op, _norm(name, row.get(name), tz, datetimes), want) for op, name, want in conditions)

    return predicate


def bindings_filter(raw: Any) -> Callable[[list[tuple[int, int]]], bool] | None:
    """filter[BINDINGS]: a list of {OWNER_TYPE_ID, OWNER_ID} objects, either key alone or both (the list
    page); an activity matches when one of its bindings matches one object (an absent key matches
    anything). None when not filtered."""
    if not isinstance(raw, dict):
        return None
    value = next((v for k, v in raw.items() if split_key(str(k)) == ("=", "BINDINGS")), None)
    if value is None:
        return None
    items = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else []
    pairs = []
    for item in items:
        if not isinstance(item, dict):
            continue
        upper = {str(k).upper(): v for k, v in item.items()}
        pairs.append((as_int(upper.get("OWNER_TYPE_ID")), as_int(upper.get("OWNER_ID"))))
    pairs = [(t, i) for t, i in pairs if t is not None or i is not None]

    def matches(bindings: list[tuple[int, int]]) -> bool:
        return any((t is None or t == bt) and (i is None or i == bi) for t, i in pairs for bt, bi in bindings)

    return matches


def sort_rows(
    rows: list[dict[str, Any]], order: Any, tz: timezone, fields: tuple[str, ...] = BASE_FIELDS,
    datetimes: tuple[str, ...] = DATETIME_FIELDS, default: str = "START_TIME",
) -> list[dict[str, Any]]:
    """`order` {FIELD: ASC|DESC}; default `default` ascending; ties by ID so pages are stable."""
    keys: list[tuple[str, bool]] = []
    if isinstance(order, dict):
        for name, direction in order.items():
            if str(name).upper() in fields:
                keys.append((str(name).upper(), str(direction).upper() == "DESC"))
    if not keys:
        keys = [(default, False)]
    if not any(name == "ID" for name, _ in keys):
        keys.append(("ID", False))
    result = list(rows)
    for name, desc in reversed(keys):
        # None sorts first ascending, like SQL NULLs in MySQL.
        def key(row, name=name):
            value = _norm(name, row.get(name), tz, datetimes)
            return (value is not None, (0, value) if isinstance(value, (int, float)) else (1, str(value)))
        result.sort(key=key, reverse=desc)
    return result


def page(rows: list[Any], start: Any) -> tuple[list[Any], int | None, int | None]:
    """(items, total, next). start=-1 skips the count: the first page, `total` 0 and no `next`
    (settings/performance/huge-data.md shows `[total] => 0` for such a call)."""
    offset = as_int(start)
    if offset == -1:
        return rows[:PAGE_SIZE], 0, None
    offset = max(0, offset or 0)
    items = rows[offset: offset + PAGE_SIZE]
    total = len(rows)
    next_start = offset + PAGE_SIZE if offset + PAGE_SIZE < total else None
    return items, total, next_start
