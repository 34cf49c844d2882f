"""Everything one running portal holds: config, store, seed world, limits, time zone, and the parts a
deviation profile may wrap (validation rules, method handlers, authenticator, scope check).

Built once by build_app(); methods receive it through a CallContext. create() builds the faithful
parts; faults.deviate_state() then wraps them when the config names a deviation profile.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from b24conform.portal.coerce import parse_offset
from b24conform.portal.config import PortalConfig
from b24conform.portal.limits import PLANS, LeakyBucket, OperatingBudget
from b24conform.portal.seed import World
from b24conform.portal.store import Store

if TYPE_CHECKING:
    from b24conform.portal.auth import Caller


@dataclass
class PortalState:
    config: PortalConfig
    store: Store
    world: World
    tz: timezone
    bucket: LeakyBucket | None
    budget: OperatingBudget
    rules: tuple[Any, ...] = ()                        # validation.RULES: (name, rule) in order
    methods: dict[str, Any] = field(default_factory=dict)  # methods.registry(): name -> Method
    authenticate: Callable[..., "Caller"] | None = None    # (target, params) -> Caller
    check_scope: Callable[..., None] | None = None         # (caller, method) -> None or PortalError

    @classmethod
    def create(cls, config: PortalConfig) -> "PortalState":
        from b24conform.portal import auth
        from b24conform.portal.faults import deviate_state
        from b24conform.portal.methods import registry
        from b24conform.portal.validation import RULES

        plan = PLANS.get(config.limits)
        store = Store(config.db)
        world = World.load(config.seed_data).bind(store)
        faithful = cls(
            config=config,
            store=store,
            world=world,
            tz=parse_offset(config.utc_offset),
            bucket=LeakyBucket(*plan) if plan else None,
            budget=OperatingBudget(config.operating_budget),
            rules=tuple(RULES),
            methods=registry(),
            authenticate=partial(auth.authenticate, config=config, user_active=world.user_active),
            check_scope=auth.check_scope,
        )
        return deviate_state(faithful)

    def now(self) -> float:
        return self.config.clock.now()


class CallContext(NamedTuple):
    state: PortalState
    caller: "Caller"
    base_url: str
    in_batch: bool = False


class MethodResult(NamedTuple):
    result: Any
    total: int | None = None
    next_start: int | None = None
