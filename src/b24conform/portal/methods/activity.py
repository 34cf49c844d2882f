"""crm.activity.add / get / list / update / delete."""
from __future__ import annotations

from typing import Any

from b24conform.portal import listing, readback
from b24conform.portal.coerce import as_int, as_text, parse_message_from
from b24conform.portal.errors import PortalError
from b24conform.portal.records import apply_update, build_communications, build_record
from b24conform.portal.state import CallContext, MethodResult
from b24conform.portal.validation import (
    PROVIDER_CONFIGURABLE,
    PROVIDER_REST_APP,
    AddRequest,
    decoded_files,
    first_error,
    rule_communications,
    rule_count,
    sends_email,
)


def _request(ctx: CallContext, fields: Any) -> AddRequest:
    state = ctx.state
    return AddRequest(
        fields=fields,
        user_id=ctx.caller.user_id,
        app_context=ctx.caller.app_context,
        world=state.world,
        responsible_fallback=state.config.responsible_fallback,
    )


def add(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    state = ctx.state
    req = _request(ctx, params.get("fields"))
    error = first_error(req, state.rules)
    if error:
        raise PortalError(error)
    record = build_record(req, state.now(), state.tz)
    communications = build_communications(req, record)
    files = decoded_files(req) or []
    mail = None
    if sends_email(req):
        settings = req.settings
        mail = {
            "from": parse_message_from(settings.get("MESSAGE_FROM")) or "",
            "to": [c["VALUE"] for c in communications],
            "subject": record.get("SUBJECT") or "",
            "body": record.get("DESCRIPTION") or "",
            "copy": (as_text(settings.get("DISABLE_SENDING_MESSAGE_COPY")) or "").upper() != "Y",
        }
    return MethodResult(state.store.add(record, communications, files, mail))


SQLITE_MAX_ID = 2**63 - 1


def _id(params: dict[str, Any]) -> int:
    value = as_int(params.get("id", params.get("ID")))
    if value is None or value <= 0:
        raise PortalError("ID_INVALID")
    if value > SQLITE_MAX_ID:
        raise PortalError("ACTIVITY_NOT_FOUND")  # a valid id no row can have
    return value


def can_read(ctx: CallContext, record: dict[str, Any]) -> bool:
    user = ctx.caller.user_id
    scope = ctx.state.world.right(user, "read")
    if scope == "all":
        return True
    if scope == "own":
        return user in (record.get("RESPONSIBLE_ID"), record.get("AUTHOR_ID"))
    return False


def _visible(ctx: CallContext, activity_id: int) -> dict[str, Any]:
    record = ctx.state.store.get(activity_id)
    if record is None:
        raise PortalError("ACTIVITY_NOT_FOUND")
    if not can_read(ctx, record):
        raise PortalError("ADD_ACCESS_DENIED")
    # The get, update and delete pages list this error: an application's activity outside its context.
    if record.get("PROVIDER_ID") == PROVIDER_REST_APP and not ctx.caller.app_context:
        raise PortalError("ADD_APP_CONTEXT_REQUIRED")
    return record


def get(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    record = _visible(ctx, _id(params))
    item = readback.activity(record, ctx.state.tz, ctx.base_url, describe=readback.describer(ctx.state.world))
    return MethodResult(item)


def list_(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    state = ctx.state
    records = state.store.all(children=False)  # filter and order read base fields only
    records = [r for r in records if can_read(ctx, r)]
    by_binding = listing.bindings_filter(params.get("filter"))
    if by_binding is not None:
        for i in range(0, len(records), 500):  # within SQLite's limit on bound parameters
            state.store.attach_children(records[i:i + 500])
        records = [r for r in records if by_binding(readback.bindings(r))]
    # Filter and sort on the read-back (each field computed when first looked at); cut to `select`
    # only at the end.
    describe = readback.describer(state.world)
    full = [readback.LazyActivity(r, state.tz, ctx.base_url, describe) for r in records]
    keep = listing.build_filter(params.get("filter"), state.tz)
    matches = [row for row in full if keep(row)]
    ordered = listing.sort_rows(matches, params.get("order"), state.tz)
    items, total, next_start = listing.page(ordered, params.get("start"))
    select = readback.resolve_select(params.get("select"))
    if "COMMUNICATIONS" in select or "FILES" in select:
        state.store.attach_children([row.record for row in items])
    result = [{k: row[k] for k in select if k in row} for row in items]
    return MethodResult(result, total=total, next_start=next_start)


def update(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    state = ctx.state
    activity_id = _id(params)
    record = _visible(ctx, activity_id)
    if not state.world.right(ctx.caller.user_id, "update"):
        raise PortalError("ADD_ACCESS_DENIED")
    fields = params.get("fields")
    if not isinstance(fields, dict):
        raise PortalError("UPDATE_FIELDS_MISSING")  # `fields` is starred on the update page
    if as_text(fields.get("PROVIDER_ID")) == PROVIDER_CONFIGURABLE or record.get("PROVIDER_ID") == PROVIDER_CONFIGURABLE:
        raise PortalError("UPDATE_USE_CONFIGURABLE")
    if "SUBJECT" in fields and not (as_text(fields["SUBJECT"]) or "").strip():
        raise PortalError("ADD_SUBJECT_MISSING")
    if "RESPONSIBLE_ID" in fields:
        value = as_int(fields["RESPONSIBLE_ID"])
        if value is None or value <= 0 or not state.world.user(value):
            raise PortalError("ADD_RESPONSIBLE_INVALID")
    communications = None
    if "COMMUNICATIONS" in fields:
        # Check the new communications against the activity's (immutable) type.
        req = _request(ctx, {**fields, "TYPE_ID": record.get("TYPE_ID")})
        error = rule_communications(req) or rule_count(req)
        if error:
            raise PortalError(error)
        communications = build_communications(req, record)
    files = None
    if "FILES" in fields:
        files = decoded_files(_request(ctx, fields))
        if files is None:
            raise PortalError("FILES_INVALID")
    updated = apply_update(record, fields, state.now(), state.tz, ctx.caller.user_id)
    for key in ("ID", "COMMUNICATIONS", "FILES"):
        updated.pop(key, None)
    state.store.update(activity_id, updated, communications, files)
    return MethodResult(True)


def delete(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    state = ctx.state
    activity_id = _id(params)
    _visible(ctx, activity_id)
    if not state.world.right(ctx.caller.user_id, "delete"):
        raise PortalError("ADD_ACCESS_DENIED")
    state.store.delete(activity_id)
    return MethodResult(True)


# The last part of a spec/methods.yaml name of entity `activity` -> its handler.
OPERATIONS = {"add": add, "get": get, "list": list_, "update": update, "delete": delete}
