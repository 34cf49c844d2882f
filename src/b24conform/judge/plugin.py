"""The judge's pytest plugin (pytest11 entry point `b24conform`).

It loads in every pytest session of the environment it is installed in, and CI jobs keep secrets
such as B24_TARGET in the whole job's environment, so it leaves other projects' sessions alone:
- its markers (`b24conform_clause`, `b24conform_writes`) and hypothesis profiles
  (`b24conform-ci`, ...) carry the project's prefix;
- it reads its B24_* environment variables only in a session that is ours: one given a `--b24-*`
  option, or one that loaded the suites' conftest (which declares B24CONFORM_SUITES);
- it starts a target, skips, redacts and reports only for checks that carry its marker or use its
  fixtures.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from _pytest.runner import runtestprotocol

from b24conform.contract import load_contract
from b24conform.judge import batchplan, factory, hypothesis_profiles, reproduce
from b24conform.judge.cleanup import settle_run
from b24conform.judge.client import TargetURLError
from b24conform.judge.evidence import Evidence, evidence_item
from b24conform.judge.factory import live_endpoints
from b24conform.exitcodes import EXIT_TARGET
from b24conform.judge.harlog import FIRST_ATTRIBUTE, PARTS_KEY, HarPart, merge, new_folder
from b24conform.judge.preflight import preflight
from b24conform.judge.recorder import CLAUSES_PROPERTY, Recorder
from b24conform.judge.safety import WritesNotAllowed
from b24conform.judge.seed import SeedFields
from b24conform.judge.settings import OPTIONS, Settings, SettingsError, capabilities, resolve
from b24conform.judge.target import TargetError
from b24conform.judge.world import establish
from b24conform.verdict import accounting
from b24conform.verdict.redact import known_secrets, redact

JUDGE_FIXTURES = {"b24_target", "b24_limits_target", "b24_evidence", "seed_fields", "b24_contract", "b24_mode"}
STATE_KEY: pytest.StashKey["JudgeState"] = pytest.StashKey()


class JudgeState:
    """Per-process state of the plugin: settings (resolved on first use), the recorder, the open targets."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._settings: Settings | None = None
        self.recorder = Recorder()
        self.current_nodeid: str | None = None
        self.stack = contextlib.ExitStack()
        self.started = time.time()
        self.target_display: str | None = None
        self.unknown_clauses: list[str] = []
        self.uncovered: list[str] = []
        self.partial_selection = False
        self.results: dict[str, Any] | None = None
        self.report_paths: list[Path] = []
        self.cleanup_notes: list[str] = []
        self.replaced_profile: str | None = None  # the hypothesis profile the `live` default replaced
        self.plan: Any = None  # the live batch plan (judge/batchplan.py), when the run has one
        self.target: Any = None  # the session's b24_target, once made
        self.har = HarRecording(self)
        self.ours = False  # set at configure: see our_session()
        reproduce.HISTORY.clear()  # one session's records per process

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                environ = os.environ if self.ours else {}
                self._settings = resolve(lambda dest: self.config.getoption(f"b24_{dest}", None), environ)
            except SettingsError as exc:
                raise pytest.UsageError(f"b24conform: {exc}") from None
        return self._settings

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    def observe(self, reply: Any) -> None:
        reproduce.remember(reply)  # every reply: the run's records, which reproductions make anew
        # Only the first AUTO_LIMIT replies of a check are kept: the item (redaction, curl) is built for those only.
        if self.current_nodeid and self.recorder.wants_auto(self.current_nodeid):
            self.recorder.add_evidence(self.current_nodeid, evidence_item(reply, explicit=False))


class HarRecording:
    """--b24-har FILE (judge/harlog.py): this process's exchanges into a part file, which the controller
    merges into FILE at the end of the session, after the session's fixtures (and their cleanup) are done."""

    def __init__(self, state: JudgeState) -> None:
        self.state = state
        self.folder: Path | None = None
        self.part: Any = None
        self.path: Path | None = None  # the file written, once written
        self.count = 0
        self.failures = 0  # exchanges that could not be recorded (every process's), and the first reason
        self.failure = ""

    def wanted(self) -> Path | None:
        """The HAR file asked for (None when not asked, or in a worker: the controller writes it)."""
        state = self.state
        if not state.ours or state.is_worker:
            return None
        try:
            return state.settings.har
        except pytest.UsageError:
            return None  # the settings' own error is reported where they are first used

    def parts_folder(self) -> Path | None:
        """Where this process's part goes: the controller's folder, made on first use, or the one a worker got."""
        if self.state.is_worker:
            folder = self.state.config.workerinput.get(PARTS_KEY)  # type: ignore[attr-defined]
            return Path(folder) if folder else None
        if self.folder is None and self.wanted() is not None:
            self.folder = new_folder()
        return self.folder

    def observe(self, target: Any) -> None:
        """Record every exchange of this target (a no-op unless a HAR was asked for)."""
        if self.part is None:
            folder = self.parts_folder()
            if folder is None:
                return

            name = self.state.config.workerinput["workerid"] if self.state.is_worker else "session"  # type: ignore[attr-defined]
            self.part = HarPart(folder, name)
        target.wire_observers.append(self.part.record)

    @pytest.hookimpl(optionalhook=True)  # pytest-xdist: tell each worker where its part goes
    def pytest_configure_node(self, node: Any) -> None:
        folder = self.parts_folder()
        if folder is not None:
            node.workerinput[PARTS_KEY] = str(folder)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        failed = getattr(node, "workeroutput", {}).get(PARTS_KEY)
        if failed:
            self.failures += failed[0]
            self.failure = self.failure or failed[1]

    @pytest.hookimpl(trylast=True)  # after the session's fixtures are torn down, also on Ctrl-C
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.part is not None:
            self.part.close()
            self.failures += self.part.failures
            self.failure = self.failure or self.part.failure
        if self.state.is_worker:
            if self.failures:
                session.config.workeroutput[PARTS_KEY] = [self.failures, self.failure]  # type: ignore[attr-defined]
            return
        har = self.wanted()
        if har is None:
            return

        first = [line for plugin in session.config.pluginmanager.get_plugins()
                 for line in getattr(plugin, FIRST_ATTRIBUTE, None) or ()]
        self.count = merge(self.folder, har, first)
        self.folder = None
        self.path = har

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self.folder is not None:  # a session that never finished

            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _state(config: pytest.Config) -> JudgeState:
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        state = config.stash[STATE_KEY] = JudgeState(config)
    return state


# -- options ----------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("b24conform", "b24conform judge (crm.activity.add conformance)")
    for option in OPTIONS:
        env = f" [env {option.env}]" if option.env else ""
        if option.kind == "bool":
            group.addoption(option.flag, action="store_true", default=False, dest=f"b24_{option.dest}",
                            help=option.help + env)
        else:
            group.addoption(option.flag, action="store", default=None, dest=f"b24_{option.dest}",
                            help=option.help + env)
    group.addoption("--b24-strict", action="store_const", const="strict", dest="b24_mode", default=None,
                    help="hold the portal to the add page's own reading of each documented ambiguity [env B24_MODE]")
    group.addoption("--b24-lenient", action="store_const", const="lenient", dest="b24_mode",
                    help="accept every reading a source shows (the default)")
    group.addoption("--b24-no-preflight", action="store_true", default=False, dest="b24_no_preflight",
                    help="skip the read-only probe a live run starts with (`b24conform run` made it already)")


CLAUSE_MARKER = "b24conform_clause"
WRITES_MARKER = "b24conform_writes"
SUITES_FLAG = "B24CONFORM_SUITES"  # a module-level True in the suites' conftest.py


def our_session(config: pytest.Config) -> bool:
    """Whether this session asked for the judge: a --b24-* option on the command line, or the
    suites' conftest among the loaded plugins. Only then are B24_* environment variables read."""
    given = any(config.getoption(f"b24_{o.dest}", None) not in (None, False, "") for o in OPTIONS)
    given = given or config.getoption("b24_mode", None) is not None
    return given or any(getattr(p, SUITES_FLAG, False) is True for p in config.pluginmanager.get_plugins())


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{CLAUSE_MARKER}(*ids): the conformance clause ids a check proves")
    config.addinivalue_line("markers", f"{WRITES_MARKER}: the check creates data on the target")
    state = _state(config)
    state.ours = our_session(config)
    config.pluginmanager.register(_ReportListener(state), "b24conform-reports")
    if not state.ours:
        return
    config.pluginmanager.register(state.har, "b24conform-har")
    # Before hypothesis' own pytest_configure loads an asked-for profile (this hook runs first).
    hypothesis_profiles.register()
    # junit.xml goes with the other reports when a report folder was asked for explicitly.
    report_dir = config.getoption("b24_report_dir", None) or os.environ.get("B24_REPORT_DIR")
    if report_dir and not getattr(config.option, "xmlpath", None) and not state.is_worker:
        config.option.xmlpath = str(Path(report_dir) / "junit.xml")


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE_KEY, None)
    if state is not None:
        state.stack.close()
        if state.replaced_profile is not None:
            # start-up: Hypothesis adds ~75 ms to any pytest session this plugin is loaded into by entry point
            from hypothesis import settings as hypothesis_settings

            hypothesis_settings.load_profile(state.replaced_profile)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Against a live portal, generated checks are sized by the `live` hypothesis profile unless a
    profile was asked for. Runs after every pytest_configure (hypothesis loads an asked-for profile
    there) and before the suite modules are imported (their settings inherit the loaded profile)."""
    config = session.config
    if not _state(config).ours:
        return
    settings = _state(config).settings
    hypothesis_profiles.BURST["on"] = settings.batch_plan and settings.kind == "live"
    target = config.getoption("b24_target", None) or os.environ.get("B24_TARGET")
    if not target or config.getoption("--hypothesis-profile", None):
        return
    try:
        from hypothesis import settings as hypothesis_settings  # start-up, as in pytest_unconfigure
    except ImportError:
        return
    state = _state(config)
    state.replaced_profile = hypothesis_settings.get_current_profile_name()
    hypothesis_settings.load_profile(hypothesis_profiles.LIVE)


# -- collection: clause markers and applicability ---------------------------------------------------


def clause_ids(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for marker in item.iter_markers(CLAUSE_MARKER):
        for value in marker.args:
            ids.extend(value if isinstance(value, (list, tuple)) else [value])
    return list(dict.fromkeys(str(i) for i in ids))


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    marked = [(item, clause_ids(item)) for item in items]
    marked = [(item, ids) for item, ids in marked if ids]
    if not marked:
        return  # not a suites run: stay inert
    state = _state(config)

    contract = load_contract()
    settings = state.settings
    _validate_target(settings)
    caps = capabilities(settings)
    for item, ids in marked:
        item.user_properties.append((CLAUSES_PROPERTY, " ".join(ids)))
        state.recorder.collect(item.nodeid, ids)
        unknown = accounting.unknown_ids(contract.clauses, ids)
        if unknown:
            state.unknown_clauses.extend(unknown)
            item.add_marker(pytest.mark.xfail(reason=f"unknown clause id(s) {unknown}", run=False, strict=True))
            continue
        clauses = [contract.clauses[i] for i in ids]
        if any(c.writes for c in clauses):
            item.add_marker(getattr(pytest.mark, WRITES_MARKER))
        reason = accounting.skip_reason(clauses, caps, kind=settings.kind, allow_writes=settings.allow_writes)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def _validate_target(settings: Settings) -> None:
    """Refuse a bad --b24-target once, at collection, rather than as an error in every check."""
    if settings.kind != "live":
        return


    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            live_endpoints(settings)
    except TargetURLError as exc:
        raise pytest.UsageError(f"b24conform: {redact(exc)}") from None


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        _state(items[0].config).partial_selection = True


# -- running: current check, evidence, redaction -----------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    state = _state(item.config)
    state.current_nodeid = item.nodeid
    if state.plan is not None:
        state.plan.active = item.nodeid in state.plan.planned
    try:
        return (yield)
    finally:
        state.current_nodeid = None
        if state.plan is not None:
            state.plan.active = False


def _judged(item: pytest.Item) -> bool:
    return bool(clause_ids(item)) or bool(JUDGE_FIXTURES & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> pytest.TestReport:
    report: pytest.TestReport = yield
    if call.excinfo is not None and call.excinfo.errisinstance(TargetError):
        # The target did not answer in a way that can be judged: the check is an error, not a
        # verdict (a plain attribute survives pytest-xdist's report serialisation).
        report.b24_target_error = True  # type: ignore[attr-defined]
    refused = call.excinfo is not None and call.excinfo.errisinstance(WritesNotAllowed)
    if refused and _state(item.config).ours and _state(item.config).settings.kind == "mock":
        # The embedded mock allows every write, so a refusal there means a check aims at a record
        # it does not own (or a method the spec does not list): the suite's bug, which a skip would
        # hide on every target. It stays a failure.
        pass
    elif refused:
        # The Target refused to send something that could create data on a live portal: that is
        # the live-safety rule working, reported as a skip with its reason, not as a failure.
        path, lineno, _ = item.reportinfo()
        report.outcome = "skipped"
        report.longrepr = (str(path), (lineno or 0) + 1, f"Skipped: {call.excinfo.value}")
    if known_secrets() or _judged(item):
        _redact_report(report)
    return report


def _redact_report(report: pytest.TestReport) -> None:
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        # Kept apart because the redacted longrepr below is a plain string without its reprcrash;
        # a plain str attribute also survives pytest-xdist's report serialisation.
        report.b24_headline = redact(crash.message)  # type: ignore[attr-defined]
    if longrepr is not None and not isinstance(longrepr, tuple):
        text = str(longrepr)
        cleaned = redact(text)
        if cleaned != text:
            report.longrepr = cleaned  # a string longrepr is printed as is by the terminal and junit
    elif isinstance(longrepr, tuple) and len(longrepr) == 3:
        report.longrepr = (longrepr[0], longrepr[1], redact(longrepr[2]))
    report.sections = [(title, redact(body)) for title, body in report.sections]


class _ReportListener:
    """Registered per config so that pytest_runtest_logreport (which has no config argument) can
    reach this run's recorder; under xdist the controller receives every worker's reports here."""

    def __init__(self, state: JudgeState) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.state.recorder.on_report(report)


# -- the live batch plan ----------------------------------------------------------------------------


def _may_plan(item: pytest.Item) -> bool:
    """It uses the run's target, runs (no skip marker, no run=False xfail) and is not driven by
    hypothesis (its calls are drawn as it runs)."""
    if "b24_target" not in getattr(item, "fixturenames", ()) or not clause_ids(item):
        return False
    if item.get_closest_marker("skip") is not None:
        return False
    xfail = item.get_closest_marker("xfail")
    if xfail is not None and not xfail.kwargs.get("run", True):
        return False
    function = getattr(item, "obj", None)
    return not (getattr(function, "is_hypothesis_test", False) or hasattr(function, "hypothesis"))


def plannable(items: list[pytest.Item], contract: Any) -> list[pytest.Item]:
    """The checks the batch plan may answer. A clause that needs top-level replies keeps its first
    check that runs to requests of its own (one per clause: its status family judged on the wire); its
    other checks (RT-011's further invalid ids) may be planned, their statuses then left unjudged."""
    chosen, held = [], set()
    for item in items:
        if not _may_plan(item):
            continue
        needing = {i for i in clause_ids(item) if "top-level" in getattr(contract.clauses.get(i), "needs", ())}
        if needing - held:
            held |= needing
            continue
        chosen.append(item)
    return chosen


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """With --b24-batch-plan against a live portal: learn the plannable checks' calls in waves of
    dry runs and batches (judge/batchplan.py) before the run proper, which pytest's own loop then does."""
    state = _state(session.config)
    config = session.config
    if not state.ours or state.is_worker or config.option.collectonly or not session.items:
        return
    if config.pluginmanager.hasplugin("dsession") or session.testsfailed:
        return  # under xdist each worker would learn its own share: not planned there
    settings = state.settings
    if settings.batch_plan and settings.kind != "live":
        # B24_BATCH_PLAN may sit in a whole CI job's environment: a mock run goes on, and says so
        state.cleanup_notes.append("batch plan: not used: the embedded mock is judged request by request "
                                   "(the plan is for a live --target)")
        return
    if not settings.batch_plan:
        return
    contract = load_contract()
    items = plannable(session.items, contract)
    if not items:
        return
    state.plan = plan = batchplan.Plan()
    plan.planned = {item.nodeid for item in items}
    started = time.monotonic()
    done: dict[str, tuple[list[str], dict]] = {}  # checks that made every call: the answers they took
    sent = list(batchplan.waves(lambda: _run_dry(session, state, items, done),
                                lambda missed: batchplan.send_wave(state.target, plan, missed), plan))
    _forget_shared(state.target)
    state.cleanup_notes.append(f"batch plan: {plan.commands} call(s) of {len(items)} checks in {plan.requests} batch "
                               f"request(s) ({plan.chained} read-back(s) chained to their add, {plan.dropped} "
                               f"dropped), {len(sent) + 1} dry wave(s), {time.monotonic() - started:.1f} s")


def _forget_shared(target: Any) -> None:
    """The suites' per-run answers (suites/_support.py shared): each dry wave, and the run proper, makes its own."""
    if target is not None:
        target.__dict__.pop("_b24_shared", None)


class _DryReports:
    """Registered while checks run dry: their reports are thrown away, so none is formatted (a traceback
    of every stopped check cost most of the planning time). Only whether a phase passed matters: a
    failed set-up skips the call, as in any run."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> pytest.TestReport:
        outcome = "passed" if call.excinfo is None else "failed"
        report = pytest.TestReport(item.nodeid, item.location, {}, outcome, None, call.when)
        # Marked for the plugins that wrap this hook (the self-test's record): no verdict of the check's.
        report.b24_dry = True  # type: ignore[attr-defined]
        return report


def _run_dry(session: pytest.Session, state: JudgeState, items: list[pytest.Item],
             done: dict[str, tuple[list[str], dict]]) -> None:
    """Run each plannable check, its verdict and evidence thrown away: only the calls it makes count
    (the plan answers or records them). Fixtures are set up and torn down as in a real run. A check that
    made every call in an earlier wave, none of them answered provisionally, is not run again: it takes
    the same answers (Plan.replay) and leaves the same shared answers behind for the checks after it."""
    plan = state.plan
    kept = state.recorder
    state.recorder = Recorder()  # evidence of dry runs goes nowhere
    _forget_shared(state.target)
    todo = [item for item in items if item.nodeid not in done]
    dry_reports = _DryReports()
    session.config.pluginmanager.register(dry_reports, "b24conform-dry-reports")
    try:
        for item in items:
            shared = state.target.__dict__.setdefault("_b24_shared", {}) if state.target is not None else {}
            if item.nodeid in done:
                trace, entries = done[item.nodeid]
                plan.replay(trace)
                shared.update(entries)
                continue
            index = todo.index(item)
            following = todo[index + 1] if index + 1 < len(todo) else session.items[0]
            plan.active, plan.trace, unsettled, before = True, [], plan.unsettled, set(shared)
            plan.begin_check()
            try:
                runtestprotocol(item, log=False, nextitem=following)
            finally:
                if plan.unsettled == unsettled:  # no stop, no provisional answer: every call answered for real
                    shared = state.target.__dict__.get("_b24_shared", {}) if state.target is not None else {}
                    done[item.nodeid] = (plan.trace, {k: v for k, v in shared.items() if k not in before})
                plan.active, plan.trace = False, None
    finally:
        state.recorder = kept
        session.config.pluginmanager.unregister(dry_reports)


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def b24_settings(pytestconfig: pytest.Config) -> Settings:
    return _state(pytestconfig).settings


@pytest.fixture(scope="session")
def b24_contract() -> Any:
    return load_contract()


@pytest.fixture(scope="session")
def b24_mode(b24_settings: Settings) -> str:
    return b24_settings.mode


@pytest.fixture(scope="session")
def b24_target(pytestconfig: pytest.Config) -> Any:
    state = _state(pytestconfig)
    settings = state.settings
    with contextlib.ExitStack() as stack:
        try:
            if settings.kind == "mock":
                target = stack.enter_context(factory.embedded_target(settings))
            else:
                target = factory.live_target(settings)
                stack.callback(target.close)
        except TargetURLError as exc:
            raise pytest.UsageError(f"b24conform: {redact(exc)}") from None
        target.observers.append(state.observe)
        state.har.observe(target)
        state.target_display = target.display_url
        if settings.kind == "live" and not pytestconfig.getoption("b24_no_preflight", False):
            problem = preflight(target)
            if problem:
                pytest.exit(redact(f"b24conform: {problem}"), returncode=EXIT_TARGET)
        try:
            if settings.kind == "live":
                _bring_world(target, settings)
            # Attached after the preflight and the world: those are the run's own set-up, always direct.
            target.plan = state.plan
            state.target = target
            yield target
        finally:
            result = settle_run(target)
            if result.deleted or result.deleted_items:
                state.cleanup_notes.append(f"{result.summary()} created by this run")
            if not result.ok:
                ledger = target.ledger.path
                count = len(result.failed) + sum(len(f) for f in result.failed_items.values())
                state.cleanup_notes.append(
                    f"could not delete {count} record(s); run `b24conform cleanup` (ledger {ledger})")


def _bring_world(target: Any, settings: Settings) -> None:
    """On a live portal the checks bind to the judge's own records, never to the mock's seed ids."""
    world = establish(target, settings.fixture_options)
    target.fixtures = world.fixtures
    target.world_missing = world.missing  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def b24_limits_target(pytestconfig: pytest.Config) -> Any:
    """A target that may be driven into its rate limits: a second mock with the standard plan's
    limits, or the live target when --b24-trip-limits declares it safe."""
    state = _state(pytestconfig)
    settings = state.settings
    if settings.kind == "mock":
        with factory.embedded_target(settings, limits="standard") as target:
            target.observers.append(state.observe)
            state.har.observe(target)
            yield target
        return
    if not settings.trip_limits:
        pytest.skip("the live target is not declared safe to trip its limits (B24_TRIP_LIMITS=1, pytest: --b24-trip-limits)")
    target = factory.live_target(settings, rate_limited=False)
    target.observers.append(state.observe)
    state.har.observe(target)
    try:
        yield target
    finally:
        target.close()


@pytest.fixture
def b24_evidence(request: pytest.FixtureRequest) -> Evidence:
    return Evidence(_state(request.config).recorder.sink(request.node.nodeid), clause_ids(request.node))


@pytest.fixture
def seed_fields(b24_target: Any) -> Any:
    return SeedFields(b24_target.fixtures, missing=getattr(b24_target, "world_missing", None))


# -- session end: accounting and reports ------------------------------------------------------------


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: the plugin must load without xdist
def pytest_testnodedown(node: Any, error: Any) -> None:
    payload = getattr(node, "workeroutput", {}).get("b24conform")
    if payload:
        _state(node.config).recorder.merge(payload)


def _selects_files(args: list[str]) -> bool:
    """`pytest suites/test_x.py` or `...::test_y` runs part of the suites on purpose: uncovered
    clauses are then listed, not failed. A folder argument is a whole-suite run."""
    return any("::" in a or a.endswith(".py") for a in args)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state(session.config)
    if state.is_worker:
        session.config.workeroutput["b24conform"] = state.recorder.export()  # type: ignore[attr-defined]
        return
    recorder = state.recorder
    if not recorder.checks and not recorder.collected:
        return  # nothing of ours ran

    # Loaded here, once the checks are done: Hypothesis draws strings from the constants of every local module
    # loaded while it generates (an editable install), so the reports' modules would change what the checks send.
    from b24conform.reporting import write_reports
    from b24conform.reporting.results import RunInfo, build_results

    contract = load_contract()
    settings = state.settings
    opt = session.config.option
    state.partial_selection = state.partial_selection or bool(
        getattr(opt, "keyword", "") or getattr(opt, "markexpr", "")) or _selects_files(session.config.args)
    state.uncovered = accounting.uncovered(contract.clauses, recorder.covered())
    info = RunInfo(
        started=state.started, finished=time.time(), mode=settings.mode,
        target=state.target_display or (redact(settings.target) if settings.target else "embedded mock portal"),
        kind=settings.kind, partial=state.partial_selection,
        # Ctrl-C (pytest's INTERRUPTED), or -x / --maxfail stopping the session early: the checks
        # that did not run give no verdict on their clauses (status not_run).
        interrupted=exitstatus == pytest.ExitCode.INTERRUPTED or bool(session.shouldstop or session.shouldfail),
        notes=tuple(state.cleanup_notes),
    )
    state.results = build_results(contract, recorder.results(), info)
    state.report_paths = write_reports(state.results, settings.report_dir)
    failing = bool(state.unknown_clauses) or (bool(state.uncovered) and not state.partial_selection)
    if failing and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE_KEY, None)
    if state is None or state.results is None:
        return
    tr = terminalreporter
    counts = state.results["run"]["counts"]["clauses"]
    tr.write_sep("=", "b24conform clauses")
    tr.write_line(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items()))
    for note in state.cleanup_notes:
        tr.write_line(redact(note))
    if state.unknown_clauses:
        tr.write_line("checks name unknown clause ids: " + ", ".join(sorted(set(state.unknown_clauses))), red=True)
    if state.uncovered:
        head = "clauses with `check: automated` but no collected check"
        head += " (partial selection, not failing)" if state.partial_selection else ""
        tr.write_line(f"{head}: {', '.join(state.uncovered)}", red=not state.partial_selection)
    for path in state.report_paths:
        tr.write_line(f"report: {path}")
    if state.har.path is not None:
        tr.write_line(f"har: {state.har.path} ({state.har.count} exchanges)")
    if state.har.failures:
        tr.write_line(f"har: {state.har.failures} exchange(s) could not be recorded ({state.har.failure})", red=True)
