"""JSON Schema validators over spec/schemas/, with the files' relative $refs resolved.

Every schema file carries "$id" equal to its file name, so one registry keyed by file name lets
"time.json" or "activity-add-fields.json#/$defs/dateTime" resolve from any of them.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from b24conform.contract.loader import Contract, load_contract


def registry_for(contract: Contract) -> Registry:
    """A registry holding every schema file of `contract`, keyed by file name."""
    return _registry(contract.root)


@lru_cache(maxsize=8)
def _registry(root: Path) -> Registry:
    contract = load_contract(root)
    resources = [
        (name, Resource.from_contents(contract.schema(name), default_specification=DRAFT202012))
        for name in contract.schema_names()
    ]
    return Registry().with_resources(resources).crawl()


@lru_cache(maxsize=64)
def _validator(root: Path, name: str) -> Draft202012Validator:
    contract = load_contract(root)
    return Draft202012Validator(
        contract.schema(name),
        registry=_registry(root),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def validator_for(name: str, contract: Contract | None = None) -> Draft202012Validator:
    """The validator of spec/schemas/`name` (e.g. "success-envelope.json"), cached per contract."""
    contract = contract or load_contract()
    return _validator(contract.root, name)


def errors_for(name: str, instance: Any, contract: Contract | None = None) -> list[str]:
    """Human-readable schema violations of `instance` against `name`; empty when it conforms."""
    validator = validator_for(name, contract)
    found = sorted(validator.iter_errors(instance), key=lambda e: (list(e.absolute_path), e.message))
    # allOf branches can report the same violation twice; one line each is enough.
    return list(dict.fromkeys(f"{name}: {_where(err.absolute_path)}: {err.message}" for err in found))


def _where(path: Any) -> str:
    # "$" for the document itself, then dotted keys and [n] indexes, as JSONPath readers expect.
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out
