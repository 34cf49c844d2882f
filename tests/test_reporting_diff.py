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


# -- problems ---------------------------------------------------------------------------------------

BOOL = {"id": "result-not-id-cbf6eaec", "kind": "result-not-id", "title": "`result` is not the new id",
        "message": "result true is not a positive integer id", "clauses": ["A-1", "A-2"]}
WORDING = {"id": "message-mismatch-0badc0de", "kind": "message-mismatch", "title": "error_description differs",
           "message": 'ADD_X: error_description "x", catalogue says "y"', "clauses": ["A-2"]}


def with_problems(statuses: dict, problems: list, roots: dict) -> dict:
    data = results(**statuses)
    data["problems"] = problems
    for clause in data["clauses"]:
        clause["problems"] = roots.get(clause["id"], [])
    return data


def test_diff_names_new_and_fixed_problems_and_the_root_of_a_regression(tmp_path):
    clean = with_problems({"A_1": "passed", "A_2": "failed"}, [WORDING], {"A-2": [WORDING["id"]]})
    broken = with_problems({"A_1": "failed", "A_2": "failed"}, [BOOL], {"A-1": [BOOL["id"]], "A-2": [BOOL["id"]]})
    d = compare(clean, broken)
    assert [p["id"] for p in d.new_problems] == [BOOL["id"]] and [p["id"] for p in d.fixed_problems] == [WORDING["id"]]
    out = CliRunner().invoke(app, ["diff", write(tmp_path, "clean.json", clean), write(tmp_path, "broken.json", broken)])
    assert out.exit_code == 1
    text = out.output
    assert text.index("NEW PROBLEMS (1)") < text.index("fixed problems (1)") < text.index("REGRESSIONS (1)")
    assert "+ `result` is not the new id: result true is not a positive integer id [result-not-id]" in text
    assert "2 clause(s): A-1, A-2" in text
    assert "  - A-1: result true is not a positive integer id [result-not-id]" in text


def test_a_new_problem_in_a_clause_that_already_failed_is_listed_not_gated(tmp_path):
    before = with_problems({"A_1": "failed"}, [WORDING], {"A-1": [WORDING["id"]]})
    after = with_problems({"A_1": "failed"}, [WORDING, BOOL], {"A-1": [BOOL["id"], WORDING["id"]]})
    out = CliRunner().invoke(app, ["diff", write(tmp_path, "b.json", before), write(tmp_path, "a.json", after)])
    assert out.exit_code == 0
    assert "NEW PROBLEMS (1)" in out.output and "still open: 1 problem(s)" in out.output
    same = CliRunner().invoke(app, ["diff", write(tmp_path, "b2.json", before), write(tmp_path, "b3.json", before)])
    assert same.exit_code == 0 and "no change in clause statuses, no new or fixed problem" in same.output


def test_a_baseline_without_problems_compares_statuses_only(tmp_path):
    old = results(A_1="passed")
    new = with_problems({"A_1": "failed"}, [BOOL], {"A-1": [BOOL["id"]]})
    d = compare(old, new)
    assert not d.problems_compared and d.new_problems == [] and d.regressions == ["A-1"]
    out = CliRunner().invoke(app, ["diff", write(tmp_path, "old.json", old), write(tmp_path, "new.json", new)])
    assert out.exit_code == 1 and "problems not compared" in out.output
