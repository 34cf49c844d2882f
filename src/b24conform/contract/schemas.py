"""JSON Schema validators over spec/schemas/, with the files' relative $refs resolved.

The files carry no "$id": each is registered under its file name, and a $ref resolves relative to
the file it is in, so "time.json" or "activity-add-fields.json#/$defs/dateTime" resolve from any of
them here just as in tools that read the files by path. openapi.yaml is in the same registry, so that
every $ref of the contract is resolved by `referencing`, never by walking a JSON pointer by hand.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from b24conform.contract.loader import Contract, load_contract

if TYPE_CHECKING:  # what Registry.resolver() returns; the package does not re-export the class
    from referencing._core import Resolver


# Where openapi.yaml sits relative to the schema files it names ("schemas/time.json"), as in spec/.
OPENAPI_URI = "openapi.yaml"
SCHEMAS_FROM_OPENAPI = "schemas/"


def registry_for(contract: Contract) -> Registry:
    """A registry holding every document of `contract` a $ref can name: each schema file under its file
    name (as the files name each other) and under the path openapi.yaml gives it, and openapi.yaml."""
    return _registry(contract.root)


def openapi_resolver(contract: Contract) -> Resolver:
    """Resolves a $ref as it is written in openapi.yaml: "#/components/..." or "schemas/<file>"."""
    return registry_for(contract).resolver(base_uri=OPENAPI_URI)


def file_resolver(name: str, contract: Contract) -> Resolver:
    """Resolves a $ref as it is written in spec/schemas/`name`: "time.json", "#/$defs/...", "x.json#/..."."""
    return registry_for(contract).resolver(base_uri=name)


@lru_cache(maxsize=8)
def _registry(root: Path) -> Registry:
    contract = load_contract(root)
    resources = []
    for name in contract.schema_names():
        resource = Resource.from_contents(contract.schema(name), default_specification=DRAFT202012)
        resources += [(name, resource), (SCHEMAS_FROM_OPENAPI + name, resource)]
    # openapi.yaml is no JSON Schema: a JSON pointer into it is all a $ref asks of it.
    resources.append((OPENAPI_URI, Resource.opaque(contract.openapi)))
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
    return _inline(contract.schema(name), file_resolver(name, contract), name, depth=0)


_DROPPED = frozenset({"$id", "$schema", "$defs", "$comment"})


def _inline(node: Any, resolver: Resolver, where: str, depth: int) -> Any:
    if depth > 32:  # our schemas are not recursive; a cycle would be a spec bug, so fail loudly
        raise ValueError(f"$ref nesting too deep in {where}")
    if isinstance(node, list):
        return [_inline(v, resolver, where, depth) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    if isinstance(node.get("$ref"), str):
        # The target's own $refs are relative to the file it is in: its resolver says which.
        target = resolver.lookup(node["$ref"])
        out.update(_inline(target.contents, target.resolver, node["$ref"], depth + 1))
    for key, value in node.items():
        if key != "$ref" and key not in _DROPPED:
            out[key] = _inline(value, resolver, where, depth)
    return out
