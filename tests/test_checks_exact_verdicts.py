"""Exact verdicts of the checks: inputs that must give exactly one problem of a given kind (or none), asserted
as `== [Problem(...)]`, so a check that drops a detection (`problems.append(None)`), compares with another
operator or bound, or reads another key fails here (benchmarks/mutation_checks.py, the logic survivors)."""
from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from b24conform.contract import load_contract
from b24conform.judge.checks import assert_conforms
from b24conform.judge.checks import batch, envelope, errors, readback, time_block
from b24conform.judge.checks._common import is_decimal_string
from b24conform.verdict.problems import Problem
from recorded import TIME

CONTRACT = load_contract()
MODES = ("strict", "lenient")


def reply(body, status=200, ctype="application/json", url="https://p/rest/crm.activity.add.json", auth="webhook",
          text=None):
    return SimpleNamespace(status=status, headers={"Content-Type": ctype}, json=body,
                           text=repr(body) if text is None else text,
                           request=SimpleNamespace(url=url, auth=auth, http_method="POST"))


def envelope_of(result, **extra):
    return {"result": result, "time": copy.deepcopy(TIME), **extra}


# -- envelope --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_content_type_wrong_is_one_problem(mode):
    r = reply(envelope_of(5), ctype="text/html; charset=utf-8")
    assert envelope.check_status_and_content_type(r, CONTRACT, mode) == [
        Problem("content-type", "Content-Type", expected="application/json", actual="text/html")]
    r = SimpleNamespace(status=200, headers={"content-type": "application/json"}, json=envelope_of(5), text="")
    assert envelope.check_status_and_content_type(r, CONTRACT, mode) == []


def test_content_type_missing_is_one_problem():
    r = SimpleNamespace(status=200, headers={}, json={"result": 1}, text="")
    assert envelope.check_status_and_content_type(r, CONTRACT, "strict") == [
        Problem("content-type", "Content-Type", expected="application/json", actual=None)]


def test_body_not_json_is_one_problem():
    r = reply(None, text="<html>" + "x" * 100)
    assert envelope.check_status_and_content_type(r, CONTRACT, "strict") == [
        Problem("body-not-json", "body", actual=repr("<html>" + "x" * 100)[:80] + "...")]


def test_no_error_keys_exact():
    assert envelope.check_no_error_keys(reply([]), CONTRACT, "strict") == [Problem("body-not-object", "body", actual=[])]
    assert envelope.check_no_error_keys(reply({"result": 1, "error": "E"}), CONTRACT, "strict") == [
        Problem("success-with-error-key", "error", actual="E")]
    assert envelope.check_no_error_keys(reply({"result": 1, "error_description": "D"}), CONTRACT, "strict") == [
        Problem("success-with-error-key", "error_description", actual="D")]


def test_success_exact():
    assert envelope.check_success(reply([1]), CONTRACT, "strict") == [Problem("body-not-object", "body", actual=[1])]
    assert envelope.check_success(reply({"result": 1}), CONTRACT, "strict") == [Problem("time-missing", "envelope")]
    assert envelope.check_success(reply(envelope_of(1, error="E")), CONTRACT, "strict") == [
        Problem("success-with-error-key", "error", actual="E")]
    assert envelope.check_success(reply(envelope_of(1)), CONTRACT, "strict") == []


def test_result_id_one_is_an_id():
    assert envelope.check_result_id(reply(envelope_of(1)), CONTRACT, "strict") == []
    assert envelope.check_result_id(reply(envelope_of(0)), CONTRACT, "strict") == [
        Problem("result-not-id", "result", actual=0)]


def test_result_true_exact():
    assert envelope.check_result_true(reply(envelope_of(False)), CONTRACT, "strict") == [
        Problem("result-not-true", "result", expected=True, actual=False)]
    assert envelope.check_result_true(reply(envelope_of(True)), CONTRACT, "strict") == []


def test_is_decimal_string_negative():
    assert is_decimal_string("-12") and not is_decimal_string("--x") and not is_decimal_string("1-")
    assert not is_decimal_string("X12") and not is_decimal_string("XX")


def test_assert_conforms_lists_each_problem_on_its_line():
    with pytest.raises(AssertionError) as info:
        assert_conforms(["a", "", "b"], "ctx")
    assert str(info.value) == "2 conformance problem(s) in ctx:\n  - a\n  - b"


# -- time block -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("check", [time_block.check_time_types, time_block.check_time_arithmetic,
                                   time_block.check_time_dates, time_block.check_time_keys])
def test_time_not_object_exact(check):
    assert check([5], CONTRACT, "strict") == [Problem("time-not-object", "time", actual=[5])]


@pytest.mark.parametrize("key", ["start", "finish", "duration", "processing", "operating"])
def test_time_number_key_not_a_number(key):
    t = {**TIME, key: "x"}
    assert time_block.check_time_types(t, CONTRACT, "strict") == [
        Problem("time-type", f"time.{key}", expects="a number", actual="x")]


@pytest.mark.parametrize("key", ["date_start", "date_finish"])
def test_time_date_key_not_a_string(key):
    t = {**TIME, key: 5}
    assert time_block.check_time_types(t, CONTRACT, "strict") == [
        Problem("time-type", f"time.{key}", expects="a string", actual=5)]


def test_time_reset_not_a_timestamp():
    t = {**TIME, "operating_reset_at": [1]}
    assert time_block.check_time_types(t, CONTRACT, "strict") == [
        Problem("time-type", "time.operating_reset_at", expects="a Unix timestamp", actual=[1])]
    t = {**TIME, "operating_reset_at": "soon"}
    assert time_block.check_time_types(t, CONTRACT, "lenient") == [
        Problem("time-type", "time.operating_reset_at", expects="a Unix timestamp", actual="soon")]
    assert time_block.check_time_types({**TIME, "operating_reset_at": 0}, CONTRACT, "strict") == []
    assert time_block.check_time_types({**TIME, "operating_reset_at": -1}, CONTRACT, "strict") == [
        Problem("time-negative", "time.operating_reset_at", actual=-1)]


def test_time_finish_before_start_exact():
    t = {**TIME, "finish": TIME["start"] - 1, "duration": -1.0}
    got = time_block.check_time_arithmetic(t, CONTRACT, "strict")
    assert got[0] == Problem("time-arithmetic", "finish", expects=f">= start {TIME['start']}", actual=TIME["start"] - 1)
    assert [p.kind for p in got] == ["time-arithmetic", "time-negative"]
    t = {**TIME, "finish": TIME["start"], "duration": 0}
    assert time_block.check_time_arithmetic(t, CONTRACT, "strict") == []
    t = {**TIME, "finish": TIME["start"] + 1, "duration": 1.001}
    assert time_block.check_time_arithmetic(t, CONTRACT, "strict") == []
    assert time_block.check_time_arithmetic({**TIME, "processing": 0}, CONTRACT, "strict") == []
    assert [p.kind for p in time_block.check_time_arithmetic({**TIME, "processing": -0.1}, CONTRACT, "strict")] == [
        "time-negative"]


def test_time_dates_exact():
    assert time_block.check_time_dates({**TIME, "date_finish": "2024-04-03T10:26:34+02:00"}, CONTRACT, "strict") == [
        Problem("time-date-mismatch", "time.date_finish", expects=f"time.finish {TIME['finish']}",
                actual="2024-04-03T10:26:34+02:00")]
    assert time_block.check_time_dates({**TIME, "date_start": "2024-04-03 10:26"}, CONTRACT, "strict") == [
        Problem("time-date-format", "time.date_start", actual="2024-04-03 10:26")]
    assert time_block.check_time_dates({**TIME, "date_start": "2024-02-30T10:26:32+02:00"}, CONTRACT, "strict") == [
        Problem("time-date-format", "time.date_start", actual="2024-02-30T10:26:32+02:00")]


# -- read-back ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("check, kwargs", [
    (readback.check_readback_equal, {"sent": {"SUBJECT": "s"}}),
    (readback.check_readback_numbers, {}),
    (readback.check_readback_dates, {"sent": {"START_TIME": "2024-04-03T10:26:32+02:00"}}),
    (readback.check_deadline, {"sent": {"TYPE_ID": 2, "START_TIME": "2024-04-03T10:26:32+02:00"}}),
    (readback.check_completed, {"sent": {"COMPLETED": "Y"}}),
    (readback.check_communications, {"sent": {}}),
])
def test_readback_not_activity_exact(check, kwargs):
    assert check(reply(envelope_of([])), CONTRACT, "strict", **kwargs) == [
        Problem("readback-not-activity", "read-back", actual=[])]


def test_readback_id_exact():
    assert readback.check_readback_id(reply(envelope_of({"ID": "8"})), CONTRACT, "strict", activity_id=7) == [
        Problem("readback-wrong-id", "ID", expected=7, actual="8")]


@pytest.mark.parametrize("type_id", [1, "1", 2, "2"])
def test_deadline_of_calls_and_meetings_is_judged(type_id):
    sent = {"TYPE_ID": type_id, "START_TIME": "2024-04-03T10:26:32+02:00"}
    act = {"ID": "1", "DEADLINE": "2024-05-03T10:26:32+02:00"}
    for mode in MODES:
        assert readback.check_deadline(reply(envelope_of(act)), CONTRACT, mode, sent=sent) == [
            Problem("readback-deadline", "DEADLINE", expected=sent["START_TIME"], actual=act["DEADLINE"],
                    ambiguity="AMB-DEADLINE-DERIVED", mode=mode)]
    sent = {"TYPE_ID": 3, "START_TIME": "2024-04-03T10:26:32+02:00"}
    assert readback.check_deadline(reply(envelope_of(act)), CONTRACT, "strict", sent=sent) == []


@pytest.mark.parametrize("read", ["Y", "N"])
def test_completed_other_letter(read):
    sent = {"COMPLETED": "N" if read == "Y" else "Y"}
    got = {m: readback.check_completed(reply(envelope_of({"COMPLETED": read})), CONTRACT, m, sent=sent) for m in MODES}
    lenient_accepts = CONTRACT.ambiguities["AMB-COMPLETED-FIELD"].accepts("b", "lenient")
    strict_accepts = CONTRACT.ambiguities["AMB-COMPLETED-FIELD"].accepts("b", "strict")
    for mode, accepted in (("strict", strict_accepts), ("lenient", lenient_accepts)):
        want = [] if accepted else [Problem("readback-completed", "COMPLETED", expected=sent["COMPLETED"], actual=read,
                                            ambiguity="AMB-COMPLETED-FIELD", mode=mode)]
        assert got[mode] == want


def test_completed_wrong_value_exact():
    for mode in MODES:
        assert readback.check_completed(reply(envelope_of({"COMPLETED": "n"})), CONTRACT, mode, sent={"COMPLETED": "Y"}) == [
            Problem("readback-completed", "COMPLETED", expected="Y", actual="n", ambiguity="AMB-COMPLETED-FIELD", mode=mode)]


def test_readback_date_shifted_exact():
    sent = {"START_TIME": "2024-04-03T10:26:32+02:00"}
    act = {"START_TIME": "2024-04-03T10:26:32+03:00"}
    assert readback.check_readback_dates(reply(envelope_of(act)), CONTRACT, "strict", sent=sent) == [
        Problem("readback-date-shifted", "START_TIME", expected=sent["START_TIME"], actual=act["START_TIME"])]


def test_list_finds_exact():
    body = {"result": [{"ID": "7"}], "total": 2, "time": TIME}
    assert readback.check_list_finds(reply(body), CONTRACT, "strict", activity_id=7) == [
        Problem("list-total", "total", expected=1, actual=2)]
    body = {"result": [{"ID": "7"}], "total": 1, "next": 50, "time": TIME}
    assert [p.kind for p in readback.check_list_finds(reply(body), CONTRACT, "strict", activity_id=7)] == ["list-next"]
    body = {"result": [{"ID": "8"}], "total": 1, "time": TIME}
    assert readback.check_list_finds(reply(body), CONTRACT, "strict", activity_id=7) == [
        Problem("list-wrong-items", "result", expected=7, actual=["8"])]


def test_list_page_exact():
    items = [{"ID": str(i)} for i in range(51)]
    got = readback.check_list_page(reply({"result": items, "total": 51, "time": TIME}), CONTRACT, "strict")
    assert [p.kind for p in got] == ["list-page-size"]
    items = [{"ID": str(i)} for i in range(10)]
    got = readback.check_list_page(reply({"result": items, "total": 60, "next": 10, "time": TIME}), CONTRACT, "strict")
    assert got == [Problem("list-page-size", "items in a non-final page", expected=50, actual=10)]


def test_list_select_wrong_items_shows_the_ids():
    body = {"result": [{"ID": "8"}, {"ID": "9"}], "total": 2, "time": TIME}
    got = readback.check_list_select(reply(body), CONTRACT, "strict", activity_id=7, select=["*"], present={"ID"},
                                     absent=set())
    assert got == [Problem("list-wrong-items", "result", expected=7, actual=["8", "9"])]


# -- batch ----------------------------------------------------------------------------------------------

GOOD = {"result": {"a": 11}, "result_error": [], "result_total": [], "result_next": [], "result_time": {"a": {}}}


def test_batch_time_missing_exact():
    assert batch.check_batch_envelope(reply({"result": GOOD}), CONTRACT, "strict") == [Problem("time-missing", "batch")]


@pytest.mark.parametrize("part", ["result", "result_error"])
def test_batch_part_missing_exact(part):
    inner = {k: v for k, v in GOOD.items() if k != part}
    assert batch.check_batch_envelope(reply(envelope_of(inner)), CONTRACT, "strict") == [
        Problem("batch-part-missing", part)]


def test_batch_command_both_exact():
    inner = {**GOOD, "result_error": {"a": {"error": "E", "error_description": "D"}}}
    assert batch.check_batch_outcome(reply(envelope_of(inner)), CONTRACT, "strict", ok=["a"]) == [
        Problem("batch-command-both", "result.result_error", actual={"error": "E", "error_description": "D"},
                context="batch command 'a'")]


def test_batch_no_result_and_ran_after_halt_show_the_error():
    inner = {**GOOD, "result": {}, "result_error": {"a": {"error": "E", "error_description": "D"}}}
    got = batch.check_batch_outcome(reply(envelope_of(inner)), CONTRACT, "strict", ok=["a"])
    assert got == [Problem("batch-command-no-result", "result.result", actual={"error": "E", "error_description": "D"},
                           context="batch command 'a'")]
    got = batch.check_batch_outcome(reply(envelope_of(inner)), CONTRACT, "strict", not_run=["a"])
    assert got == [Problem("batch-ran-after-halt", "result", actual={"result": None, "error": {"error": "E", "error_description": "D"}},
                           context="batch command 'a'")]


# -- errors ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, name", [
    ("https://p/rest/1/abc/crm.activity.add.json?x=1", "crm.activity.add"),
    ("https://p/rest/1/abc/crm.activity.add/", "crm.activity.add"),
    ("https://p/rest/crm.activity.get?a=b?c", "crm.activity.get"),
    ("/crm.json", "crm"),
    ("", ""),
])
def test_method_of(url, name):
    assert errors.method_of(reply({}, url=url)) == name
    assert errors.method_of(SimpleNamespace()) == ""
    assert errors.method_of(SimpleNamespace(request=SimpleNamespace(url=None))) == ""


@pytest.mark.parametrize("auth", ["bad_code", "expired", "none"])
def test_missed_refusal_credential(auth):
    from b24conform.verdict.problems import WRONG_CREDENTIALS
    r = reply(envelope_of(5), auth=auth)
    assert errors.missed_refusal(r, ["NO_AUTH_FOUND"]) == [
        Problem("credential-accepted", WRONG_CREDENTIALS[auth], expected=["NO_AUTH_FOUND"], actual=200)]


def test_missed_refusal_request():
    r = reply(envelope_of(5), auth="webhook")
    assert errors.missed_refusal(r, ["E"]) == [Problem("refusal-ignored", "crm.activity.add", expected=["E"], actual=200)]
    r = SimpleNamespace(status=200, headers={}, json=envelope_of(5), text="")
    assert errors.missed_refusal(r, ["E"]) == [Problem("refusal-ignored", "the request", expected=["E"], actual=200)]


@pytest.mark.parametrize("status, honoured", [(200, True), (299, True), (300, False), (199, False), (400, False)])
def test_honoured_bounds(status, honoured):
    assert errors.honoured(reply(envelope_of(5), status=status)) is honoured
    assert errors.honoured(reply({"result": 5, "error": "E"}, status=status)) is False


def test_error_shape_exact():
    r = reply({"error": 5, "error_description": "d"}, status=400)
    assert errors.check_error_shape(r, CONTRACT, "strict") == [Problem("error-key-type", "error", actual=5)]
    r = reply({"error": "E", "error_description": "d"}, status=400, ctype="text/html")
    assert errors.check_error_shape(r, CONTRACT, "strict") == [
        Problem("content-type", "Content-Type", expected="application/json", actual="text/html")]
    r = SimpleNamespace(status=400, headers={"CONTENT-TYPE": "text/plain"}, json={"error": "E", "error_description": "d"}, text="")
    assert [p.kind for p in errors.check_error_shape(r, CONTRACT, "strict")] == ["content-type"]
    r = SimpleNamespace(status=400, headers={}, json={"error": "E", "error_description": "d"}, text="")
    assert errors.check_error_shape(r, CONTRACT, "strict") == []


def test_unlisted_refusal_lenient_wrong_status_exact():
    if not CONTRACT.ambiguities["AMB-UNLISTED-VALUES"].accepts("b", "lenient"):
        pytest.skip("lenient does not accept reading b")
    r = reply({"error": "E", "error_description": "no such value"}, status=403)
    assert errors.check_unlisted_refusal(r, CONTRACT, "lenient", "TYPE_ID") == [
        Problem("http-status", "HTTP status", expected=400, actual=403)]
    r = reply({"error": "E", "error_description": "no such value"}, status=400)
    assert errors.check_unlisted_refusal(r, CONTRACT, "lenient", "TYPE_ID") == []


@pytest.mark.parametrize("type_id, want", [(2, "PHONE"), ("4", "EMAIL")])
def test_communications_type_filled_in_exact(type_id, want):
    sent = {"TYPE_ID": type_id, "COMMUNICATIONS": [{"VALUE": "v"}]}
    act = {"COMMUNICATIONS": [{"VALUE": "v", "TYPE": "OTHER"}]}
    assert readback.check_communications(reply(envelope_of(act)), CONTRACT, "strict", sent=sent) == [
        Problem("readback-communications", "TYPE", expected=want, actual="OTHER")]
    act = {"COMMUNICATIONS": [{"VALUE": "v", "TYPE": want}]}
    assert readback.check_communications(reply(envelope_of(act)), CONTRACT, "strict", sent=sent) == []


def test_communications_entity_exact():
    sent = {"TYPE_ID": 4, "COMMUNICATIONS": [{"VALUE": "v", "ENTITY_ID": 5, "ENTITY_TYPE_ID": 3}]}
    act = {"COMMUNICATIONS": [{"VALUE": "v", "TYPE": "EMAIL", "ENTITY_ID": "6", "ENTITY_TYPE_ID": "3"}]}
    assert readback.check_communications(reply(envelope_of(act)), CONTRACT, "strict", sent=sent) == [
        Problem("readback-communications", "ENTITY_ID", expected=5, actual="6")]


def test_readback_numbers_exact():
    field = readback.integer_fields(CONTRACT)[0]
    got = readback.check_readback_numbers(reply(envelope_of({field: 5})), CONTRACT, "strict")
    ints_ok = CONTRACT.ambiguities["AMB-NUMBERS-AS-STRINGS"].accepts("b", "strict")
    assert got == ([] if ints_ok else [Problem("readback-number-as-int", "numbers", actual=5, context=field,
                                               ambiguity="AMB-NUMBERS-AS-STRINGS", mode="strict")])
    assert readback.check_readback_numbers(reply(envelope_of({field: 1.5})), CONTRACT, "strict") == [
        Problem("readback-number-type", field, actual=1.5)]


def test_readback_equal_exact():
    assert readback.check_readback_equal(reply(envelope_of({"SUBJECT": "t"})), CONTRACT, "strict",
                                         sent={"SUBJECT": "s"}) == [
        Problem("readback-mismatch", "SUBJECT", expected="s", actual="t")]
    assert readback.check_readback_equal(reply(envelope_of({})), CONTRACT, "strict", sent={"SUBJECT": "s"}) == [
        Problem("readback-field-missing", "SUBJECT", expected="s")]


def test_error_one_of_unexpected_shows_the_reply():
    r = reply({"error": "OTHER", "error_description": "x" * 200}, status=400)
    got = errors.check_error_one_of(r, CONTRACT, "strict", ["ADD_SUBJECT_MISSING", "ACCESS_DENIED"])
    assert got and all(p.kind != "refusal-ignored" for p in got)
    with pytest.raises(ValueError):
        errors.check_error_one_of(r, CONTRACT, "strict", [])
    ok = reply(envelope_of(5))
    got = errors.check_error_one_of(ok, CONTRACT, "strict", ["ADD_SUBJECT_MISSING"])
    assert got[0] == Problem("refusal-ignored", "crm.activity.add", expected=["ADD_SUBJECT_MISSING"], actual=200)


def test_check_error_names_the_ignored_refusal_first():
    ok = reply(envelope_of(5))
    got = errors.check_error(ok, CONTRACT, "strict", "ADD_SUBJECT_MISSING")
    assert got[0] == Problem("refusal-ignored", "crm.activity.add", expected=["ADD_SUBJECT_MISSING"], actual=200)
    entry = CONTRACT.error("ADD_SUBJECT_MISSING")
    good = reply(entry.body(), status=entry.http_status)
    assert errors.check_error(good, CONTRACT, "strict", "ADD_SUBJECT_MISSING") == []


def test_method_of_keeps_a_trailing_x():
    assert errors.method_of(reply({}, url="https://p/rest/some.methodX/")) == "some.methodX"
