"""Where a running portal is put together: the one module that knows every part.

Everything the portal is made of sits below this module and imports nothing above it: the state
holds parts without knowing which; the method handlers, validation rules and authenticator are
plain functions; the fault layers wrap a part they are handed. Here the faithful parts are chosen
(build_state), the configured deviation profile's layers are put around them (deviate_state,
around_app) and the ASGI apps are made (build_app, build_http_app). server.start_portal() serves
what this builds; the CLI and the test helpers start portals through it.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache, partial
from typing import Any

from b24conform.contract import load_contract
from b24conform.portal import auth, batch
from b24conform.portal.app import PortalApp
from b24conform.portal.coerce import parse_offset
from b24conform.portal.config import PortalConfig
from b24conform.portal.faults.auth import deviant_authenticate, deviant_check_scope
from b24conform.portal.faults.batch import deviant_batch
from b24conform.portal.faults.limits import deviant_bucket, deviant_budget
from b24conform.portal.faults.readback import (
    altering, appending, as_integer, constant, ignoring_select, miscounting, readback_layers,
)
from b24conform.portal.faults.rules import deviant_rules
from b24conform.portal.faults.store import deviant_store
from b24conform.portal.faults.transport import plain_listener_app
from b24conform.portal.faults.wire import WireFaults, is_wire
from b24conform.portal.limits import PLANS, LeakyBucket, OperatingBudget
from b24conform.portal.methods import Handler, Method, activity, crm_items, enums, fields, users
from b24conform.portal.profiles import Profile, load_profile
from b24conform.portal.seed import SeedWorld
from b24conform.portal.state import PortalState
from b24conform.portal.store import Store
from b24conform.portal.validation import RULES

# ------------------------------------------------------------------------- the faithful portal


def _handler(name: str, entity: str | None, by_name: dict[str, Handler],
             by_entity: dict[str, dict[str, Handler]]) -> Handler:
    handler = by_name.get(name) or by_entity.get(entity or "", {}).get(name.rsplit(".", 1)[-1])
    if handler is None:
        raise LookupError(f"spec/methods.yaml lists {name}, which the portal has no handler for")
    return handler


@lru_cache(maxsize=1)
def registry() -> dict[str, Method]:
    """Every method of spec/methods.yaml but the probe: crm.enum.* and the fields methods by the names
    enums.yaml and fields.yaml give them, the others by entity and the last part of their name."""
    by_name = {**enums.handlers(), **fields.handlers()}
    by_entity = {"activity": activity.OPERATIONS, "user": users.OPERATIONS, **crm_items.operations()}
    methods = {}
    for name, entry in load_contract().methods.items():
        if entry.probe:
            continue
        if entry.effect == "batch":
            methods[name] = Method(name, batch.batch, batch_allowed=False, counts_operating=False)
        else:
            methods[name] = Method(name, _handler(name, entry.entity, by_name, by_entity))
    return methods


def faithful_state(config: PortalConfig) -> PortalState:
    plan = PLANS.get(config.limits)
    store = Store(config.db)
    world = SeedWorld.load(config.seed_data).bind(store)
    return PortalState(
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


def build_state(config: PortalConfig) -> PortalState:
    """The state of a new portal: the faithful parts, wrapped by the configured profile."""
    return deviate_state(faithful_state(config))


# ------------------------------------------------------------------------- the profile's layers


def profile_of(state: PortalState) -> Profile:
    return load_profile(state.config.profile, state.config.profiles_file)


def _names(profile: Profile, kind: str) -> frozenset[str]:
    return frozenset(profile.faults(kind))


def deviant_methods(methods: dict[str, Any], profile: Profile) -> dict[str, Any]:
    store = profile.of("store")
    values = {op.params.get("field"): appending(str(op.params["append"])) if "append" in op.params
              else as_integer() if op.params.get("as") == "integer"
              else constant(op.params.get("value")) for op in store if op.fault == "alter_field"}
    delta = sum(int(op.params.get("delta", 1)) for op in store if op.fault == "wrong_total")
    out = dict(methods)

    def wrap(name: str, layer: Any) -> None:
        out[name] = replace(out[name], handler=layer(out[name].handler))

    if values:
        wrap("crm.activity.get", lambda h: altering(h, values))
        wrap("crm.activity.list", lambda h: altering(h, values))
    if delta:
        wrap("crm.activity.list", lambda h: miscounting(h, delta))
    if any(op.fault == "list_ignores_select" for op in store):
        wrap("crm.activity.list", ignoring_select)
    for name, layer in readback_layers(store, out):
        wrap(name, layer)
    batch_faults = _names(profile, "batch")
    if batch_faults:
        wrap("batch", lambda h: deviant_batch(h, batch_faults))
    return out


def deviate_state(state: PortalState) -> PortalState:
    """The state with its parts wrapped by the configured profile (the state itself when none)."""
    profile = profile_of(state)
    if not profile.ops:
        return state
    auth_faults = profile.faults("auth")
    limits = _names(profile, "limits")
    return replace(
        state,
        store=deviant_store(state.store, _names(profile, "store")),
        rules=tuple(deviant_rules(state.rules, profile.of("skip_rule", "reorder_rules", "add_rule"))),
        methods=deviant_methods(state.methods, profile),
        authenticate=(deviant_authenticate(state.authenticate, state.config, auth_faults) if auth_faults
                      else state.authenticate),
        check_scope=deviant_check_scope(state.check_scope, auth_faults) if auth_faults else state.check_scope,
        bucket=deviant_bucket(state.bucket, limits),
        budget=deviant_budget(state.budget, limits),
    )


def around_app(app: Any, state: PortalState) -> Any:
    """The app a listener serves: the faithful one, or the profile's layers around it."""
    profile = profile_of(state)
    app = plain_listener_app(app, _names(profile, "auth"))
    wire = tuple(op for op in profile.ops if is_wire(op))
    return WireFaults(app, wire) if wire else app


# ------------------------------------------------------------------------- the apps


def build_app(config: PortalConfig, state: PortalState | None = None) -> PortalApp:
    """The portal as an ASGI app (HTTPS semantics: the API is served).

    Use it in-process with httpx.ASGITransport; server.start_portal() serves it over sockets.
    """
    state = state or build_state(config)
    return around_app(PortalApp(state, https=True), state)


def build_http_app(state: PortalState) -> PortalApp:
    """The plain-HTTP listener of an HTTPS portal: every call gets INVALID_REQUEST "Https required"
    (a deviation profile may serve the API here: faults/transport.py)."""
    return around_app(PortalApp(state, https=False), state)
