"""user.current, profile and user.get: the seed world's users as the docs print them.

Docs pages followed (bitrix-tools/b24-rest-docs):
    api-reference/user/user-current.md      (scope user / user_brief / user_basic; auth.METHOD_SCOPES)
    api-reference/common/users/profile.md   (no scope)
    api-reference/user/user-get.md          (FILTER, sort, order, start; 50 a page, `total`)

IDs are strings and ACTIVE / ADMIN booleans, as in the pages' examples. Users are read-only here:
the seed world is the portal's staff.
"""
from __future__ import annotations

import copy
from typing import Any

from b24conform.contract import load_contract
from b24conform.portal import listing
from b24conform.portal.coerce import as_int, as_text
from b24conform.portal.state import CallContext, MethodResult

# Keys of the user.current / user.get and profile examples this portal fills, with the value it prints when
# the seed has none (spec/items.yaml `users`).
# Copies: a default such as UF_DEPARTMENT's list goes into answers and must not alias the parsed spec.
_USERS = load_contract().items["users"]
USER_KEYS: dict[str, Any] = copy.deepcopy(_USERS["current"]["keys"])
PROFILE_KEYS: dict[str, Any] = copy.deepcopy(_USERS["profile"]["keys"])


def user_record(user: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"ID": str(user["ID"]), "ACTIVE": bool(user.get("ACTIVE", True))}
    for key, default in USER_KEYS.items():
        out[key] = user.get(key, default)
    return out


def profile_record(user: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"ID": str(user["ID"]), "ADMIN": bool(user.get("ADMIN", False))}
    for key, default in PROFILE_KEYS.items():
        out[key] = user.get(key, default)
    return out


def _caller(ctx: CallContext) -> dict[str, Any] | None:
    return ctx.state.world.user(ctx.caller.user_id)


def current(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    user = _caller(ctx)
    return MethodResult(user_record(user) if user else [])


def profile(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    # The page: an inactive user gets an empty object (PHP's empty array prints as []).
    user = _caller(ctx)
    return MethodResult(profile_record(user) if user else [])


def _param(params: dict[str, Any], name: str) -> Any:
    return next((v for k, v in params.items() if str(k).lower() == name), None)


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return (as_text(value) or "").strip().upper() in ("Y", "1", "TRUE")


def matches(user: dict[str, Any], raw: dict[str, Any]) -> bool:
    """FILTER: ID (a value or a list), ACTIVE (true: active users only), other keys exact,
    case-insensitive."""
    record = user_record(user)
    for key, want in raw.items():
        op, name = listing.split_key(str(key))
        if name == "ACTIVE":
            if record["ACTIVE"] != _truthy(want):
                return False
            continue
        wanted = want if isinstance(want, list) else [want]
        if name == "ID":
            inside = int(record["ID"]) in {as_int(w) for w in wanted}
        elif name in record:
            have = str(record[name]).lower()
            inside = have in {str(w).lower() for w in wanted}
        else:
            continue  # a field this portal does not know: ignored
        if inside == op.startswith("!"):
            return False
    return True


def get(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    raw = _param(params, "filter")
    raw = raw if isinstance(raw, dict) else {}
    users = [u for u in ctx.state.world.data.get("users", []) if matches(u, raw)]
    rows = [user_record(u) for u in users]
    sort = (as_text(_param(params, "sort")) or "ID").upper()
    desc = (as_text(_param(params, "order")) or "ASC").upper() == "DESC"
    if sort not in ("ID", *USER_KEYS):
        sort = "ID"
    rows.sort(key=lambda r: (int(r["ID"]),) if sort == "ID" else (str(r[sort]).lower(), int(r["ID"])), reverse=desc)
    items, total, next_start = listing.page(rows, _param(params, "start"))
    return MethodResult(items, total=total, next_start=next_start)


# The last part of a spec/methods.yaml name of entity `user` -> its handler.
OPERATIONS = {"current": current, "profile": profile, "get": get}
