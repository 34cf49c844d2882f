"""JSON Schema validators over spec/schemas/, with the files' relative $refs resolved.

The files carry no "$id": each is registered under its file name, and a $ref resolves relative to
the file it is in, so "time.json" or "activity-add-fields.json#/$defs/dateTime" resolve from any of
them here just as in tools that read the files by path.
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


def inlined(name: str, contract: Contract | None = None) -> dict[str, Any]:
    """spec/schemas/`name` as one self-contained document, every $ref replaced by its target.

    For tools that read a single document (hypothesis-jsonschema). Siblings of a $ref are kept and win
    over the target's keys, as they would add to it; annotations ($id, $defs, $comment) are dropped.
    """
    contract = contract or load_contract()
    return _inline(contract.schema(name), name, contract, depth=0)


_DROPPED = frozenset({"$id", "$schema", "$defs", "$comment"})


def _inline(node: Any, current: str, contract: Contract, depth: int) -> Any:
    if depth > 32:  # our schemas are not recursive; a cycle would be a spec bug, so fail loudly
        raise ValueError(f"$ref nesting too deep in {current}")
    if isinstance(node, list):
        return [_inline(v, current, contract, depth) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    if isinstance(node.get("$ref"), str):
        file, _, pointer = node["$ref"].partition("#")
        target_name = file or current
        target: Any = contract.schema(target_name)
        for part in filter(None, pointer.split("/")):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        out.update(_inline(target, target_name, contract, depth + 1))
    for key, value in node.items():
        if key != "$ref" and key not in _DROPPED:
            out[key] = _inline(value, current, contract, depth)
    return out
