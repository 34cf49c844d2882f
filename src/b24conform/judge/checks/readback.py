"""Read-back checks: what crm.activity.get / list return against what crm.activity.add sent.

Documented normalisation (api-reference/crm/timeline/activities/activity-base/crm-activity-get.md, crm-activity-list.md, crm-activity-fields.md) before comparing:
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

from b24conform.contract import load_contract
from b24conform.contract.fieldsets import activity_field_sets
from b24conform.judge.checks._common import (
    AnyReply, Contract, accepts, is_decimal_string, is_int, is_number, json_of, via_batch,
)
from b24conform.judge.checks.time_block import ISO_WITH_OFFSET
from b24conform.verdict.problems import Problem

# The datetime-typed fields of spec/fields.yaml: compared as instants, whatever offset the portal prints.
DATE_FIELDS = activity_field_sets().of_kind("datetime")
# Integer fields held to decimal strings beside the enum fields (spec/fields.yaml `readback.numbers`).
PLAIN_INTEGER_FIELDS = activity_field_sets().numbers
# Not compared field by field: read-only, derived or read back in another shape.
NOT_COMPARED = frozenset({
    "COMMUNICATIONS", "FILES", "WEBDAV_ELEMENTS", "BINDINGS", "DEADLINE", "COMPLETED", "IS_INCOMING_CHANNEL",
})
# Target.add marks these for cleanup, so they read back with the run's prefix.
MARKED = frozenset({"SUBJECT", "ORIGINATOR_ID"})
# Communication TYPE the portal fills in per activity type (spec/fields.yaml `by_type`); a type that clears
# it ("", a meeting) expects whatever TYPE was sent.
FILLED_COMM_TYPE = {type_id: kind for type_id, kind in activity_field_sets().communication_types().items() if kind}
PAGE_SIZE = load_contract().limits.page_size


def integer_fields(contract: Contract) -> tuple[str, ...]:
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


def _undefined_enum(contract: Contract, field: str, value: Any) -> bool:
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


def same_value(sent: Any, read: Any, field: str | None = None) -> bool:
    """Equality modulo the documented read-back normalisation. `field` names a top-level field: a
    datetime field's value is compared as an instant whatever its form."""
    if _empty(sent) and _empty(read):
        return True
    if field in DATE_FIELDS or (isinstance(sent, str) and parse_datetime(sent) and ISO_WITH_OFFSET.match(str(read))):
        if same_instant(sent, read):
            return True
    if isinstance(sent, dict):
        if not isinstance(read, dict):
            return False
        # The sent keys must read back equal; keys the portal adds itself (SETTINGS defaults, a
        # communication's ID, TYPE, ENTITY_SETTINGS) are documented read-back content, not a mismatch.
        # A nested key is no field of crm.activity.fields: a datetime in it is known by its ISO form alone.
        return all(same_value(v, read.get(k)) for k, v in sent.items())
    if isinstance(sent, list):
        return isinstance(read, list) and len(sent) == len(read) and all(
            same_value(s, r, field) for s, r in zip(sent, read)
        )
    # A JSON true/false is no number (is_number), but against one it compares as 1/0 (float(True) == 1.0).
    if is_number(sent) or is_number(read):
        try:
            return float(sent) == float(read)
        except OverflowError:  # an integer past a float's range: only itself is equal to it
            return sent == read
        except (TypeError, ValueError):
            return False
    return sent == read


def _activity(value: Any) -> Any:
    """A get reply, its body, or the activity itself."""
    body = json_of(value)
    # An envelope is unwrapped whatever its result holds: a get answering `result: []` has no activity,
    # which is one problem, not every sent field missing from the envelope.
    if isinstance(body, dict) and "result" in body and ("time" in body or via_batch(value)):
        return body["result"]  # a batch command's answer is an envelope without `time`
    return body


def check_readback_id(value: Any, contract: Contract, mode: str, *, activity_id: int) -> list[Problem]:
    """RT-001: get answers the activity asked for."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [Problem("readback-not-activity", "get", actual=act)]
    if str(act.get("ID")) != str(activity_id):
        return [Problem("readback-wrong-id", "ID", expected=activity_id, actual=act.get("ID"))]
    return []


def check_readback_equal(value: Any, contract: Contract, mode: str, *, sent: dict[str, Any]) -> list[Problem]:
    """RT-001 / RT-013: every sent field reads back equal after normalisation."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [Problem("readback-not-activity", "read-back", actual=act)]
    problems = []
    for field, sent_value in sent.items():
        if field in NOT_COMPARED:
            continue
        if _empty(sent_value) or _undefined_enum(contract, field, sent_value):
            continue  # sent empty = not set: null, empty or the portal's default all conform
        if field not in act:
            problems.append(Problem("readback-field-missing", field, expected=sent_value))
            continue
        read_value = act[field]
        # Equality, marked fields included: callers pass what went on the wire (Target.mark(fields)),
        # so a portal that adds to or alters the stored text is caught, not excused by containment.
        if not same_value(sent_value, read_value, field):
            problems.append(Problem("readback-mismatch", field, expected=sent_value, actual=read_value))
    return problems


def check_readback_numbers(value: Any, contract: Contract, mode: str) -> list[Problem]:
    """RT-002: ids and numbers read back as decimal strings (JSON integers only in lenient mode)."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [Problem("readback-not-activity", "read-back", actual=act)]
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
                problems.append(Problem("readback-number-as-int", "numbers", actual=v, context=field,
                                        ambiguity="AMB-NUMBERS-AS-STRINGS", mode=mode))
            continue
        problems.append(Problem("readback-number-type", field, actual=v))
    return problems


def check_readback_dates(value: Any, contract: Contract, mode: str, *, sent: dict[str, Any]) -> list[Problem]:
    """RT-003: START_TIME / END_TIME are ISO 8601 with an offset and the instant that was sent."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [Problem("readback-not-activity", "read-back", actual=act)]
    problems = []
    for field in ("START_TIME", "END_TIME"):
        if field not in sent:
            continue
        read_value = act.get(field)
        if not isinstance(read_value, str) or not ISO_WITH_OFFSET.match(read_value):
            problems.append(Problem("readback-date-format", field, actual=read_value))
        elif not same_instant(sent[field], read_value):
            problems.append(Problem("readback-date-shifted", field, expected=sent[field], actual=read_value))
    return problems


def check_deadline(value: Any, contract: Contract, mode: str, *, sent: dict[str, Any]) -> list[Problem]:
    """RT-009: for calls and meetings DEADLINE reads back as START_TIME (AMB-DEADLINE-DERIVED)."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [Problem("readback-not-activity", "read-back", actual=act)]
    if str(sent.get("TYPE_ID")) not in ("1", "2") or "START_TIME" not in sent:
        return []
    deadline = act.get("DEADLINE")
    if same_instant(sent["START_TIME"], deadline):
        return []
    if "DEADLINE" in sent and same_instant(sent["DEADLINE"], deadline) and accepts(
        contract, "AMB-DEADLINE-DERIVED", "b", mode
    ):
        return []
    return [Problem("readback-deadline", "DEADLINE", expected=sent["START_TIME"], actual=deadline,
                    ambiguity="AMB-DEADLINE-DERIVED", mode=mode)]


def check_completed(value: Any, contract: Contract, mode: str, *, sent: dict[str, Any]) -> list[Problem]:
    """RT-010 / EMAIL-006: COMPLETED reads back as sent (any Y/N in lenient mode, AMB-COMPLETED-FIELD b)."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [Problem("readback-not-activity", "read-back", actual=act)]
    if "COMPLETED" not in sent:
        return []
    read_value = act.get("COMPLETED")
    if read_value == sent["COMPLETED"]:
        return []
    if read_value in ("Y", "N") and accepts(contract, "AMB-COMPLETED-FIELD", "b", mode):
        return []
    return [Problem("readback-completed", "COMPLETED", expected=sent["COMPLETED"], actual=read_value,
                    ambiguity="AMB-COMPLETED-FIELD", mode=mode)]


def check_communications(value: Any, contract: Contract, mode: str, *, sent: dict[str, Any]) -> list[Problem]:
    """COMM-004: the list item's COMMUNICATIONS hold what was sent plus a TYPE the portal filled in."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [Problem("readback-not-activity", "read-back", actual=act)]
    comms = act.get("COMMUNICATIONS")
    sent_comms = sent.get("COMMUNICATIONS") or []
    if not isinstance(comms, list):
        return [Problem("readback-communications", "COMMUNICATIONS", expects="a list", actual=comms)]
    if len(comms) != len(sent_comms):
        return [Problem("readback-communications", "count", expected=len(sent_comms), actual=len(comms))]
    problems = []
    ints_ok = accepts(contract, "AMB-NUMBERS-AS-STRINGS", "b", mode)
    try:
        type_id = int(sent.get("TYPE_ID"))
    except (TypeError, ValueError):
        type_id = None
    for sent_item in sent_comms:
        # Matched by VALUE, not by position: the docs do not say in which order get/list print them.
        match = next((c for c in comms if isinstance(c, dict) and c.get("VALUE") == sent_item.get("VALUE")), None)
        if match is None:
            problems.append(Problem("readback-communications", "VALUE", expected=sent_item.get("VALUE"),
                                    actual=[c.get("VALUE") if isinstance(c, dict) else c for c in comms]))
            continue
        for key in ("ENTITY_ID", "ENTITY_TYPE_ID"):
            if key not in sent_item:
                continue
            if not same_value(sent_item[key], match.get(key)):  # no datetime field: no name needed
                problems.append(Problem("readback-communications", key, expected=sent_item[key], actual=match.get(key)))
            elif is_int(match.get(key)) and not ints_ok:
                problems.append(Problem("readback-number-as-int", "numbers", actual=match.get(key),
                                        context=f"communication {key}", ambiguity="AMB-NUMBERS-AS-STRINGS", mode=mode))
        want_type = sent_item.get("TYPE") or FILLED_COMM_TYPE.get(type_id)
        if want_type and match.get("TYPE") != want_type:
            problems.append(Problem("readback-communications", "TYPE", expected=want_type, actual=match.get("TYPE")))
    return problems


def check_list_finds(reply: AnyReply, contract: Contract, mode: str, *, activity_id: int) -> list[Problem]:
    """RT-004: list filtered by ID returns exactly that activity, total 1."""
    body = json_of(reply)
    if not isinstance(body, dict) or not isinstance(body.get("result"), list):
        return [Problem("list-not-list", "result", actual=body.get("result") if isinstance(body, dict) else body)]
    items = body["result"]
    problems = []
    if len(items) != 1 or not isinstance(items[0], dict) or str(items[0].get("ID")) != str(activity_id):
        problems.append(Problem("list-wrong-items", "result", expected=activity_id,
                                actual=[i.get("ID") if isinstance(i, dict) else i for i in items]))
    if str(body.get("total")) != "1" or not is_int(body.get("total")):
        problems.append(Problem("list-total", "total", expected=1, actual=body.get("total")))
    if "next" in body:
        problems.append(Problem("list-next", "next", expects="no `next` on a single-item result", actual=body["next"]))
    return problems


def check_list_finds_nothing(reply: AnyReply, contract: Contract, mode: str) -> list[Problem]:
    """RT-007: list filtered by the ID of a deleted activity answers no item and total 0."""
    body = json_of(reply)
    if not isinstance(body, dict) or not isinstance(body.get("result"), list):
        return [Problem("list-not-list", "result", actual=body.get("result") if isinstance(body, dict) else body)]
    problems = []
    if body["result"]:
        problems.append(Problem("list-wrong-items", "result", expected=[],
                                actual=[i.get("ID") if isinstance(i, dict) else i for i in body["result"]]))
    if body.get("total") != 0:
        problems.append(Problem("list-total", "total", expected=0, actual=body.get("total")))
    return problems


def check_list_page(reply: AnyReply, contract: Contract, mode: str, *, start: int = 0) -> list[Problem]:
    """RT-005: at most 50 items, total is the full count, next = start + page only while more follow."""
    body = json_of(reply)
    if not isinstance(body, dict) or not isinstance(body.get("result"), list):
        return [Problem("list-not-list", "result", actual=body.get("result") if isinstance(body, dict) else body)]
    items, total = body["result"], body.get("total")
    problems = []
    if len(items) > PAGE_SIZE:
        problems.append(Problem("list-page-size", "items in one page", expects=f"at most {PAGE_SIZE}", actual=len(items)))
    if not is_int(total) or total < 0:
        problems.append(Problem("list-total", "total", expects="a count", actual=total))
        return problems
    if items and start + len(items) > total:  # an empty page past the end says nothing of the count
        problems.append(Problem("list-total", "total", expects=f">= start {start} + {len(items)} items", actual=total))
    more = start + len(items) < total
    if more:
        if body.get("next") != start + len(items):
            problems.append(Problem("list-next", "next", expected=start + len(items), actual=body.get("next"),
                                    context=f"total {total}"))
        if len(items) != PAGE_SIZE:
            problems.append(Problem("list-page-size", "items in a non-final page", expected=PAGE_SIZE, actual=len(items)))
    elif "next" in body:
        problems.append(Problem("list-next", "next", expects="no `next` on the last page", actual=body["next"],
                                context=f"total {total}"))
    return problems


def check_list_uncounted(reply: AnyReply, contract: Contract, mode: str) -> list[Problem]:
    """RT-015: with start=-1 the count is skipped: no `next`, `total` 0 where it is given, one page at most."""
    body = json_of(reply)
    body = body if isinstance(body, dict) else {}
    items = body.get("result") if isinstance(body.get("result"), list) else []
    problems = []
    if "next" in body:
        problems.append(Problem("list-next", "next", expects="no `next`: the count is off, so no page follows",
                                actual=body["next"], context="start=-1"))
    if "total" in body and body["total"] != 0:
        problems.append(Problem("list-total", "total", expected=0, actual=body["total"], context="start=-1"))
    if len(items) > PAGE_SIZE:
        problems.append(Problem("list-page-size", "items in one page", expects=f"at most {PAGE_SIZE}", actual=len(items),
                                context="start=-1"))
    return problems


def check_list_select(reply: AnyReply, contract: Contract, mode: str, *, activity_id: Any, select: list[str],
                      present: set[str], absent: set[str]) -> list[Problem]:
    """RT-019: list filtered by ID gives one item with the fields `present` and none of `absent`; a
    select without "*" gives the fields it names and nothing else."""
    body = json_of(reply)
    result = body.get("result") if isinstance(body, dict) else None
    items = [item for item in result if isinstance(item, dict)] if isinstance(result, list) else []
    problems = []
    if len(items) != 1:
        problems.append(Problem("list-wrong-items", "result", expected=activity_id, actual=[i.get("ID") for i in items]))
    for item in items:
        keys = set(item)
        problems += [Problem("list-select-missing", name, expected=select) for name in sorted(present - keys)]
        problems += [Problem("list-select-extra", name, expected=select) for name in sorted(absent & keys)]
        if "*" not in select and keys - present:
            problems.append(Problem("list-select-extra", ", ".join(sorted(keys - present)), expected=select))
    return problems


def check_list_walk(ids: list[Any], contract: Contract, mode: str, *, total: Any, pages: int,
                    min_pages: int = 1) -> list[Problem]:
    """RT-005, over all pages: the IDs walked by `next` number `total` (where it is an integer), none
    twice, in at least `min_pages` pages (2 where more than a page's worth are known to exist)."""
    problems = []
    if isinstance(total, int) and len(ids) != total:
        problems.append(Problem("list-total", "total", expects=f"the {len(ids)} items the pages gave", actual=total))
    if len(set(ids)) != len(ids):
        repeated = sorted({i for i in ids if ids.count(i) > 1}, key=str)
        problems.append(Problem("list-item-repeated", "result", actual=repeated))
    if pages < min_pages:
        problems.append(Problem("list-pages", "pages", expects=f"{min_pages} or more for {len(ids)} items "
                                f"({PAGE_SIZE} to a page)", actual=pages))
    return problems


def check_files(value: Any, contract: Contract, mode: str, *, sent: dict[str, Any]) -> list[Problem]:
    """RT-020: FILES read back in the list page's shape (example-files): one {"id", "url"} entry per
    fileData sent, the id a number, the url text. Not the upload: a portal stores the content on its disk."""
    act = _activity(value)
    if not isinstance(act, dict):
        return [Problem("readback-not-activity", "read-back", actual=act)]
    sent_files = [f for f in sent.get("FILES") or [] if isinstance(f, dict) and "fileData" in f]
    files = act.get("FILES")
    if _empty(files) and not sent_files:
        return []
    if not isinstance(files, list):
        return [Problem("readback-files", "FILES", expects="a list of {id, url}", actual=files)]
    problems = []
    if len(files) != len(sent_files):
        problems.append(Problem("readback-files", "count", expected=len(sent_files), actual=len(files)))
    for item in files:
        entry = item if isinstance(item, dict) else {}
        if not (is_int(entry.get("id")) or is_decimal_string(entry.get("id"))):
            problems.append(Problem("readback-files", "id", expects="a file id", actual=item))
        elif not isinstance(entry.get("url"), str) or not entry["url"]:
            problems.append(Problem("readback-files", "url", expects="the file's address", actual=item))
    ids = [str(e.get("id")) for e in files if isinstance(e, dict)]
    if len(set(ids)) != len(ids):
        problems.append(Problem("readback-files", "id", expects="one id per file", actual=ids))
    return problems
