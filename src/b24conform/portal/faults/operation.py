"""One operation of a deviation profile, as the fault layers read it.

Below both the layers and the profile parser (profiles.py): a layer takes operations without knowing
where they were read from, and the parser builds them from the names the layers declare.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Op:
    kind: str
    fault: str
    params: dict[str, Any] = field(default_factory=dict)
