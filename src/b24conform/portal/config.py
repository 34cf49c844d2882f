"""How a reference portal is set up: credentials, TLS, store, limits, deviation profile, clock.

Everything the portal needs to know about itself lives in one frozen-ish dataclass so that the CLI,
the tests and the judge build portals the same way. `PortalConfig.for_conformance()` is the one
recipe the suites use: random secrets, one webhook per role, TLS on.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b24conform.portal.clock import Clock, SystemClock
from b24conform.portal.limits import DEFAULT_BUDGET, PLANS

# Every scope a webhook created "with all rights" carries; `crm` is the one crm.* methods need.
ALL_SCOPES: tuple[str, ...] = ("crm", "user", "task", "disk", "im", "calendar", "department")

LIMIT_PLANS = ("off", *PLANS)


@dataclass(frozen=True)
class Webhook:
    """An inbound webhook: /rest/{user_id}/{code}/. `scopes=None` means every scope."""

    user_id: int
    code: str
    scopes: tuple[str, ...] | None = None

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


@dataclass(frozen=True)
class OAuthToken:
    """An OAuth access token given as `auth`. `app_context` names the application that owns it
    (needed for PROVIDER_ID REST_APP); webhooks never have one."""

    token: str
    user_id: int = 1
    scopes: tuple[str, ...] | None = None
    expired: bool = False
    app_context: str | None = None
    user_allowed: bool = True  # False: the application is opened to other users only (user_access_error)

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


def _code(n: int = 16) -> str:
    # Bitrix webhook codes are lower-case alphanumerics; keep the same alphabet.
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(n))


@dataclass
class PortalConfig:
    webhooks: list[Webhook] = field(default_factory=list)
    oauth_tokens: list[OAuthToken] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    tls: bool = True
    tls_dir: Path | None = None          # None: a fresh temporary folder (start_portal) / .b24conform/tls (CLI)
    http_port: int | bool | None = None  # True: a free port; int: that port; None/False: no plain-HTTP listener
    db: str = ":memory:"
    limits: str = "off"
    operating_budget: float = DEFAULT_BUDGET
    profile: str | None = None
    profiles_file: Path | None = None    # None: spec/deviations.yaml when present
    seed_data: Path | None = None        # None: the packaged seed_data.yaml
    utc_offset: str = "+03:00"           # the portal's time zone, used for every datetime it writes
    # AMB-RESPONSIBLE-FALLBACK reading b (the add tutorial, the vendor's module): an empty or non-numeric
    # RESPONSIBLE_ID takes the owner's responsible user. False serves reading a.
    responsible_fallback: bool = True
    max_body_bytes: int = 8 * 1024 * 1024
    clock: Clock = field(default_factory=SystemClock)
    # Role name -> credential, filled by for_conformance(); the judge reads them through Portal.credentials.
    roles: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.limits not in LIMIT_PLANS:
            raise ValueError(f"limits must be one of {', '.join(LIMIT_PLANS)}, not {self.limits!r}")

    @classmethod
    def for_conformance(
        cls,
        tls: bool = True,
        limits: str = "off",
        profile: str | None = None,
        db: str = ":memory:",
        tls_dir: Path | str | None = None,
        http_port: int | bool | None = True,
        **overrides: Any,
    ) -> "PortalConfig":
        """A portal with one credential per role the suites need, every secret random."""
        admin = Webhook(1, _code())
        restricted = Webhook(3, _code())
        unscoped = Webhook(1, _code(), scopes=tuple(s for s in ALL_SCOPES if s != "crm"))
        token = OAuthToken(_code(32), user_id=1)
        app_token = OAuthToken(_code(32), user_id=1, app_context="b24conform.app")
        expired = OAuthToken(_code(32), user_id=1, expired=True)
        not_opened = OAuthToken(_code(32), user_id=2, app_context="b24conform.app", user_allowed=False)
        inactive = Webhook(5, _code())  # user 5 of the seed is deactivated
        return cls(
            webhooks=[admin, restricted, unscoped, inactive],
            oauth_tokens=[token, app_token, expired, not_opened],
            tls=tls,
            tls_dir=Path(tls_dir) if tls_dir else None,
            http_port=http_port,
            db=db,
            limits=limits,
            profile=profile,
            roles={
                "webhook": admin,
                "restricted_webhook": restricted,
                "unscoped_webhook": unscoped,
                "oauth_token": token,
                "app_oauth_token": app_token,
                "expired_token": expired,
                "app_user_denied_token": not_opened,
                "inactive_webhook": inactive,
            },
            **overrides,
        )

    def find_webhook(self, user_id: int, code: str) -> Webhook | None:
        for hook in self.webhooks:
            if hook.code == code and hook.user_id == user_id:
                return hook
        return None

    def webhook_code_exists(self, code: str) -> Webhook | None:
        for hook in self.webhooks:
            if hook.code == code:
                return hook
        return None

    def find_token(self, token: str) -> OAuthToken | None:
        for item in self.oauth_tokens:
            if item.token == token:
                return item
        return None
