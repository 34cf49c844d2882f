"""Exact verdicts of the batch-part, read-back, envelope and error checks: inputs chosen so that each
logic survivor of the mutation run (BENCHMARKS.md, "Mutation testing of the checks") changes the verdict,
asserted as `== [Problem(...)]` or `== []`."""
from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from b24conform.contract import load_contract
from b24conform.judge.checks import batch, envelope, errors, readback
from b24conform.judge.checks._common import via_batch
from b24conform.verdict.problems import Problem
from recorded import TIME

CONTRACT = load_contract()
PAGE = CONTRACT.limits.page_size
SIX = {k: v for k, v in TIME.items() if k not in ("operating_reset_at", "operating")}
ISO_RESET = "2024-04-03T10:26:33+02:00"


def reply(body, status=200, ctype="application/json", text=None, **extra):
    return SimpleNamespace(status=status, headers={"Content-Type": ctype}, json=body,
                           text=repr(body) if text is None else text, **extra)


def batch_reply(result=None, result_error=(), total=None, nxt=None, times=None, outer_time=None):
    inner = {"result": result if result is not None else {},
             "result_error": list(result_error) if isinstance(result_error, tuple) else result_error,
             "result_total": total if total is not None else [],
             "result_next": nxt if nxt is not None else [],
             "result_time": times if times is not None else {k: copy.deepcopy(SIX) for k in (result or {})}}
    return reply({"result": inner, "time": copy.deepcopy(outer_time or TIME)})


def parts(r, mode="strict", **kw):
    return batch.check_batch_command_parts(r, CONTRACT, mode, **kw)


def cmd(key):
    return f"batch command {key!r}"


# -- batch.check_batch_command_parts ---------------------------------------------------------------------

@pytest.mark.parametrize("mode", ("strict", "lenient"))
def test_parts_all_well_is_empty(mode):
    r = batch_reply({"l": [{"ID": 1}], "o": 7}, total={"l": 1})
    assert parts(r, mode, lists=["l"], others=["o"]) == []


def test_parts_result_not_object_stops_there():
    r = reply({"result": [], "time": copy.deepcopy(TIME)})
    assert parts(r, lists=["l"]) == [Problem("batch-result-not-object", "result", actual=[])]


def test_parts_missing_commands_each_reported_with_their_error():
    err = {"error": "E", "error_description": "D"}
    r = batch_reply({"ok": 1}, result_error={"a": err, "b": "x"})
    assert parts(r, others=["a", "b", "ok"]) == [
        Problem("batch-command-no-result", "result.result", actual=err, context=cmd("a")),
        Problem("batch-command-no-result", "result.result", actual="x", context=cmd("b")),
    ]


def test_parts_missing_list_command_then_a_bad_one():
    r = batch_reply({"b": [1]}, total={"b": 0})
    assert parts(r, lists=["a", "b"]) == [
        Problem("batch-command-no-result", "result.result", actual=None, context=cmd("a")),
        Problem("batch-command-total", "result.result_total", expects="a count of at least 1", actual=0, context=cmd("b")),
    ]


def test_parts_time_entry_missing():
    r = batch_reply({"a": 1}, times={})
    assert parts(r, others=["a"]) == [Problem("batch-command-time", "result.result_time", actual=None, context=cmd("a"))]


def test_parts_time_entry_six_keys_pass_but_other_time_problems_count():
    # Six timing keys only: the operating keys are not demanded of a result_time entry (strict too) ...
    assert parts(batch_reply({"a": 1}), "strict", others=["a"]) == []
    # ... but a missing timing key is (a time-keys-missing without the ambiguity) ...
    no_start = {k: v for k, v in SIX.items() if k != "start"}
    got = parts(batch_reply({"a": 1}, times={"a": no_start}), "strict", others=["a"])
    assert [p for p in got if p.kind == "time-keys-missing"] == [
        Problem("time-keys-missing", "time", expected=["start", "finish", "duration", "processing", "date_start",
                                                        "date_finish"], actual=["start"]).within(cmd("a"))]


def test_parts_time_entry_strict_problem_carries_mode_and_command():
    block = dict(copy.deepcopy(SIX), operating_reset_at=ISO_RESET, operating=1.0)
    r = batch_reply({"a": 1}, times={"a": block})
    assert parts(r, "strict", others=["a"]) == [
        Problem("time-reset-iso", "time.operating_reset_at", actual=ISO_RESET, ambiguity="AMB-OPERATING-RESET-TYPE",
                mode="strict", context=cmd("a"))]
    assert parts(r, "lenient", others=["a"]) == []


def test_parts_outer_time_judged_in_the_mode():
    outer = dict(copy.deepcopy(TIME), operating_reset_at=ISO_RESET)
    r = batch_reply({"a": 1}, outer_time=outer)
    assert parts(r, "strict", others=["a"]) == [
        Problem("time-reset-iso", "time.operating_reset_at", actual=ISO_RESET, ambiguity="AMB-OPERATING-RESET-TYPE",
                mode="strict")]


def test_parts_list_result_not_a_list_counts_as_no_items():
    r = batch_reply({"l": {"x": 1}}, total={"l": 0})
    assert parts(r, lists=["l"]) == []


def test_parts_each_bad_total_reported():
    r = batch_reply({"a": [1], "b": [1, 2]}, total={"a": "1"})
    assert parts(r, lists=["a", "b"]) == [
        Problem("batch-command-total", "result.result_total", expects="a count of at least 1", actual="1", context=cmd("a")),
        Problem("batch-command-total", "result.result_total", expects="a count of at least 2", actual=None, context=cmd("b")),
    ]


def test_parts_short_page_with_more_items():
    r = batch_reply({"l": [1, 2]}, total={"l": 5}, nxt={"l": 2})
    assert parts(r, lists=["l"]) == [
        Problem("batch-command-total", "result.result_total", expected=2, actual=5,
                context=f"{cmd('l')}: a page of 2 items, less than {PAGE}")]


def test_parts_full_page_next_exact():
    items = list(range(PAGE))
    assert parts(batch_reply({"l": items}, total={"l": PAGE + 1}, nxt={"l": PAGE}), lists=["l"]) == []
    assert parts(batch_reply({"l": items}, total={"l": PAGE + 1}, nxt={"l": 7}), lists=["l"]) == [
        Problem("batch-command-next", "result.result_next", expected=PAGE, actual=7, context=f"{cmd('l')}: total {PAGE + 1}")]
    assert parts(batch_reply({"l": items}, total={"l": PAGE}, nxt={"l": PAGE}), lists=["l"]) == [
        Problem("batch-command-next", "result.result_next", expected=None, actual=PAGE, context=f"{cmd('l')}: total {PAGE}")]


def test_parts_other_command_with_list_parts():
    r = batch_reply({"o": 3}, total={"o": 1}, nxt={"o": 50})
    assert parts(r, others=["o"]) == [
        Problem("batch-command-total", "result.result_total", expected=None, actual=1, context=f"{cmd('o')}: not a list"),
        Problem("batch-command-next", "result.result_next", expected=None, actual=50, context=f"{cmd('o')}: not a list"),
    ]
    assert parts(batch_reply({"o": 3}, nxt={"o": 50}), others=["o"]) == [
        Problem("batch-command-next", "result.result_next", expected=None, actual=50, context=f"{cmd('o')}: not a list")]


# -- _common.via_batch, envelope -------------------------------------------------------------------------

LONG = "<html>" + "x" * 120


def batched(body, text=None):
    return SimpleNamespace(status=None, headers={}, json=body, text=repr(body) if text is None else text, via_batch=True)


def test_via_batch_exact():
    assert via_batch(batched({"result": 1})) is True
    assert via_batch(reply({"result": 1})) is False


def test_status_and_content_type_of_a_batch_command():
    assert envelope.check_status_and_content_type(batched({"result": 1}), CONTRACT, "strict") == []
    assert envelope.check_status_and_content_type(batched(None, text=LONG), CONTRACT, "strict") == [
        Problem("body-not-json", "body", actual=repr(LONG)[:80] + "...")]


def test_success_of_a_batch_command_needs_no_time():
    assert envelope.check_success(batched({"result": 1}), CONTRACT, "strict") == []


# -- readback.check_files ---------------------------------------------------------------------------------

FILE = {"fileData": ["a.txt", "YQ=="]}


def files(value, sent_files=(FILE,), mode="strict"):
    return readback.check_files(value, CONTRACT, mode, sent={"FILES": list(sent_files)})


def test_files_not_an_activity():
    assert files([1, 2]) == [Problem("readback-not-activity", "read-back", actual=[1, 2])]


def test_files_sent_without_file_data_expect_none():
    assert files({"FILES": None}, sent_files=({"x": 1},)) == []


def test_files_read_back_though_none_sent():
    assert files({"FILES": [{"id": 1, "url": "u"}]}, sent_files=()) == [
        Problem("readback-files", "count", expected=0, actual=1)]


def test_files_entry_not_a_dict():
    assert files({"FILES": [5]}) == [Problem("readback-files", "id", expects="a file id", actual=5)]


def test_files_decimal_string_id_is_an_id():
    assert files({"FILES": [{"id": "12", "url": "u"}]}) == []


def test_files_ids_distinct_and_duplicate():
    two = [{"id": 1, "url": "a"}, {"id": 2, "url": "b"}]
    assert files({"FILES": two}, sent_files=(FILE, FILE)) == []
    dup = [{"id": 1, "url": "a"}, {"id": "1", "url": "b"}]
    assert files({"FILES": dup}, sent_files=(FILE, FILE)) == [
        Problem("readback-files", "id", expects="one id per file", actual=["1", "1"])]


# -- readback.check_list_finds_nothing, same_value --------------------------------------------------------

def nothing(body):
    return readback.check_list_finds_nothing(reply(body), CONTRACT, "strict")


def test_list_finds_nothing_exact():
    assert nothing({"result": [], "total": 0}) == []
    assert nothing({"result": {"a": 1}, "total": 0}) == [Problem("list-not-list", "result", actual={"a": 1})]
    assert nothing({"result": [{"ID": 5}, 3], "total": 0}) == [
        Problem("list-wrong-items", "result", expected=[], actual=[5, 3])]
    assert nothing({"result": [], "total": 2}) == [Problem("list-total", "total", expected=0, actual=2)]


def test_same_value_dates_in_a_list_keep_their_field():
    field = sorted(readback.DATE_FIELDS)[0]
    assert readback.same_value(["2024-04-03 10:26:32"], ["2024-04-03T10:26:32"], field) is True
    assert readback.same_value(["2024-04-03 10:26:32"], ["2024-04-03T10:26:32"], "SUBJECT") is False


# -- errors ----------------------------------------------------------------------------------------------

def test_error_shape_not_object_cut_at_80():
    r = reply(None, text=LONG)
    assert errors.check_error_shape(r, CONTRACT, "strict") == [
        Problem("error-not-object", "body", actual=repr(LONG)[:80] + "...")]


def test_unlisted_refusal_strict_description_cut_at_120():
    text = "d" * 200
    r = reply({"error": "E", "error_description": text}, status=400)
    assert errors.check_unlisted_refusal(r, CONTRACT, "strict", "TYPE_ID") == [
        Problem("refusal-undocumented", "TYPE_ID", actual={"status": 400, "error_description": repr(text)[:120] + "..."})]


def test_unlisted_refusal_lenient_batch_command_has_no_status():
    r = batched({"error": "E", "error_description": "bad"})
    assert errors.check_unlisted_refusal(r, CONTRACT, "lenient", "TYPE_ID") == []
