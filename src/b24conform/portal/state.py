"""Everything one running portal holds: config, store, seed world, limits, time zone, and the parts a
deviation profile may wrap (validation rules, method handlers, authenticator, scope check).

Plain vocabulary: it holds its parts without knowing which they are. assembly.build_state() chooses
the faithful ones and wraps them when the config names a deviation profile; methods receive the
state through a CallContext.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone
from typing import Any, Callable, NamedTuple

from b24conform.portal.config import PortalConfig
from b24conform.portal.limits import LeakyBucket, OperatingBudget
from b24conform.portal.seed import SeedWorld
from b24conform.portal.store import Store


class Caller(NamedTuple):
    """Who a call is made as: what auth.authenticate() answers for a credential."""
    user_id: int
    scopes: tuple[str, ...] | None  # None = every scope
    app_context: str | None
    key: str                        # stable, secret-free id of the credential (operating budgets)

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


@dataclass
class PortalState:
    config: PortalConfig
    store: Store
    world: SeedWorld
    tz: timezone
    bucket: LeakyBucket | None
    budget: OperatingBudget
    rules: tuple[Any, ...] = ()                        # validation.RULES: (name, rule) in order
    methods: dict[str, Any] = field(default_factory=dict)  # assembly.registry(): name -> Method
    authenticate: Callable[..., Caller] | None = None      # (target, params) -> Caller
    check_scope: Callable[..., None] | None = None         # (caller, method) -> None or PortalError

    def now(self) -> float:
        return self.config.clock.now()


class CallContext(NamedTuple):
    state: PortalState
    caller: Caller
    base_url: str
    in_batch: bool = False


class MethodResult(NamedTuple):
    result: Any
    total: int | None = None
    next_start: int | None = None
