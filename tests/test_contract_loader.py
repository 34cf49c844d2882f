"""The contract loader reads spec/ and refuses inconsistent data."""
from __future__ import annotations

import pytest

from b24conform.contract import ContractError, load_contract
from b24conform.contract.loader import parse_clauses, parse_errors


def test_every_clause_names_known_errors_and_ambiguities():
    contract = load_contract()
    for clause in contract.clauses.values():
        for error_id in clause.errors:
            assert error_id in contract.errors, (clause.id, error_id)
        if clause.ambiguity:
            assert clause.ambiguity in contract.ambiguities, clause.id


def test_duplicate_error_id_is_refused():
    raw = {"id": "X", "kind": "method", "http_status": 400, "code": "", "message": "m"}
    with pytest.raises(ContractError, match="appears twice"):
        parse_errors({"errors": [raw, dict(raw)]})


def test_duplicate_clause_id_is_refused():
    raw = {"id": "A-1", "title": "t", "statement": "s", "level": "MUST",
           "source": [{"page": "p.md", "heading": "h"}], "where": "any"}
    with pytest.raises(ContractError, match="appears twice"):
        parse_clauses({"clauses": [raw, dict(raw)]})


def test_lenient_messages_add_and_drop_a_trailing_period():
    entry = load_contract().error("ADD_ACCESS_DENIED")
    assert entry.message == "Access denied."
    assert "Access denied" in entry.accepted_messages()


def test_unknown_error_id_is_a_clear_error():
    with pytest.raises(ContractError, match="unknown error id"):
        load_contract().error("NOPE")


def test_seed_example_is_the_pages_curl_example_and_a_fresh_copy():
    contract = load_contract()
    fields = contract.seed_example_fields()
    assert fields["OWNER_ID"] == 102 and fields["COMMUNICATIONS"][0]["ENTITY_ID"] == 134
    fields["SUBJECT"] = "changed"
    assert contract.seed_example_fields()["SUBJECT"] == "New call"


def test_spec_yaml_reads_the_same_through_libyaml():
    import yaml

    from b24conform.contract.paths import spec_dir
    from b24conform.yamltext import SAFE_LOADER, load_yaml

    if yaml.__with_libyaml__:
        assert SAFE_LOADER is yaml.CSafeLoader  # the point of the module: the C loader when there is one
    for path in sorted(spec_dir().glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert load_yaml(text) == yaml.safe_load(text), path.name
    with pytest.raises(yaml.YAMLError):
        load_yaml("a: [1, 2")
