"""Everything one running portal holds: config, store, seed world, limits, profile, time zone.

Built once by build_app(); methods receive it through a CallContext.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from typing import TYPE_CHECKING, Any, NamedTuple

from b24conform.portal.coerce import parse_offset
from b24conform.portal.config import PortalConfig
from b24conform.portal.limits import PLANS, LeakyBucket, OperatingBudget
from b24conform.portal.seed import World
from b24conform.portal.store import Store

if TYPE_CHECKING:
    from b24conform.portal.auth import Caller
    from b24conform.portal.profiles import Profile


@dataclass
class PortalState:
    config: PortalConfig
    store: Store
    world: World
    profile: "Profile"
    tz: timezone
    bucket: LeakyBucket | None
    budget: OperatingBudget

    @classmethod
    def create(cls, config: PortalConfig) -> "PortalState":
        from b24conform.portal.profiles import load_profile

        plan = PLANS.get(config.limits)
        profile = load_profile(config.profile, config.profiles_file)
        if plan and profile.has("limits", "never_drains"):
            plan = (0.0, plan[1])
        store = Store(config.db)
        return cls(
            config=config,
            store=store,
            world=World.load(config.seed_data).bind(store),
            profile=profile,
            tz=parse_offset(config.utc_offset),
            bucket=LeakyBucket(*plan) if plan else None,
            budget=OperatingBudget(config.operating_budget),
        )

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
