"""URL layout of a portal -> (method, webhook user id, webhook code).

    /rest/{user_id}/{code}/{method}[.json][/]   webhook
    /rest/{method}[.json][/]                    OAuth (token in `auth`)

Method names are compared case-insensitively (b24pysdk sends crm.activity.Add.json).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote


@dataclass(frozen=True)
class Route:
    """A request path as the portal reads it: the method it names and, on the webhook route, whose code."""

    method: str                 # lower-case, without .json; "" when the path names none
    user_id: int | None = None  # webhook only
    code: str | None = None     # webhook only

    @property
    def is_webhook(self) -> bool:
        return self.code is not None


def normalise_method(name: str) -> str:
    name = name.strip().lower()
    return name[: -len(".json")] if name.endswith(".json") else name


@lru_cache(maxsize=1024)  # a client calls the same few paths over and over; Route is immutable
def parse_path(path: str) -> Route | None:
    """The target of a request path; None for paths outside /rest/."""
    parts = [unquote(p) for p in path.split("/") if p]
    if not parts or parts[0].lower() != "rest":
        return None
    rest = parts[1:]
    # A user id longer than int_max_str_digits cannot be converted (nor belong to any webhook).
    if len(rest) >= 2 and rest[0].isascii() and rest[0].isdigit() and len(rest[0]) <= 64:
        method = rest[2] if len(rest) >= 3 else ""
        if len(rest) > 3:
            return Route(method="", user_id=int(rest[0]), code=rest[1])
        return Route(method=normalise_method(method), user_id=int(rest[0]), code=rest[1])
    if len(rest) == 1:
        return Route(method=normalise_method(rest[0]))
    return Route(method="")
