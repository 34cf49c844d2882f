"""The pytest11 plugin is loaded into every pytest session of the environment it is installed in.

A foreign project, with its own hypothesis profile `ci` and its own `clause` marker, run in a CI job
that holds B24_TARGET (and the other B24_* secrets) in its environment, must run exactly as it would
without b24conform installed.
"""
from __future__ import annotations

import pytest

FOREIGN_CONFTEST = """
from hypothesis import settings

settings.register_profile("ci", max_examples=7)
settings.register_profile("live", max_examples=3)
"""

FOREIGN_TESTS = """
import pytest
from hypothesis import given, settings, strategies as st

SEEN = []


@pytest.mark.clause("their-own-id")
def test_their_marker_is_theirs(request):
    marker = request.node.get_closest_marker("clause")
    assert marker.args == ("their-own-id",)
    print("MARKERS", sorted(m.name for m in request.node.iter_markers()))


@given(st.integers())
def test_their_profile_decides(x):
    SEEN.append(x)


def test_profile_count():
    print("PROFILE", settings.get_current_profile_name(), settings.default.max_examples, len(SEEN))
"""

JOB_ENVIRONMENT = {
    "B24_TARGET": "https://portal.example/rest/1/secretcode1234/",
    "B24_REPORT_DIR": "b24reports",
    "B24_ALLOW_WRITES": "1",
    "B24_MODE": "strict",
}


def test_a_foreign_project_runs_unchanged_with_b24_secrets_in_the_environment(pytester, monkeypatch):
    for name, value in JOB_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    pytester.makeconftest(FOREIGN_CONFTEST)
    pytester.makeini("[pytest]\nmarkers =\n    clause(id): the project's own marker\n")
    pytester.makepyfile(test_foreign=FOREIGN_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", "-p", "no:randomly",
                                           "--hypothesis-profile", "ci", "--strict-markers")
    result.assert_outcomes(passed=3)
    # Their profile `ci` (7 examples), not one the plugin registered or loaded for a "live" target.
    result.stdout.fnmatch_lines(["*PROFILE ci 7 7*"])
    # Nothing of the judge's: no clause accounting, no reports, no junit redirected by B24_REPORT_DIR.
    assert "b24conform clauses" not in result.stdout.str() and "report:" not in result.stdout.str()
    assert not (pytester.path / "b24reports").exists() and not (pytester.path / "reports").exists()
    result.stdout.no_fnmatch_line("*b24conform_writes*")


# Hypothesis itself loads a profile named `ci` when it sees one of these (hypothesis._settings._CI_VARS).
CI_DETECTION_VARIABLES = ("CI", "__TOX_ENVIRONMENT_VARIABLE_ORIGINAL_CI", "TF_BUILD", "bamboo.buildKey",
                          "BUILDKITE", "CIRCLECI", "CIRRUS_CI", "CODEBUILD_BUILD_ID", "GITHUB_ACTIONS",
                          "GITLAB_CI", "HEROKU_TEST_RUN_ID", "TEAMCITY_VERSION")


@pytest.mark.parametrize(("ci", "expected"), [
    (None, "*PROFILE default 100*"),  # hypothesis' default, although B24_TARGET names a "live" portal
    ("true", "*PROFILE ci 7*"),  # hypothesis' own CI choice: their `ci`, not b24conform's
])
def test_the_prefixed_profiles_leave_a_same_named_foreign_profile_alone(pytester, monkeypatch, ci, expected):
    for name in CI_DETECTION_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    if ci is not None:
        monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("B24_TARGET", JOB_ENVIRONMENT["B24_TARGET"])
    pytester.makeconftest(FOREIGN_CONFTEST)
    pytester.makepyfile(test_foreign=FOREIGN_TESTS)
    # No profile asked for.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", "-k", "profile")
    result.stdout.fnmatch_lines([expected])


def test_a_session_given_a_b24_option_is_the_judges(pytester, monkeypatch):
    """The other side: the same environment is read once the session is ours."""
    # The environment asks for the non-default mode, so which one a session shows says who read it.
    monkeypatch.setenv("B24_MODE", "strict")
    pytester.makepyfile(test_mode="def test_mode(b24_mode):\n    print('MODE', b24_mode)\n")
    foreign = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    foreign.stdout.fnmatch_lines(["*MODE lenient*"])  # a fixture used outside our session: defaults only
    ours = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", "--b24-report-dir", "r")
    ours.stdout.fnmatch_lines(["*MODE strict*"])
