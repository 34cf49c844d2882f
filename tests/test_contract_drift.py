"""`spec drift` against a docs-shaped tree written from spec/ (tests/docs_fixture.py), then drifted on purpose.

No network: the tree is written into a temporary folder. Each test changes one thing the way an
upstream edit would and requires that exact difference, and nothing else, to be reported.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docs_fixture import pin_to, write_tree
from typer.testing import CliRunner

from b24conform.cli import app
from b24conform.contract.drift import AB, Checkout, drift
from b24conform.contract.loader import Contract, load_contract
from b24conform.contract.paths import spec_dir

ADD = AB + "crm-activity-add.md"
FIELDS = AB + "crm-activity-fields.md"
OWNER_ENUM = "api-reference/crm/auxiliary/enum/crm-enum-owner-type.md"


@pytest.fixture
def world(tmp_path):
    """(spec copy pinned to the tree, docs tree): zero drift until a test edits the tree."""
    docs, spec = tmp_path / "docs", tmp_path / "spec"
    write_tree(load_contract(), docs)
    shutil.copytree(spec_dir(), spec)
    pin_to(spec, docs)
    return spec, docs


def _drift(world):
    spec, docs = world
    return drift(Contract(spec), Checkout(docs))


def _edit(world, page: str, old: str, new: str, count: int = 1) -> None:
    path = world[1] / page
    text = path.read_text(encoding="utf-8")
    assert old in text, (page, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _without_pages(found):
    # An edited page also changes its blob; that difference is checked on its own below.
    return [d for d in found if d.kind != "page"]


def test_the_tree_as_written_has_no_drift(world):
    assert _drift(world) == []


def test_a_changed_page_is_reported_by_its_blob(world):
    _edit(world, ADD, "# crm-activity-add", "# crm-activity-add (edited)")
    found = _drift(world)
    assert [(d.kind, d.page) for d in found] == [("page", ADD)]


def test_a_removed_page_is_reported(world):
    (world[1] / OWNER_ENUM).unlink()
    found = _drift(world)
    assert [(d.kind, d.page, d.docs) for d in found] == [("page", OWNER_ENUM, None)]


def test_an_error_dropped_from_a_table(world):
    _edit(world, ADD, "|| `Application context required` | - ||\n", "")
    found = _without_pages(_drift(world))
    assert [(d.kind, d.subject, d.spec, d.docs) for d in found] == [
        ("error", "Application context required", "Application context required", None)]


def test_an_error_added_to_a_table(world):
    _edit(world, AB + "crm-activity-update.md", "|#", "|| `A new update error` | - ||\n|#")
    found = _without_pages(_drift(world))
    assert [(d.kind, d.page, d.subject, d.spec) for d in found] == [
        ("error", AB + "crm-activity-update.md", "A new update error", None)]


def test_a_reworded_error_and_the_quote_that_cites_it(world):
    spec, docs = world
    text = (docs / ADD).read_text(encoding="utf-8").replace("The field SUBJECT is not defined or empty",
                                                             "The field SUBJECT is empty")
    (docs / ADD).write_text(text, encoding="utf-8")
    kinds = {(d.kind, d.subject) for d in _without_pages(_drift(world))}
    assert ("error", "The field SUBJECT is empty") in kinds
    assert ("error", "The field SUBJECT is not defined or empty") in kinds
    assert any(kind == "citation" for kind, _ in kinds)


def test_a_system_error_with_a_new_status(world):
    _edit(world, "_includes/system-errors.md", "|| `503` | `QUERY_LIMIT_EXCEEDED`", "|| `429` | `QUERY_LIMIT_EXCEEDED`")
    found = _without_pages(_drift(world))
    assert [(d.kind, d.subject, d.spec[0], d.docs[0]) for d in found] == [("error", "QUERY_LIMIT_EXCEEDED", 503, 429)]


def test_a_field_flag_flipped(world):
    _edit(world, FIELDS, '"isReadOnly": true', '"isReadOnly": false')  # the first: ID
    found = _without_pages(_drift(world))
    assert [(d.kind, d.subject) for d in found] == [("field", "activity ID")]
    assert found[0].spec["isReadOnly"] is True and found[0].docs["isReadOnly"] is False


def test_a_field_title_changed(world):
    _edit(world, FIELDS, '"title": "Тип"', '"title": "Тип дела"')
    assert [(d.kind, d.subject) for d in _without_pages(_drift(world))] == [("field", "activity TYPE_ID")]


def test_a_new_field_in_the_example(world):
    _edit(world, FIELDS, '"result": {', '"result": {\n        "NEW_FIELD": {"type": "string", "title": "x"},')
    subjects = [d.subject for d in _without_pages(_drift(world))]
    assert "activity NEW_FIELD" in subjects


def test_a_star_removed(world):
    _edit(world, ADD, "|| **RESPONSIBLE_ID***", "|| **RESPONSIBLE_ID**")
    found = _without_pages(_drift(world))
    assert [(d.kind, d.page) for d in found] == [("required", ADD)]
    assert "RESPONSIBLE_ID" in found[0].spec and "RESPONSIBLE_ID" not in found[0].docs


def test_an_enum_value_changed(world):
    _edit(world, OWNER_ENUM, '"ID": 39', '"ID": 40')
    found = _without_pages(_drift(world))
    assert [(d.kind, d.page) for d in found] == [("enum", OWNER_ENUM)]


def test_a_smart_process_in_the_enum_example_is_not_drift(world):
    _edit(world, OWNER_ENUM, '"result": [', '"result": [\n{"ID": 177, "NAME": "x", "SYMBOL_CODE": "DYNAMIC_177", "SYMBOL_CODE_SHORT": "T1"},')
    assert _without_pages(_drift(world)) == []


def test_an_example_response_of_another_shape(world):
    _edit(world, ADD, '"result": 999,', '"result": true,')
    found = _without_pages(_drift(world))
    assert [(d.kind, d.page) for d in found] == [("example", ADD)]
    assert any("result" in p for p in found[0].docs)


def test_a_renamed_heading(world):
    _edit(world, AB + "crm-activity-get.md", "## Обработка ответа", "## Ответ")
    found = _without_pages(_drift(world))
    assert found and {d.kind for d in found} == {"citation"}
    assert all(d.spec == "Обработка ответа" for d in found)


def test_cli_text_json_and_exit_codes(world):
    spec, docs = world
    runner = CliRunner()
    clean = runner.invoke(app, ["spec", "drift", str(docs), "--spec-dir", str(spec)])
    assert clean.exit_code == 0, clean.output
    assert clean.output.strip().endswith(")") and "0 difference(s)" in clean.output
    _edit(world, OWNER_ENUM, '"ID": 39', '"ID": 40')
    text = runner.invoke(app, ["spec", "drift", str(docs), "--spec-dir", str(spec)])
    assert text.exit_code == 1
    assert re.search(r"^enum: .*crm-enum-owner-type.md", text.output, re.M)
    as_json = runner.invoke(app, ["spec", "drift", str(docs), "--spec-dir", str(spec), "--json"])
    assert as_json.exit_code == 1
    kinds = sorted(d["kind"] for d in json.loads(as_json.output)["differences"])
    assert kinds == ["enum", "page"]


def test_cli_refuses_a_folder_that_is_not_the_docs(tmp_path):
    # As a user sees it: one line on stderr, exit code 2.
    result = subprocess.run([sys.executable, "-m", "b24conform", "spec", "drift", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "not a checkout of the docs" in errors[0], result.stderr


def test_an_example_that_is_not_json(world):
    _edit(world, ADD, '"result": 999,', '"result": 999,,')
    found = _without_pages(_drift(world))
    assert [(d.kind, d.subject, d.docs) for d in found] == [("example", "Обработка ответа: JSON blocks that do not parse", 1)]


def test_an_example_with_an_elided_item_is_still_read():
    from b24conform.contract.docspage import json_examples
    section = '```json\n{"result": [\n  {"ID": "1"},\n  // .. more items\n], "total": 2}\n```'
    assert json_examples(section) == [{"result": [{"ID": "1"}], "total": 2}]


MIRROR = Path(os.environ.get("B24_DOCS_MIRROR", "/work/.mirror/bitrix-tools+b24-rest-docs/repo"))


@pytest.mark.skipif(not (MIRROR / "HEAD").is_file(), reason="no local mirror of bitrix-tools/b24-rest-docs (set B24_DOCS_MIRROR to a bare clone)")
def test_no_drift_at_the_pinned_commit(tmp_path):
    # The real pages at the pinned commit, exported from a local bare clone: no network.
    pinned = load_contract().provenance
    archive = subprocess.run(["git", f"--git-dir={MIRROR}", "archive", pinned.commit, "--", *pinned.pages],
                             capture_output=True, check=True).stdout
    (tmp_path / "api-reference").mkdir()
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=archive, check=True)
    found = drift(load_contract(), Checkout(tmp_path))
    assert [d.text() for d in found] == []
