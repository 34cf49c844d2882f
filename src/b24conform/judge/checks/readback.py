"""Read-back checks: what crm.activity.get / list return against what crm.activity.add sent.

Documented normalisation (reference docs-contract.md sections 0, 1 and 3) before comparing:
- numbers come back as decimal strings (AMB-NUMBERS-AS-STRINGS decides whether ints also pass);
- datetimes come back in the portal's offset: equal when they denote the same instant (a value sent
  without an offset is read in the portal's zone, so only its wall-clock time is compared);
- empty optional strings come back as null, empty objects as [] (PHP arrays); a field sent empty
  counts as not set, so the portal's own default may come back (PROVIDER_TYPE_ID of a meeting);
  so does an enum id whose NAME is empty (the "undefined" entry 0 of the crm.enum.* lists);
- DEADLINE is derived from START_TIME for calls and meetings (AMB-DEADLINE-DERIVED);
- COMMUNICATIONS are read through list + select and get a TYPE filled by the portal;
- FILES / WEBDAV_ELEMENTS come back as disk-file descriptors, not as uploads, so they are not compared.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from b24conform.judge.checks._common import accepts, is_decimal_string, is_int, is_number, json_of, short
from b24conform.judge.checks.time_block import ISO_WITH_OFFSET

DATE_FIELDS = ("START_TIME", "END_TIME", "DEADLINE", "CREATED", "LAST_UPDATED")
# Integer-typed fields of the get example that are not enums (docs-contract.md section 1).
PLAIN_INTEGER_FIELDS = (
    "ID", "OWNER_ID", "OWNER_TYPE_ID", "RESPONSIBLE_ID", "AUTHOR_ID", "EDITOR_ID",
    "ASSOCIATED_ENTITY_ID", "NOTIFY_VALUE",
)
# Not compared field by field: read-only, derived or read back in another shape.
NOT_COMPARED = frozenset({
    "COMMUNICATIONS", "FILES", "WEBDAV_ELEMENTS", "BINDINGS", "DEADLINE", "COMPLETED", "IS_INCOMING_CHANNEL",
})
# Target.add marks these for cleanup, so they read back with the run's prefix.
MARKED = frozenset({"SUBJECT", "ORIGINATOR_ID"})
# Communication TYPE the portal fills in per activity type (docs-contract.md section 0).
FILLED_COMM_TYPE = {2: "PHONE", 4: "EMAIL"}
PAGE_SIZE = 50


def integer_fields(contract: Any) -> tuple[str, ...]:
    """Fields read back as numbers: the enum-typed fields of enums.yaml plus the plain integer ones."""
    enum_fields = tuple(enum.field for enum in contract.enums.values())
    return tuple(dict.fromkeys(PLAIN_INTEGER_FIELDS + enum_fields))


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _undefined_enum(contract: Any, field: str, value: Any) -> bool:
    enum = contract.enum_for_field(field)
    if enum is None:
        return False
    return any(str(v["ID"]) == str(value) and v.get("NAME") == "" for v in enum.values)


def same_instant(sent: Any, read: Any) -> bool:
    a, b = parse_datetime(sent), parse_datetime(read)
    if a is None or b is None:
        return False
    if a.tzinfo is None or b.tzinfo is None:
        # No offset sent: the portal reads it in its own zone; only the wall-clock time can match.
        return a.replace(tzinfo=None) == b.replace(tzinfo=None)
    return a == b


def same_value(sent: Any, read: Any, field: str = "") -> bool:
    """Equality modulo the documented read-back normalisation."""
    if _empty(sent) and _empty(read):
        return True
    if field in DATE_FIELDS or (isinstance(sent, str) and parse_datetime(sent) and ISO_WITH_OFFSET.match(str(read))):
        if same_instant(sent, read):
            return True
    if isinstance(sent, dict):
        if not isinstance(read, dict):
            return False
        return all(same_value(v, read.get(k), f"{field}.{k}") for k, v in sent.items())
    if isinstance(sent, list):
        return isinstance(read, list) and len(sent) == len(read) and all(
            same_value(s, r, field) for s, r in zip(sent, read)
        )
    if isinstance(sent, bool) or isinstance(read, bool):
        return sent == read
    if is_number(sent) or is_number(read):
        try:
            return float(sent) == float(read)
        except (TypeError, ValueError):
            return False
    return sent == read


def _activity(value: Any) -> Any:
    """A get reply, its body, or the activity itself."""
    body = json_of(value)
    if isinstance(body, dict) and isinstance(body.get("result"), dict) and "time" in body:
        return body["result"]
    return body


def check_readback_id(value: Any, contract: Any, mode: str, *, activity_id: int) -> list[str]:
    """RT-001: get answers the activity asked for."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [f"get: expected an activity object, got {short(act)}"]
    if str(act.get("ID")) != str(activity_id):
        return [f"get: ID {short(act.get('ID'))}, expected {activity_id}"]
    return []


def check_readback_equal(value: Any, contract: Any, mode: str, *, sent: dict[str, Any]) -> list[str]:
    """RT-001 / RT-013: every sent field reads back equal after normalisation."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [f"read-back: expected an activity object, got {short(act)}"]
    problems = []
    for field, sent_value in sent.items():
        if field in NOT_COMPARED:
            continue
        if _empty(sent_value) or _undefined_enum(contract, field, sent_value):
            continue  # sent empty = not set: null, empty or the portal's default all conform
        if field not in act:
            problems.append(f"read-back: {field} missing (sent {short(sent_value)})")
            continue
        read_value = act[field]
        if field in MARKED and isinstance(sent_value, str) and isinstance(read_value, str):
            # The Target prefixes these with the run marker; what we asked for must still be there.
            if sent_value in read_value:
                continue
        if not same_value(sent_value, read_value, field):
            problems.append(f"read-back: {field} is {short(read_value)}, sent {short(sent_value)}")
    return problems


def check_readback_numbers(value: Any, contract: Any, mode: str) -> list[str]:
    """RT-002: ids and numbers read back as decimal strings (JSON integers only in lenient mode)."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [f"read-back: expected an activity object, got {short(act)}"]
    ints_ok = accepts(contract, "AMB-NUMBERS-AS-STRINGS", "b", mode)
    problems = []
    for field in integer_fields(contract):
        if field not in act or act[field] is None:
            continue
        v = act[field]
        if is_decimal_string(v):
            continue
        if is_int(v):
            if not ints_ok:
                problems.append(f"read-back: {field} is the JSON integer {v}; {mode} mode wants a decimal string (AMB-NUMBERS-AS-STRINGS)")
            continue
        problems.append(f"read-back: {field} is {short(v)}, not a decimal number")
    return problems


def check_readback_dates(value: Any, contract: Any, mode: str, *, sent: dict[str, Any]) -> list[str]:
    """RT-003: START_TIME / END_TIME are ISO 8601 with an offset and the instant that was sent."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [f"read-back: expected an activity object, got {short(act)}"]
    problems = []
    for field in ("START_TIME", "END_TIME"):
        if field not in sent:
            continue
        read_value = act.get(field)
        if not isinstance(read_value, str) or not ISO_WITH_OFFSET.match(read_value):
            problems.append(f"read-back: {field} {short(read_value)} is not ISO 8601 with an offset")
        elif not same_instant(sent[field], read_value):
            problems.append(f"read-back: {field} {read_value!r} is not the instant sent, {sent[field]!r}")
    return problems


def check_deadline(value: Any, contract: Any, mode: str, *, sent: dict[str, Any]) -> list[str]:
    """RT-009: for calls and meetings DEADLINE reads back as START_TIME (AMB-DEADLINE-DERIVED)."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [f"read-back: expected an activity object, got {short(act)}"]
    if str(sent.get("TYPE_ID")) not in ("1", "2") or "START_TIME" not in sent:
        return []
    deadline = act.get("DEADLINE")
    if same_instant(sent["START_TIME"], deadline):
        return []
    if "DEADLINE" in sent and same_instant(sent["DEADLINE"], deadline) and accepts(
        contract, "AMB-DEADLINE-DERIVED", "b", mode
    ):
        return []
    return [f"read-back: DEADLINE {short(deadline)} is not START_TIME {sent['START_TIME']!r} (AMB-DEADLINE-DERIVED, {mode})"]


def check_completed(value: Any, contract: Any, mode: str, *, sent: dict[str, Any]) -> list[str]:
    """RT-010 / EMAIL-006: COMPLETED reads back as sent (any Y/N in lenient mode, AMB-COMPLETED-FIELD b)."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [f"read-back: expected an activity object, got {short(act)}"]
    if "COMPLETED" not in sent:
        return []
    read_value = act.get("COMPLETED")
    if read_value == sent["COMPLETED"]:
        return []
    if read_value in ("Y", "N") and accepts(contract, "AMB-COMPLETED-FIELD", "b", mode):
        return []
    return [f"read-back: COMPLETED {short(read_value)}, sent {sent['COMPLETED']!r} (AMB-COMPLETED-FIELD, {mode})"]


def check_communications(value: Any, contract: Any, mode: str, *, sent: dict[str, Any]) -> list[str]:
    """COMM-004: the list item's COMMUNICATIONS hold what was sent plus a TYPE the portal filled in."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [f"read-back: expected an activity object, got {short(act)}"]
    comms = act.get("COMMUNICATIONS")
    sent_comms = sent.get("COMMUNICATIONS") or []
    if not isinstance(comms, list):
        return [f"read-back: COMMUNICATIONS {short(comms)} is not a list"]
    if len(comms) != len(sent_comms):
        return [f"read-back: {len(comms)} communications, sent {len(sent_comms)}"]
    problems = []
    ints_ok = accepts(contract, "AMB-NUMBERS-AS-STRINGS", "b", mode)
    try:
        type_id = int(sent.get("TYPE_ID"))
    except (TypeError, ValueError):
        type_id = None
    for sent_item in sent_comms:
        match = next((c for c in comms if isinstance(c, dict) and c.get("VALUE") == sent_item.get("VALUE")), None)
        if match is None:
            problems.append(f"read-back: no communication with VALUE {sent_item.get('VALUE')!r}")
            continue
        for key in ("ENTITY_ID", "ENTITY_TYPE_ID"):
            if key not in sent_item:
                continue
            if not same_value(sent_item[key], match.get(key), key):
                problems.append(f"read-back: communication {key} {short(match.get(key))}, sent {sent_item[key]!r}")
            elif is_int(match.get(key)) and not ints_ok:
                problems.append(f"read-back: communication {key} is a JSON integer; {mode} mode wants a string")
        want_type = sent_item.get("TYPE") or FILLED_COMM_TYPE.get(type_id)
        if want_type and match.get("TYPE") != want_type:
            problems.append(f"read-back: communication TYPE {short(match.get('TYPE'))}, expected {want_type!r}")
    return problems


def check_list_finds(reply: Any, contract: Any, mode: str, *, activity_id: int) -> list[str]:
    """RT-004: list filtered by ID returns exactly that activity, total 1."""
    body = json_of(reply)
    if not isinstance(body, dict) or not isinstance(body.get("result"), list):
        return [f"list: expected result to be a list, got {short(body)}"]
    items = body["result"]
    problems = []
    if len(items) != 1 or not isinstance(items[0], dict) or str(items[0].get("ID")) != str(activity_id):
        problems.append(f"list: expected exactly activity {activity_id}, got IDs {[i.get('ID') if isinstance(i, dict) else i for i in items]}")
    if str(body.get("total")) != "1" or not is_int(body.get("total")):
        problems.append(f"list: total {short(body.get('total'))}, expected 1")
    if "next" in body:
        problems.append(f"list: `next` {short(body['next'])} on a single-item result")
    return problems


def check_list_page(reply: Any, contract: Any, mode: str, *, start: int = 0) -> list[str]:
    """RT-005: at most 50 items, total is the full count, next = start + page only while more follow."""
    body = json_of(reply)
    if not isinstance(body, dict) or not isinstance(body.get("result"), list):
        return [f"list: expected result to be a list, got {short(body)}"]
    items, total = body["result"], body.get("total")
    problems = []
    if len(items) > PAGE_SIZE:
        problems.append(f"list: {len(items)} items in one page, at most {PAGE_SIZE} allowed")
    if not is_int(total) or total < 0:
        problems.append(f"list: total {short(total)} is not a count")
        return problems
    if start + len(items) > total:
        problems.append(f"list: start {start} + {len(items)} items exceeds total {total}")
    more = start + len(items) < total
    if more:
        if body.get("next") != start + len(items):
            problems.append(f"list: next {short(body.get('next'))}, expected {start + len(items)} (total {total})")
        if len(items) != PAGE_SIZE:
            problems.append(f"list: a non-final page holds {len(items)} items, not {PAGE_SIZE}")
    elif "next" in body:
        problems.append(f"list: `next` {short(body['next'])} on the last page (total {total})")
    return problems
