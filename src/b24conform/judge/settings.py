"""The judge's settings: command-line options, each with an environment-variable fallback.

Resolution is a pure function of (option values, environment) so it is tested without pytest.
Precedence: command line, then environment, then default.
"""
from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields as dc_fields
from pathlib import Path
from typing import Any

from b24conform.contract.model import DEFAULT_MODE, MODES
from b24conform.judge.ratelimit import STANDARD_BURST, STANDARD_RATE
from b24conform.judge.target import TargetFixtures

TRUE = {"1", "true", "yes", "y", "on"}


class SettingsError(ValueError):
    """An option or environment variable has an unusable value."""


@dataclass(frozen=True)
class Option:
    flag: str          # command-line flag
    dest: str          # attribute of Settings
    env: str | None    # environment variable
    help: str
    kind: str = "str"  # str | bool | float | int


OPTIONS: tuple[Option, ...] = (
    Option("--b24-target", "target", "B24_TARGET",
           "portal to judge: webhook base https://HOST/rest/1/CODE/ or https://HOST/rest/ with --b24-oauth-token "
           "(default: an embedded mock portal)"),
    Option("--b24-oauth-token", "oauth_token", "B24_OAUTH_TOKEN", "OAuth access token for the target"),
    Option("--b24-ca-bundle", "ca_bundle", "B24_CA_BUNDLE", "CA bundle to verify the target's TLS (else SSL_CERT_FILE)"),
    Option("--b24-allow-writes", "allow_writes", "B24_ALLOW_WRITES",
           "allow checks that create activities on a live portal (they are marked and cleaned up)", "bool"),
    Option("--b24-report-dir", "report_dir", "B24_REPORT_DIR", "where to write junit.xml, results.json, report.md/html"),
    Option("--b24-rate", "rate", "B24_RATE", "client-side requests per second (default 2, the standard plan)", "float"),
    Option("--b24-burst", "burst", "B24_BURST", "client-side burst (default 50, the standard plan)", "int"),
    Option("--b24-http-url", "http_url", "B24_HTTP_URL",
           "the target's plain-HTTP base (http://HOST) for the HTTPS-required probe"),
    Option("--b24-trip-limits", "trip_limits", "B24_TRIP_LIMITS",
           "declare the live target safe to trip its rate limits (runs the `limits` checks)", "bool"),
    Option("--b24-ledger-dir", "ledger_dir", "B24_LEDGER_DIR", "cleanup ledger folder (default .b24conform/ledger)"),
    Option("--b24-mock-profile", "mock_profile", "B24_MOCK_PROFILE",
           "deviation profile of the embedded mock (spec/deviations.yaml), for self-tests of the suites"),
    Option("--b24-run-id", "run_id", "B24_RUN_ID", "run id used in the SUBJECT marker (default: generated)"),
    Option("--b24-har", "har", "B24_HAR",
           "save every exchange with the portal to this HAR 1.2 file, secrets *** as in the reports "
           "(`b24conform traffic check FILE` judges it again)"),
    Option("--b24-batch-plan", "batch_plan", "B24_BATCH_PLAN",
           "live: send the checks' one-off calls as `batch` commands (up to 50 a request, read-backs chained to "
           "their add) learnt before the run; checks of a status, a header or the top-level envelope still get "
           "requests of their own (`b24conform run --batch-plan`)", "bool"),
    Option("--b24-fixture-owner-type", "fixture_owner_type_id", "B24_FIXTURE_OWNER_TYPE", "owner type id on a live portal", "int"),
    Option("--b24-fixture-owner", "fixture_owner_id", "B24_FIXTURE_OWNER", "an existing owner (e.g. deal) id", "int"),
    Option("--b24-fixture-contact-type", "fixture_contact_type_id", "B24_FIXTURE_CONTACT_TYPE", "contact entity type id", "int"),
    Option("--b24-fixture-contact", "fixture_contact_id", "B24_FIXTURE_CONTACT", "an existing contact id", "int"),
    Option("--b24-fixture-responsible", "fixture_responsible_id", "B24_FIXTURE_RESPONSIBLE", "an existing user id", "int"),
    Option("--b24-fixture-missing-id", "fixture_missing_id", "B24_FIXTURE_MISSING_ID", "an id that exists nowhere", "int"),
)
MODE_ENV = "B24_MODE"


@dataclass(frozen=True)
class Settings:
    target: str | None = None
    oauth_token: str | None = None
    ca_bundle: str | None = None
    allow_writes: bool = False
    mode: str = DEFAULT_MODE
    report_dir: Path = Path("reports")
    report_dir_given: bool = False
    rate: float = STANDARD_RATE
    burst: int = STANDARD_BURST
    rate_given: bool = False
    http_url: str | None = None
    trip_limits: bool = False
    mock_profile: str | None = None
    ledger_dir: Path = Path(".b24conform") / "ledger"
    run_id: str = ""
    har: Path | None = None  # --b24-har: the HAR file of every exchange
    batch_plan: bool = False  # --b24-batch-plan: judge/batchplan.py
    fixtures: TargetFixtures = field(default_factory=TargetFixtures)
    fixture_options: dict[str, int] = field(default_factory=dict)  # the TargetFixtures fields an option set

    @property
    def kind(self) -> str:
        return "live" if self.target else "mock"


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


def _convert(option: Option, raw: Any, source: str) -> Any:
    if option.kind == "bool":
        return raw if isinstance(raw, bool) else str(raw).strip().lower() in TRUE
    if option.kind in {"float", "int"}:
        try:
            value = float(raw) if option.kind == "float" else int(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{source}: expected a number, got {raw!r}") from None
        if value <= 0 and option.dest in {"rate", "burst"}:
            raise SettingsError(f"{source}: must be > 0, got {raw!r}")
        return value
    return str(raw)


def resolve(getoption: Callable[[str], Any], environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from option values (`getoption(dest)` -> value or None/False when not given) and the
    environment."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    given: set[str] = set()
    for option in OPTIONS:
        raw = getoption(option.dest)
        source = option.flag
        if raw in (None, False, ""):
            raw = env.get(option.env) if option.env else None
            source = option.env or option.flag
            if raw in (None, ""):
                continue
        values[option.dest] = _convert(option, raw, source)
        given.add(option.dest)

    mode = getoption("mode") or env.get(MODE_ENV) or DEFAULT_MODE
    if mode not in MODES:
        raise SettingsError(f"mode must be 'strict' or 'lenient', got {mode!r}")

    fixture_names = {f.name for f in dc_fields(TargetFixtures)}
    fixture_values = {}
    for dest, value in list(values.items()):
        if dest.startswith("fixture_"):
            del values[dest]
            name = dest[len("fixture_"):]
            if name == "missing_id":
                fixture_values["missing_owner_id"] = value
                fixture_values["missing_user_id"] = value
            elif name in fixture_names:
                fixture_values[name] = value

    if values.get("oauth_token") and not values.get("target"):
        raise SettingsError("an OAuth token needs a target: --target https://HOST/rest/ (pytest: --b24-target)")
    return Settings(
        **{k: v for k, v in values.items() if k not in {"report_dir", "ledger_dir", "run_id", "har"}},
        har=Path(values["har"]) if values.get("har") else None,
        mode=mode,
        report_dir=Path(values.get("report_dir", "reports")),
        report_dir_given="report_dir" in given,
        rate_given="rate" in given or "burst" in given,
        ledger_dir=Path(values["ledger_dir"]) if "ledger_dir" in values else Path(".b24conform") / "ledger",
        run_id=values.get("run_id") or new_run_id(),
        fixtures=TargetFixtures(**fixture_values),
        fixture_options=dict(fixture_values),
    )


def capabilities(settings: Settings) -> frozenset[str]:
    """What the run's targets can do, known before any of them exists (collection needs it).

    The embedded mock offers everything, `limits` through a second, lazily started instance.
    """
    if settings.kind == "mock":
        return frozenset({"any", "oauth", "mock", "https", "limits"})
    caps = {"any"}
    if settings.oauth_token:
        caps.add("oauth")
    if settings.http_url:
        caps.add("https")
    if settings.trip_limits:
        caps.add("limits")
    return frozenset(caps)
