"""`selftest --batch-plan` (selftest/detection.py): which profiles it runs, the dry runs it ignores, and a
miss of the plan told apart from what a live run misses without it."""
from __future__ import annotations

from types import SimpleNamespace

from b24conform.selftest import detection
from b24conform.selftest.catalogue import DeviantProfile, load_catalogue
from b24conform.selftest.detection import ProfileVerdict, live_checkable, live_miss


def _verdict(verdict, killed_by=(), reason=""):
    return ProfileVerdict(profile="p", family="f", description="d", named=["RT-016"], verdict=verdict,
                          killed_by=list(killed_by), reason=reason)


def test_a_miss_killed_without_the_plan_stays_the_plans_miss():
    mine = _verdict("miss", reason="RT-016: its checks passed")
    live_miss(mine, _verdict("killed", killed_by=["RT-016"]))
    assert mine.verdict == "miss" and mine.reason.startswith("killed without the plan (on RT-016)")


def test_a_miss_a_live_run_makes_without_the_plan_too_is_a_live_miss():
    mine = _verdict("miss", reason="with the plan")
    live_miss(mine, _verdict("miss", reason="EMAIL-001: its checks passed"))
    assert mine.verdict == "live-miss" and "EMAIL-001: its checks passed" in mine.reason
    nothing = _verdict("no-verdict", reason="crashed")
    live_miss(nothing, _verdict("no-verdict", reason="crashed too"))
    assert nothing.verdict == "live-miss"


def test_only_profiles_naming_a_live_checkable_clause_run_with_the_plan():
    def profile(*clauses):
        return DeviantProfile(id="x", family="f", bends="b", breaks=clauses, operations=())

    assert live_checkable(profile("RT-016")) and live_checkable(profile("AUTH-004", "ERR-005"))
    assert not live_checkable(profile("AUTH-004")) and not live_checkable(profile("LIMIT-003"))
    assert sum(live_checkable(p) for p in load_catalogue().profiles) < len(load_catalogue().profiles)


def test_the_record_plugin_ignores_the_plans_dry_runs():
    from b24conform.selftest import pytest_record

    class Outcome:
        def get_result(self):
            return SimpleNamespace(b24_dry=True, when="call", failed=True)

    records = {}
    item = SimpleNamespace(config=SimpleNamespace(stash={pytest_record._RECORDS_KEY: records}), nodeid="n", name="n")
    hook = pytest_record.pytest_runtest_makereport(item, SimpleNamespace(excinfo=None))
    next(hook)
    try:
        hook.send(Outcome())
    except StopIteration:
        pass
    assert records == {}  # a dry run's stop is no verdict of the check's


def test_a_run_with_the_plan_judges_a_served_portal_live():
    spec = detection.RunSpec("p", "some-profile", ("RT-016",))
    from pathlib import Path

    cmd = detection.pytest_command(spec, Path("/r.json"), Path("/w"), Path("/s"), "lenient",
                                   ["--b24-target=http://127.0.0.1:1/rest/1/x/", *detection.PLAN_OPTIONS], served=True)
    assert "--b24-batch-plan" in cmd and "--b24-allow-writes" in cmd
    assert "--b24-mock-profile" not in cmd and not any(a.startswith("--b24-selftest-profile") for a in cmd)
