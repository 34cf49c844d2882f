"""Options and their environment variables resolve with the documented precedence."""
from __future__ import annotations

from pathlib import Path

import pytest

from b24conform.judge.settings import SettingsError, capabilities, resolve


def opts(**given):
    return lambda dest: given.get(dest)


def test_defaults_are_the_embedded_mock_and_the_standard_plan():
    s = resolve(opts(), {})
    assert s.kind == "mock"
    assert (s.rate, s.burst, s.rate_given) == (2.0, 50, False)
    assert s.mode == "lenient" and s.allow_writes is False
    assert s.report_dir == Path("reports") and s.report_dir_given is False
    assert capabilities(s) == {"any", "oauth", "mock", "https", "limits"}


def test_environment_fills_what_the_command_line_leaves_out():
    env = {"B24_TARGET": "https://p.example/rest/1/abc/", "B24_ALLOW_WRITES": "yes", "B24_MODE": "lenient",
           "B24_RATE": "1.5", "B24_BURST": "10", "B24_REPORT_DIR": "out", "B24_FIXTURE_OWNER": "77",
           "B24_CA_BUNDLE": "/ca.pem", "B24_HTTP_URL": "http://p.example"}
    s = resolve(opts(), env)
    assert s.kind == "live" and s.target == "https://p.example/rest/1/abc/"
    assert s.allow_writes and s.mode == "lenient" and s.ca_bundle == "/ca.pem"
    assert (s.rate, s.burst, s.rate_given) == (1.5, 10, True)
    assert s.report_dir == Path("out") and s.report_dir_given
    assert s.fixtures.owner_id == 77 and s.fixtures.contact_id == 134
    assert capabilities(s) == {"any", "https"}


def test_command_line_wins_over_environment():
    env = {"B24_TARGET": "https://env.example/rest/1/abc/", "B24_MODE": "lenient", "B24_RATE": "9"}
    s = resolve(opts(target="https://cli.example/rest/", oauth_token="tok", mode="strict", rate="3"), env)
    assert s.target == "https://cli.example/rest/" and s.mode == "strict" and s.rate == 3.0
    assert "oauth" in capabilities(s)


@pytest.mark.parametrize("env", [{"B24_RATE": "fast"}, {"B24_BURST": "0"}, {"B24_MODE": "loose"}])
def test_bad_values_are_refused(env):
    with pytest.raises(SettingsError):
        resolve(opts(), env)


def test_token_without_target_is_refused():
    with pytest.raises(SettingsError, match="--target https://HOST/rest/ \\(pytest: --b24-target\\)"):
        resolve(opts(oauth_token="t"), {})


def test_options_reach_the_fixtures_through_pytest(pytester, monkeypatch):
    pytester.makepyfile(
        """
        def test_settings(b24_settings, b24_mode):
            assert b24_mode == "lenient"
            assert b24_settings.rate == 4.0 and b24_settings.burst == 7
            assert b24_settings.fixtures.responsible_id == 5
            assert b24_settings.allow_writes
        """
    )
    monkeypatch.setenv("B24_BURST", "7")
    monkeypatch.setenv("B24_ALLOW_WRITES", "1")
    result = pytester.runpytest("-p", "no:cacheprovider", "--b24-lenient", "--b24-rate", "4",
                                "--b24-fixture-responsible", "5")
    result.assert_outcomes(passed=1)


def test_plugin_is_inert_for_ordinary_tests(pytester):
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "b24conform clauses" not in result.stdout.str()
    assert not (pytester.path / "reports").exists()
    assert not (pytester.path / ".b24conform").exists()


def test_plugin_loads_without_xdist(pytester):
    pytester.makepyfile("def test_plain(b24_settings):\n    assert b24_settings.kind == 'mock'\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:xdist")
    result.assert_outcomes(passed=1)
