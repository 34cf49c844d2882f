"""Where the conformance suites are: $B24CONFORM_SUITES_DIR, the checkout's suites/ next to spec/,
or a copy packaged as b24conform/_suites."""
from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "B24CONFORM_SUITES_DIR"


class SuitesNotFound(RuntimeError):
    pass


def suites_dir() -> Path:
    override = os.environ.get(ENV_VAR)
    if override:
        path = Path(override).resolve()
        if not path.is_dir():
            raise SuitesNotFound(f"${ENV_VAR} points to {path}, which is not a folder")
        return path
    from b24conform.contract.paths import spec_dir

    candidates = [spec_dir().parent / "suites", Path(__file__).resolve().parents[1] / "_suites"]
    for path in candidates:
        if path.is_dir() and any(path.glob("test_*.py")):
            return path
    raise SuitesNotFound("no suites folder found (looked at " + ", ".join(map(str, candidates))
                         + f"); set ${ENV_VAR}")
