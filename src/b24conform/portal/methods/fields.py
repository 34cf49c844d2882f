"""crm.activity.fields and crm.activity.communication.fields (reference docs-contract.md section 1).

Flags follow the JSON example of the fields page; ORIGIN_VERSION (add table, prose only) and the
titles (English glosses of the portal's Russian titles) are the portal's own.
"""
from __future__ import annotations

from typing import Any

from b24conform.portal.state import CallContext, MethodResult

# name, type, required, read-only, immutable, multiple, title, extra
_ACTIVITY = [
    ("ID", "integer", 0, 1, 0, 0, "ID"),
    ("OWNER_ID", "integer", 0, 0, 1, 0, "Owner ID"),
    ("OWNER_TYPE_ID", "crm_enum_ownertype", 0, 0, 1, 0, "Owner type"),
    ("TYPE_ID", "crm_enum_activitytype", 1, 0, 1, 0, "Type"),
    ("PROVIDER_ID", "string", 0, 0, 0, 0, "Provider"),
    ("PROVIDER_TYPE_ID", "string", 0, 0, 0, 0, "Provider type"),
    ("PROVIDER_GROUP_ID", "string", 0, 0, 0, 0, "Provider group"),
    ("ASSOCIATED_ENTITY_ID", "integer", 0, 1, 0, 0, "Associated entity"),
    ("SUBJECT", "string", 1, 0, 0, 0, "Subject"),
    ("START_TIME", "datetime", 0, 0, 0, 0, "Start time"),
    ("END_TIME", "datetime", 0, 0, 0, 0, "End time"),
    ("DEADLINE", "datetime", 0, 0, 0, 0, "Deadline"),
    ("COMPLETED", "char", 0, 0, 0, 0, "Completed"),
    ("STATUS", "crm_enum_activitystatus", 0, 0, 0, 0, "Status"),
    ("RESPONSIBLE_ID", "user", 1, 0, 0, 0, "Responsible"),
    ("PRIORITY", "crm_enum_activitypriority", 0, 0, 0, 0, "Priority"),
    ("NOTIFY_TYPE", "crm_enum_activitynotifytype", 0, 0, 0, 0, "Notification type"),
    ("NOTIFY_VALUE", "integer", 0, 0, 0, 0, "Notification value"),
    ("DESCRIPTION", "string", 0, 0, 0, 0, "Description"),
    ("DESCRIPTION_TYPE", "crm_enum_contenttype", 0, 0, 0, 0, "Description type"),
    ("DIRECTION", "crm_enum_activitydirection", 0, 0, 0, 0, "Direction"),
    ("LOCATION", "string", 0, 0, 0, 0, "Location"),
    ("CREATED", "datetime", 0, 1, 0, 0, "Created"),
    ("AUTHOR_ID", "user", 0, 1, 0, 0, "Author"),
    ("LAST_UPDATED", "datetime", 0, 1, 0, 0, "Last updated"),
    ("EDITOR_ID", "user", 0, 1, 0, 0, "Editor"),
    ("SETTINGS", "object", 0, 0, 0, 0, "Settings"),
    ("ORIGIN_ID", "string", 0, 0, 0, 0, "Origin ID"),
    ("ORIGINATOR_ID", "string", 0, 0, 0, 0, "Originator ID"),
    ("ORIGIN_VERSION", "string", 0, 0, 0, 0, "Origin version"),
    ("RESULT_STATUS", "integer", 0, 0, 0, 0, "Result status"),
    ("RESULT_STREAM", "integer", 0, 0, 0, 0, "Result stream"),
    ("RESULT_SOURCE_ID", "string", 0, 0, 0, 0, "Result source"),
    ("PROVIDER_PARAMS", "object", 0, 0, 0, 0, "Provider parameters"),
    ("PROVIDER_DATA", "string", 0, 0, 0, 0, "Provider data"),
    ("RESULT_MARK", "integer", 0, 0, 0, 0, "Result mark"),
    ("RESULT_VALUE", "double", 0, 0, 0, 0, "Result value"),
    ("RESULT_SUM", "double", 0, 0, 0, 0, "Result sum"),
    ("RESULT_CURRENCY_ID", "string", 0, 0, 0, 0, "Result currency"),
    ("AUTOCOMPLETE_RULE", "integer", 0, 0, 0, 0, "Autocomplete rule"),
    ("BINDINGS", "crm_activity_binding", 0, 1, 0, 1, "Bindings"),
    ("COMMUNICATIONS", "crm_activity_communication", 1, 0, 0, 1, "Communications"),
    ("FILES", "diskfile", 0, 0, 0, 1, "Files"),
    ("WEBDAV_ELEMENTS", "diskfile", 0, 0, 0, 1, "Files (deprecated)"),
    ("IS_INCOMING_CHANNEL", "char", 0, 1, 0, 0, "Incoming channel"),
]

_COMMUNICATION = [
    ("ID", "integer", 0, 1, 0, 0, "ID"),
    ("ACTIVITY_ID", "integer", 0, 1, 0, 0, "Activity ID"),
    ("ENTITY_ID", "integer", 0, 0, 0, 0, "Entity ID"),
    ("ENTITY_TYPE_ID", "integer", 0, 0, 0, 0, "Entity type ID"),
    ("TYPE", "string", 0, 0, 0, 0, "Type"),
    ("VALUE", "string", 0, 0, 0, 0, "Value"),
]


def _descriptors(rows: list[tuple]) -> dict[str, Any]:
    result = {}
    for name, type_, req, ro, imm, mult, title in rows:
        entry = {
            "type": type_,
            "isRequired": bool(req),
            "isReadOnly": bool(ro),
            "isImmutable": bool(imm),
            "isMultiple": bool(mult),
            "isDynamic": False,
            "title": title,
        }
        if name == "WEBDAV_ELEMENTS":
            entry["isDeprecated"] = True
        result[name] = entry
    return result


def activity_fields(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    return MethodResult(_descriptors(_ACTIVITY))


def communication_fields(ctx: CallContext, params: dict[str, Any]) -> MethodResult:
    return MethodResult(_descriptors(_COMMUNICATION))
