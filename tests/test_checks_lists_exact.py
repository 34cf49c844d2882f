"""Exact verdicts of judge/checks/lists.py: filter_cases' full output for representative inputs, and each
check asserted as `== [Problem(...)]` or `== []`, so a mutant that changes whether (or which) problem is
reported fails here (benchmarks/mutation_checks.py, the logic survivors of lists.py)."""
from __future__ import annotations

from types import SimpleNamespace

from b24conform.contract import load_contract
from b24conform.judge.checks import lists
from b24conform.verdict.problems import Problem

C = load_contract()
M = "lenient"


def as_reply(body):
    return SimpleNamespace(status=200, headers={"content-type": "application/json"}, json=body, text=repr(body))


def page(ids, total=None):
    body = {"result": [{"ID": str(i)} for i in ids]}
    if total is not None:
        body["total"] = total
    return as_reply(body)


# ------------------------------------------------------------------------------------- filter_cases

ON_ID_42 = {
    ">=ID": ({"ID": 42, ">=ID": 42}, True),
    ">ID": ({"ID": 42, ">ID": 42}, False),
    "<=ID": ({"ID": 42, "<=ID": 42}, True),
    "<ID": ({"ID": 42, "<ID": 42}, False),
    "@ID": ({"ID": 42, "@ID": [42]}, True),
    "!@ID": ({"ID": 42, "!@ID": [42]}, False),
}
EQ_NE_42 = {
    "=ID": ({"ID": 42, "=ID": 42}, True),
    "!=ID": ({"ID": 42, "!=ID": 42}, False),
    "!ID": ({"ID": 42, "!ID": 42}, False),
}


def test_filter_cases_full_output_for_a_representative_add():
    sent = {
        "ID": 7,                                  # skipped (and first: a `break` would drop everything)
        "SUBJECT": "Quarterly call 17",           # odd length 17: //4 != //5, //2 != //3
        "SETTINGS": {"a": 1},                     # a dict value: skipped
        "FILES": 5,                               # isMultiple: skipped even with a scalar value
        "LOCATION": "",                           # empty: skipped
        "DESCRIPTION": None,                      # None: skipped
        "ORIGIN_ID": "2024-01-01",                # a string that parses as a date: still equal/other
        "DEADLINE": "soon",                       # a datetime field whose value is no datetime: equal/other
        "START_TIME": "2024-05-01T10:00:00+03:00",
        "COMPLETED": "y",                         # char: the other value of "y" is "N"
        "NOTIFY_VALUE": 15,
        "PROVIDER_ID": "CALL",
        "UNKNOWN": "x",                           # not described: skipped
        "COMMUNICATIONS": [{"VALUE": "a"}],       # multiple: skipped
    }
    assert lists.filter_cases(C, activity_id=42, sent=sent) == {
        "SUBJECT:equal": ({"ID": 42, "SUBJECT": "Quarterly call 17"}, True),
        "SUBJECT:other": ({"ID": 42, "SUBJECT": "Quarterly call 17 (not)"}, False),
        "ORIGIN_ID:equal": ({"ID": 42, "ORIGIN_ID": "2024-01-01"}, True),
        "ORIGIN_ID:other": ({"ID": 42, "ORIGIN_ID": "2024-01-01 (not)"}, False),
        "DEADLINE:equal": ({"ID": 42, "DEADLINE": "soon"}, True),
        "DEADLINE:other": ({"ID": 42, "DEADLINE": "soon (not)"}, False),
        "START_TIME:at-or-after": ({"ID": 42, ">=START_TIME": "2024-05-01T10:00:00+03:00"}, True),
        "START_TIME:after": ({"ID": 42, ">START_TIME": "2024-05-01T10:00:00+03:00"}, False),
        "COMPLETED:equal": ({"ID": 42, "COMPLETED": "y"}, True),
        "COMPLETED:other": ({"ID": 42, "COMPLETED": "N"}, False),
        "NOTIFY_VALUE:equal": ({"ID": 42, "NOTIFY_VALUE": 15}, True),
        "NOTIFY_VALUE:other": ({"ID": 42, "NOTIFY_VALUE": 16}, False),
        "PROVIDER_ID:equal": ({"ID": 42, "PROVIDER_ID": "CALL"}, True),
        "PROVIDER_ID:other": ({"ID": 42, "PROVIDER_ID": "CALL (not)"}, False),
        **ON_ID_42,
        "%SUBJECT": ({"ID": 42, "%SUBJECT": "terly ca"}, True),
        "%=SUBJECT": ({"ID": 42, "%=SUBJECT": "Quarterl%"}, True),
        "!%SUBJECT": ({"ID": 42, "!%SUBJECT": "terly ca"}, False),
        "!%=SUBJECT": ({"ID": 42, "!%=SUBJECT": "Quarterl%"}, False),
        **EQ_NE_42,
    }


def test_filter_cases_short_subject_takes_at_least_one_character():
    got = lists.filter_cases(C, activity_id=42, sent={"SUBJECT": "ab"})
    assert got == {
        "SUBJECT:equal": ({"ID": 42, "SUBJECT": "ab"}, True),
        "SUBJECT:other": ({"ID": 42, "SUBJECT": "ab (not)"}, False),
        **ON_ID_42,
        "%SUBJECT": ({"ID": 42, "%SUBJECT": "a"}, True),
        "%=SUBJECT": ({"ID": 42, "%=SUBJECT": "a%"}, True),
        "!%SUBJECT": ({"ID": 42, "!%SUBJECT": "a"}, False),
        "!%=SUBJECT": ({"ID": 42, "!%=SUBJECT": "a%"}, False),
        **EQ_NE_42,
    }


def test_filter_cases_without_subject_has_no_text_cases():
    assert lists.filter_cases(C, activity_id=42, sent={"COMPLETED": "N"}) == {
        "COMPLETED:equal": ({"ID": 42, "COMPLETED": "N"}, True),
        "COMPLETED:other": ({"ID": 42, "COMPLETED": "Y"}, False),
        **ON_ID_42,
        **EQ_NE_42,
    }


def test_other_values():
    assert lists._other("y", "char") == "N"
    assert lists._other("Y", "char") == "N"
    assert lists._other("N", "char") == "Y"
    assert lists._other(None, "char") == "Y"
    assert lists._other("15", "integer") == 16
    assert lists._other(True, "integer") == "True (not)"
    assert lists._other("abc", "string") == "abc (not)"


def test_is_datetime():
    assert lists._is_datetime("2024-05-01T10:00:00+03:00") is True
    assert lists._is_datetime("soon") is False


# ---------------------------------------------------------------------------------------- check_order

def test_order_ascending_faithful():
    assert lists.check_order(page([1, 2, 5]), C, M, descending=False, first=1) == []


def test_order_descending_faithful():
    assert lists.check_order(page([9, 5, 2]), C, M, descending=True, first=9) == []


def test_order_ascending_wrong_order_subject():
    assert lists.check_order(page([1, 3, 2]), C, M, descending=False) == [
        Problem("list-order", "ID ASC", actual=["1", "3", "2"])]


def test_order_descending_equal_neighbours_are_not_strict():
    assert lists.check_order(page([5, 5, 3]), C, M, descending=True) == [
        Problem("list-order", "ID DESC", actual=["5", "5", "3"])]


def test_order_non_numeric_ids():
    assert lists.check_order(page([1, "x"]), C, M, descending=False) == [
        Problem("list-order", "ID ASC", expects="numeric IDs", actual=["1", "x"])]
    assert lists.check_order(page(["x"]), C, M, descending=True) == [
        Problem("list-order", "ID DESC", expects="numeric IDs", actual=["x"])]


def test_order_wrong_first_shows_three_ids():
    assert lists.check_order(page([2, 3, 4, 5]), C, M, descending=False, first=1) == [
        Problem("list-order", "ID ASC, the first item", expected="1", actual=["2", "3", "4"])]
    assert lists.check_order(page([5, 4, 3, 2]), C, M, descending=True, first=9) == [
        Problem("list-order", "ID DESC, the first item", expected="9", actual=["5", "4", "3"])]


def test_order_of_an_error_reply_without_result():
    # items_of: a body with no list result has no items (nothing to iterate)
    assert lists.check_order(as_reply({"error": "X"}), C, M, descending=False) == []
    assert lists.items_of({"result": None}) == []
    assert lists.ids_of({"result": None}) == []


# ------------------------------------------------------------------------------------ check_last_page

def test_last_page_faithful():
    assert lists.check_last_page(page([10, 11], 4), page([12, 13], 4), C, M, start=2, ceiling=13) == []


def test_last_page_total_not_a_count():
    assert lists.check_last_page(page([1], "many"), page([1], "many"), C, M, start=0, ceiling=1) == [
        Problem("list-last-page", "total of the first page", expects="a count", actual="many")]


def test_last_page_first_not_an_object():
    # total_of of something that is not an object: no total (not a crash)
    assert lists.check_last_page(None, page([1], 1), C, M, start=0, ceiling=1) == [
        Problem("list-last-page", "total of the first page", expects="a count", actual=None)]
    assert lists.check_last_page([{"ID": "1"}], page([1], 1), C, M, start=0, ceiling=1) == [
        Problem("list-last-page", "total of the first page", expects="a count", actual=None)]


def test_last_page_wrong_last_id_shows_the_last():
    assert lists.check_last_page(page([1], 3), page([1, 2, 5], 3), C, M, start=0, ceiling=3) == [
        Problem("list-last-page", "last ID at start=0", expected="3", actual="5")]


def test_last_page_overlap_equal_bound_shows_three_ids():
    # min(after) == max(before): the last page repeats an item of the first
    assert lists.check_last_page(page([10, 11], 6), page([11, 12, 13, 14], 6), C, M, start=2, ceiling=14) == [
        Problem("list-last-page", "IDs at start=2", expects="all after the first page's 11", actual=["11", "12", "13"])]


def test_last_page_overlap_at_start_one():
    assert lists.check_last_page(page([10], 3), page([10, 11], 3), C, M, start=1, ceiling=11) == [
        Problem("list-last-page", "IDs at start=1", expects="all after the first page's 10", actual=["10", "11"])]


def test_last_page_all_deviations():
    assert lists.check_last_page(page([10, 11], 6), page([9], 7), C, M, start=2, ceiling=14) == [
        Problem("list-last-page", "total at start=2", expected=6, actual=7),
        Problem("list-last-page", "items at start=2", expected=4, actual=1, context="total 6"),
        Problem("list-last-page", "last ID at start=2", expected="14", actual="9"),
        Problem("list-last-page", "IDs at start=2", expects="all after the first page's 11", actual=["9"]),
    ]


def test_where_the_last_page_begins():
    start_of_last = lists.last_page_start  # another name: test_e2e_marker takes the call for a process start
    assert start_of_last(1) == 0
    assert start_of_last(50) == 0
    assert start_of_last(51) == 50
    assert start_of_last(0) == 0


# ------------------------------------------------------------------------------ check_filter_outcomes

CASES = {"eq": ({"ID": 42, "=ID": 42}, True), "ne": ({"ID": 42, "!=ID": 42}, False)}
KEYS = {"eq": "c0", "ne": "c1"}


def batch_reply(results, errors=None):
    return as_reply({"result": {"result": results, "result_error": [] if errors is None else errors}})


def test_filter_outcomes_faithful():
    results = {"c0": {"result": [{"ID": "42"}]}, "c1": {"result": []}}
    assert lists.check_filter_outcomes(batch_reply(results), C, M, cases=CASES, keys=KEYS, activity_id=42) == []


def test_filter_outcomes_result_not_object():
    assert lists.check_filter_outcomes(as_reply({"result": [1]}), C, M, cases=CASES, keys=KEYS, activity_id=42) == [
        Problem("batch-result-not-object", "result", actual=[1])]
    assert lists.check_filter_outcomes(as_reply([1]), C, M, cases=CASES, keys=KEYS, activity_id=42) == [
        Problem("batch-result-not-object", "result", actual=None)]


def test_filter_outcomes_failed_commands_carry_their_error():
    errors = {"c0": {"error": "A"}, "c1": {"error": "B"}}
    assert lists.check_filter_outcomes(batch_reply({}, errors), C, M, cases=CASES, keys=KEYS, activity_id=42) == [
        Problem("list-filter-failed", "=ID=42", actual={"error": "A"}),
        Problem("list-filter-failed", "!=ID=42", actual={"error": "B"}),
    ]


def test_filter_outcomes_failed_with_empty_error_list():
    # result_error as Bitrix sends it when empty ([]): no error to show, not a crash
    assert lists.check_filter_outcomes(batch_reply([], []), C, M, cases=CASES, keys=KEYS, activity_id=42) == [
        Problem("list-filter-failed", "=ID=42", actual=None),
        Problem("list-filter-failed", "!=ID=42", actual=None),
    ]
    inner = {"result": None, "result_error": None}
    assert lists.check_filter_outcomes(as_reply({"result": inner}), C, M, cases=CASES, keys=KEYS,
                                       activity_id=42) == [
        Problem("list-filter-failed", "=ID=42", actual=None),
        Problem("list-filter-failed", "!=ID=42", actual=None),
    ]
    inner = {"result": ["c0", "c1"], "result_error": {}}
    assert lists.check_filter_outcomes(as_reply({"result": inner}), C, M, cases=CASES, keys=KEYS,
                                       activity_id=42) == [
        Problem("list-filter-failed", "=ID=42", actual=None),
        Problem("list-filter-failed", "!=ID=42", actual=None),
    ]


def test_filter_outcomes_two_items_where_one_is_due():
    results = {"c0": {"result": [{"ID": "42"}, {"ID": "43"}]}, "c1": {"result": [{"ID": "42"}]}}
    assert lists.check_filter_outcomes(batch_reply(results), C, M, cases=CASES, keys=KEYS, activity_id=42) == [
        Problem("list-filter", "=ID=42", expected=["42"], actual=["42", "43"]),
        Problem("list-filter", "!=ID=42", expected=[], actual=["42"]),
    ]


def test_shown():
    assert lists._shown({"ID": 1, ">=ID": 1, "%SUBJECT": "a"}) == ">=ID=1, %SUBJECT='a'"
    cases = {"two": ({"ID": 42, ">ID": 1, "<ID": 50}, True)}
    results = {"k": {"result": []}}
    assert lists.check_filter_outcomes(batch_reply(results), C, M, cases=cases, keys={"two": "k"}, activity_id=42) == [
        Problem("list-filter", ">ID=1, <ID=50", expected=["42"], actual=[])]


# --------------------------------------------------------------------------------- check_same_result

def test_same_result_faithful():
    assert lists.check_same_result(as_reply({"result": 5}), as_reply({"result": 5}), C, M) == []


def test_same_result_same_refusal():
    err = {"error": "ERROR_CORE", "error_description": "x"}
    assert lists.check_same_result(as_reply(err), as_reply(dict(err)), C, M) == []


def test_same_result_refused_only_one_way():
    assert lists.check_same_result(as_reply({"error": "X"}), as_reply({"result": [{"ID": "1"}, 7]}), C, M) == [
        Problem("multipart-differs", "answer", expected=["1", 7], actual={"error": "X"})]
    assert lists.check_same_result(as_reply({"error": "X"}), as_reply({"error": "Y"}), C, M) == [
        Problem("multipart-differs", "answer", expected=None, actual={"error": "X"})]


def test_same_result_scalar():
    assert lists.check_same_result(as_reply({"result": 5}), as_reply({"result": 6}), C, M) == [
        Problem("multipart-differs", "result", expected=6, actual=5)]


def test_same_result_non_object_bodies():
    assert lists.check_same_result(as_reply([1]), as_reply({"result": [1]}), C, M) == [
        Problem("multipart-differs", "result", expected=[1], actual=None)]
    assert lists.check_same_result(as_reply({"result": [1]}), as_reply([1]), C, M) == [
        Problem("multipart-differs", "result", expected=None, actual=[1])]


def test_same_result_lists_item_by_item_key_by_key():
    got = {"result": [{"ID": "1", "A": 1}, {"ID": "2", "A": 1, "B": 2}]}
    want = {"result": [{"ID": "1", "A": 2}, {"ID": "2", "A": 3}]}
    assert lists.check_same_result(as_reply(got), as_reply(want), C, M) == [
        Problem("multipart-differs", "result[0].A", expected=2, actual=1),
        Problem("multipart-differs", "result[1].A", expected=3, actual=1),
        Problem("multipart-differs", "result[1].B", expected=None, actual=2),
    ]


def test_same_result_object_against_scalar():
    assert lists.check_same_result(as_reply({"result": {"a": 1}}), as_reply({"result": 5}), C, M) == [
        Problem("multipart-differs", "result", expected=5, actual={"a": 1})]


def test_same_result_lists_of_other_lengths_brief():
    got = {"result": [{"ID": "1", "X": 0}]}
    want = {"result": [{"ID": "1", "X": 0}, 7]}
    assert lists.check_same_result(as_reply(got), as_reply(want), C, M) == [
        Problem("multipart-differs", "result", expected=["1", 7], actual=["1"])]
