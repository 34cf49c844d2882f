"""Deviation profiles as layers around the faithful reference portal.

The faithful portal (app.py, calls.py, batch.py, validation.py, store.py, methods/) knows nothing
of profiles, and these layers know nothing of profile files: each takes operations (operation.py)
and declares the fault names it serves (FAULTS), which profiles.py checks a file against. One idea
per module:

    rules.py      the validation-rule list, transformed (skip, sub-rules, reorder, extra rules)
    store.py      the store, wrapped (nothing kept, ids reused, no-op update/delete, rows dropped)
    readback.py   the get/list handlers, wrapped (fields read back altered, a wrong total)
    batch.py      the batch handler, wrapped (no length limit, halt ignored, nested batches run)
    limits.py     the leaky bucket and the operating budget, wrapped
    auth.py       the authenticator and the scope check, wrapped
    transport.py  what the plain-HTTP listener serves
    wire.py       an ASGI layer around the app (answers.py: status, headers, body and time rewrites,
                  conditions on the request)

Which layer wraps which part is decided in one place, portal/assembly.py (deviate_state, around_app).
"""
