"""spec/methods.yaml: every method the judge can send has an effect, and the table is well formed."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from b24conform.contract import load_contract
from b24conform.contract.loader import ContractError, parse_methods

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = load_contract()


def test_every_operation_of_the_openapi_spec_has_an_effect():
    methods = {path.rsplit("/", 1)[-1].lower().removesuffix(".json") for path in CONTRACT.openapi["paths"]}
    assert methods and methods <= set(CONTRACT.methods), methods - set(CONTRACT.methods)


def test_every_method_the_suites_and_the_judge_name_has_an_effect():
    """A method missing from the table is never sent, so a check naming one would only ever skip."""
    sources = [*ROOT.glob("suites/*.py"), *ROOT.glob("src/b24conform/judge/*.py")]
    named = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        named |= {m.lower() for m in re.findall(r"""["'](crm\.[a-z.]+|batch|profile|user\.[a-z]+)["'?]""", text)}
    named |= {f"crm.{e}.{verb}" for e in ("activity", "contact", "deal", "company") for verb in ("delete", "list")}
    named = {n for n in named if not n.endswith(".")}  # prefixes such as "crm." in string tests
    missing = sorted(n for n in named if n.removesuffix(".json") not in CONTRACT.methods)
    assert missing == []


def test_writes_name_their_entity_and_creates_their_mark():
    for entry in CONTRACT.methods.values():
        if entry.effect in {"create", "change", "delete"}:
            assert entry.entity, entry.method
        if entry.effect == "create":
            assert entry.mark, entry.method


@pytest.mark.parametrize("raw,message", [
    ({"methods": {"x.y": {"effect": "explode"}}}, "effect 'explode'"),
    ({"methods": {"x.delete": {"effect": "delete"}}}, "names its entity"),
    ({"methods": {"X.y": {"effect": "read"}, "x.y": {"effect": "read"}}}, "appears twice"),
])
def test_a_bad_table_is_refused_with_its_reason(raw, message):
    with pytest.raises(ContractError, match=message):
        parse_methods(raw)
