"""Top-level conftest: the project's own tests drive whole pytest runs of the judge with pytester.

The judge itself (fixtures, options, hypothesis profiles) is the `b24conform` pytest11 plugin in
src/b24conform/judge/plugin.py, so it also works for an installed copy without this file.
"""
pytest_plugins = ["pytester"]

# pytester's in-process runs drop every module first imported during the run. cryptography's Rust
# bindings do not survive a second import in one process ("curve must be an EllipticCurve
# instance"), so the TLS stack of the embedded portal is imported once, here, before any run.
import cryptography.hazmat.primitives.asymmetric.ec  # noqa: E402,F401
import trustme  # noqa: E402,F401

import pytest  # noqa: E402

# The end-to-end modules of tests/: each starts a portal, the CLI or pytest as a separate process, builds
# the wheel, or drives a real client (curl, node, php, b24pysdk, mitmproxy). They carry the marker `e2e`;
# `python3 dev.py test -m "not e2e"` is the inner loop without them. tests/test_e2e_marker.py keeps the
# list true: a module that starts a process and is not listed fails it.
E2E_MODULES = frozenset({
    "test_ci_templates.py",
    "test_cli_bad_input.py",
    "test_cli_env_help.py",
    "test_contract_drift.py",
    "test_facts_follow_spec.py",
    "test_ecosystem_tools.py",
    "test_interop_b24jssdk.py",
    "test_interop_b24pysdk.py",
    "test_interop_curl.py",
    "test_interop_fast_bitrix24.py",
    "test_interop_php.py",
    "test_judge_batchplan_served.py",
    "test_judge_live_budget.py",
    "test_judge_live_paths.py",
    "test_judge_own_faults.py",
    "test_judge_plugin.py",
    "test_judge_redact.py",
    "test_judge_run.py",
    "test_judge_run_footprint.py",
    "test_judge_safety.py",
    "test_plugin_foreign_project.py",
    "test_portal_b24pysdk.py",
    "test_portal_cli.py",
    "test_portal_profiles.py",
    "test_portal_server.py",
    "test_reporting_causes.py",
    "test_reporting_headline.py",
    "test_reporting_problems.py",
    "test_reporting_reproduce.py",
    "test_robustness_durability.py",
    "test_robustness_fuzz.py",
    "test_robustness_load.py",
    "test_robustness_security.py",
    "test_schemathesis_checks.py",
    "test_selftest.py",
    "test_suites_pyargs.py",
    "test_traffic_check.py",
    "test_traffic_proxy.py",
    "test_traffic_recorded.py",
    "test_traffic_run_har.py",
    "test_wheel_install.py",
})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.parent.name == "tests" and item.path.name in E2E_MODULES:
            item.add_marker(pytest.mark.e2e)
