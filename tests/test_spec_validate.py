"""`b24conform spec validate`: clean on the real spec, and each kind of breakage in a copy is reported."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from b24conform.cli import app
from b24conform.contract import load_contract
from b24conform.contract.paths import ENV_VAR
from b24conform.contract.validate import REQUIRED_OPERATION_IDS, read_spec, validate_spec

runner = CliRunner()
REAL_SPEC = load_contract().root


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    target = tmp_path / "spec"
    shutil.copytree(REAL_SPEC, target)
    return target


def run_validate(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, ["spec", "validate", *args], env=env)


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_real_spec_is_clean():
    assert validate_spec(REAL_SPEC) == []
    result = run_validate("--spec-dir", str(REAL_SPEC))
    assert result.exit_code == 0, result.output
    assert "spec is clean" in result.output
    for label in ("clauses", "errors", "ambiguities", "schemas"):
        assert label in result.output


def test_summary_counts_match_the_loader():
    result = run_validate("--spec-dir", str(REAL_SPEC))
    contract = load_contract()
    row = re.search(r"clauses\s*│\s*(\d+)", result.output)
    assert row and int(row.group(1)) == len(contract.clauses)
    row = re.search(r"errors\s*│\s*(\d+)", result.output)
    assert row and int(row.group(1)) == len(contract.errors)


def test_broken_ref_between_schema_files_fails(spec_copy):
    edit(spec_copy / "schemas" / "success-envelope.json", '"$ref": "time.json"', '"$ref": "tyme.json"')
    result = run_validate("--spec-dir", str(spec_copy))
    assert result.exit_code == 1
    assert "tyme.json" in result.output and "no such file" in result.output


def test_broken_pointer_in_openapi_fails(spec_copy):
    edit(spec_copy / "openapi.yaml", "schemas/activity-readback.json#/$defs/selection",
         "schemas/activity-readback.json#/$defs/nothing")
    problems = validate_spec(spec_copy)
    assert any("#/$defs/nothing" in p and "no such location" in p for p in problems)


def test_unknown_error_id_in_a_clause_fails_through_the_env_var(spec_copy):
    edit(spec_copy / "clauses.yaml", "errors: [ADD_TYPE_ID_INVALID]", "errors: [NO_SUCH_ERROR]")
    result = run_validate(env={ENV_VAR: str(spec_copy)})
    assert result.exit_code == 1
    assert "unknown error id 'NO_SUCH_ERROR'" in result.output


def test_unknown_schema_and_ambiguity_in_a_clause(spec_copy):
    edit(spec_copy / "clauses.yaml", "schemas: [time.json]", "schemas: [times.json]")
    edit(spec_copy / "clauses.yaml", "ambiguity: AMB-TIME-KEYS", "ambiguity: AMB-NOPE")
    problems = validate_spec(spec_copy)
    assert any("unknown schema 'times.json'" in p for p in problems)
    assert any("unknown ambiguity 'AMB-NOPE'" in p for p in problems)


def test_clause_values_outside_the_allowed_sets(spec_copy):
    data = yaml.safe_load((spec_copy / "clauses.yaml").read_text())
    data["clauses"][0].update(where="anywhere", level="MAY", check="manual")
    data["clauses"][1].update(check="none")
    data["clauses"][1].pop("reason", None)
    data["clauses"].append(dict(data["clauses"][2]))
    (spec_copy / "clauses.yaml").write_text(yaml.safe_dump(data))
    problems = validate_spec(spec_copy)
    first, second, third = (c["id"] for c in data["clauses"][:3])
    for expected in (f"{first}: where 'anywhere'", f"{first}: level 'MAY'", f"{first}: check 'manual'",
                     f"{second}: missing `reason` (a clause with check none says why)", f"id '{third}' appears 2 times"):
        assert any(expected in p for p in problems), expected


def test_ambiguity_verdicts_must_name_readings(spec_copy):
    data = yaml.safe_load((spec_copy / "ambiguities.yaml").read_text())
    data["ambiguities"][0].update(strict=["c"], portal="z")
    data["ambiguities"][1].update(lenient=["b"])
    (spec_copy / "ambiguities.yaml").write_text(yaml.safe_dump(data))
    problems = validate_spec(spec_copy)
    first, second = data["ambiguities"][0]["id"], data["ambiguities"][1]["id"]
    assert any(f"{first}: strict names unknown reading 'c'" in p for p in problems)
    assert any(f"{first}: portal names unknown reading 'z'" in p for p in problems)
    assert any(f"{second}: lenient does not accept strict" in p for p in problems)


def test_schema_meta_validation_and_id(spec_copy):
    path = spec_copy / "schemas" / "time.json"
    schema = json.loads(path.read_text())
    schema["$id"] = "clock.json"
    schema["properties"]["operating"]["type"] = "float"
    path.write_text(json.dumps(schema))
    problems = validate_spec(spec_copy)
    assert any("time.json: has $id 'clock.json'" in p for p in problems)
    assert any("schemas/time.json: properties/operating/type" in p for p in problems)


def test_openapi_error_ids_must_exist_and_match_their_status(spec_copy):
    edit(spec_copy / "openapi.yaml", "x-b24-error-ids: [NO_AUTH_FOUND, INVALID_CREDENTIALS_WEBHOOK, EXPIRED_TOKEN, INSUFFICIENT_SCOPE_401, HTTPS_REQUIRED_401]",
         "x-b24-error-ids: [NO_AUTH_FOUND, INVALID_CREDENTIALS_WEBHOOK, EXPIRED_TOKEN, QUERY_LIMIT_EXCEEDED, NOT_AN_ERROR]")
    problems = validate_spec(spec_copy)
    assert any("response 401: unknown error id 'NOT_AN_ERROR'" in p for p in problems)
    assert any("response 401: error QUERY_LIMIT_EXCEEDED has HTTP status 503" in p for p in problems)


def test_add_operations_must_declare_every_add_error(spec_copy):
    edit(spec_copy / "openapi.yaml", "ADD_USE_CONFIGURABLE, ", "")
    problems = validate_spec(spec_copy)
    assert any("error ADD_USE_CONFIGURABLE of crm.activity.add is not declared" in p for p in problems)


def test_openapi_lint_errors_are_reported(spec_copy):
    edit(spec_copy / "openapi.yaml", "openapi: 3.1.0", "openapi: 3.1.0\nnonsense: true")
    edit(spec_copy / "openapi.yaml", "      operationId: activityGet\n", "")
    problems = validate_spec(spec_copy)
    assert any(p.startswith("openapi.yaml: (root)") and "nonsense" in p for p in problems)
    assert any("operationId 'activityGet' missing" in p for p in problems)


def test_unreadable_file_is_a_problem_not_a_crash(spec_copy):
    (spec_copy / "errors.yaml").write_text("errors: [unclosed")
    result = run_validate("--spec-dir", str(spec_copy))
    assert result.exit_code == 1
    assert "errors.yaml: cannot be parsed" in result.output


def test_operation_ids_are_stable():
    spec = read_spec(REAL_SPEC)
    ids = [op.get("operationId") for item in spec.openapi["paths"].values() for op in item.values()
           if isinstance(op, dict) and "operationId" in op]
    assert sorted(ids) == sorted(REQUIRED_OPERATION_IDS)


# ---------------------------------------------------------------- the spec files' own schemas


def test_every_spec_file_has_a_valid_schema():
    from jsonschema import Draft202012Validator

    from b24conform.contract.validate import SPEC_FILE_SCHEMA_DIR, SPEC_FILE_SCHEMAS

    yaml_files = {p.name for p in REAL_SPEC.glob("*.yaml")} - {"openapi.yaml"}  # openapi-spec-validator's
    assert yaml_files == set(SPEC_FILE_SCHEMAS)
    for schema_name in set(SPEC_FILE_SCHEMAS.values()):
        Draft202012Validator.check_schema(json.loads((REAL_SPEC / SPEC_FILE_SCHEMA_DIR / schema_name).read_text()))


def test_malformed_spec_files_give_one_line_each_naming_file_and_path(spec_copy):
    edit(spec_copy / "errors.yaml", "    message_pinned: true\n", '    message_pinned: "yes"\n')
    edit(spec_copy / "errors.yaml", "    reachable: input\n", "    reachable: anywhere\n")
    edit(spec_copy / "limits.yaml", "  page_size: 50\n", "  page_size: fifty\n")
    edit(spec_copy / "item_errors.yaml", "    http_status: 400\n", "    http_status: 99\n")
    edit(spec_copy / "methods.yaml", "crm.activity.delete: {effect: delete, entity: activity,", "crm.activity.delete: {effect: delete,")
    edit(spec_copy / "fields.yaml", "  derived: [DEADLINE]\n", "  derived: DEADLINE\n")
    edit(spec_copy / "items.yaml", "    multi: true\n", "    multi: yes please\n")
    edit(spec_copy / "variants.yaml", "  - name: envelope-result-string\n", "  - name: Envelope Result String\n")
    problems = validate_spec(spec_copy)
    for expected in (
        "errors.yaml: ADD_SUBJECT_MISSING: message_pinned must be true or false, got 'yes'",
        "errors.yaml: ADD_SUBJECT_MISSING: reachable 'anywhere' not in [",
        "limits.yaml: list.page_size must be an integer, got 'fifty'",
        "item_errors.yaml: ITEM_ID_INVALID: http_status 99 is less than the minimum of 100",
        "methods.yaml: methods.crm.activity.delete missing `entity` (a method that writes names its entity)",
        "fields.yaml: input.derived must be a list, got 'DEADLINE'",
        "items.yaml: kinds.contact.multi must be true or false, got 'yes please'",
        "variants.yaml: Envelope Result String: name 'Envelope Result String' does not match",
    ):
        assert any(p.startswith(expected) for p in problems), (expected, problems)
    assert all("\n" not in p for p in problems)
    result = run_validate(env={ENV_VAR: str(spec_copy)})
    assert result.exit_code == 1 and "limits.yaml: list.page_size" in result.output


def test_cross_references_a_schema_cannot_see(spec_copy):
    edit(spec_copy / "items.yaml", "not_found: {get: ITEM_NOT_FOUND, update: COMPANY_NOT_FOUND",
         "not_found: {get: ITEM_NOT_FOUND, update: COMPANY_IS_GONE")
    edit(spec_copy / "items.yaml", "presence: {HAS_PHONE: PHONE,", "presence: {HAS_PHONE: FAX,")
    edit(spec_copy / "fields.yaml", "  settable: [IS_INCOMING_CHANNEL]\n", "  settable: [IS_OUTGOING_CHANNEL]\n")
    edit(spec_copy / "fields.yaml", "  double: float\n", "")
    edit(spec_copy / "item_errors.yaml", "  - id: ITEM_NOT_FOUND\n", "  - id: GET_NOT_FOUND\n")
    edit(spec_copy / "limits.yaml", 'page: "settings/how-to-call-rest-api/batch.md"', 'page: "settings/no-such-page.md"')
    problems = validate_spec(spec_copy)
    for expected in (
        "items.yaml: kinds.company.not_found.update names unknown error 'COMPANY_IS_GONE'",
        "items.yaml: presence.HAS_PHONE names 'FAX', which is not a multi-field",
        "fields.yaml: input.settable names IS_OUTGOING_CHANNEL, which has no activity descriptor",
        "fields.yaml: activity.RESULT_VALUE: type 'double' has no entry in value_types",
        "item_errors.yaml: id 'GET_NOT_FOUND' is also an id of errors.yaml",
        "limits.yaml: batch: page settings/no-such-page.md is not in the docs snapshot",
    ):
        assert any(expected in p for p in problems), (expected, problems)


def test_the_readback_numbers_defaults_fills_and_user_keys_are_checked(spec_copy):
    edit(spec_copy / "fields.yaml", "  numbers: [ID, OWNER_ID,", "  numbers: [ID, OWNER_IDENT,")
    edit(spec_copy / "fields.yaml", "PRIORITY: 2, NOTIFY_TYPE: 0,", 'PRIORITY: "2", NOTIFY_TYPE: 0,')
    edit(spec_copy / "fields.yaml", 'COMPLETED: "N", AUTOCOMPLETE_RULE', 'COMPLETED: "maybe", AUTOCOMPLETE_RULE')
    edit(spec_copy / "fields.yaml", "AUTOCOMPLETE_RULE: 0, IS_INCOMING_CHANNEL", "SUBJECT: x, IS_INCOMING_CHANNEL")
    edit(spec_copy / "fields.yaml", "    - {TYPE_ID: 4, PROVIDER_ID: CRM_EMAIL,", "    - {TYPE_ID: 3, PROVIDER_ID: CRM_EMAIL,")
    edit(spec_copy / "fields.yaml", "    - {TYPE_ID: 1, PROVIDER_ID: CRM_MEETING,", "    - {TYPE_ID: 2, PROVIDER_ID: CRM_MEETING,")
    edit(spec_copy / "fields.yaml", "PROVIDER_TYPE_ID: CALL, COMMUNICATION_TYPE: PHONE}", "PROVIDER_TYPE_ID: CALL}")
    edit(spec_copy / "items.yaml", '    keys: {NAME: "", LAST_NAME: "", PERSONAL_GENDER: "", TIME_ZONE: ""}',
         '    keys: {ADMIN: false, NAME: ""}')
    edit(spec_copy / "items.yaml", '      - {page: "api-reference/common/users/profile.md", heading: "Обработка ответа"}',
         '      - {page: "api-reference/common/users/no-such-page.md", heading: "Обработка ответа"}')
    problems = validate_spec(spec_copy)
    for expected in (
        "fields.yaml: readback.numbers names OWNER_IDENT, which has no activity descriptor",
        "fields.yaml: readback.defaults.PRIORITY is '2', not an integer (int field)",
        "fields.yaml: readback.defaults.COMPLETED is 'maybe', not \"Y\" or \"N\" (flag field)",
        "fields.yaml: readback.defaults.SUBJECT: a text field takes no default (int and flag fields do)",
        "fields.yaml: by_type.fill names TYPE_ID 3, which enums.yaml activitytype does not list as creatable",
        "fields.yaml: by_type.fill names TYPE_ID 2 2 times",
        "fields.yaml: by_type.fill.1 missing `COMMUNICATION_TYPE`",
        "items.yaml: users.profile.keys names ADMIN, which the portal prints from the seed user itself",
        "items.yaml: users.profile: page api-reference/common/users/no-such-page.md is not in the docs snapshot",
    ):
        assert any(expected in p for p in problems), (expected, problems)
