"""The time-block checks pass the seed's own example and fail on each kind of defect."""
from __future__ import annotations

import copy

import pytest

from b24conform.contract import load_contract
from b24conform.judge.checks import assert_conforms
from b24conform.judge.checks.time_block import (
    check_operating_grows,
    check_time_arithmetic,
    check_time_block,
    check_time_dates,
    check_time_keys,
    check_time_types,
)

CONTRACT = load_contract()
MODES = ("strict", "lenient")

# The seed's Response Handling example, verbatim.
SEED_TIME = {
    "start": 1712132792.910734,
    "finish": 1712132793.530359,
    "duration": 0.6196250915527344,
    "processing": 0.032338857650756836,
    "date_start": "2024-04-03T10:26:32+02:00",
    "date_finish": "2024-04-03T10:26:33+02:00",
    "operating_reset_at": 1705765533,
    "operating": 3.3076241016387939,
}


def t(**changes):
    time = copy.deepcopy(SEED_TIME)
    for key, value in changes.items():
        if value is ...:
            del time[key]
        else:
            time[key] = value
    return time


@pytest.mark.parametrize("mode", MODES)
def test_seed_example_conforms(mode):
    assert check_time_block(SEED_TIME, CONTRACT, mode) == []
    assert check_time_block({"result": 1, "time": SEED_TIME}, CONTRACT, mode) == []


def test_six_keys_fail_strict_pass_lenient():
    six = t(operating=..., operating_reset_at=...)
    assert check_time_keys(six, CONTRACT, "strict")
    assert check_time_keys(six, CONTRACT, "lenient") == []


@pytest.mark.parametrize("mode", MODES)
def test_missing_timing_key_fails_in_both_modes(mode):
    assert check_time_keys(t(date_finish=...), CONTRACT, mode)
    assert check_time_keys("not an object", CONTRACT, mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("key,bad", [("start", "1712132792"), ("duration", True), ("date_start", 1712132792), ("operating", None)])
def test_wrong_types_fail(mode, key, bad):
    assert check_time_types(t(**{key: bad}), CONTRACT, mode)


def test_operating_reset_at_iso_string_is_lenient_only():
    iso = t(operating_reset_at="2024-01-20T18:45:33+03:00")
    assert check_time_types(iso, CONTRACT, "strict")
    assert check_time_types(iso, CONTRACT, "lenient") == []
    assert check_time_types(t(operating_reset_at="soon"), CONTRACT, "lenient")


@pytest.mark.parametrize("mode", MODES)
def test_arithmetic(mode):
    assert check_time_arithmetic(SEED_TIME, CONTRACT, mode) == []
    assert check_time_arithmetic(t(finish=1712132791.0, duration=-1.910734), CONTRACT, mode)
    assert check_time_arithmetic(t(duration=0.6216), CONTRACT, mode)  # 2 ms off
    assert check_time_arithmetic(t(duration=0.6201), CONTRACT, mode) == []  # within 1 ms
    assert check_time_arithmetic(t(processing=-0.1), CONTRACT, mode)


@pytest.mark.parametrize("mode", MODES)
def test_dates(mode):
    assert check_time_dates(t(date_start="2024-04-03 10:26:32"), CONTRACT, mode)  # no offset, no T
    assert check_time_dates(t(date_start="2024-04-03T10:26:32Z"), CONTRACT, mode)  # Z is not +hh:mm
    assert check_time_dates(t(date_start="2024-04-03T10:26:31+02:00"), CONTRACT, mode)  # wrong second
    # The same instant in another offset is fine.
    assert check_time_dates(t(date_start="2024-04-03T08:26:32+00:00"), CONTRACT, mode) == []


def test_operating_grows():
    later = t(operating=3.4)
    assert check_operating_grows((SEED_TIME, later), CONTRACT, "strict") == []
    assert check_operating_grows((later, SEED_TIME), CONTRACT, "strict")
    no_op = t(operating=...)
    assert check_operating_grows((no_op, no_op), CONTRACT, "strict")
    assert check_operating_grows((no_op, no_op), CONTRACT, "lenient") == []


def test_assert_conforms_lists_every_problem():
    assert_conforms([])
    with pytest.raises(AssertionError) as info:
        assert_conforms(["first", "second"], "a reply")
    assert "first" in str(info.value) and "second" in str(info.value) and "2 conformance" in str(info.value)


# ------------------------------------------------------------ exact verdicts, boundary by boundary (the mutation
# run left these unpinned; each case fails under one of the surviving mutants)

from b24conform.verdict.problems import Problem  # noqa: E402

ISO_RESET = "2024-01-20T18:45:33+03:00"
START = SEED_TIME["start"]


@pytest.mark.parametrize("time, mode, expected", [
    (SEED_TIME, "strict", []),
    (None, "strict", [Problem("time-not-object", "time", actual=None)]),
    # Keys, types and arithmetic are all judged: one fault does not hide the next.
    (t(operating=..., operating_reset_at=..., processing=-1.0), "strict", [
        Problem("time-keys-missing", "time", expected=["start", "finish", "duration", "processing", "date_start",
                                                        "date_finish", "operating_reset_at", "operating"],
                actual=["operating_reset_at", "operating"], ambiguity="AMB-TIME-KEYS", mode="strict"),
        Problem("time-negative", "time.processing", actual=-1.0),
    ]),
    (t(operating=..., operating_reset_at=...), "lenient", []),
    (t(operating_reset_at=ISO_RESET), "strict", [Problem("time-reset-iso", "time.operating_reset_at", actual=ISO_RESET,
                                                        ambiguity="AMB-OPERATING-RESET-TYPE", mode="strict")]),
    (t(operating_reset_at=ISO_RESET), "lenient", []),
    (t(operating_reset_at=0), "strict", []),
    (t(operating_reset_at=-1), "strict", [Problem("time-negative", "time.operating_reset_at", actual=-1)]),
])
def test_time_block_exactly(time, mode, expected):
    assert check_time_block(time, CONTRACT, mode) == expected


@pytest.mark.parametrize("time, expected", [
    # Finish equal to start, a zero processing and a zero duration are all in range.
    ({"start": START, "finish": START, "duration": 0.0, "processing": 0.0}, []),
    # Exactly 1 ms off is still "within 1 ms".
    ({"start": START, "finish": START, "duration": 0.001}, []),
    ({"start": START, "duration": 0.5}, []),  # no finish: nothing to subtract
    ({"duration": -0.5}, [Problem("time-negative", "time.duration", actual=-0.5)]),
    ({"start": START, "finish": START + 1.0, "duration": 2.0}, [Problem(
        "time-arithmetic", "duration", expects="finish - start = 1.000000 (within 1 ms)", actual=2.0)]),
])
def test_time_arithmetic_exactly(time, expected):
    assert check_time_arithmetic(time, CONTRACT, "strict") == expected


@pytest.mark.parametrize("changes, expected", [
    # Each date is judged whatever happened to the other.
    ({"date_start": ..., "date_finish": "2024-04-03 10:26:33"},
     [Problem("time-date-format", "time.date_finish", actual="2024-04-03 10:26:33")]),
    ({"date_start": 1712132792, "date_finish": "yesterday"},
     [Problem("time-date-format", "time.date_start", actual=1712132792),
      Problem("time-date-format", "time.date_finish", actual="yesterday")]),
    # The offset form but no real date: a format fault, and the next date still judged.
    ({"date_start": "2024-13-45T10:26:32+02:00", "date_finish": "2024-04-03T10:26:35+02:00"},
     [Problem("time-date-format", "time.date_start", actual="2024-13-45T10:26:32+02:00"),
      Problem("time-date-mismatch", "time.date_finish", expects="time.finish 1712132793.530359",
              actual="2024-04-03T10:26:35+02:00")]),
])
def test_time_dates_exactly(changes, expected):
    assert check_time_dates(t(**changes), CONTRACT, "strict") == expected


def test_time_keys_names_the_missing_operating_keys():
    assert check_time_keys(t(operating=...), CONTRACT, "strict") == [Problem(
        "time-keys-missing", "time", expected=["start", "finish", "duration", "processing", "date_start", "date_finish",
                                               "operating_reset_at", "operating"],
        actual=["operating"], ambiguity="AMB-TIME-KEYS", mode="strict")]


@pytest.mark.parametrize("first, second, mode, expected", [
    ({"operating": 3.3}, {"operating": 3.3}, "strict", []),  # unchanged is not a decrease
    ({"operating": 3.3}, {}, "lenient", []),                 # one call without it: AMB-TIME-KEYS b
    ({"operating": 3.3}, {}, "strict", [Problem("time-keys-missing", "time", expected=["operating"],
                                                actual=["operating"], ambiguity="AMB-TIME-KEYS", mode="strict")]),
    ({"operating": "3.3"}, {"operating": 4}, "strict",
     [Problem("time-type", "time.operating", expects="a number", actual=["3.3", 4])]),
    (None, {"operating": 3.3}, "strict", [Problem("time-not-object", "time", actual=[None, {"operating": 3.3}])]),
])
def test_operating_grows_exactly(first, second, mode, expected):
    assert check_operating_grows((first, second), CONTRACT, mode) == expected
