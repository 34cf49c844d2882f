"""Where the contract lives: the repository's spec/ folder, or the copy packed into the wheel."""
from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "B24CONFORM_SPEC_DIR"


def spec_dir() -> Path:
    """The spec/ folder in force: $B24CONFORM_SPEC_DIR, the source checkout's spec/, or the packaged copy."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).resolve()
    checkout = Path(__file__).resolve().parents[3] / "spec"
    if (checkout / "errors.yaml").exists():
        return checkout
    return Path(__file__).resolve().parents[1] / "_spec"
