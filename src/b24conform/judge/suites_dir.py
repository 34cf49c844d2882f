"""Where the conformance suites are: $B24CONFORM_SUITES_DIR, the checkout's suites/ next to spec/,
or a copy packaged as b24conform/_suites. Their schemathesis settings sit next to them in both layouts:
the checkout's schemathesis.toml beside suites/, the wheel's b24conform/schemathesis.toml beside _suites/
(pyproject.toml, [tool.hatch.build.targets.wheel.force-include])."""
from __future__ import annotations

import os
from pathlib import Path

from b24conform.contract.paths import spec_dir

ENV_VAR = "B24CONFORM_SUITES_DIR"
SCHEMATHESIS_CONFIG = "schemathesis.toml"
PACKAGE_DIR = Path(__file__).resolve().parents[1]


class SuitesNotFound(RuntimeError):
    pass


def suites_dir() -> Path:
    override = os.environ.get(ENV_VAR)
    if override:
        path = Path(override).resolve()
        if not path.is_dir():
            raise SuitesNotFound(f"${ENV_VAR} points to {path}, which is not a folder")
        return path

    candidates = [spec_dir().parent / "suites", PACKAGE_DIR / "_suites"]
    for path in candidates:
        if path.is_dir() and any(path.glob("test_*.py")):
            return path
    raise SuitesNotFound("no suites folder found (looked at " + ", ".join(map(str, candidates))
                         + f"); set ${ENV_VAR}")


def schemathesis_config(suites: Path) -> Path:
    """The schemathesis.toml for the suites in `suites`: the one beside that folder, else the packaged one.

    The fallback serves a suites copy elsewhere ($B24CONFORM_SUITES_DIR) with the installed settings. A
    missing file is an error here, not schemathesis' defaults: those check a REST API, not this RPC one.
    """
    # dict.fromkeys: in the wheel both are the same file, named once in the error.
    candidates = list(dict.fromkeys([Path(suites).resolve().parent / SCHEMATHESIS_CONFIG,
                                     PACKAGE_DIR / SCHEMATHESIS_CONFIG]))
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError("no " + SCHEMATHESIS_CONFIG + " found (looked at " + ", ".join(map(str, candidates)) + ")")
