"""A small pytest plugin used by the self-test (loaded with ``-p b24conform.selftest.pytest_record``).

It does three things the self-test needs and nothing else:

* ``--b24-selftest-profile=NAME`` runs the embedded reference portal(s) the judge starts under the
  deviation profile NAME of spec/deviations.yaml. The judge has no option for this, so the plugin
  wraps ``PortalConfig.for_conformance`` (the one recipe the judge uses to build its portals) to pass
  ``profile=NAME`` when the caller gave none;

* ``--b24-selftest-clauses=ID,ID,...`` keeps only the checks tagged (``@pytest.mark.b24conform_clause``) with at
  least one of these clause ids, so that a deviant profile runs just the checks of the clauses it
  names plus a small smoke set;
* ``--b24-selftest-record=PATH`` writes, at the end of the session, one JSON record per check: node
  id, clause ids, outcome (passed / failed / skipped / error) and a short reason.

It does not change what a check does or how it judges; the verdicts stay those of the suites.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

_RECORDS_KEY = pytest.StashKey[dict[int, dict[str, Any]]]()

HYPOTHESIS_PROFILE = "b24-selftest"


def _register_hypothesis_profile() -> None:
    """The judge's `ci` profile without the shrink phase: a deviant portal makes properties fail on
    purpose, and shrinking each failure (tens of seconds) tells the self-test nothing more."""
    try:
        from hypothesis import HealthCheck, Phase, settings
    except ImportError:  # pragma: no cover
        return
    settings.register_profile(
        HYPOTHESIS_PROFILE, derandomize=True, max_examples=25, deadline=None, print_blob=False,
        phases=[Phase.explicit, Phase.reuse, Phase.generate], database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


_register_hypothesis_profile()  # at import (-p), before hypothesis' plugin loads the chosen profile


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("b24conform-selftest")
    group.addoption("--b24-selftest-profile", default="", help="deviation profile for the embedded portal")
    group.addoption("--b24-selftest-mutant", default="", help="module:function of a pure check to make vacuous")
    group.addoption("--b24-selftest-clauses", default="", help="comma-separated clause ids; keep only their checks")
    group.addoption("--b24-selftest-record", default="", help="write per-check outcomes (JSON) to this file")


def _clause_ids(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for mark in item.iter_markers(name="b24conform_clause"):
        ids.extend(str(a) for a in mark.args)
    return list(dict.fromkeys(ids))


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RECORDS_KEY] = {}
    profile = config.getoption("--b24-selftest-profile")
    if profile:
        _install_profile(profile)
    mutant = config.getoption("--b24-selftest-mutant")
    if mutant:
        install_mutant(mutant)


def install_mutant(spec: str) -> None:
    """Mutation testing of the checks: replace one pure check (``module:function``) by a vacuous one that
    finds no problem. Done before the suites are imported, so their ``from ... import check_x`` and the
    module's own internal calls both get the mutant."""
    import importlib

    module_name, _, func_name = spec.partition(":")
    module = importlib.import_module(module_name)
    if not callable(getattr(module, func_name, None)):
        raise pytest.UsageError(f"--b24-selftest-mutant: {spec} is not a function")

    def vacuous(*args: Any, **kwargs: Any) -> list[str]:
        return []

    vacuous.__name__ = func_name
    setattr(module, func_name, vacuous)


def _install_profile(profile: str) -> None:
    from b24conform.portal.config import PortalConfig

    original = PortalConfig.__dict__["for_conformance"].__func__
    if getattr(original, "_b24_selftest", False):
        original = original._b24_original  # already wrapped in this process

    def for_conformance(cls, *args: Any, **kwargs: Any):
        if not kwargs.get("profile"):
            kwargs["profile"] = profile
        return original(cls, *args, **kwargs)

    for_conformance._b24_selftest = True  # type: ignore[attr-defined]
    for_conformance._b24_original = original  # type: ignore[attr-defined]
    PortalConfig.for_conformance = classmethod(for_conformance)  # type: ignore[method-assign]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = {c.strip() for c in (config.getoption("--b24-selftest-clauses") or "").split(",") if c.strip()}
    if not wanted:
        return
    keep, drop = [], []
    for item in items:
        (keep if wanted.intersection(_clause_ids(item)) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _short(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])[:400]
    text = getattr(report, "longreprtext", "") or ""
    lines = [ln for ln in text.splitlines() if ln.startswith("E ")]
    return ("\n".join(lines[:8]) or text[-400:])[:800]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]):
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    records = item.config.stash[_RECORDS_KEY]
    # keyed by the item, not the node id: generated tests (schemathesis) share one node id
    rec = records.setdefault(
        id(item), {"nodeid": item.nodeid, "name": item.name, "clauses": _clause_ids(item), "outcome": "passed",
                   "reason": ""}
    )
    if report.when == "call" and hasattr(report, "wasxfail"):
        rec["outcome"], rec["reason"] = ("skipped", "xfail: " + str(report.wasxfail)) if report.skipped else ("failed", "xpass")
        return
    if report.failed:
        rec["outcome"] = "failed" if report.when == "call" else "error"
        rec["reason"] = f"[{report.when}] " + _short(report)
    elif report.skipped and rec["outcome"] == "passed":
        rec["outcome"] = "skipped"
        rec["reason"] = _short(report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.getoption("--b24-selftest-record")
    if not path:
        return
    records = list(session.config.stash.get(_RECORDS_KEY, {}).values())
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(
        json.dumps({"exitstatus": int(exitstatus), "checks": records}, indent=1), encoding="utf-8"
    )
