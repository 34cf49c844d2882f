"""The schemathesis suite's operation groups select exactly their operations.

schemathesis.toml's [[operations]] blocks (for `st run`) once turned every group into all 16
operations: the schemathesis checks then reached update and delete, the write gate refused them, and
the whole suite was reported as skipped while it judged nothing.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

SUITES = Path(__file__).resolve().parents[1] / "suites"


def test_each_group_holds_only_its_operations(monkeypatch):
    monkeypatch.syspath_prepend(str(SUITES))
    sys.modules.pop("test_schemathesis", None)
    suite = importlib.import_module("test_schemathesis")
    labels = {name: sorted(r.ok().label.rsplit("/", 1)[-1] for r in getattr(suite, name).get_all_operations())
              for name in ("add_schema", "get_schema", "list_schema", "fields_schema", "enum_schema")}
    assert labels["add_schema"] == ["crm.activity.add"]
    assert labels["get_schema"] == ["crm.activity.get"]
    assert labels["list_schema"] == ["crm.activity.list"]
    assert labels["fields_schema"] == ["crm.activity.fields"]
    assert len(labels["enum_schema"]) == 7 and all(m.startswith("crm.enum.") for m in labels["enum_schema"])
    sys.modules.pop("test_schemathesis", None)


def _suite(monkeypatch):
    monkeypatch.syspath_prepend(str(SUITES))
    sys.modules.pop("test_schemathesis", None)
    return importlib.import_module("test_schemathesis")


def _add_body(**fields):
    base = {"TYPE_ID": 2, "COMMUNICATIONS": [{"VALUE": "+15550100"}], "RESPONSIBLE_ID": 1, "SUBJECT": "x"}
    return {"fields": {**base, **fields}}


def test_breaking_only_unrefused_fields_demands_no_refusal(monkeypatch):
    """AMB-UNLISTED-VALUES: no page documents an error for a PRIORITY outside its list or a START_TIME
    that is no datetime, so a negative case breaking only those is valid on the wire. Found at
    max-examples 100 as false alarms of ENV-001, ENV-007, ERR-001 on the faithful portal."""
    suite = _suite(monkeypatch)
    path = "/rest/{user_id}/{webhook}/crm.activity.add"
    assert {"PRIORITY", "STATUS", "DIRECTION", "START_TIME", "END_TIME"} <= suite.UNREFUSED_FIELDS
    assert not {"TYPE_ID", "SUBJECT", "RESPONSIBLE_ID", "COMMUNICATIONS"} & suite.UNREFUSED_FIELDS
    assert suite.only_wire_coercions(_add_body(PRIORITY=-1, START_TIME="yesterday"), path)
    assert suite.only_wire_coercions(_add_body(STATUS={"x": 1}, DIRECTION=7), path)
    # A documented refusal still is one, alone or beside an unrefused field.
    assert not suite.only_wire_coercions(_add_body(TYPE_ID=99), path)
    assert not suite.only_wire_coercions(_add_body(TYPE_ID=99, PRIORITY=-1), path)
    assert not suite.only_wire_coercions(_add_body(SUBJECT=""), path)
    sys.modules.pop("test_schemathesis", None)
