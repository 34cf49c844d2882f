"""The self-test machinery: the deviation catalogue and the legitimate variants, the record/selection
plugin, the verdict rules (kills, misses, no-verdicts, false alarms), the reports, and (integration)
representative runs.

The integration tests run the faithful portal (the whole suite: zero false alarms allowed), profiles
of every family (each must be killed by a check of a clause it names), and legitimate variants with
`all-variants` (the whole suite each: zero false alarms), in parallel pytest processes.
`B24CONFORM_SELFTEST_ALL=1` runs every profile and variant instead (that is what `b24conform selftest`
does).
"""
from __future__ import annotations

import json
import os
import warnings
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from b24conform.contract import load_contract
from b24conform.portal.profiles import ALL_VARIANTS, composed_names, parse_profiles
from b24conform.selftest.catalogue import (
    CatalogueError, DeviantProfile, Variant, deviations_path, load_catalogue, load_variants, variants_path,
)
from b24conform.selftest.detection import Detection, RunResult, judge_profile, judge_variant, selftest
from b24conform.selftest.report import render_markdown, write_reports

pytest_plugins = ["pytester"]

REQUIRED_FAMILIES = {"envelope", "status", "messages", "validation", "auth", "state", "time", "limits", "batch",
                     "calling"}

# One profile per family, chosen among the cheap ones; the full set runs in `b24conform selftest`.
REPRESENTATIVE = [
    "envelope-result-zero",
    "status-no-auth-403",
    "messages-subject-lowercase",
    "validation-subject-optional",
    "auth-wrong-code-accepted",
    "state-add-not-persisted",
    "time-duration-inconsistent",
    "limits-no-query-limit",
    "batch-over-50-accepted",
    "calling-unknown-method-success",
]


# ------------------------------------------------------------------------------ the catalogue


def test_catalogue_size_families_and_clauses() -> None:
    cat = load_catalogue()
    assert len(cat.profiles) >= 40
    families = Counter(p.family for p in cat.profiles)
    assert REQUIRED_FAMILIES <= set(families), f"families without a profile: {REQUIRED_FAMILIES - set(families)}"
    clauses = load_contract().clauses
    for p in cat.profiles:
        assert p.breaks and all(c in clauses and clauses[c].check == "automated" for c in p.breaks), p.id
        assert p.bends, p.id
    assert cat.smoke and all(c in clauses for c in cat.smoke)


def test_every_profile_parses_in_the_portal_mechanism() -> None:
    # The portal's own parser: unknown operations, rules, faults or catalogue ids fail here.
    data = yaml.safe_load(deviations_path().read_text(encoding="utf-8"))
    parsed = parse_profiles(data, str(deviations_path()))
    assert set(parsed) == {p.id for p in load_catalogue().profiles}
    assert all(prof.ops for prof in parsed.values())


def test_every_variant_parses_in_the_portal_mechanism_with_the_composed_one() -> None:
    data = yaml.safe_load(variants_path().read_text(encoding="utf-8"))
    parsed = parse_profiles(data, str(variants_path()))
    cat = load_catalogue()
    assert set(parsed) == set(cat.variant_names()) and ALL_VARIANTS in parsed
    assert all(prof.ops for prof in parsed.values())
    # the portal and the self-test compose the same operations
    assert list(parsed[ALL_VARIANTS].ops) == [op for n in cat.all_variants().composed_of for op in parsed[n].ops]
    assert cat.all_variants().composed_of and set(cat.all_variants().composed_of) <= {v.id for v in cat.variants}


def test_representative_profiles_exist_and_cover_the_families() -> None:
    cat = load_catalogue()
    chosen = [cat.get(name) for name in REPRESENTATIVE]
    assert REQUIRED_FAMILIES <= {p.family for p in chosen}


def test_every_clause_named_by_a_profile_has_a_check_in_the_suites() -> None:
    # Guard against a profile that can never be killed because no check carries its clause.
    from b24conform.selftest.detection import default_suites

    named = sorted({c for p in load_catalogue().profiles for c in p.breaks})
    ids: set[str] = set()
    for path in default_suites().glob("test_*.py"):
        text = path.read_text(encoding="utf-8")
        ids.update(c for c in named if f'"{c}"' in text or f"'{c}'" in text)
    missing = [c for c in named if c not in ids]
    assert not missing, f"clauses named by profiles but never tagged in suites/: {missing}"



def test_every_automated_clause_is_named_by_a_profile_or_a_strict_fail() -> None:
    # The static half of "every clause killable" (in strict mode, where a variant's strict_fails count);
    # the self-test's killer table is the dynamic half.
    from b24conform.selftest.catalogue import automated_clauses

    cat = load_catalogue()
    named = {c for p in cat.profiles for c in p.breaks} | {c for v in cat.variants for c in v.strict_fails}
    assert [c for c in automated_clauses() if c not in named] == []


def test_profiles_are_distinct_deviations(tmp_path: Path) -> None:
    from b24conform.selftest.catalogue import CatalogueError

    data = yaml.safe_load(deviations_path().read_text(encoding="utf-8"))
    twin = dict(data["profiles"][0], name="twin-of-the-first")
    data["profiles"].append(twin)
    path = tmp_path / "deviations.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CatalogueError, match="twin-of-the-first: same operations as"):
        load_catalogue(path)


def test_clause_killers_and_unkillable_clauses() -> None:
    from b24conform.selftest.detection import clause_killers

    killed = judge_profile(PROFILE, _run(("t1", ["X-1"], "failed")), {})
    missed = judge_profile(DeviantProfile("q", "state", "b", ("Y-2",)), _run(("t1", ["Y-2"], "passed")), {})
    killers = clause_killers([killed, missed], ["X-1", "Y-2"])
    assert killers == {"X-1": ["p"], "Y-2": []}
    det = Detection(mode="strict", profiles_total=2, killed=1, misses=[missed], verdicts=[killed, missed],
                    false_alarms=[], faithful={"checks": 1, "check_outcomes": {}}, wall_seconds=1.0, jobs=1,
                    smoke=[], distinct=2, killers=killers, whole_catalogue=True)
    assert det.unkillable == ["Y-2"]
    md = render_markdown(det)
    assert "| Y-2 | **none** |" in md and "| X-1 | `p` |" in md and "| distinct deviations" in md
    det.whole_catalogue = False  # a subset cannot tell
    assert det.unkillable == []


# ------------------------------------------------------------------------- the record plugin

_TINY_SUITE = """
import pytest

from b24conform.judge.checks import assert_conforms
from b24conform.judge.target import TargetError

@pytest.mark.b24conform_clause("A-1")
def test_a_passes():
    pass

@pytest.mark.b24conform_clause("A-1", "B-2")
def test_b_fails():
    assert_conforms(["boom: HTTP status 200, expected 400"], "add")

@pytest.mark.b24conform_clause("C-3")
def test_c_skips():
    pytest.skip("not here")

@pytest.mark.b24conform_clause("A-1")
def test_d_crashes():
    {}["no such key"]

@pytest.mark.b24conform_clause("A-1")
def test_e_target_error():
    raise TargetError("connection refused")

@pytest.fixture
def broken():
    raise RuntimeError("fixture down")

@pytest.mark.b24conform_clause("A-1")
def test_f_setup_fails(broken):
    pass

@pytest.mark.b24conform_clause("A-1")
def test_g_precondition():
    assert 1 == 2, "the bucket never filled"

def test_untagged():
    pass
"""


def test_record_plugin_selects_by_clause_and_records(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_tiny=_TINY_SUITE)
    pytester.makeini("[pytest]\nmarkers =\n    clause(*ids): ids\n")
    record = tmp_path / "rec.json"
    result = pytester.runpytest_subprocess(
        "-p", "b24conform.selftest.pytest_record", "-p", "no:b24conform", "-p", "no:cacheprovider",
        f"--b24-selftest-record={record}", "--b24-selftest-clauses=A-1,C-3",
    )
    result.assert_outcomes(passed=1, failed=4, skipped=1, deselected=1, errors=1)
    checks = {r["name"]: r for r in json.loads(record.read_text())["checks"]}
    no_verdicts = ("test_d_crashes", "test_e_target_error", "test_f_setup_fails", "test_g_precondition")
    assert set(checks) == {"test_a_passes", "test_b_fails", "test_c_skips", *no_verdicts}
    # Only a conformance failure a check reported (assert_conforms) is "failed": what kills a profile.
    assert checks["test_b_fails"]["outcome"] == "failed" and "boom" in checks["test_b_fails"]["reason"]
    assert checks["test_b_fails"]["clauses"] == ["A-1", "B-2"]
    assert checks["test_c_skips"]["outcome"] == "skipped" and "not here" in checks["test_c_skips"]["reason"]
    # A crash, a target error, a failing fixture, a suite's bare precondition assert: no verdict.
    assert {n: checks[n]["outcome"] for n in no_verdicts} == dict.fromkeys(no_verdicts, "no-verdict")
    assert "crash: KeyError" in checks["test_d_crashes"]["reason"]
    assert "target error" in checks["test_e_target_error"]["reason"]
    assert "[setup]" in checks["test_f_setup_fails"]["reason"]
    assert "outside assert_conforms" in checks["test_g_precondition"]["reason"]


def test_an_exception_group_of_conformance_failures_is_a_failure() -> None:
    from b24conform.judge.checks import assert_conforms
    from b24conform.selftest.pytest_record import verdict_of

    def failure() -> AssertionError:
        try:
            assert_conforms(["x"])
        except AssertionError as exc:
            return exc
        raise RuntimeError("assert_conforms did not raise")

    assert verdict_of(failure())[0] == "failed"
    assert verdict_of(ExceptionGroup("two bugs", [failure(), failure()]))[0] == "failed"  # hypothesis, several bugs
    assert verdict_of(ExceptionGroup("mixed", [failure(), KeyError("k")]))[0] == "no-verdict"
    assert verdict_of(AssertionError("bare"))[0] == "no-verdict"


# ------------------------------------------------------------------------------ verdict rules


def _run(*checks: tuple[str, list[str], str]) -> RunResult:
    return RunResult("p", "p", (), 1, 1.0, [
        {"nodeid": n, "name": n, "clauses": c, "outcome": o, "reason": f"{o} reason"} for n, c, o in checks
    ])


PROFILE = DeviantProfile(id="p", family="status", bends="bent", breaks=("X-1",))


def test_killed_when_a_named_clause_fails() -> None:
    v = judge_profile(PROFILE, _run(("t1", ["X-1"], "failed"), ("t0", ["CALL-001"], "passed")), {})
    assert v.verdict == "killed" and v.killed_by == ["X-1"] and not v.collateral


def test_failure_only_on_unrelated_clauses_is_a_miss() -> None:
    v = judge_profile(PROFILE, _run(("t1", ["X-1"], "passed"), ("t0", ["CALL-001"], "failed")), {})
    assert v.verdict == "miss" and v.collateral == ["CALL-001"]
    assert "passed" in v.reason and "only unrelated clauses failed: CALL-001" in v.reason


def test_skipped_or_absent_checks_are_misses_with_the_reason() -> None:
    v = judge_profile(PROFILE, _run(("t1", ["X-1"], "skipped"), ("t0", ["CALL-001"], "passed")), {})
    assert v.verdict == "miss" and "skipped" in v.reason
    v = judge_profile(PROFILE, _run(("t0", ["CALL-001"], "passed")), {})
    assert v.verdict == "miss" and "no check carries this clause" in v.reason


def test_a_portal_that_never_came_up_kills_nothing() -> None:
    v = judge_profile(PROFILE, _run(("t1", ["X-1"], "no-verdict"), ("t0", ["CALL-001"], "no-verdict")), {})
    assert v.verdict == "no-verdict" and "reached no verdict" in v.reason and v.no_verdicts


def test_a_crash_or_target_error_is_a_no_verdict_not_a_kill() -> None:
    # The named clause's only check crashed (or met a target error): never a kill, and the profile fails
    # the self-test with that reason, listed apart from the misses whose checks passed.
    v = judge_profile(PROFILE, _run(("t1", ["X-1"], "no-verdict"), ("t0", ["CALL-001"], "passed")), {})
    assert v.verdict == "no-verdict" and v.killed_by == [] and v.no_verdicts[0]["check"] == "t1"
    det = _detection([v], [])
    assert det.failed and det.killed == 0 and "NO VERDICT" in render_markdown(det)
    # A no-verdict beside a passing check of the same clause: a miss that says so.
    v = judge_profile(PROFILE, _run(("t1", ["X-1"], "no-verdict"), ("t2", ["X-1"], "passed")), {})
    assert v.verdict == "miss" and "no verdict" in v.reason
    # A conformance failure of another check of the clause still kills.
    v = judge_profile(PROFILE, _run(("t1", ["X-1"], "no-verdict"), ("t2", ["X-1"], "failed")), {})
    assert v.verdict == "killed" and not _detection([v], []).failed


def test_a_check_that_also_fails_on_the_faithful_portal_kills_nothing() -> None:
    run = _run(("t1", ["X-1"], "failed"), ("t0", ["CALL-001"], "passed"))
    baseline = {"X-1": {"status": "failed"}}
    v = judge_profile(PROFILE, run, baseline, faithful_failures={("t1", "t1")})
    assert v.verdict == "miss" and "also fail on the faithful portal" in v.reason


def test_reports_are_written(tmp_path: Path) -> None:
    killed = judge_profile(PROFILE, _run(("t1", ["X-1"], "failed")), {})
    missed = judge_profile(DeviantProfile("q", "state", "b", ("Y-2",)), _run(("t1", ["Y-2"], "passed")), {})
    det = Detection(mode="strict", profiles_total=2, killed=1, misses=[missed], verdicts=[killed, missed],
                    false_alarms=[], faithful={"checks": 3, "check_outcomes": {"passed": 3}}, wall_seconds=1.5,
                    jobs=2, smoke=["CALL-001"])
    json_path, md_path = write_reports(det, tmp_path)
    data = json.loads(json_path.read_text())
    assert data["detection_rate"] == 0.5 and data["killed"] == 1 and data["missed"] == 1
    md = md_path.read_text()
    assert "| detection rate | **50.0 %** |" in md and "`q`" in md and "X-1:K" in md and "Y-2:." in md
    assert render_markdown(det) == md


# ------------------------------------------------------------------------- legitimate variants


def _detection(verdicts, variants, false_alarms=()) -> Detection:
    return Detection(mode="lenient", profiles_total=len(verdicts), killed=sum(v.verdict == "killed" for v in verdicts),
                     misses=[v for v in verdicts if v.verdict != "killed"], verdicts=list(verdicts),
                     false_alarms=list(false_alarms), faithful={"checks": 1, "check_outcomes": {"passed": 1}},
                     wall_seconds=1.0, jobs=1, smoke=["CALL-001"], variants=list(variants))


def _variants_file(tmp_path: Path, *entries: dict) -> Path:
    path = tmp_path / "variants.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "variants": list(entries)}, sort_keys=False))
    return path


GOOD_VARIANT = {"name": "period-added", "description": "the SUBJECT error gains a period",
                "readings": [{"ambiguity": "AMB-MESSAGE-PERIOD", "reading": "b"}], "strict_fails": ["REQ-008"],
                "evidence": ["free-text-id"],
                "operations": [{"response": {"when": {"error": "ADD_SUBJECT_MISSING"},
                                             "error_description": "The field SUBJECT is not defined or empty."}}]}


def test_variants_yaml_loads_and_validates() -> None:
    cat = load_catalogue()
    assert len(cat.variants) >= 15 and cat.variant_names()[-1] == ALL_VARIANTS
    ambiguities = load_contract().ambiguities
    for v in cat.variants:
        assert v.description and v.operations and v.readings, v.id
        assert all(ambiguities[a].accepts(r, "lenient") for a, r in v.readings), v.id
    # a name is one portal: deviant or legitimate, never both
    assert not {v.id for v in cat.variants} & {p.id for p in cat.profiles}


def test_a_good_variant_file_loads(tmp_path: Path) -> None:
    (v,) = load_variants(_variants_file(tmp_path, GOOD_VARIANT))
    assert v.id == "period-added" and v.readings == (("AMB-MESSAGE-PERIOD", "b"),) and v.strict_fails == ("REQ-008",)
    assert v.evidence == ("free-text-id",)


@pytest.mark.parametrize("change, message", [
    ({"readings": [{"ambiguity": "AMB-NO-SUCH", "reading": "b"}]}, "unknown ambiguity 'AMB-NO-SUCH'"),
    ({"readings": [{"ambiguity": "AMB-MESSAGE-PERIOD", "reading": "c"}]}, "has no reading 'c'"),
    ({"readings": []}, "`readings` must list"),
    ({"operations": [{"teleport": "x"}]}, "unknown operation 'teleport'"),
    ({"operations": [{"skip_rule": "nonsense"}]}, "unknown rule 'nonsense'"),
    ({"operations": []}, "no operations"),
    ({"strict_fails": ["NOPE-1"]}, "strict_fails: unknown clause NOPE-1"),
    ({"readings": [{"ambiguity": "AMB-EMAIL-ERROR-CREATES", "reading": "b"}]}, "strict mode accepts every reading"),
    ({"exclusive_with": ["nobody"]}, "exclusive_with names no variant: nobody"),
    ({"colour": "blue"}, "unknown key 'colour'"),
    ({"name": ALL_VARIANTS}, "reserved for the composed variant"),
    ({"name": "envelope-result-zero"}, "also a deviant profile"),
    ({"operations": [{"response": {"when": {"method": "crm.activity.add", "outcome": "success"},
                                   "set": {"result": 0}}}]}, "same operations as the deviant profile envelope-result-zero"),
])
def test_a_bad_variant_is_rejected(tmp_path: Path, change: dict, message: str) -> None:
    with pytest.raises(CatalogueError, match=message.replace("(", r"\(").replace("`", ".")):
        load_variants(_variants_file(tmp_path, {**GOOD_VARIANT, **change}), load_catalogue().profiles)


def test_a_duplicate_variant_name_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="variant name missing or repeated: 'period-added'"):
        load_variants(_variants_file(tmp_path, GOOD_VARIANT, GOOD_VARIANT))


def test_a_reading_lenient_refuses_is_no_variant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from b24conform.selftest import catalogue as catalogue_module

    monkeypatch.setattr(catalogue_module, "DEFAULT_MODE", "strict")  # strict refuses AMB-MESSAGE-PERIOD b
    with pytest.raises(CatalogueError, match="not accepted in strict mode"):
        load_variants(_variants_file(tmp_path, GOOD_VARIANT))


def test_strict_only_is_no_longer_a_profile_key(tmp_path: Path) -> None:
    data = yaml.safe_load(deviations_path().read_text(encoding="utf-8"))
    data["profiles"][0]["strict_only"] = True
    path = tmp_path / "deviations.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CatalogueError, match="strict_only` is no longer a key"):
        load_catalogue(path)


def test_composition_keeps_the_first_of_two_exclusive_variants(tmp_path: Path) -> None:
    a = {**GOOD_VARIANT, "name": "a"}
    b = {**GOOD_VARIANT, "name": "b", "exclusive_with": ["a"],
         "operations": [{"response": {"when": {"error": "ADD_SUBJECT_MISSING"}, "error_description": "x."}}]}
    c = {**GOOD_VARIANT, "name": "c", "operations": [{"skip_rule": "files"}],
         "readings": [{"ambiguity": "AMB-FILES-BASE64", "reading": "b"}], "strict_fails": ["FILES-002"]}
    assert composed_names([a, b, c]) == ["a", "c"]
    assert composed_names([b, a, c]) == ["b", "c"]  # the contradiction is symmetric: the first one stays
    path = _variants_file(tmp_path, a, b, c)
    cat = replace(load_catalogue(), variants=tuple(load_variants(path)))
    composed = cat.all_variants()
    assert composed.composed_of == ("a", "c") and len(composed.operations) == 2
    assert composed.strict_fails == ("REQ-008", "FILES-002")
    parsed = parse_profiles(yaml.safe_load(path.read_text()), "inline")
    assert len(parsed[ALL_VARIANTS].ops) == 2


def _variant(**kw) -> Variant:
    return Variant(id=kw.pop("id", "v"), description="legit", readings=(("AMB-MESSAGE-PERIOD", "b"),),
                   operations=({"skip_rule": "files"},), **kw)


def test_a_variant_with_no_failed_clause_passes() -> None:
    vv = judge_variant(_variant(), _run(("t1", ["X-1"], "passed"), ("t2", ["Y-2"], "skipped")), "lenient")
    assert vv.verdict == "passed" and vv.ok and not vv.false_alarms
    det = _detection([judge_profile(PROFILE, _run(("t1", ["X-1"], "failed")), {})], [vv])
    assert not det.failed and det.variants_passed == 1
    md = render_markdown(det)
    assert "| deviant profiles killed | **1/1** |" in md and "| legitimate variants passed | **1/1** |" in md


def test_an_over_strict_check_is_a_false_alarm_and_fails_the_selftest(tmp_path: Path) -> None:
    # A check that fails a legitimate variant (here: a fake record; the integration test below does it for
    # real) is a false alarm, listed with its clause, check and reason.
    vv = judge_variant(_variant(strict_fails=("X-1",)), _run(("t1", ["X-1"], "failed"), ("t2", ["Y-2"], "passed")),
                       "lenient")
    assert vv.verdict == "false-alarm" and not vv.ok
    assert vv.false_alarms == [{"check": "t1", "clauses": ["X-1"], "outcome": "failed", "reason": "failed reason"}]
    det = _detection([], [vv])
    assert det.failed and det.variant_false_alarms[0]["variant"] == "v"
    json_path, md_path = write_reports(det, tmp_path)
    data = json.loads(json_path.read_text())
    assert data["variants_passed"] == 0 and data["variant_false_alarms"][0]["check"] == "t1" and not data["passed"]
    assert "| `v` | X-1 | `t1` | failed reason |" in md_path.read_text()
    # A crash on a legitimate variant is no pass either, and listed apart.
    nv = judge_variant(_variant(), _run(("t1", ["X-1"], "no-verdict")), "lenient")
    assert nv.verdict == "no-verdict" and not nv.ok and not nv.false_alarms


def test_strict_mode_must_kill_a_variant_on_its_strict_fails() -> None:
    v = _variant(strict_fails=("X-1",))
    killed = judge_variant(v, _run(("t1", ["X-1"], "failed"), ("t0", ["CALL-001"], "failed")), "strict")
    assert killed.verdict == "killed" and killed.ok and killed.killed_by == ["X-1"] and killed.collateral == ["CALL-001"]
    survived = judge_variant(v, _run(("t1", ["X-1"], "passed")), "strict")
    assert survived.verdict == "not-killed" and not survived.ok and "X-1" in survived.reason
    # without strict_fails strict mode, too, must pass it whole
    assert judge_variant(_variant(), _run(("t1", ["X-1"], "failed")), "strict").verdict == "false-alarm"


def test_the_composed_portal_answers_sanely() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from b24conform.portal.assembly import build_app
    from b24conform.portal.config import PortalConfig
    from b24conform.portal.testing import seed_fields

    config = PortalConfig.for_conformance(profile=ALL_VARIANTS)
    hook = config.roles["webhook"]
    errors = load_contract().errors
    with TestClient(build_app(config), base_url="https://testserver") as client:
        base = f"/rest/{hook.user_id}/{hook.code}/"
        added = client.post(base + "crm.activity.add", json={"fields": seed_fields()})
        assert added.status_code == 200
        new_id = added.json()["result"]
        assert str(new_id).isdigit() and int(new_id) > 0          # an id, as integer or numeric string
        got = client.post(base + "crm.activity.get", json={"id": new_id})
        assert got.status_code == 200 and str(got.json()["result"]["ID"]) == str(new_id)
        listed = client.post(base + "crm.activity.list", json={"filter": {"ID": new_id}})
        assert [str(a["ID"]) for a in listed.json()["result"]] == [str(new_id)]
        refused = client.post(base + "crm.activity.add", json={"fields": seed_fields(TYPE_ID=None)})
        body = refused.json()
        assert refused.status_code == 400 and body["error_description"] and "error" in body and "result" not in body
        bad = client.post(base + "crm.activity.add", content=b"{", headers={"content-type": "application/json"})
        assert bad.status_code == 400 and bad.json()["error"] == errors["ERROR_BAD_BODY"].code


def test_selftest_cli_refuses_an_unknown_variant() -> None:
    from typer.testing import CliRunner

    from b24conform.cli import app

    result = CliRunner().invoke(app, ["selftest", "--variant", "messages-type-id-trailing-perod"])
    assert result.exit_code == 2 and "unknown variant" in result.output and "did you mean" in result.output
    result = CliRunner().invoke(app, ["selftest", "--only", "variants", "--profile", "envelope-result-zero"])
    assert result.exit_code == 2 and "--only" in result.output


# --------------------------------------------------------------------------------- integration

# Open false alarms the variants revealed (checks to be fixed in judge/checks or the suites): the CI-sized
# self-test below tolerates these and only these, so a new false alarm fails it at once, and a fixed one
# must be taken off the list. `b24conform selftest` itself reports them and fails.
# Over-strict checks still open (none: the response schemas now take every reading, 843b388).
KNOWN_FALSE_ALARMS: set[str] = set()


def test_detection_faithful_portal_representative_profiles_and_variants(tmp_path: Path) -> None:
    """The CI-sized self-test: the faithful run, one profile per family (each killed), the first two
    variants and all-variants (the whole suite each: no false alarm but the known open ones)."""
    cat = load_catalogue()
    profiles, variants = REPRESENTATIVE, cat.representative()[1]
    if os.environ.get("B24CONFORM_SELFTEST_ALL"):
        profiles, variants = None, None
    det = selftest(jobs=max(2, min(4, os.cpu_count() or 2)), profiles=profiles, variants=variants, catalogue=cat)
    write_reports(det, tmp_path)
    assert det.faithful["checks"] > 0, det.faithful
    assert len(det.variants) >= 3 and det.variants[-1].variant == ALL_VARIANTS
    problems = [f"false alarm (faithful): {fa['check']} {fa['clauses']}: {fa['reason'][:300]}" for fa in det.false_alarms]
    problems += [f"no verdict (faithful): {nv['check']}: {nv['reason'][:300]}" for nv in det.faithful_no_verdicts]
    problems += [f"{v.verdict}: {v.profile} ({', '.join(v.named)}): {v.reason[:300]}" for v in det.misses]
    problems += [f"false alarm on variant {fa['variant']}: {fa['check']} {fa['clauses']}: {fa['reason'][:300]} "
                 "(fix the check; list it in KNOWN_FALSE_ALARMS only as an open issue)"
                 for fa in det.variant_false_alarms if fa["check"] not in KNOWN_FALSE_ALARMS]
    problems += [f"no verdict on variant {v.variant}: {v.reason[:300]}" for v in det.variants if v.verdict == "no-verdict"]
    assert not problems, "\n".join(problems)
    if profiles is not None:
        fired = {fa["check"] for fa in det.variant_false_alarms}
        assert fired == KNOWN_FALSE_ALARMS, f"fixed: take {KNOWN_FALSE_ALARMS - fired} off KNOWN_FALSE_ALARMS"


def test_a_check_over_strict_for_a_variant_is_reported_as_a_false_alarm(tmp_path: Path) -> None:
    """For real: judged in strict mode as if strict accepted its reading (no strict_fails), a variant the
    strict read-back check refuses is a false alarm naming that clause and check, and fails the self-test."""
    cat = load_catalogue()
    legit = replace(cat.variant("state-completed-ignored"), strict_fails=())
    cat = replace(cat, variants=(legit,))
    det = selftest(jobs=2, profiles=[], variants=["state-completed-ignored"], mode="strict", catalogue=cat)
    (vv,) = det.variants
    assert vv.verdict == "false-alarm" and det.failed
    assert any("RT-010" in fa["clauses"] and "test_completed_reads_back" in fa["check"]
               and "COMPLETED" in fa["reason"] for fa in vv.false_alarms), vv.false_alarms
    md = render_markdown(det)
    assert "**FALSE ALARM**" in md and "test_completed_reads_back" in md


def test_mutant_table_names_real_checks_and_profiles() -> None:
    import importlib

    from b24conform.selftest.mutation import MUTANTS

    cat = load_catalogue()
    for mutant, profiles in MUTANTS.items():
        module, _, func = mutant.partition(":")
        assert callable(getattr(importlib.import_module(module), func, None)), mutant
        assert profiles, mutant
        for p in profiles:  # a deviant profile, or a variant with strict_fails (judged strict)
            assert p in {x.id for x in cat.profiles} or cat.variant(p).strict_fails, (mutant, p)


def test_install_mutant_makes_the_check_vacuous() -> None:
    import importlib

    from b24conform.selftest.pytest_record import install_mutant

    module = importlib.import_module("b24conform.judge.checks.readback")
    original = module.check_completed
    try:
        install_mutant("b24conform.judge.checks.readback:check_completed")
        assert module.check_completed({"COMPLETED": "Y"}, load_contract(), "strict", sent={"COMPLETED": "N"}) == []
        assert original({"COMPLETED": "Y"}, load_contract(), "strict", sent={"COMPLETED": "N"})
    finally:
        module.check_completed = original
