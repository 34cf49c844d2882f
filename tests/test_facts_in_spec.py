"""Bitrix facts live in spec/ only (issue #22): no error message, no catalogue of field names and no table
of the spec's values (providers, communication types, plans) is spelled in src/b24conform/ or suites/, and
what the portal and the judge derive from the spec follows it.

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

# Module-level field lists that are not Bitrix facts but a check's or a suite's own choices. Each entry
# says why; a stale entry fails too.
KNOWN_FIELD_LISTS = {
    ("src/b24conform/judge/checks/readback.py", "NOT_COMPARED"): "the check's choice of fields it does not compare",
    ("suites/test_properties.py", "NOT_GENERATED"): "the suite's choice of fields it does not generate",
    ("suites/test_required_fields.py", "CLAUSES"): "field -> clause id, the suite's own table",
    ("suites/test_roundtrip.py", "UPDATE_STARRED"): "the suite's choice of fields the update round trip sends",
}


def catalogue_messages() -> set[str]:
    """Every non-empty message and spelling of spec/errors.yaml and spec/item_errors.yaml."""
    entries = [*CONTRACT.errors.values(), *CONTRACT.item_errors.values()]
    return {text for e in entries for text in (e.message, *(v.text for v in e.variants)) if text.strip()}


def field_names() -> set[str]:
    """The names of every field table of spec/: activity and communication descriptors, item kinds, users."""
    names = set(CONTRACT.fields["activity"]["fields"]) | set(CONTRACT.fields["communication"]["fields"])
    for kind in CONTRACT.items["kinds"].values():
        names |= set(kind["fields"])
    for record in CONTRACT.items["users"].values():
        names |= set(record["keys"])
    return names | set(CONTRACT.items["multi_fields"])


def spec_value_sets() -> dict[str, set[str]]:
    """Values of spec/ that only a table of them would spell twice: what add fills in per activity type
    (providers, provider types, communication types) and the plans of limits.yaml."""
    fills = CONTRACT.fields["by_type"]["fill"]
    filled = {f[key] for f in fills for key in ("PROVIDER_ID", "PROVIDER_TYPE_ID", "COMMUNICATION_TYPE")}
    return {"by_type fills": filled - {""}, "plans": set(CONTRACT.limits.plans)}


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


def _values_inside(node: ast.AST) -> list[str]:
    # A mapping's keys are names (the field scanner's business); its values and a sequence's items are data.
    if isinstance(node, ast.Dict):
        children: list[ast.AST] = [v for v in node.values if v is not None]
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        children = list(node.elts)
    else:
        return [node.value] if isinstance(node, ast.Constant) and isinstance(node.value, str) else []
    return [s for child in children for s in _values_inside(child)]


def spelled_value_tables(source: str, values: set[str], least: int = 2) -> list[tuple[int, list[str]]]:
    """(line, values) of every outermost literal of `source` (a constant, an argument, a Literal[...]) whose
    items or mapped values, at any depth, spell `least` or more of `values`."""
    tree = ast.parse(source)
    containers = (ast.Dict, ast.Tuple, ast.List, ast.Set)
    inner = {id(child) for node in ast.walk(tree) if isinstance(node, containers)
             for child in ast.iter_child_nodes(node) if isinstance(child, containers)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, containers) and id(node) not in inner:
            spelled = sorted(set(_values_inside(node)) & values)
            if len(spelled) >= least:
                found.append((node.lineno, spelled))
    return sorted(found)


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


def test_no_table_of_spec_values_outside_spec():
    found = [f"{file}:{line}: {what} {spelled}" for what, values in spec_value_sets().items()
             for file, text in _sources() for line, spelled in spelled_value_tables(text, values)]
    assert not found, "tables of spec/ values outside spec/ (derive them from the contract):\n" + "\n".join(found)


def test_the_value_scanner_names_tables_as_they_were_spelled_before_issue_22():
    sets = spec_value_sets()
    providers = (
        'DEFAULT_PROVIDERS = {\n    TYPE_MEETING: ("CRM_MEETING", "MEETING"),\n'
        '    TYPE_CALL: ("VOXIMPLANT_CALL", "CALL"),\n}\n'
        'COMMUNICATION_TYPES = {TYPE_CALL: "PHONE", TYPE_EMAIL: "EMAIL", TYPE_MEETING: ""}\n'
        'def f(t):\n    return {4: "EMAIL", 2: "PHONE"}.get(t)\n'
        'CONTACT = {"PHONE": [{"VALUE": "1"}], "EMAIL": [{"VALUE": "a@b"}], "TYPE": "PHONE"}\n'
    )
    assert spelled_value_tables(providers, sets["by_type fills"]) == [
        (1, ["CALL", "CRM_MEETING", "MEETING", "VOXIMPLANT_CALL"]), (5, ["EMAIL", "PHONE"]), (7, ["EMAIL", "PHONE"]),
    ]
    plans = 'def serve(limits: Literal["off", "standard", "enterprise"] = "off"): ...\nPLAN = "standard"\n'
    assert spelled_value_tables(plans, sets["plans"]) == [(1, ["enterprise", "standard"])]


def test_the_field_scanner_names_the_moved_lists_as_they_were_spelled():
    source = (
        'PLAIN_INTEGER_FIELDS = ("ID", "OWNER_ID", "OWNER_TYPE_ID", "RESPONSIBLE_ID", "AUTHOR_ID")\n'
        'DEFAULTS = {"ASSOCIATED_ENTITY_ID": 0, "PRIORITY": 2, "NOTIFY_TYPE": 0, "COMPLETED": "N"}\n'
        'PROFILE_KEYS = {"NAME": "", "LAST_NAME": "", "PERSONAL_GENDER": "", "TIME_ZONE": ""}\n'
    )
    assert field_catalogues(source, field_names()) == [(1, "PLAIN_INTEGER_FIELDS"), (2, "DEFAULTS"), (3, "PROFILE_KEYS")]


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


# ---------------------------------------------------------------- the facts moved in issue #22 keep their values

# What the modules held as literals before the facts moved to spec/ (fields.yaml `readback.numbers`,
# `readback.defaults`, `by_type`; items.yaml `users`; enums.yaml `ownertype`; limits.yaml `plans`). Equal
# derived values mean equal verdicts: the checks and the portal read nothing else of them.
BEFORE = {
    "numbers": ("ID", "OWNER_ID", "OWNER_TYPE_ID", "RESPONSIBLE_ID", "AUTHOR_ID", "EDITOR_ID",
                "ASSOCIATED_ENTITY_ID", "NOTIFY_VALUE"),
    "integer_fields": ("ID", "OWNER_ID", "OWNER_TYPE_ID", "RESPONSIBLE_ID", "AUTHOR_ID", "EDITOR_ID",
                       "ASSOCIATED_ENTITY_ID", "NOTIFY_VALUE", "TYPE_ID", "DIRECTION", "PRIORITY", "STATUS",
                       "NOTIFY_TYPE", "DESCRIPTION_TYPE"),
    "defaults": {"ASSOCIATED_ENTITY_ID": 0, "PRIORITY": 2, "NOTIFY_TYPE": 0, "NOTIFY_VALUE": 0, "DESCRIPTION_TYPE": 1,
                 "DIRECTION": 0, "COMPLETED": "N", "AUTOCOMPLETE_RULE": 0, "IS_INCOMING_CHANNEL": "N"},
    "providers": {1: ("CRM_MEETING", "MEETING"), 2: ("VOXIMPLANT_CALL", "CALL"), 4: ("CRM_EMAIL", "EMAIL")},
    "communication_types": {2: "PHONE", 4: "EMAIL", 1: ""},
    "filled_comm_type": {2: "PHONE", 4: "EMAIL"},
    "user_keys": {"NAME": "", "LAST_NAME": "", "SECOND_NAME": "", "EMAIL": "", "PERSONAL_GENDER": "",
                  "PERSONAL_BIRTHDAY": "", "WORK_POSITION": "", "TIME_ZONE": "", "UF_DEPARTMENT": [1],
                  "USER_TYPE": "employee"},
    "profile_keys": {"NAME": "", "LAST_NAME": "", "PERSONAL_GENDER": "", "TIME_ZONE": ""},
    "owner_types": {"leads": 1, "deals": 2, "contacts": 3, "companies": 4},
    "limit_plans": ("off", "standard", "enterprise"),
}


def test_the_moved_facts_keep_their_values_in_the_process():
    from b24conform.judge.checks import readback
    from b24conform.portal import config, records, seed, validation
    from b24conform.portal.methods import users

    assert readback.PLAIN_INTEGER_FIELDS == BEFORE["numbers"]
    assert readback.integer_fields(CONTRACT) == BEFORE["integer_fields"]
    assert records.DEFAULTS == BEFORE["defaults"]
    assert records.DEFAULT_PROVIDERS == BEFORE["providers"]
    assert records.COMMUNICATION_TYPES == BEFORE["communication_types"]
    assert readback.FILLED_COMM_TYPE == validation.FITTING_COMMUNICATION == BEFORE["filled_comm_type"]
    assert users.USER_KEYS == BEFORE["user_keys"] and users.PROFILE_KEYS == BEFORE["profile_keys"]
    assert seed.OWNER_TYPES == BEFORE["owner_types"]
    assert config.LIMIT_PLANS == BEFORE["limit_plans"]
    # Integer descriptors the read-back check does not hold to decimal strings, now as before.
    assert not {"RESULT_MARK", "RESULT_STATUS", "RESULT_STREAM", "AUTOCOMPLETE_RULE"} & set(BEFORE["integer_fields"])
    assert set(field_sets(CONTRACT.fields).of_kind("int")) - set(BEFORE["integer_fields"]) == {
        "RESULT_MARK", "RESULT_STATUS", "RESULT_STREAM", "AUTOCOMPLETE_RULE"}
