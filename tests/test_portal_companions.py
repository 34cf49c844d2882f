"""The companion methods as their pages describe them: list's BINDINGS filter, start=-1, select, the
read-back of unset fields, update's errors and the fields tables read from spec/fields.yaml."""
from __future__ import annotations

import pytest

from b24conform.contract import load_contract
from b24conform.portal.testing import call, in_process_portal, seed_fields

CONTRACT = load_contract()
DEAL, CONTACT, COMPANY = 2, 3, 4


@pytest.fixture()
def portal():
    with in_process_portal() as client:
        yield client


def add(client, **changes) -> str:
    return str(call(client, "crm.activity.add", {"fields": seed_fields(**changes)}).json()["result"])


def listed_ids(client, flt) -> list[str]:
    return [x["ID"] for x in call(client, "crm.activity.list", {"filter": flt, "select": ["ID"], "order": {"ID": "ASC"}}).json()["result"]]


def test_bindings_filter_matches_owner_and_communication_items(portal):
    # The seed activity: owner deal 102, communication with contact 134 (of company 21).
    on_deal = add(portal)
    other_deal = add(portal, OWNER_ID=103)
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": DEAL, "OWNER_ID": 102}]}) == [on_deal]
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": CONTACT, "OWNER_ID": 134}]}) == [on_deal, other_deal]
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": COMPANY, "OWNER_ID": 21}]}) == []
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": DEAL}]}) == [on_deal, other_deal]
    # Several pairs: any of them (the page's own example pairs a deal type with a contact type).
    both = {"BINDINGS": [{"OWNER_TYPE_ID": DEAL, "OWNER_ID": 103}, {"OWNER_TYPE_ID": COMPANY, "OWNER_ID": 21}]}
    assert listed_ids(portal, both) == [other_deal]
    # OWNER_ID alone matches that id in any type: 134 is only a contact here.
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_ID": 134}]}) == [on_deal, other_deal]
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_ID": 103}]}) == [other_deal]
    # With other conditions, all apply.
    assert listed_ids(portal, {"BINDINGS": [{"OWNER_TYPE_ID": DEAL}], "ID": on_deal}) == [on_deal]


def test_start_minus_one_skips_the_count(portal):
    for _ in range(3):
        add(portal)
    body = call(portal, "crm.activity.list", {"start": -1, "select": ["ID"]}).json()
    assert (body["total"], "next" in body, len(body["result"])) == (0, False, 3)


def test_select_storage_element_ids_gives_files(portal):
    activity_id = add(portal)
    item = call(portal, "crm.activity.list", {"filter": {"ID": activity_id}, "select": ["*", "STORAGE_ELEMENT_IDS"]}).json()["result"][0]
    assert item["FILES"] and set(item["FILES"][0]) == {"id", "url"}
    assert "COMMUNICATIONS" not in item


def test_list_communications_in_the_pages_shape(portal):
    activity_id = add(portal)
    item = call(portal, "crm.activity.list", {"filter": {"ID": activity_id}, "select": ["*", "COMMUNICATIONS"]}).json()["result"][0]
    comm = item["COMMUNICATIONS"][0]
    assert set(comm) == {"ID", "TYPE", "VALUE", "ENTITY_ID", "ENTITY_TYPE_ID", "ENTITY_SETTINGS"}
    assert comm["ENTITY_SETTINGS"]["COMPANY_ID"] == "21" and comm["ENTITY_SETTINGS"]["LAST_NAME"] == "Smith"


def test_unset_fields_read_back_as_the_get_example_prints_them(portal):
    activity_id = add(portal, DESCRIPTION=None, LOCATION=None)
    item = call(portal, "crm.activity.get", {"id": activity_id}).json()["result"]
    assert (item["DESCRIPTION"], item["LOCATION"]) == ("", "")
    assert (item["RESULT_MARK"], item["RESULT_STATUS"], item["RESULT_STREAM"]) == ("0", "0", "0")
    assert (item["RESULT_VALUE"], item["RESULT_SUM"], item["RESULT_CURRENCY_ID"]) == (None, None, None)


@pytest.mark.parametrize("params", [{}, {"fields": "SUBJECT"}, {"fields": ["x"]}], ids=["absent", "string", "list"])
def test_update_without_fields_is_refused(portal, params):
    activity_id = add(portal)
    r = call(portal, "crm.activity.update", {"id": activity_id, **params})
    assert (r.status_code, r.json()) == (400, CONTRACT.error("UPDATE_FIELDS_MISSING").body())


def test_update_to_the_configurable_provider_is_refused(portal):
    activity_id = add(portal)
    r = call(portal, "crm.activity.update", {"id": activity_id, "fields": {"PROVIDER_ID": "CONFIGURABLE_REST_APP"}})
    assert (r.status_code, r.json()) == (400, CONTRACT.error("UPDATE_USE_CONFIGURABLE").body())
    item = call(portal, "crm.activity.get", {"id": activity_id}).json()["result"]
    assert item["PROVIDER_ID"] == "VOXIMPLANT_CALL"


def test_partial_update_keeps_the_other_fields(portal):
    activity_id = add(portal)
    assert call(portal, "crm.activity.update", {"id": activity_id, "fields": {"DESCRIPTION": "new"}}).json()["result"] is True
    item = call(portal, "crm.activity.get", {"id": activity_id}).json()["result"]
    assert (item["DESCRIPTION"], item["SUBJECT"], item["RESPONSIBLE_ID"]) == ("new", "New call", "1")


@pytest.mark.parametrize("method,table", [("crm.activity.fields", "activity"),
                                          ("crm.activity.communication.fields", "communication")])
def test_fields_answer_the_spec_tables(portal, method, table):
    result = call(portal, method).json()["result"]
    assert result == CONTRACT.fields[table]["fields"]
    assert list(result) == list(CONTRACT.fields[table]["fields"])


def test_ownertype_as_the_page_lists_it(portal):
    result = call(portal, "crm.enum.ownertype").json()["result"]
    assert [v["ID"] for v in result] == [1, 2, 3, 4, 5, 31, 7, 8, 36, 39]
