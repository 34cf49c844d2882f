"""Deviation profiles as layers around the faithful reference portal.

The faithful portal (app.py, calls.py, batch.py, validation.py, store.py, methods/) knows nothing
of profiles. A profile (profiles.py: data from spec/deviations.yaml) wraps its parts, one idea per
module here:

    rules.py      the validation-rule list, transformed (skip, sub-rules, reorder, extra rules)
    store.py      the store, wrapped (nothing kept, ids reused, no-op update/delete, rows dropped)
    readback.py   the get/list handlers, wrapped (fields read back altered, a wrong total)
    batch.py      the batch handler, wrapped (no length limit, halt ignored, nested batches run)
    limits.py     the leaky bucket and the operating budget, wrapped
    auth.py       the authenticator and the scope check, wrapped
    transport.py  what the plain-HTTP listener serves
    wire.py       an ASGI layer around the app (answers.py: status, headers, body and time rewrites,
                  conditions on the request)

deviate_state() is applied by PortalState.create(); around_app() by app.build_app/build_http_app.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from b24conform.portal.profiles import Profile, load_profile

if TYPE_CHECKING:
    from b24conform.portal.state import PortalState


def profile_of(state: "PortalState") -> Profile:
    return load_profile(state.config.profile, state.config.profiles_file)


def _names(profile: Profile, kind: str) -> frozenset[str]:
    return frozenset(profile.faults(kind))


def deviant_methods(methods: dict[str, Any], profile: Profile) -> dict[str, Any]:
    from b24conform.portal.faults.batch import deviant_batch
    from b24conform.portal.faults.readback import (
        altering, appending, as_integer, constant, ignoring_select, miscounting,
    )

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
    from b24conform.portal.faults.readback import readback_layers

    for name, layer in readback_layers(store, out):
        wrap(name, layer)
    batch_faults = _names(profile, "batch")
    if batch_faults:
        wrap("batch", lambda h: deviant_batch(h, batch_faults))
    return out


def deviate_state(state: "PortalState") -> "PortalState":
    """The state with its parts wrapped by the configured profile (the state itself when none)."""
    profile = profile_of(state)
    if not profile.ops:
        return state
    from b24conform.portal.faults.auth import deviant_authenticate, deviant_check_scope
    from b24conform.portal.faults.limits import deviant_bucket, deviant_budget
    from b24conform.portal.faults.rules import deviant_rules
    from b24conform.portal.faults.store import deviant_store

    auth = profile.faults("auth")
    limits = _names(profile, "limits")
    return replace(
        state,
        store=deviant_store(state.store, _names(profile, "store")),
        rules=tuple(deviant_rules(state.rules, profile.of("skip_rule", "reorder_rules", "add_rule"))),
        methods=deviant_methods(state.methods, profile),
        authenticate=deviant_authenticate(state.authenticate, state.config, auth) if auth else state.authenticate,
        check_scope=deviant_check_scope(state.check_scope, auth) if auth else state.check_scope,
        bucket=deviant_bucket(state.bucket, limits),
        budget=deviant_budget(state.budget, limits),
    )


def around_app(app: Any, state: "PortalState") -> Any:
    """The app a listener serves: the faithful one, or the profile's layers around it."""
    from b24conform.portal.faults.transport import plain_listener_app
    from b24conform.portal.faults.wire import WireFaults, is_wire

    profile = profile_of(state)
    app = plain_listener_app(app, _names(profile, "auth"))
    wire = tuple(op for op in profile.ops if is_wire(op))
    return WireFaults(app, wire) if wire else app
