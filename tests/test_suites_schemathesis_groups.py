"""The schemathesis suite's operation groups select exactly their operations.

schemathesis.toml's [[operations]] blocks (for `st run`) once turned every group into all 16
operations: the schemathesis checks then reached update and delete, the write gate refused them, and
the whole suite was reported as skipped while it judged nothing.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE = "suites.test_schemathesis"  # suites/ is a package: its modules import their helpers relatively


def test_each_group_holds_only_its_operations(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    sys.modules.pop(MODULE, None)
    suite = importlib.import_module(MODULE)
    labels = {name: sorted(r.ok().label.rsplit("/", 1)[-1] for r in getattr(suite, name).get_all_operations())
              for name in ("add_schema", "get_schema", "list_schema", "fields_schema", "enum_schema")}
    assert labels["add_schema"] == ["crm.activity.add"]
    assert labels["get_schema"] == ["crm.activity.get"]
    assert labels["list_schema"] == ["crm.activity.list"]
    assert labels["fields_schema"] == ["crm.activity.fields"]
    assert len(labels["enum_schema"]) == 7 and all(m.startswith("crm.enum.") for m in labels["enum_schema"])
    sys.modules.pop(MODULE, None)

