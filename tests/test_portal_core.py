"""The portal in-process: the seed example as each client sends it, read-back, list, update,
delete, batch, enums and fields."""
from __future__ import annotations

import json

import pytest

from b24conform.contract import load_contract
from b24conform.portal.testing import SEED_FIELDS, call, client_requests, comparable, in_process_portal, seed_fields
from b24conform.portal.wire import encode_php_query

TIME_KEYS = {"start", "finish", "duration", "processing", "date_start", "date_finish", "operating_reset_at", "operating"}


@pytest.fixture()
def portal():
    with in_process_portal() as client:
        yield client


def test_seed_example_in_every_client_format_reads_back_equal(portal):
    config = portal.config
    hook, token = config.roles["webhook"], config.roles["oauth_token"].token
    readbacks = {}
    for req in client_requests({"fields": SEED_FIELDS}, "crm.activity.add", hook.user_id, hook.code, token):
        r = portal.request(req.http_method, req.path, headers=req.headers, content=req.content)
        assert r.status_code == 200, (req.client, r.text)
        assert r.headers["content-type"].startswith("application/json")
        body = r.json()
        assert isinstance(body["result"], int) and body["result"] > 0, req.client
        assert set(body["time"]) == TIME_KEYS
        got = call(portal, "crm.activity.get", {"id": body["result"]}).json()["result"]
        readbacks[req.client] = comparable(got)
    first = readbacks["curl-webhook"]
    for client, item in readbacks.items():
        assert item == first, client
    assert first["SUBJECT"] == "New call"
    assert first["START_TIME"] == "2023-12-31T15:00:00+03:00"  # same instant, portal offset
    assert first["DEADLINE"] == first["START_TIME"]
    assert first["COMMUNICATIONS"] == [{"TYPE": "PHONE", "VALUE": "+18005551234", "ENTITY_ID": "134", "ENTITY_TYPE_ID": "3",
                                        "ENTITY_SETTINGS": {"HONORIFIC": "", "NAME": "John", "SECOND_NAME": "",
                                                            "LAST_NAME": "Smith", "COMPANY_TITLE": "Acme Ltd", "COMPANY_ID": "21"}}]
    assert first["FILES"] == 1
    assert first["OWNER_ID"] == "102" and first["TYPE_ID"] == "2" and first["RESPONSIBLE_ID"] == "1"


def test_json_form_and_query_are_equivalent(portal):
    params = {"fields": SEED_FIELDS}
    ids = [
        call(portal, "crm.activity.add", params).json()["result"],
        portal.post(portal.hook + "crm.activity.add", content=encode_php_query(params),
                    headers={"content-type": "application/x-www-form-urlencoded"}).json()["result"],
        portal.get(portal.hook + "crm.activity.add?" + encode_php_query(params)).json()["result"],
    ]
    items = [comparable(call(portal, "crm.activity.get", {"id": i}).json()["result"]) for i in ids]
    assert items[0] == items[1] == items[2]


def multipart(params: dict) -> tuple[bytes, str]:
    from b24conform.portal.wire import encode_php_pairs

    parts = [
        f'--XyZ\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in encode_php_pairs(params)
    ]
    return b"".join(parts) + b"--XyZ--\r\n", "multipart/form-data; boundary=XyZ"


def test_multipart_equals_json(portal):
    body, ctype = multipart({"fields": SEED_FIELDS})
    r = portal.post(portal.hook + "crm.activity.add", content=body, headers={"content-type": ctype})
    assert r.status_code == 200, r.text
    json_id = call(portal, "crm.activity.add", {"fields": SEED_FIELDS}).json()["result"]
    get = lambda i: comparable(call(portal, "crm.activity.get", {"id": i}).json()["result"])  # noqa: E731
    assert get(r.json()["result"]) == get(json_id)


def test_method_names_are_case_insensitive_and_json_optional(portal):
    for name in ("crm.activity.Add.json", "CRM.ACTIVITY.ADD", "crm.activity.add.json"):
        assert call(portal, name, {"fields": SEED_FIELDS}).status_code == 200, name


def test_ids_are_never_reused(portal):
    first = call(portal, "crm.activity.add", {"fields": SEED_FIELDS}).json()["result"]
    second = call(portal, "crm.activity.add", {"fields": SEED_FIELDS}).json()["result"]
    assert second > first
    assert call(portal, "crm.activity.delete", {"id": second}).json()["result"] is True
    third = call(portal, "crm.activity.add", {"fields": SEED_FIELDS}).json()["result"]
    assert third > second


def test_update_and_delete(portal):
    new_id = call(portal, "crm.activity.add", {"fields": SEED_FIELDS}).json()["result"]
    r = call(portal, "crm.activity.update", {"id": new_id, "fields": {"DESCRIPTION": "changed", "TYPE_ID": 1, "OWNER_ID": 103}})
    assert r.status_code == 200 and r.json()["result"] is True
    item = call(portal, "crm.activity.get", {"id": new_id}).json()["result"]
    assert item["DESCRIPTION"] == "changed"
    assert item["TYPE_ID"] == "2" and item["OWNER_ID"] == "102"  # immutable
    assert call(portal, "crm.activity.delete", {"id": new_id}).json() ["result"] is True
    gone = call(portal, "crm.activity.get", {"id": new_id})
    assert (gone.status_code, gone.json()) == (400, load_contract().error("ACTIVITY_NOT_FOUND").body())


def test_list_select_filter_order_paging(portal):
    ids = [call(portal, "crm.activity.add", {"fields": seed_fields(SUBJECT=f"call {i}")}).json()["result"] for i in range(120)]
    r = call(portal, "crm.activity.list", {"order": {"ID": "ASC"}}).json()
    assert len(r["result"]) == 50 and r["total"] == 120 and r["next"] == 50
    assert "COMMUNICATIONS" not in r["result"][0] and "FILES" not in r["result"][0]
    r = call(portal, "crm.activity.list", {"order": {"ID": "ASC"}, "start": 100}).json()
    assert len(r["result"]) == 20 and r["total"] == 120 and "next" not in r
    r = call(portal, "crm.activity.list", {"start": -1}).json()
    assert r["total"] == 0 and "next" not in r and len(r["result"]) == 50
    r = call(portal, "crm.activity.list", {"filter": {"ID": ids[5]}, "select": ["*", "COMMUNICATIONS", "FILES"]}).json()
    assert r["total"] == 1 and r["result"][0]["ID"] == str(ids[5])
    assert r["result"][0]["COMMUNICATIONS"][0]["TYPE"] == "PHONE" and r["result"][0]["FILES"][0]["id"]
    r = call(portal, "crm.activity.list", {"filter": {">ID": ids[-3]}, "order": {"ID": "DESC"}, "select": ["ID"]}).json()
    assert [x["ID"] for x in r["result"]] == [str(ids[-1]), str(ids[-2])] and r["result"][0] == {"ID": str(ids[-1])}
    r = call(portal, "crm.activity.list", {"filter": {"@ID": ids[:3], "%SUBJECT": "call 1"}}).json()
    assert [x["ID"] for x in r["result"]] == [str(ids[1])]
    r = call(portal, "crm.activity.list", {"filter": {"!ID": ids[0], ">=ID": ids[0], "<=ID": ids[2], "<ID": ids[3]}}).json()
    assert sorted(x["ID"] for x in r["result"]) == [str(ids[1]), str(ids[2])]


def test_batch(portal):
    cmd = {
        "a": "crm.activity.add?" + encode_php_query({"fields": SEED_FIELDS}),
        "b": "crm.activity.get?id=$result[a]",
        "c": "crm.activity.add?" + encode_php_query({"fields": seed_fields(SUBJECT=None)}),
        "d": "batch?cmd[0]=crm.activity.fields",
        "e": "crm.activity.list?filter[ID]=$result[a]",
    }
    r = call(portal, "batch", {"cmd": cmd, "halt": 0})
    assert r.status_code == 200
    res = r.json()["result"]
    new_id = res["result"]["a"]
    assert res["result"]["b"]["ID"] == str(new_id)
    contract = load_contract()
    assert res["result_error"] == {
        "c": contract.error("ADD_SUBJECT_MISSING").body(),
        "d": contract.error("ERROR_BATCH_METHOD_NOT_ALLOWED").body(),
    }
    assert res["result_total"] == {"e": 1} and res["result_next"] == []
    assert set(res["result_time"]) == set(res["result"])  # failed commands have no time (batch.md's examples)
    # halt stops at the first failure
    r = call(portal, "batch", {"cmd": [cmd["c"], "crm.activity.fields"], "halt": True}).json()["result"]
    assert r["result"] == [] and r["result_error"] == [contract.error("ADD_SUBJECT_MISSING").body()]
    assert r["result_time"] == []  # the failed command has no time, the second never ran
    # a list of commands answers lists
    r = call(portal, "batch", {"cmd": ["crm.enum.activitytype", "crm.activity.fields"]}).json()["result"]
    assert isinstance(r["result"], list) and len(r["result"]) == 2 and r["result_error"] == []
    # more than 50 commands
    r = call(portal, "batch", {"cmd": ["crm.activity.fields"] * 51})
    assert (r.status_code, r.json()) == (400, contract.error("ERROR_BATCH_LENGTH_EXCEEDED").body())
    assert call(portal, "batch", {"cmd": ["crm.activity.fields"] * 50}).status_code == 200


def test_batch_form_encoded(portal):
    body = encode_php_query({"halt": 0, "cmd": {"x": "crm.activity.add?" + encode_php_query({"fields": SEED_FIELDS})}})
    r = portal.post(portal.hook + "batch.json", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert isinstance(r.json()["result"]["result"]["x"], int)


def test_enums_and_fields(portal):
    contract = load_contract()
    for enum in contract.enums.values():
        r = call(portal, enum.method).json()["result"]
        assert [v["ID"] for v in r] == list(enum.ids())
    fields = call(portal, "crm.activity.fields").json()["result"]
    assert fields["SUBJECT"]["isRequired"] is True and fields["ID"]["isReadOnly"] is True
    assert {"COMPLETED", "ORIGIN_VERSION", "COMMUNICATIONS", "WEBDAV_ELEMENTS"} <= set(fields)
    assert all(set(d) >= {"type", "isRequired", "isReadOnly", "isImmutable", "isMultiple", "isDynamic", "title"} for d in fields.values())
    comm = call(portal, "crm.activity.communication.fields").json()["result"]
    assert set(comm) == {"ID", "ACTIVITY_ID", "ENTITY_ID", "ENTITY_TYPE_ID", "TYPE", "VALUE"}


def test_time_block_is_consistent(portal):
    body = call(portal, "crm.activity.add", {"fields": SEED_FIELDS}).json()
    t = body["time"]
    assert t["finish"] >= t["start"] and t["duration"] == t["finish"] - t["start"]
    assert t["processing"] >= 0 and isinstance(t["operating_reset_at"], int)
    from datetime import datetime
    assert int(datetime.fromisoformat(t["date_start"]).timestamp()) == int(t["start"])
    assert t["date_start"].endswith("+03:00")


def test_email_is_recorded_in_the_outbox_never_sent(portal):
    fields = seed_fields(
        TYPE_ID=4, COMPLETED="Y", DIRECTION=2,
        COMMUNICATIONS=[{"VALUE": "john.smith@example.com", "ENTITY_ID": 134, "ENTITY_TYPE_ID": 3}],
        SETTINGS={"MESSAGE_FROM": "Admin Portal <admin@example.com>"},
    )
    r = call(portal, "crm.activity.add", {"fields": fields})
    assert r.status_code == 200, r.text
    outbox = portal.app.state.portal.store.outbox()
    assert outbox[-1]["to"] == ["john.smith@example.com"] and outbox[-1]["from"] == "admin@example.com"
    item = call(portal, "crm.activity.get", {"id": r.json()["result"]}).json()["result"]
    assert item["COMMUNICATIONS"][0]["TYPE"] == "EMAIL" and item["SETTINGS"]["MESSAGE_FROM"].startswith("Admin")


def test_binding_from_communications_alone(portal):
    r = call(portal, "crm.activity.add", {"fields": seed_fields(OWNER_TYPE_ID=None, OWNER_ID=None)})
    assert r.status_code == 200
    item = call(portal, "crm.activity.get", {"id": r.json()["result"]}).json()["result"]
    assert (item["OWNER_TYPE_ID"], item["OWNER_ID"]) == ("3", "134")


def test_restricted_user_sees_only_own(portal):
    config = portal.config
    call(portal, "crm.activity.add", {"fields": SEED_FIELDS})
    mine = call(portal, "crm.activity.add", {"fields": seed_fields(RESPONSIBLE_ID=3)}).json()["result"]
    restricted = config.roles["restricted_webhook"]
    r = portal.post(f"/rest/3/{restricted.code}/crm.activity.list", json={}).json()
    assert [x["ID"] for x in r["result"]] == [str(mine)]


@pytest.mark.parametrize("verb", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"])
def test_every_http_verb_gets_json(portal, verb):
    r = portal.request(verb, portal.hook + "crm.activity.fields")
    assert r.headers["content-type"].startswith("application/json") and r.status_code == 200
    r = portal.request(verb, "/nowhere")
    assert r.json() == load_contract().error("ERROR_METHOD_NOT_FOUND").body()


def test_rest_app_provider_needs_an_application_context(portal):
    fields = seed_fields(TYPE_ID=6, PROVIDER_ID="REST_APP", PROVIDER_TYPE_ID="MY_TYPE")
    assert call(portal, "crm.activity.add", {"fields": fields}).json() == load_contract().error("ADD_APP_CONTEXT_REQUIRED").body()
    app_token = portal.config.roles["app_oauth_token"].token
    r = portal.post("/rest/crm.activity.add", json={"fields": fields, "auth": app_token})
    assert r.status_code == 200, r.text
    new_id = r.json()["result"]
    item = portal.post("/rest/crm.activity.get", json={"id": new_id, "auth": app_token}).json()["result"]
    assert (item["TYPE_ID"], item["PROVIDER_ID"], item["PROVIDER_TYPE_ID"]) == ("6", "REST_APP", "MY_TYPE")
    # The get, update and delete pages list the same error for such an activity outside the application.
    refused = load_contract().error("ADD_APP_CONTEXT_REQUIRED").body()
    assert call(portal, "crm.activity.get", {"id": new_id}).json() == refused
    assert call(portal, "crm.activity.update", {"id": new_id, "fields": {"SUBJECT": "x"}}).json() == refused
    assert call(portal, "crm.activity.delete", {"id": new_id}).json() == refused
