"""YAML text -> data, through libyaml's safe loader when PyYAML has it (ten times faster than the pure
Python one on the spec's files; every run and every portal start reads them)."""
from __future__ import annotations

from typing import Any

import yaml

SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """yaml.safe_load(text), faster; raises yaml.YAMLError as it does."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader, C or Python
