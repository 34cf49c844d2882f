"""The bucket-count checks: the bounds LIMIT-001 and LIMIT-002 put on requests admitted."""
from __future__ import annotations

import pytest

from b24conform.contract import load_contract
from b24conform.judge.checks.limits import check_burst, check_drain
from b24conform.judge.ratelimit import STANDARD_BURST

CONTRACT = load_contract()
MODES = ("strict", "lenient")


@pytest.mark.parametrize("mode", MODES)
def test_burst_bounds(mode):
    def check(admitted, earlier=0, elapsed=0.0):
        return check_burst(admitted, CONTRACT, mode, earlier=earlier, elapsed=elapsed)

    # The floor is the burst less what earlier requests may still hold; the ceiling the burst, what
    # drained meanwhile (2 a second) and one in flight.
    assert check(STANDARD_BURST) == [] and check(STANDARD_BURST + 1) == []
    assert check(STANDARD_BURST - 10, earlier=10) == []
    assert check(STANDARD_BURST + 5, elapsed=2.0) == []
    [early] = check(STANDARD_BURST - 11, earlier=10)
    assert early.kind == "limit-refused-early"
    assert str(early) == "refused after 39 requests, expected at least 40 (the burst is 50, 10 sent before)"
    [late] = check(STANDARD_BURST + 6, elapsed=2.0)
    assert late.kind == "limit-burst-exceeded"
    assert str(late) == "56 requests admitted before the first refusal, expected at most 55"


@pytest.mark.parametrize("mode", MODES)
def test_drain_bounds(mode):
    def check(admitted, elapsed=0.1):
        return check_drain(admitted, CONTRACT, mode, slots=2, elapsed=elapsed)

    assert check(2) == [] and check(4) == []  # 2 slots + ceil(0.1 * 2) + 1
    [short] = check(1)
    assert short.kind == "limit-drain-short"
    assert str(short) == "1 request(s) admitted after a drain of 2 slots, expected at least 2"
    [over] = check(5)
    assert over.kind == "limit-drain-exceeded" and str(over).endswith("expected at most 4")


def test_counts_do_not_split_a_limit_problem():
    # Counts depend on timing: two runs of the same defect are one problem.
    one = check_burst(10, CONTRACT, "strict", earlier=0, elapsed=0.0)
    two = check_burst(12, CONTRACT, "strict", earlier=3, elapsed=1.0)
    assert [p.key() for p in one] == [p.key() for p in two]


def test_drain_ceiling_grows_with_the_time_it_drained():
    # 2 a second: 2 s of draining add 4 slots' worth, so 2 + 4 + 1 = 7 pass and 8 do not.
    assert check_drain(7, CONTRACT, "strict", slots=2, elapsed=2.0) == []
    assert [p.kind for p in check_drain(8, CONTRACT, "strict", slots=2, elapsed=2.0)] == ["limit-drain-exceeded"]
