"""Bitrix facts live in spec/ only (issue #22): no error message and no catalogue of field names is
spelled in src/b24conform/ or suites/, and what the portal derives from the spec follows it.

The scanners are pure functions over source text, so each is also shown to catch a planted violation.
"""
from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest

from b24conform.contract import ContractError, load_contract
from b24conform.contract.fieldsets import field_sets

ROOT = Path(__file__).resolve().parents[1]
SCANNED = (ROOT / "src" / "b24conform", ROOT / "suites")
CONTRACT = load_contract()

# A message shorter than this is only a match when a literal equals it; a longer one also inside a
# longer literal (an f-string's text, a message with a suffix).
SUBSTRING_FROM = 20
# A module-level literal holding this many names of the spec's field tables is a catalogue of them.
CATALOGUE_SIZE = 4

# Module-level field lists that are not Bitrix facts but a check's or a suite's own choices, or that
# sit in files other work owns (issue #22 follow-ups). Each entry says why; a stale entry fails too.
KNOWN_FIELD_LISTS = {
    ("src/b24conform/judge/checks/readback.py", "PLAIN_INTEGER_FIELDS"): "follow-up: derive from contract.fieldsets (int)",
    ("src/b24conform/judge/checks/readback.py", "NOT_COMPARED"): "the check's choice of fields it does not compare",
    ("src/b24conform/portal/methods/users.py", "USER_KEYS"): "follow-up: the user.current example keys, not yet in spec/",
    ("src/b24conform/portal/records.py", "DEFAULTS"): "follow-up: the values unset fields read back as, not yet in spec/",
    ("suites/test_properties.py", "NOT_GENERATED"): "the suite's choice of fields it does not generate",
    ("suites/test_required_fields.py", "CLAUSES"): "field -> clause id, the suite's own table",
    ("suites/test_roundtrip.py", "UPDATE_STARRED"): "the suite's choice of fields the update round trip sends",
}


def catalogue_messages() -> set[str]:
    """Every non-empty message and spelling of spec/errors.yaml and spec/item_errors.yaml."""
    entries = [*CONTRACT.errors.values(), *CONTRACT.item_errors.values()]
    return {text for e in entries for text in (e.message, *(v.text for v in e.variants)) if text.strip()}


def field_names() -> set[str]:
    """The names of every field table of spec/: activity and communication descriptors, item kinds."""
    names = set(CONTRACT.fields["activity"]["fields"]) | set(CONTRACT.fields["communication"]["fields"])
    for kind in CONTRACT.items["kinds"].values():
        names |= set(kind["fields"])
    return names | set(CONTRACT.items["multi_fields"])


def _docstrings(tree: ast.AST) -> set[int]:
    # Prose about a message (a docstring quoting it) is not the message spelled as data.
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def spelled_messages(source: str, messages: set[str]) -> list[tuple[int, str]]:
    """(line, message) of every string literal of `source` that spells a catalogue message."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            found += [(node.lineno, m) for m in sorted(messages)
                      if node.value == m or (len(m) >= SUBSTRING_FROM and m in node.value)]
    return found


def _literal_strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Call) and node.args and getattr(node.func, "id", "") in ("frozenset", "set", "tuple"):
        node = node.args[0]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        elements = node.elts
    elif isinstance(node, ast.Dict):
        elements = [k for k in node.keys if k is not None]
    else:
        return []
    return [e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def field_catalogues(source: str, names: set[str]) -> list[tuple[int, str]]:
    """(line, constant) of every module-level literal of `source` listing CATALOGUE_SIZE or more field names."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            if len([s for s in _literal_strings(node.value) if s in names]) >= CATALOGUE_SIZE:
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                found.append((node.lineno, getattr(target, "id", ast.unparse(target))))
    return found


def _sources() -> list[tuple[str, str]]:
    return [(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))
            for folder in SCANNED for path in sorted(folder.rglob("*.py"))]


# ---------------------------------------------------------------- messages


def test_no_catalogue_message_is_spelled_outside_spec():
    messages = catalogue_messages()
    found = [f"{file}:{line}: {message!r}" for file, text in _sources() for line, message in spelled_messages(text, messages)]
    assert not found, "error messages spelled outside spec/ (read them from the contract):\n" + "\n".join(found)


def test_the_message_scanner_names_the_line_of_a_planted_message():
    message = CONTRACT.error("ADD_SUBJECT_MISSING").message
    source = f'"""A module quoting "{message}" in prose."""\nX = 1\nBODY = {{"error_description": {message!r}}}\n'
    assert spelled_messages(source, catalogue_messages()) == [(3, message)]
    assert spelled_messages(f"LONG = {(message + ' (more)')!r}\n", {message}) == [(1, message)]


def test_item_errors_are_not_in_the_contract_catalogue():
    assert not set(CONTRACT.item_errors) & set(CONTRACT.errors)


# ---------------------------------------------------------------- field lists


def test_no_field_catalogue_outside_spec():
    names = field_names()
    found = {(file, constant): line for file, text in _sources() for line, constant in field_catalogues(text, names)}
    unexplained = [f"{file}:{line}: {constant}" for (file, constant), line in found.items()
                   if (file, constant) not in KNOWN_FIELD_LISTS]
    assert not unexplained, "field-name lists outside spec/ (derive them from spec/fields.yaml or items.yaml):\n" + \
        "\n".join(unexplained)
    assert not set(KNOWN_FIELD_LISTS) - set(found), "KNOWN_FIELD_LISTS names lists that are gone"


def test_the_field_list_scanner_names_a_planted_list():
    source = 'LOOKS = ("A", "B")\nPLANTED = frozenset({"SUBJECT", "TYPE_ID", "OWNER_ID", "START_TIME"})\n'
    assert field_catalogues(source, field_names()) == [(2, "PLANTED")]


# ---------------------------------------------------------------- field sets follow fields.yaml


def test_read_only_follows_the_descriptors_and_the_add_page():
    sets = field_sets(CONTRACT.fields)
    assert "DEADLINE" in sets.read_only            # writable descriptor, derived by the add page
    assert "IS_INCOMING_CHANNEL" not in sets.read_only  # read-only descriptor, an input of the add page
    assert {"ID", "CREATED", "AUTHOR_ID", "BINDINGS"} <= set(sets.read_only)
    assert set(sets.immutable) == {"TYPE_ID", "OWNER_ID", "OWNER_TYPE_ID"}


def test_field_sets_move_with_the_spec():
    data = copy.deepcopy(CONTRACT.fields)
    data["activity"]["fields"]["SUBJECT"]["isReadOnly"] = True
    data["activity"]["fields"]["LOCATION"]["type"] = "datetime"
    data["input"]["settable"] = []
    sets = field_sets(data)
    assert {"SUBJECT", "IS_INCOMING_CHANNEL"} <= set(sets.read_only)
    assert "LOCATION" in sets.of_kind("datetime") and "LOCATION" not in sets.of_kind("text")


def test_a_descriptor_type_without_a_value_kind_stops_the_load():
    data = copy.deepcopy(CONTRACT.fields)
    data["activity"]["fields"]["SUBJECT"]["type"] = "crm_something_new"
    with pytest.raises(ContractError, match="SUBJECT.*crm_something_new"):
        field_sets(data)


def test_every_single_valued_field_has_one_value_kind_and_readback_keys_are_described():
    sets = field_sets(CONTRACT.fields)
    descriptors = CONTRACT.fields["activity"]["fields"]
    kinds = [name for kind in sets.by_kind.values() for name in kind]
    assert sorted(kinds) == sorted(n for n, d in descriptors.items() if not d["isMultiple"])
    assert set(sets.readback) | set(sets.multi) <= set(descriptors)
    required = CONTRACT.schema("activity-readback.json")["required"]
    assert [k for k in sets.readback if k in required] == required  # the get example's keys, in its order


def test_the_portal_serves_exactly_the_methods_of_the_spec():
    from b24conform.portal.assembly import registry

    listed = {name for name, entry in CONTRACT.methods.items() if not entry.probe}
    assert set(registry()) == listed
    assert [name for name, entry in CONTRACT.methods.items() if entry.probe] == ["crm.activity.nosuchmethod"]
