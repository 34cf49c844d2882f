"""Auth faults: the authenticator and the scope check, wrapped.

The faithful authenticator refuses; the wrapper looks at what was refused and, where the profile
says so, lets the caller in anyway (as the portal's user 1 when the credential names nobody).
`except_methods` keeps the refusal for the methods it lists.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from b24conform.portal.auth import Caller, _key
from b24conform.portal.config import PortalConfig
from b24conform.portal.errors import PortalError, portal_error
from b24conform.portal.faults.operation import Op
from b24conform.portal.routing import Route

FAULTS = frozenset({"wrong_code", "wrong_user", "expired_token", "no_auth", "scope"})

Authenticate = Callable[[Route, dict[str, Any]], Caller]
CheckScope = Callable[[Caller, str], None]


def _allows(faults: dict[str, Op], fault: str, method: str) -> bool:
    op = faults.get(fault)
    return op is not None and method not in (op.params.get("except_methods") or ())


def bypass(error_id: str, target: Route, params: dict[str, Any], config: PortalConfig,
           faults: dict[str, Op]) -> Caller | None:
    """The caller a deviant portal lets in after the faithful one refused with `error_id`; None: still refused."""
    ok = lambda fault: _allows(faults, fault, target.method)  # noqa: E731 - reads as the rule it is
    if error_id == portal_error("AMB-WRONG-CODE") and target.is_webhook:
        code = target.code or ""
        other = config.webhook_code_exists(code)
        if other and ok("wrong_user"):
            return Caller(target.user_id or other.user_id, other.scopes, None, _key("webhook", other.code))
        if not other and ok("wrong_code"):
            return Caller(target.user_id or 1, None, None, _key("webhook", code))
        return None
    token = params.get("auth")
    if error_id == "NO_AUTH_FOUND":
        if not (isinstance(token, str) and token):
            return Caller(1, None, None, "anonymous") if ok("no_auth") else None
        return Caller(1, None, None, _key("oauth", token)) if ok("wrong_code") else None
    if error_id == "EXPIRED_TOKEN" and ok("expired_token"):
        item = config.find_token(str(token))
        return Caller(item.user_id, item.scopes, item.app_context, _key("oauth", item.token)) if item else None
    return None


def deviant_authenticate(faithful: Authenticate, config: PortalConfig, faults: dict[str, Op]) -> Authenticate:
    def authenticate(target: Route, params: dict[str, Any]) -> Caller:
        try:
            return faithful(target, params)
        except PortalError as exc:
            caller = bypass(exc.error_id, target, params, config, faults)
            if caller is None:
                raise
            return caller

    return authenticate


def deviant_check_scope(faithful: CheckScope, faults: dict[str, Op]) -> CheckScope:
    def check_scope(caller: Caller, method: str) -> None:
        try:
            faithful(caller, method)
        except PortalError as exc:
            if exc.error_id != "INSUFFICIENT_SCOPE" or not _allows(faults, "scope", method):
                raise

    return check_scope
