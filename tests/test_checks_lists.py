"""The checks of RT-020..RT-023, BATCH-006 and CALL-011 on hand-made replies: each passes the faithful
answer and reports the one deviation it exists for."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from b24conform.contract import load_contract
from b24conform.judge.checks import lists
from b24conform.judge.checks.batch import check_batch_command_parts
from b24conform.judge.checks.readback import check_files, check_list_finds_nothing
from b24conform.judge.client import encode_request, multipart_encode
from b24conform.portal import wire
from b24conform.portal.listing import _like

C = load_contract()
M = "lenient"
# The batch page's own result_time entry.
TIME = {"start": 1724916859.46156, "finish": 1724916859.464775, "duration": 0.0032150745391845703,
        "processing": 0.003075838088989258, "date_start": "2024-08-29T10:34:19+03:00",
        "date_finish": "2024-08-29T10:34:19+03:00"}


def as_reply(body):
    return SimpleNamespace(status=200, headers={"content-type": "application/json"}, json=body, text=repr(body))


def page(ids, total, next_start=None):
    body = {"result": [{"ID": str(i)} for i in ids], "total": total, "time": TIME}
    if next_start is not None:
        body["next"] = next_start
    return body


def kinds(problems):
    return sorted({p.kind for p in problems})


# ------------------------------------------------------------------------------------------ FILES

SENT = {"FILES": [{"fileData": ["a.txt", "aGVsbG8="]}]}


def test_files_read_back_in_the_documented_shape():
    assert check_files({"FILES": [{"id": 3101820, "url": "https://x/bitrix/tools/crm_show_file.php?fileId=3101820"}]},
                       C, M, sent=SENT) == []


@pytest.mark.parametrize("files,subject", [
    ([], "count"),
    ([{"id": 1, "url": "u"}, {"id": 2, "url": "v"}], "count"),
    ([{"url": "u"}], "id"),
    ([{"id": 1}], "url"),
    ("nope", "FILES"),
])
def test_files_lost_or_misshapen(files, subject):
    problems = check_files({"FILES": files}, C, M, sent=SENT)
    assert kinds(problems) == ["readback-files"] and problems[0].subject == subject


def test_no_files_sent_none_expected():
    assert check_files({"FILES": []}, C, M, sent={}) == []


# ------------------------------------------------------------------------------------ order, pages

def test_order_ascending_and_descending():
    assert lists.check_order(page([1, 2, 5], 3), C, M, descending=False) == []
    assert lists.check_order(page([5, 2, 1], 3), C, M, descending=True, first=5) == []
    assert kinds(lists.check_order(page([1, 2, 5], 3), C, M, descending=True)) == ["list-order"]
    assert kinds(lists.check_order(page([5, 2, 1], 3), C, M, descending=True, first=7)) == ["list-order"]
    assert kinds(lists.check_order(page([2, 2], 2), C, M, descending=False)) == ["list-order"]


def test_the_last_page_begins_at_a_multiple_of_50():
    start_of_last = lists.last_page_start  # another name: test_e2e_marker takes the call for a process start
    assert [start_of_last(t) for t in (0, 1, 50, 51, 100, 101, None)] == [0, 0, 0, 50, 50, 100, 0]


def test_last_page_faithful():
    first = page(range(1, 51), 120, 50)
    last = page(range(101, 121), 120)
    assert lists.check_last_page(first, last, C, M, start=100, ceiling=120) == []
    single = page([3, 4, 9], 3)
    assert lists.check_last_page(single, single, C, M, start=0, ceiling=9) == []


@pytest.mark.parametrize("last,ceiling", [
    pytest.param(page(range(1, 51), 120, 50), 120, id="start-ignored"),
    pytest.param(page(range(101, 120), 120), 120, id="an-item-short"),
    pytest.param(page(range(101, 121), 121), 120, id="another-total"),
    pytest.param(page(range(101, 121), 120), 125, id="ceiling-not-last"),
])
def test_last_page_deviations(last, ceiling):
    first = page(range(1, 51), 120, 50)
    assert kinds(lists.check_last_page(first, last, C, M, start=100, ceiling=ceiling)) == ["list-last-page"]


# ---------------------------------------------------------------------------------------- filters

def test_filter_cases_cover_every_prefix_and_sent_field():
    sent = {"SUBJECT": "[b24conform r1] New call", "PRIORITY": 3, "COMPLETED": "N",
            "START_TIME": "2023-12-31T12:00:00+00:00", "COMMUNICATIONS": [{"VALUE": "x"}], "NOT_A_FIELD": 1}
    cases = lists.filter_cases(C, activity_id=7, sent=sent)
    prefixes = lists.filter_prefixes(C)
    assert all(flt["ID"] == 7 for flt, _ in cases.values())
    used = {next(k for k in flt if k != "ID") for flt, _ in cases.values()}
    assert {f"{p}ID" for p, m in prefixes.items() if m not in ("contains", "not_contains", "like", "not_like")} <= used
    assert {f"{p}SUBJECT" for p, m in prefixes.items() if m in ("contains", "not_contains", "like", "not_like")} <= used
    assert cases["PRIORITY:equal"] == ({"ID": 7, "PRIORITY": 3}, True)
    assert cases["PRIORITY:other"] == ({"ID": 7, "PRIORITY": 4}, False)
    assert cases["COMPLETED:other"] == ({"ID": 7, "COMPLETED": "Y"}, False)
    assert cases["START_TIME:after"] == ({"ID": 7, ">START_TIME": sent["START_TIME"]}, False)
    assert not any(n.startswith(("COMMUNICATIONS", "NOT_A_FIELD")) for n in cases)
    assert "=%" not in prefixes  # listed as LIKE and as NOT LIKE on the page


def _batch(results, errors=None):
    return {"result": {"result": results, "result_error": errors or [], "result_total": [], "result_next": [],
                       "result_time": []}, "time": TIME}


def test_filter_outcomes():
    cases = {"a": ({"ID": 7, "PRIORITY": 3}, True), "b": ({"ID": 7, "PRIORITY": 4}, False)}
    keys = {"a": "f0", "b": "f1"}
    ok = _batch({"f0": [{"ID": "7"}], "f1": []})
    assert lists.check_filter_outcomes(ok, C, M, cases=cases, keys=keys, activity_id=7) == []
    ignored = _batch({"f0": [{"ID": "7"}], "f1": [{"ID": "7"}]})
    assert kinds(lists.check_filter_outcomes(ignored, C, M, cases=cases, keys=keys, activity_id=7)) == ["list-filter"]
    refused = _batch({"f0": [{"ID": "7"}]}, {"f1": {"error": "X", "error_description": "y"}})
    assert kinds(lists.check_filter_outcomes(refused, C, M, cases=cases, keys=keys, activity_id=7)) == ["list-filter-failed"]


# -------------------------------------------------------------------------------------- multipart

def test_same_result():
    base = {"result": {"ID": "7", "SUBJECT": "s"}, "time": TIME}
    assert lists.check_same_result(base, base, C, M) == []
    assert kinds(lists.check_same_result({"result": {"ID": "7", "SUBJECT": "t"}}, base, C, M)) == ["multipart-differs"]
    assert kinds(lists.check_same_result({"error": "INVALID_REQUEST"}, base, C, M)) == ["multipart-differs"]
    assert kinds(lists.check_same_result({"result": []}, {"result": [{"ID": "7"}]}, C, M)) == ["multipart-differs"]


def test_multipart_encoding_reads_back_as_the_params():
    params = {"filter": {"ID": 7, ">=START_TIME": "2024-01-01T00:00:00+03:00"}, "select": ["ID", "SUBJECT"], "id": 7}
    enc = encode_request("https://x/rest/1/c/crm.activity.list", params, encoding="multipart", token=None, auth="webhook")
    assert enc.content_type.startswith("multipart/form-data; boundary=")
    assert wire.parse_body(enc.body, enc.content_type) == {
        "filter": {"ID": "7", ">=START_TIME": "2024-01-01T00:00:00+03:00"}, "select": ["ID", "SUBJECT"], "id": "7"}
    body, _ = multipart_encode([("a", "b")])
    assert body.endswith(b"--\r\n")


# ------------------------------------------------------------------------------------------ batch

def _parts(total=1, next_start=None, time_for=("get", "one"), total_for_get=False):
    inner = {"result": {"get": {"ID": "7"}, "one": [{"ID": "7"}]}, "result_error": [],
             "result_total": {"one": total, **({"get": 1} if total_for_get else {})},
             "result_next": {"one": next_start} if next_start is not None else [],
             "result_time": {k: TIME for k in time_for}}
    return as_reply({"result": inner, "time": TIME})


def test_batch_parts_faithful():
    assert check_batch_command_parts(_parts(), C, M, lists=["one"], others=["get"]) == []


@pytest.mark.parametrize("reply,kind", [
    pytest.param(_parts(time_for=("get",)), "batch-command-time", id="no-time"),
    pytest.param(_parts(total=None), "batch-command-total", id="no-total"),
    pytest.param(_parts(total=3), "batch-command-total", id="total-beyond-a-short-page"),
    pytest.param(_parts(next_start=50), "batch-command-next", id="next-on-the-last-page"),
    pytest.param(_parts(total_for_get=True), "batch-command-total", id="total-for-a-get"),
])
def test_batch_parts_deviations(reply, kind):
    assert kind in kinds(check_batch_command_parts(reply, C, M, lists=["one"], others=["get"]))


def test_batch_next_while_more_follow():
    inner = {"result": {"all": [{"ID": str(i)} for i in range(50)]}, "result_error": [], "result_total": {"all": 51},
             "result_next": {"all": 50}, "result_time": {"all": TIME}}
    assert check_batch_command_parts(as_reply({"result": inner, "time": TIME}), C, M, lists=["all"]) == []
    inner["result_next"] = []
    assert kinds(check_batch_command_parts(as_reply({"result": inner, "time": TIME}), C, M, lists=["all"])) == ["batch-command-next"]


def test_mock_like_reads_brackets_as_themselves():
    assert _like("[b24conform r1] new%", "[b24conform r1] new call")
    assert not _like("[b24conform r1] old%", "[b24conform r1] new call")
    assert _like("%c_ll", "new call")


def test_list_after_delete_finds_nothing():
    assert check_list_finds_nothing(page([], 0), C, M) == []
    assert kinds(check_list_finds_nothing(page([7], 1), C, M)) == ["list-total", "list-wrong-items"]
    assert kinds(check_list_finds_nothing({"error": "X"}, C, M)) == ["list-not-list"]
