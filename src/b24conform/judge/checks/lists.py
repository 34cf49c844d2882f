"""Checks of crm.activity.list past its first page and of what its parameters do (clauses RT-021..RT-023),
and of a request read the same whichever body carried it (CALL-011).

The list page (api-reference/crm/timeline/activities/activity-base/crm-activity-list.md, "Параметры
метода"): pages of 50, `start = (N-1) * 50` for page N, `order` by any field asc|desc, `filter` keys are
the fields of crm.activity.fields with a prefix from the page's list (spec/openapi.yaml ListRequest,
`x-b24-filter-prefixes`). The checks compare what a portal answers with what the request asked for;
they never need more activities than the portal already has.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from b24conform.contract import load_contract
from b24conform.judge.checks._common import AnyReply, Contract, is_int, json_of
from b24conform.verdict.problems import Problem

PAGE_SIZE = load_contract().limits.page_size  # spec/limits.yaml


def items_of(value: Any) -> list[Any]:
    """The items of a list reply, its body or a bare result list ([] when there is none)."""
    body = json_of(value)
    result = body.get("result") if isinstance(body, dict) else body
    return result if isinstance(result, list) else []


def ids_of(value: Any) -> list[str]:
    return [str(item.get("ID")) for item in items_of(value) if isinstance(item, dict)]


def _number(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def total_of(value: Any) -> Any:
    """The `total` of a list reply or its body (None when it has none)."""
    body = json_of(value)
    return body.get("total") if isinstance(body, dict) else None


def last_page_start(total: Any) -> int:
    """The `start` of the last page for `total` items: (N-1) * 50, N the number of pages."""
    return PAGE_SIZE * ((total - 1) // PAGE_SIZE) if is_int(total) and total > 0 else 0


def check_order(reply: AnyReply, contract: Contract, mode: str, *, descending: bool, first: Any = None) -> list[Problem]:
    """RT-022 (and RT-021's pages, ascending): the IDs come strictly in the order asked for by
    `order: {ID: ASC|DESC}`, and the page starts with `first` when it is given (the highest or lowest ID
    the filter admits)."""
    ids = ids_of(reply)
    numbers = [_number(i) for i in ids]
    subject = f"ID {'DESC' if descending else 'ASC'}"
    problems = []
    if None in numbers:
        return [Problem("list-order", subject, expects="numeric IDs", actual=ids)]
    pairs = list(zip(numbers, numbers[1:]))
    if any((a <= b) if descending else (a >= b) for a, b in pairs):
        problems.append(Problem("list-order", subject, actual=ids))
    if first is not None and (not ids or ids[0] != str(first)):
        problems.append(Problem("list-order", f"{subject}, the first item", expected=str(first), actual=ids[:3]))
    return problems


def check_last_page(first: Any, last: Any, contract: Contract, mode: str, *, start: int, ceiling: Any) -> list[Problem]:
    """RT-021: with `order: {ID: ASC}` and `filter: {<=ID: ceiling}`, the page at `start` = (N-1) * 50
    (N the page count `total` gives) is the last: the same `total` as the first page, total - start
    items, ending with `ceiling` (the highest ID the filter admits) and after every item of the first page."""
    problems = []
    total, last_total = total_of(first), total_of(last)
    if not is_int(total):
        return [Problem("list-last-page", "total of the first page", expects="a count", actual=total)]
    if last_total != total:
        problems.append(Problem("list-last-page", f"total at start={start}", expected=total, actual=last_total))
    ids = ids_of(last)
    if len(ids) != total - start:
        problems.append(Problem("list-last-page", f"items at start={start}", expected=total - start, actual=len(ids),
                                context=f"total {total}"))
    if not ids or ids[-1] != str(ceiling):
        problems.append(Problem("list-last-page", f"last ID at start={start}", expected=str(ceiling),
                                actual=ids[-1] if ids else None))
    if start > 0:
        before = [n for n in (_number(i) for i in ids_of(first)) if n is not None]
        after = [n for n in (_number(i) for i in ids) if n is not None]
        if before and after and min(after) <= max(before):
            problems.append(Problem("list-last-page", f"IDs at start={start}", expects=f"all after the first page's {max(before)}",
                                    actual=ids[:3]))
    return problems


# ------------------------------------------------------------------------------------------- filters

def _other(value: Any, kind: str) -> Any:
    """A value the field of `kind` can hold that differs from `value`."""
    if kind == "char":
        return "N" if str(value).upper() == "Y" else "Y"
    number = _number(value)
    if number is not None and not isinstance(value, bool):
        return number + 1
    return f"{value} (not)"


def _is_datetime(value: Any) -> bool:
    try:
        datetime.fromisoformat(str(value))
        return True
    except ValueError:
        return False


def filter_prefixes(contract: Contract) -> dict[str, str]:
    """prefix -> meaning (eq, ne, gt, ge, lt, le, in, not_in, contains, not_contains, like, not_like),
    as spec/openapi.yaml's ListRequest records the list page's list."""
    schema = contract.openapi["components"]["schemas"]["ListRequest"]["properties"]["filter"]
    return dict(schema["x-b24-filter-prefixes"])


def filter_cases(contract: Contract, *, activity_id: Any, sent: Mapping[str, Any]) -> dict[str, tuple[dict[str, Any], bool]]:
    """RT-023's requests: name -> (filter, whether the activity must be found). Every filter holds
    {ID: activity_id} and one condition more, so a portal that ignores that condition answers the
    activity where it must not. One pair per field the add sent that crm.activity.fields describes as a
    single value (found by its value, not by another), one case per prefix of the list page (on ID, and
    on SUBJECT for the text prefixes)."""
    described = contract.fields["activity"]["fields"]
    cases: dict[str, tuple[dict[str, Any], bool]] = {}
    for name, value in sent.items():
        desc = described.get(name)
        if name == "ID" or not isinstance(desc, dict) or desc.get("isMultiple") or isinstance(value, (dict, list)) \
                or value is None or value == "":
            continue
        if desc.get("type") == "datetime" and _is_datetime(value):
            cases[f"{name}:at-or-after"] = ({">=" + name: value}, True)
            cases[f"{name}:after"] = ({">" + name: value}, False)
        else:
            cases[f"{name}:equal"] = ({name: value}, True)
            cases[f"{name}:other"] = ({name: _other(value, str(desc.get("type")))}, False)
    subject = str(sent.get("SUBJECT") or "")
    middle = subject[len(subject) // 4: len(subject) // 4 + max(1, len(subject) // 2)]
    head = subject[: max(1, len(subject) // 2)] + "%"
    on_id: dict[str, tuple[Any, bool]] = {
        "eq": (activity_id, True), "ne": (activity_id, False), "ge": (activity_id, True), "gt": (activity_id, False),
        "le": (activity_id, True), "lt": (activity_id, False), "in": ([activity_id], True), "not_in": ([activity_id], False),
    }
    on_subject = {"contains": (middle, True), "not_contains": (middle, False), "like": (head, True), "not_like": (head, False)}
    for prefix, meaning in filter_prefixes(contract).items():
        if meaning in on_id:
            value, found = on_id[meaning]
            cases[f"{prefix}ID"] = ({f"{prefix}ID": value}, found)
        elif meaning in on_subject and subject:
            value, found = on_subject[meaning]
            cases[f"{prefix}SUBJECT"] = ({f"{prefix}SUBJECT": value}, found)
    return {name: ({"ID": activity_id, **flt}, found) for name, (flt, found) in cases.items()}


def check_filter_outcomes(reply: AnyReply, contract: Contract, mode: str, *, cases: Mapping[str, tuple[dict[str, Any], bool]],
                          keys: Mapping[str, str], activity_id: Any) -> list[Problem]:
    """RT-023, over one batch of list commands (`keys`: case name -> command key): each finds the
    activity exactly where its case says so; a command that fails is a documented key refused."""
    body = json_of(reply)
    inner = body.get("result") if isinstance(body, dict) else None
    if not isinstance(inner, dict):
        return [Problem("batch-result-not-object", "result", actual=inner)]
    results, errors = inner.get("result"), inner.get("result_error")
    results = results if isinstance(results, dict) else {}
    errors = errors if isinstance(errors, dict) else {}
    problems = []
    for name, (flt, found) in cases.items():
        key = keys[name]
        if key not in results:
            problems.append(Problem("list-filter-failed", _shown(flt), actual=errors.get(key)))
            continue
        ids = ids_of(results[key])
        if (str(activity_id) in ids) != found or len(ids) > 1:
            problems.append(Problem("list-filter", _shown(flt), expected=[str(activity_id)] if found else [], actual=ids))
    return problems


def _shown(flt: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in flt.items() if k != "ID")


# ----------------------------------------------------------------------------------------- multipart

def check_same_result(reply: AnyReply, baseline: Any, contract: Contract, mode: str) -> list[Problem]:
    """CALL-011: a request sent as multipart/form-data is answered as the same request sent as JSON:
    the same `result` (compared key by key for an object, item by item for a list)."""
    got, want = json_of(reply), json_of(baseline)
    got_result = got.get("result") if isinstance(got, dict) else None
    want_result = want.get("result") if isinstance(want, dict) else None
    if isinstance(got, dict) and "error" in got:
        if isinstance(want, dict) and want.get("error") == got.get("error"):
            return []  # the same refusal either way: read as the same request
        return [Problem("multipart-differs", "answer", expected=_brief(want_result), actual={"error": got.get("error")})]
    pairs: list[tuple[str, Any, Any]]
    if isinstance(want_result, list) and isinstance(got_result, list) and len(want_result) == len(got_result):
        pairs = [(f"result[{i}]", g, w) for i, (g, w) in enumerate(zip(got_result, want_result))]
    else:
        pairs = [("result", got_result, want_result)]
    problems = []
    for where, g, w in pairs:
        if isinstance(g, dict) and isinstance(w, dict):
            problems += [Problem("multipart-differs", f"{where}.{k}", expected=w.get(k), actual=g.get(k))
                         for k in sorted(set(g) | set(w)) if g.get(k) != w.get(k)]
        elif g != w:
            problems.append(Problem("multipart-differs", where, expected=_brief(w), actual=_brief(g)))
    return problems


def _brief(value: Any) -> Any:
    if isinstance(value, list):
        return [item.get("ID") if isinstance(item, dict) else item for item in value]
    return value
