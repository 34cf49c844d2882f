"""Who is calling: webhook path or OAuth `auth` token -> a Caller, or a catalogue error.

Order: credentials (NO_AUTH_FOUND / INVALID_CREDENTIALS / expired_token), then scope (insufficient_scope) once the method
is known. A deviation profile that accepts what a portal must refuse (`auth: wrong_code`, ...)
wraps these functions (faults/auth.py); nothing here knows of it.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any, Callable

from b24conform.portal.config import PortalConfig
from b24conform.portal.errors import PortalError, portal_error
from b24conform.portal.routing import Route
from b24conform.portal.state import Caller


@lru_cache(maxsize=256)  # a handful of credentials, hashed on every call otherwise
def _key(kind: str, secret: str) -> str:
    # Budgets are kept per credential; hash it so no secret sits in memory dumps or logs.
    return f"{kind}:{hashlib.sha256(secret.encode()).hexdigest()[:16]}"


def authenticate(
    target: Route,
    params: dict[str, Any],
    config: PortalConfig,
    user_active: Callable[[int], bool] = lambda user_id: True,
) -> Caller:
    """The caller a credential names, or the documented refusal. `user_active` tells whether a
    credential's user may still act (else INVALID_CREDENTIALS). Deviation profiles that let a refused
    caller in wrap this function (faults/auth.py); it has no bypass of its own."""
    if target.is_webhook:
        hook = config.find_webhook(target.user_id or 0, target.code or "")
        if hook:
            if not user_active(hook.user_id):
                raise PortalError("INVALID_CREDENTIALS")
            return Caller(hook.user_id, hook.scopes, None, _key("webhook", hook.code))
        # A user id and code that match no webhook: INVALID_CREDENTIALS 401, as real portals answer.
        raise PortalError(portal_error("AMB-WRONG-CODE"))
    token = params.get("auth")
    if not isinstance(token, str) or not token:
        raise PortalError("NO_AUTH_FOUND")
    item = config.find_token(token)
    if item is None:
        raise PortalError("NO_AUTH_FOUND")
    if item.expired:
        raise PortalError("EXPIRED_TOKEN")
    if not user_active(item.user_id):
        raise PortalError("INVALID_CREDENTIALS")
    if not item.user_allowed:
        raise PortalError("USER_ACCESS_ERROR")
    return Caller(item.user_id, item.scopes, item.app_context, _key("oauth", item.token))


# Methods outside crm.* that need a scope: any one of these (api-reference/user/user-current.md,
# user-get.md). `profile` needs none (api-reference/common/users/profile.md).
USER_SCOPES = ("user", "user_brief", "user_basic")
METHOD_SCOPES: dict[str, tuple[str, ...]] = {"user.current": USER_SCOPES, "user.get": USER_SCOPES}


def required_scopes(method: str) -> tuple[str, ...]:
    """The scopes of which the caller needs one: crm.* methods the crm scope; batch, profile and
    the rest none here."""
    if method.startswith("crm."):
        return ("crm",)
    return METHOD_SCOPES.get(method, ())


def required_scope(method: str) -> str | None:
    scopes = required_scopes(method)
    return scopes[0] if scopes else None


def check_scope(caller: Caller, method: str) -> None:
    scopes = required_scopes(method)
    if scopes and not any(caller.has_scope(s) for s in scopes):
        raise PortalError("INSUFFICIENT_SCOPE")
