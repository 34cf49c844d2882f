"""Transport faults: which app the plain-HTTP listener serves.

The faithful plain-HTTP listener answers every call with INVALID_REQUEST ("Https required");
`auth: plain_http` makes it serve the API, i.e. it gets the app the HTTPS listener has.
"""
from __future__ import annotations

from typing import Any

FAULTS = frozenset({"plain_http"})  # a kind `auth` fault: it is about who may call, served by the listener


def plain_listener_app(app: Any, faults: frozenset[str]) -> Any:
    if "plain_http" in faults and not app.https:
        return type(app)(app.portal, https=True)
    return app
