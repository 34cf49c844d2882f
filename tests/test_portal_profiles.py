"""Deviation profiles: the loader, and each operation of the vocabulary applied at its point."""
from __future__ import annotations

import warnings
from pathlib import Path

import httpx
import pytest
import yaml

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from b24conform.contract import load_contract
from b24conform.portal.assembly import build_app
from b24conform.portal.clock import FakeClock
from b24conform.portal.config import PortalConfig
from b24conform.portal.profiles import SAMPLE_PROFILES, ProfileError, available_profiles, load_profile, parse_profiles
from b24conform.portal.server import start_portal
from b24conform.portal.testing import SEED_FIELDS, call, seed_fields

CONTRACT = load_contract()


def portal_with(tmp_path: Path, *operations, **config_kw):
    path = tmp_path / "profiles.yaml"
    path.write_text(yaml.safe_dump({"profiles": [{"name": "p", "operations": list(operations)}]}))
    config = PortalConfig.for_conformance(profile="p", profiles_file=path, **config_kw)
    client = TestClient(build_app(config), base_url="https://testserver")
    hook = config.roles["webhook"]
    client.hook = f"/rest/{hook.user_id}/{hook.code}/"  # type: ignore[attr-defined]
    client.config = config  # type: ignore[attr-defined]
    return client


def add(client, **changes):
    return client.post(client.hook + "crm.activity.add", json={"fields": seed_fields(**changes)})


def test_sample_profiles_load_and_are_five():
    names = list(parse_profiles(yaml.safe_load(SAMPLE_PROFILES.read_text()), "samples"))
    assert len(names) == 5
    for name in names:
        assert load_profile(name, SAMPLE_PROFILES).ops


def test_spec_catalogue_loads_with_this_vocabulary():
    assert available_profiles()  # spec/deviations.yaml (when present) and the samples parse


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ProfileError, match="unknown deviation profile 'nope'.*known profiles"):
        load_profile("nope", SAMPLE_PROFILES)
    with pytest.raises(ProfileError, match="unknown deviation profile"):
        build_app(PortalConfig.for_conformance(profile="nope"))


@pytest.mark.parametrize(
    "op, message",
    [
        ({"skip_rule": "nonsense"}, "unknown rule"),
        ({"teleport": "x"}, "unknown operation"),
        ({"store": "explode"}, "unknown store fault"),
        ({"response": {"error": "NOT_AN_ERROR"}}, "unknown error id"),
        ("just a string", "one-key mapping"),
    ],
)
def test_bad_operations_are_refused_at_load(op, message):
    with pytest.raises(Exception, match=message):
        parse_profiles({"profiles": [{"name": "x", "operations": [op]}]}, "inline")


def test_skip_rule(tmp_path):
    with portal_with(tmp_path, {"skip_rule": "subject"}) as c:
        assert add(c, SUBJECT=None).status_code == 200
        assert add(c, RESPONSIBLE_ID=987654).status_code == 400  # no such user: refused in every reading


@pytest.mark.parametrize(
    "fault, request_",
    [
        ("wrong_code", lambda c: c.post("/rest/1/nosuchcode/crm.activity.fields")),
        ("wrong_user", lambda c: c.post(f"/rest/2/{c.config.roles['webhook'].code}/crm.activity.fields")),
        ("expired_token", lambda c: c.post("/rest/crm.activity.fields", json={"auth": c.config.roles["expired_token"].token})),
        ("no_auth", lambda c: c.post("/rest/crm.activity.fields")),
        ("scope", lambda c: c.post(f"/rest/1/{c.config.roles['unscoped_webhook'].code}/crm.activity.fields")),
    ],
)
def test_auth_bypasses(tmp_path, fault, request_):
    with portal_with(tmp_path) as plain:
        assert request_(plain).status_code in (401, 403)
    with portal_with(tmp_path, {"auth": fault}) as c:
        assert request_(c).status_code == 200


def test_plain_http_bypass(tmp_path):
    path = tmp_path / "profiles.yaml"
    path.write_text(yaml.safe_dump({"profiles": [{"name": "p", "operations": [{"auth": "plain_http"}]}]}))
    config = PortalConfig.for_conformance(profile="p", profiles_file=path)
    with start_portal(config) as portal:
        hook = portal.webhook_url.replace(portal.base_url, portal.http_url)
        assert httpx.post(hook + "crm.activity.fields").status_code == 200


def test_store_faults(tmp_path):
    with portal_with(tmp_path, {"store": "no_persist"}) as c:
        new_id = add(c).json()["result"]
        assert call(c, "crm.activity.get", {"id": new_id}).json() == CONTRACT.error("ACTIVITY_NOT_FOUND").body()
    with portal_with(tmp_path, {"store": "reuse_ids"}, {"store": "delete_noop"}) as c:
        first = add(c).json()["result"]
        assert call(c, "crm.activity.delete", {"id": first}).json()["result"] is True
        assert call(c, "crm.activity.get", {"id": first}).status_code == 200  # delete was a no-op
    with portal_with(tmp_path, {"store": "reuse_ids"}) as c:
        first = add(c).json()["result"]
        call(c, "crm.activity.delete", {"id": first})
        assert add(c).json()["result"] == first
    with portal_with(
        tmp_path,
        {"store": "list_omits_new"},
        {"store": {"fault": "wrong_total", "delta": 3}},
        {"store": {"fault": "alter_field", "field": "SUBJECT", "value": "other"}},
    ) as c:
        a, b = add(c).json()["result"], add(c).json()["result"]
        listed = call(c, "crm.activity.list").json()
        assert [x["ID"] for x in listed["result"]] == [str(a)] and listed["total"] == 4
        assert call(c, "crm.activity.get", {"id": b}).json()["result"]["SUBJECT"] == "other"


def test_limits_faults(tmp_path):
    # A stopped clock: the bucket must not drain while the test fills it, however slow the machine.
    with portal_with(tmp_path, {"limits": "bucket_disabled"}, limits="standard", clock=FakeClock()) as c:
        assert {call(c, "crm.enum.activitytype").status_code for _ in range(60)} == {200}
    with portal_with(tmp_path, {"limits": {"fault": "wrong_status", "status": 429}}, limits="standard", clock=FakeClock()) as c:
        statuses = [call(c, "crm.enum.activitytype").status_code for _ in range(51)]
        assert statuses[-1] == 429
    with portal_with(tmp_path, {"limits": "operating_disabled"}, limits="standard", operating_budget=0.0) as c:
        assert {call(c, "crm.activity.fields").status_code for _ in range(5)} == {200}


def test_time_faults(tmp_path):
    with portal_with(
        tmp_path, {"time": "finish_before_start"}, {"time": "bad_duration"}, {"time": "non_iso_date"},
        {"time": {"fault": "drop_key", "key": "operating"}},
    ) as c:
        t = call(c, "crm.activity.fields").json()["time"]
        assert t["finish"] < t["start"] and t["duration"] != t["finish"] - t["start"]
        assert "T" not in t["date_start"] and "operating" not in t


def test_batch_faults(tmp_path):
    with portal_with(tmp_path, {"batch": "no_length_limit"}, {"batch": "halt_ignored"}) as c:
        r = call(c, "batch", {"cmd": ["crm.activity.fields"] * 60})
        assert r.status_code == 200 and len(r.json()["result"]["result"]) == 60
        bad = "crm.activity.add?fields[SUBJECT]=x"
        r = call(c, "batch", {"cmd": [bad, "crm.activity.fields"], "halt": 1}).json()["result"]
        assert len(r["result"]) == 1 and len(r["result_error"]) == 1  # the second command ran despite halt


def test_response_rewrites(tmp_path):
    with portal_with(
        tmp_path,
        {"response": {"when": {"method": "crm.activity.add", "outcome": "success"}, "set": {"result": "1", "time.processing": -1}}},
        {"response": {"when": {"error": "ADD_SUBJECT_MISSING"}, "error_code": "ERROR_CORE", "error_description": "x", "status": 500}},
        {"response": {"when": {"method": "crm.activity.fields"}, "drop": ["time"], "content_type": "text/html"}},
        {"response": {"when": {"error": "ADD_RESPONSIBLE_INVALID"}, "error": "ADD_SUBJECT_MISSING"}},
    ) as c:
        r = add(c).json()
        assert r["result"] == "1" and r["time"]["processing"] == -1
        r = add(c, SUBJECT=None)
        assert (r.status_code, r.json()) == (500, {"error": "ERROR_CORE", "error_description": "x"})
        r = call(c, "crm.activity.fields")
        assert r.headers["content-type"] == "text/html" and "time" not in r.json()
        assert add(c, RESPONSIBLE_ID=987654).json() == CONTRACT.error("ADD_SUBJECT_MISSING").body()


def test_sample_profile_end_to_end():
    config = PortalConfig.for_conformance(profile="sample-sloppy-envelope", profiles_file=SAMPLE_PROFILES)
    with TestClient(build_app(config), base_url="https://testserver") as c:
        hook = config.roles["webhook"]
        r = c.post(f"/rest/1/{hook.code}/crm.activity.add", json={"fields": SEED_FIELDS}).json()
        assert r["result"] == "1" and r["time"]["finish"] < r["time"]["start"] and "operating_reset_at" not in r["time"]


# ---------------------------------------------------------------- the vocabulary's newer operations


def test_sub_rules_skip_only_the_requests_they_name(tmp_path):
    with portal_with(tmp_path, {"skip_rule": "type_id.missing"}) as c:
        assert add(c, TYPE_ID=None).status_code == 200
        assert add(c, TYPE_ID=99).json() == CONTRACT.error("ADD_TYPE_ID_INVALID").body()
    with portal_with(tmp_path, {"skip_rule": "type_id.unknown"}) as c:
        assert add(c, TYPE_ID=99).status_code == 200
        assert add(c, TYPE_ID=None).json() == CONTRACT.error("ADD_TYPE_ID_INVALID").body()
    # Reading a of AMB-RESPONSIBLE-FALLBACK, so that an absent RESPONSIBLE_ID is refused at all.
    with portal_with(tmp_path, {"skip_rule": "responsible.unknown"}, responsible_fallback=False) as c:
        assert add(c, RESPONSIBLE_ID=987654).status_code == 200
        assert add(c, RESPONSIBLE_ID=None).json() == CONTRACT.error("ADD_RESPONSIBLE_INVALID").body()


def test_reorder_rules_changes_which_error_answers(tmp_path):
    with portal_with(tmp_path) as plain:
        assert add(plain, SUBJECT=None, COMMUNICATIONS=None).json() == CONTRACT.error("ADD_COMMUNICATIONS_INVALID").body()
    with portal_with(tmp_path, {"reorder_rules": ["subject", "communications"]}) as c:
        assert add(c, SUBJECT=None, COMMUNICATIONS=None).json() == CONTRACT.error("ADD_SUBJECT_MISSING").body()
        assert add(c, COMMUNICATIONS=None).json() == CONTRACT.error("ADD_COMMUNICATIONS_INVALID").body()


def test_add_rule_refuses_matching_requests_only(tmp_path):
    with portal_with(tmp_path, {"add_rule": {"if": {"TYPE_ID": 2}, "error": "ADD_TYPE_ID_INVALID"}}) as c:
        assert add(c, TYPE_ID=2).json() == CONTRACT.error("ADD_TYPE_ID_INVALID").body()
        assert add(c, TYPE_ID=1).status_code == 200


def test_alter_field_append_keeps_the_stored_text_in_front(tmp_path):
    with portal_with(tmp_path, {"store": {"fault": "alter_field", "field": "SUBJECT", "append": "!"}}) as c:
        new_id = add(c, SUBJECT="hello").json()["result"]
        assert call(c, "crm.activity.get", {"id": new_id}).json()["result"]["SUBJECT"] == "hello!"


def test_update_noop_answers_true_and_keeps_the_old_value(tmp_path):
    with portal_with(tmp_path, {"store": "update_noop"}) as c:
        new_id = add(c, SUBJECT="before").json()["result"]
        assert call(c, "crm.activity.update", {"id": new_id, "fields": {"SUBJECT": "after"}}).json()["result"] is True
        assert call(c, "crm.activity.get", {"id": new_id}).json()["result"]["SUBJECT"] == "before"


def test_nested_batch_runs_and_results_merge(tmp_path):
    with portal_with(tmp_path) as plain:
        r = call(plain, "batch", {"cmd": {"a": "batch?cmd[0]=crm.enum.activitytype"}}).json()["result"]
        assert r["result_error"]["a"] == CONTRACT.error("ERROR_BATCH_METHOD_NOT_ALLOWED").body()
    with portal_with(tmp_path, {"batch": "nested_allowed"}) as c:
        r = call(c, "batch", {"cmd": {"a": "batch?cmd[0]=crm.enum.activitytype", "b": "crm.activity.fields"}}).json()["result"]
        assert r["result_error"] == [] and set(r["result"]) == {"a", "b"}
        assert r["result"]["a"]["result"]  # the inner batch's own answer


def test_never_drains_and_operating_decreases(tmp_path):
    clock = FakeClock()
    with portal_with(tmp_path, {"limits": "never_drains"}, limits="standard", clock=clock) as c:
        assert [call(c, "crm.enum.activitytype").status_code for _ in range(51)][-1] == 503
        clock.advance(600)
        assert call(c, "crm.enum.activitytype").status_code == 503
    with portal_with(tmp_path, {"time": "operating_decreases"}) as c:
        first, second = (call(c, "crm.activity.fields").json()["time"]["operating"] for _ in range(2))
        assert second < first


@pytest.mark.parametrize(
    "when, request_",
    [
        ({"suffix": ".json"}, lambda c: c.post(c.hook + "crm.activity.fields.json", json={})),
        ({"method_case": "other"}, lambda c: c.post(c.hook + "crm.activity.Fields", json={})),
        ({"encoding": "form"}, lambda c: c.post(c.hook + "crm.activity.fields", data={"x": "1"})),
        ({"http_method": "GET"}, lambda c: c.get(c.hook + "crm.activity.fields")),
    ],
)
def test_request_aware_conditions(tmp_path, when, request_):
    rewrite = {"response": {"when": {**when, "method": "crm.activity.fields"}, "error": "ERROR_METHOD_NOT_FOUND"}}
    with portal_with(tmp_path, rewrite) as c:
        assert request_(c).status_code == 404
        assert c.post(c.hook + "crm.activity.fields", json={}).status_code == 200  # the plain call is untouched


def test_credential_condition_and_body_text(tmp_path):
    rewrite = {"response": {"when": {"credential": "query"}, "status": 502, "body_text": "<html>bad gateway</html>",
                            "content_type": "text/html"}}
    with portal_with(tmp_path, rewrite) as c:
        token = c.config.roles["oauth_token"].token
        r = c.post("/rest/crm.activity.fields?auth=" + token)
        assert (r.status_code, r.text) == (502, "<html>bad gateway</html>")
        assert c.post("/rest/crm.activity.fields", json={"auth": token}).status_code == 200


def test_auth_except_methods(tmp_path):
    with portal_with(tmp_path, {"auth": {"fault": "wrong_code", "except_methods": ["crm.activity.add"]}}) as c:
        assert c.post("/rest/1/nosuchcode/crm.activity.fields").status_code == 200
        assert c.post("/rest/1/nosuchcode/crm.activity.add", json={"fields": SEED_FIELDS}).status_code == 401


def test_faithful_portal_is_not_layered(tmp_path):
    from b24conform.portal.faults.wire import WireFaults
    from b24conform.portal.assembly import build_state
    from b24conform.portal.store import Store

    config = PortalConfig.for_conformance()
    state = build_state(config)
    assert isinstance(state.store, Store) and not isinstance(build_app(config, state), WireFaults)


def test_body_matches_and_list_ignores_select(tmp_path):
    rewrite = {"response": {"when": {"method": "crm.activity.list", "body_matches": "BINDINGS"}, "set": {"total": 99}}}
    with portal_with(tmp_path, rewrite, {"store": "list_ignores_select"}) as c:
        add(c)
        assert call(c, "crm.activity.list", {"filter": {"BINDINGS": [{"OWNER_TYPE_ID": 3}]}}).json()["total"] == 99
        plain = call(c, "crm.activity.list", {"select": ["ID"]}).json()
        assert plain["total"] == 1 and "SUBJECT" in plain["result"][0] and "COMMUNICATIONS" in plain["result"][0]
