"""`b24conform diff` exits 1 only on a regression."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from b24conform.cli import app
from b24conform.reporting.diff import compare


def results(**statuses) -> dict:
    return {"run": {}, "clauses": [{"id": k.replace("_", "-"), "status": v} for k, v in statuses.items()]}


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_compare_classifies_changes():
    d = compare(results(A_1="passed", A_2="failed", A_3="passed", A_4="skipped"),
                results(A_1="failed", A_2="passed", A_3="skipped", A_5="passed"))
    assert d.regressions == ["A-1"]
    assert d.new_passes == ["A-2", "A-5"]
    assert ("A-3", "passed", "skipped") in d.other_changes and d.exit_code == 1


def test_cli_exits_1_on_a_regression(tmp_path):
    base = write(tmp_path, "base.json", results(A_1="passed", A_2="failed"))
    now = write(tmp_path, "now.json", results(A_1="failed", A_2="passed"))
    out = CliRunner().invoke(app, ["diff", base, now])
    assert out.exit_code == 1
    assert "A-1" in out.output and "new passes" in out.output


def test_cli_exits_0_without_regression_and_lists_new_passes(tmp_path):
    base = write(tmp_path, "base.json", results(A_1="passed", A_2="failed"))
    now = write(tmp_path, "now.json", results(A_1="passed", A_2="passed"))
    out = CliRunner().invoke(app, ["diff", base, now])
    assert out.exit_code == 0 and "+ A-2" in out.output
    same = CliRunner().invoke(app, ["diff", base, base])
    assert same.exit_code == 0 and "no change" in same.output


def test_cli_reports_unreadable_files_clearly(tmp_path):
    good = write(tmp_path, "good.json", results(A_1="passed"))
    (tmp_path / "bad.json").write_text("{not json")
    missing = CliRunner().invoke(app, ["diff", str(tmp_path / "nope.json"), good])
    assert missing.exit_code == 2 and "nope.json: no such file" in missing.output
    bad = CliRunner().invoke(app, ["diff", good, str(tmp_path / "bad.json")])
    assert bad.exit_code == 2 and "not a b24conform results.json" in bad.output
    other = CliRunner().invoke(app, ["diff", good, write(tmp_path, "list.json", [1, 2])])
    assert other.exit_code == 2


def test_an_error_is_listed_apart_and_is_not_a_regression(tmp_path):
    base = write(tmp_path, "base.json", results(A_1="passed", A_2="passed"))
    blip = write(tmp_path, "blip.json", results(A_1="error", A_2="passed"))
    out = CliRunner().invoke(app, ["diff", base, blip])
    assert out.exit_code == 3 and "errors, not verdicts (1)" in out.output and "! A-1" in out.output
    assert "REGRESSIONS" not in out.output
    both = write(tmp_path, "both.json", results(A_1="error", A_2="failed"))
    worse = CliRunner().invoke(app, ["diff", base, both])
    assert worse.exit_code == 1 and "- A-2" in worse.output and "! A-1" in worse.output


def test_a_clause_no_check_names_any_more_fails_the_gate(tmp_path):
    base = write(tmp_path, "base.json", results(A_1="passed"))
    lost = write(tmp_path, "lost.json", results(A_1="not_covered"))
    out = CliRunner().invoke(app, ["diff", base, lost])
    assert out.exit_code == 1 and "NO LONGER CHECKED (1)" in out.output
