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
  id, clause ids, outcome (passed / failed / skipped / no-verdict) and a short reason.

Outcome "failed" means a check reported a conformance failure: the AssertionError that
``assert_conforms`` (b24conform.judge.checks, behind the suites' ``judge()``) raises from the
problems a check found. Anything else that stops a check is "no-verdict": a crash (any other
exception, a bare ``assert`` of a suite's own precondition included), a target error (the judge's
``TargetError``: the portal gave no answer that can be judged; the judge reports the clause as
``error``), a failing fixture (setup) or teardown, a strict xfail that passed. A no-verdict is
never a kill.

It does not change what a check does or how it judges; the verdicts stay those of the suites.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from b24conform.judge.target import TargetError
from b24conform.portal.config import PortalConfig

_RECORDS_KEY = pytest.StashKey[dict[int, dict[str, Any]]]()

HYPOTHESIS_PROFILE = "b24-selftest"


def _register_hypothesis_profile() -> None:
    """The judge's `ci` profile without the shrink phase: a deviant portal makes properties fail on
    purpose, and shrinking each failure (tens of seconds) tells the self-test nothing more."""
    try:
        from hypothesis import HealthCheck, Phase, settings  # start-up: ~75 ms, only in a self-test's pytest
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
    module_name, _, func_name = spec.partition(":")
    module = importlib.import_module(module_name)
    if not callable(getattr(module, func_name, None)):
        raise pytest.UsageError(f"--b24-selftest-mutant: {spec} is not a function")

    def vacuous(*args: Any, **kwargs: Any) -> list[str]:
        return []

    vacuous.__name__ = func_name
    setattr(module, func_name, vacuous)


def _install_profile(profile: str) -> None:
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


CONFORMANCE_RAISER = "assert_conforms"
CONFORMANCE_MODULE = "b24conform/judge/checks/__init__.py"


def _leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions inside an exception group (hypothesis reports several distinct failures so)."""
    inner = getattr(exc, "exceptions", None)
    if isinstance(exc, BaseExceptionGroup) and inner:
        return [leaf for e in inner for leaf in _leaves(e)]
    return [exc]


def _raised_by_conformance_check(exc: BaseException) -> bool:
    if not isinstance(exc, AssertionError):
        return False
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == CONFORMANCE_RAISER and code.co_filename.replace("\\", "/").endswith(CONFORMANCE_MODULE):
            return True
        tb = tb.tb_next
    return False


def verdict_of(exc: BaseException | None) -> tuple[str, str]:
    """("failed", "") when `exc` is a conformance failure a check reported (every leaf of a group is
    one), else ("no-verdict", why)."""
    if exc is None:
        return "no-verdict", "no exception"
    leaves = _leaves(exc)
    if all(_raised_by_conformance_check(e) for e in leaves):
        return "failed", ""
    odd = next(e for e in leaves if not _raised_by_conformance_check(e))
    if isinstance(odd, TargetError):
        return "no-verdict", "target error"
    if isinstance(odd, AssertionError):
        return "no-verdict", "assertion outside assert_conforms (a precondition of the check)"
    return "no-verdict", f"crash: {type(odd).__name__}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]):
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if getattr(report, "b24_dry", False):
        return  # a dry run of the batch plan (judge/plugin.py): it learns calls, its outcome is no verdict
    records = item.config.stash[_RECORDS_KEY]
    # keyed by the item, not the node id: generated tests (schemathesis) share one node id
    rec = records.setdefault(
        id(item), {"nodeid": item.nodeid, "name": item.name, "clauses": _clause_ids(item), "outcome": "passed",
                   "reason": ""}
    )
    if report.when == "call" and hasattr(report, "wasxfail"):
        if report.skipped:
            rec["outcome"], rec["reason"] = "skipped", "xfail: " + str(report.wasxfail)
        else:
            rec["outcome"], rec["reason"] = "no-verdict", "[call] xpass: " + str(report.wasxfail)
        return
    if report.failed:
        if report.when == "call":
            verdict, why = verdict_of(call.excinfo.value if call.excinfo is not None else None)
            if getattr(report, "b24_target_error", False):
                verdict, why = "no-verdict", "target error"
        else:
            verdict, why = "no-verdict", f"{report.when} failed"
        if rec["outcome"] != "failed":  # a conformance failure stays one, whatever teardown does
            rec["outcome"] = verdict
            rec["reason"] = f"[{report.when}] " + (f"{why}: " if why else "") + _short(report)
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
