"""A live run's request budget: clean-up deletes through `batch` (ledger semantics unchanged), generated
checks are sized by the `live` hypothesis profile on a live target only, and repeated questions are
asked once on a live portal (suites/_support.shared)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from b24conform.judge import hypothesis_profiles
from b24conform.judge.cleanup import BATCH_SIZE, cleanup_portal, delete_activities, settle_run
from b24conform.judge.client import Endpoints, parse_target_url
from b24conform.judge.commands import pytest_args
from b24conform.judge.ledger import Ledger, read_events, replay
from b24conform.judge.seed import seed_fields
from b24conform.judge.target import Target
from b24conform.judge.testing import FakePortal

SUITES = Path(__file__).resolve().parent.parent / "suites"


@pytest.fixture
def portal():
    with FakePortal() as p:
        yield p


def live(portal, tmp_path, run_id="run1"):
    base, hook = parse_target_url(portal.webhook_url)
    ledger = Ledger(tmp_path / "ledger" / f"{run_id}.jsonl", portal=base, run_id=run_id)
    return Target(Endpoints(base_url=base, webhook=hook), kind="live", run_id=run_id, allow_writes=True, ledger=ledger)


def methods(portal):
    return [r["path"].rstrip("/").rsplit("/", 1)[-1] for r in portal.requests]


# -- batched clean-up ---------------------------------------------------------------------------------


def test_session_end_deletes_in_batches_of_at_most_50(portal, tmp_path):
    target = live(portal, tmp_path)
    for _ in range(BATCH_SIZE * 2 + 7):
        assert target.add(seed_fields()).status == 200
    portal.requests.clear()
    result = settle_run(target)
    assert result.ok and sorted(result.deleted) == list(range(1, BATCH_SIZE * 2 + 8))
    assert portal.activities == {}
    assert methods(portal) == ["batch", "batch", "batch"]  # 50 + 50 + 7, no single delete
    assert not (tmp_path / "ledger" / "run1.jsonl").exists()  # settled: the ledger file is removed


def test_an_id_leaves_the_ledger_only_when_deleted_or_not_found(portal, tmp_path):
    target = live(portal, tmp_path)
    ids = [target.add(seed_fields()).json["result"] for _ in range(3)]
    portal.activities.pop(ids[1])    # already gone: ACTIVITY_NOT_FOUND counts as deleted
    portal.deny_deletes.add(ids[2])  # refused: must stay owed
    result = settle_run(target)
    assert sorted(result.deleted) == ids[:2]
    assert list(result.failed) == [ids[2]] and "Access denied" in result.failed[ids[2]]
    assert target.ledger.outstanding().ids == [ids[2]]
    assert replay(read_events(tmp_path / "ledger" / "run1.jsonl")).ids == [ids[2]]  # on disk too
    assert methods(portal).count("crm.activity.delete") == 0


def test_without_batch_every_id_is_deleted_on_its_own(portal, tmp_path):
    target = live(portal, tmp_path)
    ids = [target.add(seed_fields()).json["result"] for _ in range(3)]
    portal.batch_enabled = False
    portal.requests.clear()
    verdicts = delete_activities(target, ids)
    assert verdicts == {i: (True, "deleted") for i in ids}
    assert methods(portal) == ["batch", "crm.activity.delete", "crm.activity.delete", "crm.activity.delete"]


def test_a_batch_without_an_answer_for_a_command_falls_back_to_a_single_delete(portal, tmp_path, monkeypatch):
    target = live(portal, tmp_path)
    ids = [target.add(seed_fields()).json["result"] for _ in range(2)]
    real = portal.handle

    def lossy(http_method, path, body):  # the batch deletes both but reports only the first
        status, payload = real(http_method, path, body)
        if path.endswith("/batch") and status == 200:
            payload["result"]["result"].pop(f"d{ids[1]}")
        return status, payload

    monkeypatch.setattr(portal, "handle", lossy)
    verdicts = delete_activities(target, ids)
    # the second id is asked again on its own: already gone, so it leaves the ledger honestly
    assert verdicts == {ids[0]: (True, "deleted"), ids[1]: (True, "already gone")}
    assert methods(portal)[-2:] == ["batch", "crm.activity.delete"]


def test_cleanup_command_deletes_ledger_leftovers_in_one_batch(portal, tmp_path):
    target = live(portal, tmp_path, run_id="crashed")
    for _ in range(5):
        target.add(seed_fields())
    portal.requests.clear()
    result = cleanup_portal(live(portal, tmp_path, run_id="cleanup"), tmp_path / "ledger", sweep=True)
    assert result.ok and len(result.deleted) == 5 and portal.activities == {}
    # ledger ids in one batch, then the sweep of every entity the judge marks
    assert methods(portal) == ["batch", "crm.activity.list", "crm.deal.list", "crm.contact.list", "crm.company.list"]
    assert list((tmp_path / "ledger").glob("*.jsonl")) == []


# -- live sizing ---------------------------------------------------------------------------------------


def test_run_uses_the_live_profile_only_against_a_live_target():
    assert hypothesis_profiles.default_profile("https://p.example/rest/1/code/") == "live"
    assert hypothesis_profiles.default_profile(None) == "ci"


def test_live_cap_changes_nothing_outside_the_live_profile():
    from hypothesis import settings

    hypothesis_profiles.register()
    before = settings.get_current_profile_name()
    try:
        settings.load_profile("b24conform-ci")
        assert hypothesis_profiles.live_cap(1) == {}
        settings.load_profile("b24conform-live")
        assert hypothesis_profiles.live_cap(1) == {"max_examples": 1}
        assert hypothesis_profiles.live_cap(1000) == {"max_examples": settings.default.max_examples}
    finally:
        settings.load_profile(before)


PROBE = """
from hypothesis import settings

def test_profile():
    print("PROFILE", settings.get_current_profile_name(), settings.default.max_examples)
"""


@pytest.mark.parametrize("extra,expected", [
    ([], "PROFILE b24conform-live 8"),                                        # a live target, no profile asked for
    (["--hypothesis-profile", "b24conform-ci"], "PROFILE b24conform-ci 25"),  # an asked-for profile wins
])
def test_plugin_loads_the_live_profile_for_a_live_target(pytester, portal, extra, expected):
    pytester.makepyfile(PROBE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "-s",
                                           "--b24-target", portal.webhook_url, *extra)
    result.stdout.fnmatch_lines([f"*{expected}*"])


def test_plugin_leaves_the_profile_alone_on_the_mock(pytester, monkeypatch):
    # Hypothesis itself picks its `ci` profile when it sees a CI environment; take that away so
    # "left alone" means Hypothesis' plain default here, in CI as on a laptop.
    for var in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "TF_BUILD", "BUILDKITE", "CIRCLECI", "TRAVIS", "JENKINS_URL", "CODEBUILD_BUILD_ID"):
        monkeypatch.delenv(var, raising=False)
    pytester.makepyfile(PROBE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "-s")
    result.stdout.fnmatch_lines(["*PROFILE default 100*"])


def test_run_command_passes_the_profile_it_chose(tmp_path):
    args = pytest_args(tmp_path, target=None, oauth_token=None, ca_bundle=None, allow_writes=False, mode=None,
                       report_dir=tmp_path, keyword=None, hypothesis_profile=hypothesis_profiles.default_profile(None),
                       workers=None, verbose=True)
    assert "--hypothesis-profile b24conform-ci" in " ".join(args)


# -- one request per question on a live portal -------------------------------------------------------


@pytest.fixture
def support():
    sys.path.insert(0, str(SUITES))
    try:
        import _support

        yield _support
    finally:
        sys.path.remove(str(SUITES))


def test_shared_sends_once_live_and_every_time_on_the_mock(support, portal, tmp_path):
    target = live(portal, tmp_path)
    fields = seed_fields(SUBJECT="")
    first = support.try_add(target, fields)
    again = support.try_add(target, seed_fields(SUBJECT=""))
    other = support.try_add(target, seed_fields(SUBJECT=""), auth="bad_code")  # another request: sent
    assert again is first and other is not first
    assert methods(portal).count("crm.activity.add") == 2
    target.kind = "mock"  # (the FakePortal stands in) the mock sends every check's own request
    support.try_add(target, fields)
    support.try_add(target, fields)
    assert methods(portal).count("crm.activity.add") == 4


def test_shared_does_not_remember_a_failure(support, portal, tmp_path):
    target = live(portal, tmp_path)
    calls = []

    def boom():
        calls.append(1)
        raise RuntimeError("no answer")

    for _ in range(2):
        with pytest.raises(RuntimeError):
            support.shared(target, "k", boom)
    assert len(calls) == 2


def test_add_once_shares_only_read_only_adds(support, portal, tmp_path):
    target = live(portal, tmp_path)
    first = support.add_once(target, seed_fields())
    assert support.add_once(target, seed_fields()) is first          # the same add: one activity
    assert support.add_once(target, seed_fields(TYPE_ID=1)) is not first
    target.add(seed_fields())                                          # an activity to change: its own
    assert methods(portal).count("crm.activity.add") == 3 and len(portal.activities) == 3
