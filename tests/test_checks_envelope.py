"""Success-envelope checks on hand-made good and bad replies."""
from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from b24conform.contract import load_contract
from b24conform.judge.checks.envelope import (
    check_add_success,
    check_no_error_keys,
    check_result_id,
    check_result_true,
    check_status_and_content_type,
    new_id,
)

CONTRACT = load_contract()
MODES = ("strict", "lenient")
SEED_BODY = {
    "result": 999,
    "time": {
        "start": 1712132792.910734, "finish": 1712132793.530359, "duration": 0.6196250915527344,
        "processing": 0.032338857650756836, "date_start": "2024-04-03T10:26:32+02:00",
        "date_finish": "2024-04-03T10:26:33+02:00", "operating_reset_at": 1705765533, "operating": 3.3076241016387939,
    },
}


def reply(body=None, status=200, ctype="application/json; charset=utf-8"):
    body = copy.deepcopy(SEED_BODY) if body is None else body
    return SimpleNamespace(status=status, headers={"content-type": ctype} if ctype else {}, json=body, text=repr(body))


@pytest.mark.parametrize("mode", MODES)
def test_seed_reply_conforms(mode):
    assert check_add_success(reply(), CONTRACT, mode) == []
    assert new_id(reply()) == 999


@pytest.mark.parametrize("mode", MODES)
def test_status_and_content_type(mode):
    assert check_status_and_content_type(reply(status=201), CONTRACT, mode)
    assert check_status_and_content_type(reply(ctype="text/html"), CONTRACT, mode)
    assert check_status_and_content_type(reply(ctype=None), CONTRACT, mode)
    not_json = SimpleNamespace(status=200, headers={"content-type": "application/json"}, json=None, text="<html>")
    assert check_status_and_content_type(not_json, CONTRACT, mode)


def test_numeric_string_result_is_lenient_only():
    r = reply({**SEED_BODY, "result": "999"})
    assert check_result_id(r, CONTRACT, "strict")
    assert check_result_id(r, CONTRACT, "lenient") == []
    assert new_id(r) == 999


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bad", [True, False, 0, -5, "abc", 1.5, None, [999]])
def test_non_id_results_fail(mode, bad):
    assert check_result_id(reply({**SEED_BODY, "result": bad}), CONTRACT, mode)


@pytest.mark.parametrize("mode", MODES)
def test_error_keys_on_success_fail(mode):
    assert check_no_error_keys(reply({**SEED_BODY, "error": ""}), CONTRACT, mode)
    assert check_no_error_keys(reply({"time": SEED_BODY["time"]}), CONTRACT, mode)
    assert check_add_success(reply({**SEED_BODY, "error_description": "x"}), CONTRACT, mode)


@pytest.mark.parametrize("mode", MODES)
def test_time_block_is_part_of_success(mode):
    body = copy.deepcopy(SEED_BODY)
    body["time"]["duration"] = 5.0
    assert check_add_success(reply(body), CONTRACT, mode)
    del body["time"]
    assert check_add_success(reply(body), CONTRACT, mode)


def test_result_true():
    assert check_result_true(reply({**SEED_BODY, "result": True}), CONTRACT, "strict") == []
    assert check_result_true(reply({**SEED_BODY, "result": 1}), CONTRACT, "strict")


# ------------------------------------------------------------ exact verdicts (the mutation run left these unpinned;
# each case fails under one of the surviving mutants)

from b24conform.verdict.problems import Problem  # noqa: E402

RESET_ISO = "2024-01-20T18:45:33+03:00"


def _with_reset_iso(**body):
    full = copy.deepcopy({**SEED_BODY, **body})
    full["time"]["operating_reset_at"] = RESET_ISO
    return reply(full)


@pytest.mark.parametrize("r, mode, expected", [
    # The time block is judged in the caller's mode: an ISO reset time is lenient only.
    (_with_reset_iso(), "strict", [Problem("time-reset-iso", "time.operating_reset_at", actual=RESET_ISO,
                                           ambiguity="AMB-OPERATING-RESET-TYPE", mode="strict")]),
    (_with_reset_iso(), "lenient", []),
    # So is the id: a numeric string is lenient only.
    (reply({**SEED_BODY, "result": "999"}), "strict",
     [Problem("result-numeric-string", "result", actual="999", ambiguity="AMB-RESULT-TYPE", mode="strict")]),
    (reply({**SEED_BODY, "result": "1"}), "lenient", []),
    # "0" is no id in either mode.
    (reply({**SEED_BODY, "result": "0"}), "lenient", [Problem("result-not-id", "result", actual="0")]),
    (reply({**SEED_BODY, "result": "0"}), "strict", [Problem("result-not-id", "result", actual="0")]),
    # A wrong status is kept when the envelope's keys are judged after it.
    (reply(status=500), "strict", [Problem("http-status", "HTTP status", expected=200, actual=500)]),
    (reply({"time": SEED_BODY["time"]}), "strict",
     [Problem("success-without-result", "result"), Problem("success-without-result", "result")]),
])
def test_add_success_exactly(r, mode, expected):
    assert check_add_success(r, CONTRACT, mode) == expected


@pytest.mark.parametrize("body", [None, ["result"], {"time": {}}])
def test_result_id_without_a_result(body):
    not_an_add = SimpleNamespace(status=200, headers={"content-type": "application/json"}, json=body, text=repr(body))
    assert check_result_id(not_an_add, CONTRACT, "strict") == [Problem("success-without-result", "result")]


@pytest.mark.parametrize("result, expected", [
    (1, 1), (0, None), (-1, None), ("1", 1), ("0", None), ("abc", None), (None, None), (True, None),
])
def test_new_id_exactly(result, expected):
    assert new_id(reply({**SEED_BODY, "result": result})) == expected
