"""Problems as data: rendered from their fields, identified by kind and values, carried as dicts."""
from __future__ import annotations

import copy
import json
import re
from types import SimpleNamespace

import pytest

from b24conform.contract import load_contract
from b24conform.judge.checks import assert_conforms
from b24conform.judge.checks.batch import check_batch_outcome
from b24conform.judge.checks.envelope import check_add_success, check_result_id
from b24conform.judge.checks.errors import check_error
from b24conform.judge.checks.time_block import check_time_arithmetic
from b24conform.verdict.problem_kinds import KINDS
from b24conform.verdict.problems import Problem, as_problem, within

CONTRACT = load_contract()
TIME = {"start": 1712132792.910734, "finish": 1712132793.530359, "duration": 0.6196250915527344,
        "processing": 0.03, "date_start": "2024-04-03T10:26:32+02:00", "date_finish": "2024-04-03T10:26:33+02:00",
        "operating_reset_at": 1705765533, "operating": 3.3}


def reply(body, status=200):
    return SimpleNamespace(status=status, headers={"content-type": "application/json"}, json=body, text=json.dumps(body))


def test_a_boolean_result_is_one_kind_with_its_values():
    [problem] = check_result_id(reply({"result": True, "time": TIME}), CONTRACT, "strict")
    assert (problem.kind, problem.subject, problem.actual) == ("result-not-id", "result", True)
    assert str(problem) == "result true is not a positive integer id"
    assert problem.expectation == KINDS["result-not-id"].expects


def test_the_same_fault_in_a_batch_is_the_same_problem():
    """A batch command's `true` and a direct add's `true` are one defect: same key, other context."""
    direct = check_result_id(reply({"result": True, "time": TIME}), CONTRACT, "strict")[0]
    batch = reply({"result": {"result": {"a": True}, "result_error": []}, "time": TIME})
    [in_batch] = check_batch_outcome(batch, CONTRACT, "strict", ok=["a"])
    assert in_batch.key() == direct.key()
    assert in_batch.context == "batch command 'a'" and str(in_batch).startswith("batch command 'a': result true")


def test_value_kinds_split_by_value_and_volatile_kinds_do_not():
    wrong_status = [p for p in check_error(reply({"error": "", "error_description": "x"}, status=200), CONTRACT,
                                           "strict", "ADD_TYPE_ID_INVALID") if p.kind == "error-status"][0]
    other_status = Problem("error-status", "HTTP status", expected=400, actual=500, error_id="ADD_TYPE_ID_INVALID")
    assert wrong_status.key() != other_status.key()
    a = check_time_arithmetic({**TIME, "duration": 5.0}, CONTRACT, "strict")
    b = check_time_arithmetic({**TIME, "duration": 7.0}, CONTRACT, "strict")
    assert a and b and a[0].actual != b[0].actual and a[0].key() == b[0].key()


def test_error_id_is_data_but_not_identity():
    """200 instead of 400 for every method error is one fault, whichever error was provoked."""
    one = Problem("error-status", "HTTP status", expected=400, actual=200, error_id="ADD_TYPE_ID_INVALID")
    two = Problem("error-status", "HTTP status", expected=400, actual=200, error_id="ADD_SUBJECT_MISSING")
    assert one.key() == two.key() and one != two
    assert str(one).startswith("ADD_TYPE_ID_INVALID: HTTP status 200")


def test_wire_form_round_trips_and_is_json():
    problem = Problem("message-mismatch", "error_description", expected="Access denied.", actual="Access denied",
                      error_id="ADD_ACCESS_DENIED", context="step 3").seen(["AUTH-007"], {"status": 400})
    data = json.loads(json.dumps(problem.as_dict()))
    assert Problem.from_dict(data) == problem
    assert data["message"] == str(problem) and data["clauses"] == ["AUTH-007"]
    assert data["expectation"] == '"Access denied."'


def test_unknown_kinds_are_refused_where_made():
    with pytest.raises(KeyError, match="unknown problem kind"):
        Problem("no-such-kind")


def test_every_kind_renders_from_any_values():
    for name in KINDS:
        text = str(Problem(name, "x", expected=[1, "a"], actual={"b": None}, error_id="E"))
        assert text and not re.search(r"\{[a-z_]+\}", text), (name, text)


def test_a_suites_sentence_becomes_an_other_problem():
    problem = as_problem("the other command did not run")
    assert problem.kind == "other" and str(problem) == "the other command did not run"
    [prefixed] = within("crm.activity.get", [problem])
    assert str(prefixed) == "crm.activity.get: the other command did not run"


def test_problems_still_read_as_sentences_where_strings_were():
    problems = check_add_success(reply({"result": 0, "time": {**TIME, "duration": 5.0}}), CONTRACT, "strict")
    assert {p.kind for p in problems} == {"result-not-id", "time-arithmetic"}
    with pytest.raises(AssertionError) as info:
        assert_conforms(problems, "add")
    assert "2 conformance problem(s) in add" in str(info.value) and "result 0 is not a positive integer id" in str(info.value)
    assert f"{problems[0]}" == str(problems[0])


def test_checks_of_a_good_reply_find_nothing():
    assert check_add_success(reply({"result": 7, "time": copy.deepcopy(TIME)}), CONTRACT, "strict") == []


# ------------------------------------------------------------ the helpers every check reads replies with
# (mutation run: each case fails under one of the surviving mutants)

from b24conform.judge.checks._common import header, is_decimal_string, short, status_of  # noqa: E402


@pytest.mark.parametrize("value, expected", [
    ("ab", "'ab'"),
    ("x" * 198, "'" + "x" * 198 + "'"),                  # 200 characters: kept whole
    ("x" * 199, "'" + "x" * 199 + "..."),                 # 201: cut to 200
    (None, "None"),
])
def test_short(value, expected):
    assert short(value) == expected


@pytest.mark.parametrize("value, expected", [("12", True), ("-5", True), ("5-", False), (" 5", False), ("", False)])
def test_is_decimal_string(value, expected):
    assert is_decimal_string(value) is expected


def test_a_bare_body_has_no_status_or_headers():
    # Batch items and hand-made values are plain dicts: the helpers read them without raising.
    assert status_of({"error": ""}) is None and header({"error": ""}, "content-type") is None


def test_assert_conforms_names_a_context_only_when_given():
    with pytest.raises(AssertionError) as info:
        assert_conforms([Problem("time-missing", "envelope")])
    assert str(info.value).startswith("1 conformance problem(s):\n")
