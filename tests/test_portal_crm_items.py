"""The portal's CRM item and user methods: crm.contact.* / crm.deal.* / crm.company.*, user.current,
profile, user.get -- round trips, documented errors, paging, scopes, batch, and items created through
the API as bindings of crm.activity.add."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from b24conform.contract import load_contract
from b24conform.portal.assembly import build_app
from b24conform.portal.config import PortalConfig, Webhook
from b24conform.portal.seed import SeedWorld

WORLD_OTHER_IDS = Path(__file__).parent / "data" / "world_other_ids.yaml"
BINDING_FAILED = load_contract().error("ADD_BINDING_FAILED").body()


class Portal:
    def __init__(self, client: TestClient, hook: Webhook) -> None:
        self.client, self.hook = client, hook

    def call(self, method: str, params: dict | None = None, hook: Webhook | None = None):
        hook = hook or self.hook
        return self.client.post(f"/rest/{hook.user_id}/{hook.code}/{method}", json=params or {})

    def ok(self, method: str, params: dict | None = None):
        r = self.call(method, params)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture()
def portal():
    config = PortalConfig.for_conformance()
    with TestClient(build_app(config), base_url="https://testserver") as client:
        p = Portal(client, config.roles["webhook"])
        p.config = config  # type: ignore[attr-defined]
        yield p


def error(r) -> tuple[int, dict]:
    return r.status_code, r.json()


def contact_fields(**extra) -> dict:
    return {
        "NAME": "Nina", "LAST_NAME": "Test",
        "PHONE": [{"VALUE": "+18005550100", "VALUE_TYPE": "WORK"}],
        "EMAIL": [{"VALUE": "nina@example.com", "VALUE_TYPE": "WORK"}],
        "ORIGINATOR_ID": "b24conform", "ORIGIN_ID": "run-1", **extra,
    }


def call_fields(**changes) -> dict:
    fields = {"TYPE_ID": 2, "SUBJECT": "Call", "RESPONSIBLE_ID": 1, "DIRECTION": 2}
    fields.update(changes)
    return fields


# ---------------------------------------------------------------- contacts


def test_contact_round_trip(portal):
    new_id = portal.ok("crm.contact.add", {"fields": contact_fields(ASSIGNED_BY_ID=2, COMPANY_ID=21)})["result"]
    assert isinstance(new_id, int) and new_id > 136  # after the seed's highest contact id
    got = portal.ok("crm.contact.get", {"id": new_id})["result"]
    assert got["ID"] == str(new_id)
    assert (got["NAME"], got["LAST_NAME"], got["ASSIGNED_BY_ID"], got["COMPANY_ID"]) == ("Nina", "Test", "2", "21")
    assert (got["ORIGINATOR_ID"], got["ORIGIN_ID"], got["HAS_PHONE"], got["HAS_EMAIL"]) == ("b24conform", "run-1", "Y", "Y")
    assert got["CREATED_BY_ID"] == "1"
    [phone] = got["PHONE"]
    assert {k: phone[k] for k in ("VALUE", "VALUE_TYPE", "TYPE_ID")} == {"VALUE": "+18005550100", "VALUE_TYPE": "WORK", "TYPE_ID": "PHONE"}
    assert phone["ID"].isdigit()
    assert got["EMAIL"][0]["VALUE"] == "nina@example.com" and got["EMAIL"][0]["TYPE_ID"] == "EMAIL"

    assert portal.ok("crm.contact.update", {"id": new_id, "fields": {"LAST_NAME": "Changed",
                                                                     "PHONE": [{"ID": phone["ID"], "VALUE": "+18005550199"}],
                                                                     "EMAIL": [{"VALUE": "second@example.com", "VALUE_TYPE": "HOME"}]}})["result"] is True
    got = portal.ok("crm.contact.get", {"id": new_id})["result"]
    assert (got["NAME"], got["LAST_NAME"]) == ("Nina", "Changed")
    assert got["PHONE"] == [{"ID": phone["ID"], "VALUE_TYPE": "WORK", "VALUE": "+18005550199", "TYPE_ID": "PHONE"}]
    assert [e["VALUE"] for e in got["EMAIL"]] == ["nina@example.com", "second@example.com"]

    # An ID with an empty VALUE removes that value; HAS_PHONE follows and PHONE is left out.
    portal.ok("crm.contact.update", {"id": new_id, "fields": {"PHONE": [{"ID": phone["ID"], "VALUE": ""}]}})
    got = portal.ok("crm.contact.get", {"id": new_id})["result"]
    assert got["HAS_PHONE"] == "N" and "PHONE" not in got

    assert portal.ok("crm.contact.delete", {"id": new_id})["result"] is True
    assert error(portal.call("crm.contact.get", {"id": new_id})) == (400, {"error": "", "error_description": "Not found"})


def test_contact_assigned_defaults_to_caller(portal):
    new_id = portal.ok("crm.contact.add", {"fields": {"NAME": "Solo"}})["result"]
    got = portal.ok("crm.contact.get", {"id": new_id})["result"]
    assert got["ASSIGNED_BY_ID"] == "1" and got["HAS_PHONE"] == "N" and "PHONE" not in got


def test_seed_contact_reads_back_with_multifields(portal):
    got = portal.ok("crm.contact.get", {"id": 134})["result"]
    assert (got["NAME"], got["COMPANY_ID"]) == ("John", "21")
    assert [p["VALUE"] for p in got["PHONE"]] == ["+18005551234"]


@pytest.mark.parametrize(
    "method, params, body",
    [
        ("crm.contact.get", {"id": 999999}, {"error": "", "error_description": "Not found"}),
        ("crm.contact.update", {"id": 999999, "fields": {"NAME": "x"}}, {"error": "", "error_description": "Contact is not found"}),
        ("crm.contact.delete", {"id": 999999}, {"error": "ERROR_CORE", "error_description": "Элемент не найден"}),
        ("crm.deal.get", {"id": 999999}, {"error": "", "error_description": "Not found"}),
        ("crm.deal.update", {"id": 999999, "fields": {"TITLE": "x"}}, {"error": "", "error_description": "Not found"}),
        ("crm.deal.delete", {"id": 999999}, {"error": "", "error_description": "Not found"}),
        ("crm.company.get", {"id": 999999}, {"error": "", "error_description": "Not found"}),
        ("crm.company.update", {"id": 999999, "fields": {"TITLE": "x"}}, {"error": "", "error_description": "Company is not found"}),
        ("crm.company.delete", {"id": 999999}, {"error": "", "error_description": "Company is not found"}),
        ("crm.contact.get", {}, {"error": "", "error_description": "ID is not defined or invalid."}),
        ("crm.deal.delete", {"id": "abc"}, {"error": "", "error_description": "ID is not defined or invalid."}),
        ("crm.company.get", {"id": -3}, {"error": "", "error_description": "ID is not defined or invalid."}),
        ("crm.deal.add", {"fields": "text"}, {"error": "", "error_description": "Parameter 'fields' must be array."}),
        ("crm.contact.list", {"filter": "text"}, {"error": "", "error_description": "Parameter 'filter' must be array."}),
        ("crm.company.list", {"order": "text"}, {"error": "", "error_description": "Parameter 'order' must be array."}),
    ],
)
def test_documented_errors(portal, method, params, body):
    assert error(portal.call(method, params)) == (400, body)


def test_contact_list_filter_select_order(portal):
    ids = [portal.ok("crm.contact.add", {"fields": contact_fields(NAME=name)})["result"] for name in ("Bea", "Abe", "Cid")]
    portal.ok("crm.contact.add", {"fields": {"NAME": "Other", "ORIGINATOR_ID": "someone-else"}})
    body = portal.ok("crm.contact.list", {"filter": {"ORIGINATOR_ID": "b24conform"}, "select": ["ID", "NAME"],
                                          "order": {"NAME": "ASC"}})
    assert body["result"] == [{"ID": str(ids[1]), "NAME": "Abe"}, {"ID": str(ids[0]), "NAME": "Bea"},
                              {"ID": str(ids[2]), "NAME": "Cid"}]
    assert body["total"] == 3 and "next" not in body
    by_id = portal.ok("crm.contact.list", {"filter": {"ID": ids[2]}})["result"]
    assert [row["ID"] for row in by_id] == [str(ids[2])]
    assert "PHONE" not in by_id[0] and by_id[0]["ORIGIN_ID"] == "run-1"  # "*" leaves multi-fields out
    by_phone = portal.ok("crm.contact.list", {"filter": {"PHONE": "+18005551234"}, "select": ["ID", "PHONE"]})["result"]
    assert [row["ID"] for row in by_phone] == ["134"] and by_phone[0]["PHONE"][0]["VALUE"] == "+18005551234"
    desc = portal.ok("crm.contact.list", {"filter": {"@ID": ids}, "order": {"ID": "DESC"}, "select": ["ID"]})["result"]
    assert [row["ID"] for row in desc] == [str(i) for i in reversed(ids)]


def test_contact_list_pages_by_50(portal):
    for n in range(55):
        portal.ok("crm.contact.add", {"fields": {"NAME": f"P{n}", "ORIGINATOR_ID": "paging"}})
    first = portal.ok("crm.contact.list", {"filter": {"ORIGINATOR_ID": "paging"}, "select": ["ID"]})
    assert len(first["result"]) == 50 and first["total"] == 55 and first["next"] == 50
    second = portal.ok("crm.contact.list", {"filter": {"ORIGINATOR_ID": "paging"}, "select": ["ID"], "start": 50})
    assert len(second["result"]) == 5 and second["total"] == 55 and "next" not in second
    seen = [r["ID"] for r in first["result"] + second["result"]]
    assert len(set(seen)) == 55 and seen == sorted(seen, key=int)


# ---------------------------------------------------------------- deals and companies


def test_deal_round_trip(portal):
    new_id = portal.ok("crm.deal.add", {"fields": {"TITLE": "API deal", "CONTACT_ID": 134, "COMPANY_ID": 21,
                                                   "ASSIGNED_BY_ID": 2, "OPPORTUNITY": 1500, "CURRENCY_ID": "EUR",
                                                   "ORIGINATOR_ID": "b24conform", "ORIGIN_ID": "d-1", "NOT_A_FIELD": "x"}})["result"]
    assert new_id > 104
    got = portal.ok("crm.deal.get", {"id": new_id})["result"]
    assert (got["ID"], got["TITLE"], got["CONTACT_ID"], got["COMPANY_ID"], got["ASSIGNED_BY_ID"]) == (str(new_id), "API deal", "134", "21", "2")
    assert (got["OPPORTUNITY"], got["CURRENCY_ID"], got["STAGE_ID"], got["CATEGORY_ID"], got["CLOSED"]) == ("1500.00", "EUR", "NEW", "0", "N")
    assert (got["ORIGINATOR_ID"], got["ORIGIN_ID"]) == ("b24conform", "d-1")
    assert "NOT_A_FIELD" not in got
    portal.ok("crm.deal.update", {"id": new_id, "fields": {"TITLE": "Renamed", "STAGE_ID": "WON"}})
    got = portal.ok("crm.deal.get", {"id": new_id})["result"]
    assert (got["TITLE"], got["STAGE_ID"], got["CONTACT_ID"]) == ("Renamed", "WON", "134")
    listed = portal.ok("crm.deal.list", {"filter": {"ORIGINATOR_ID": "b24conform"}, "select": ["ID", "TITLE"]})
    assert listed["result"] == [{"ID": str(new_id), "TITLE": "Renamed"}] and listed["total"] == 1
    assert portal.ok("crm.deal.delete", {"id": new_id})["result"] is True
    assert portal.ok("crm.deal.list", {"filter": {"ORIGINATOR_ID": "b24conform"}})["total"] == 0


def test_company_round_trip(portal):
    new_id = portal.ok("crm.company.add", {"fields": {"TITLE": "API Co", "PHONE": [{"VALUE": "+18005550300", "VALUE_TYPE": "WORK"}],
                                                      "EMAIL": [{"VALUE": "co@example.com", "VALUE_TYPE": "WORK"}],
                                                      "ORIGINATOR_ID": "b24conform", "ORIGIN_ID": "c-1"}})["result"]
    assert new_id > 23
    got = portal.ok("crm.company.get", {"id": new_id})["result"]
    assert (got["ID"], got["TITLE"], got["HAS_PHONE"], got["ASSIGNED_BY_ID"], got["ORIGIN_ID"]) == (str(new_id), "API Co", "Y", "1", "c-1")
    assert got["EMAIL"][0]["VALUE"] == "co@example.com"
    portal.ok("crm.company.update", {"id": new_id, "fields": {"TITLE": "API Co 2"}})
    assert portal.ok("crm.company.get", {"id": new_id})["result"]["TITLE"] == "API Co 2"
    listed = portal.ok("crm.company.list", {"filter": {"ORIGINATOR_ID": "b24conform"}, "select": ["ID"]})
    assert listed["result"] == [{"ID": str(new_id)}]
    portal.ok("crm.company.delete", {"id": new_id})
    assert error(portal.call("crm.company.get", {"id": new_id}))[1]["error_description"] == "Not found"


def test_ids_never_reused_after_delete(portal):
    first = portal.ok("crm.deal.add", {"fields": {"TITLE": "a"}})["result"]
    portal.ok("crm.deal.delete", {"id": first})
    assert portal.ok("crm.deal.add", {"fields": {"TITLE": "b"}})["result"] == first + 1


# ---------------------------------------------------------------- bindings of crm.activity.add


def test_api_created_contact_and_deal_bind_activities_until_deleted(portal):
    contact = portal.ok("crm.contact.add", {"fields": contact_fields()})["result"]
    deal = portal.ok("crm.deal.add", {"fields": {"TITLE": "Bound", "CONTACT_ID": contact}})["result"]
    comm = {"VALUE": "+18005550100", "ENTITY_ID": contact, "ENTITY_TYPE_ID": 3}
    owned = call_fields(OWNER_TYPE_ID=2, OWNER_ID=deal, COMMUNICATIONS=[comm])
    activity = portal.ok("crm.activity.add", {"fields": owned})["result"]
    got = portal.ok("crm.activity.get", {"id": activity})["result"]
    assert (got["OWNER_TYPE_ID"], got["OWNER_ID"]) == ("2", str(deal))
    assert got["COMMUNICATIONS"][0]["ENTITY_ID"] == str(contact)
    # Without an owner, the communication's contact binds the activity (AMB-OWNER-REQUIRED).
    by_contact = portal.ok("crm.activity.add", {"fields": call_fields(COMMUNICATIONS=[comm])})["result"]
    assert portal.ok("crm.activity.get", {"id": by_contact})["result"]["OWNER_ID"] == str(contact)

    # Deleting items activities are bound to is allowed; afterwards they bind nothing.
    portal.ok("crm.deal.delete", {"id": deal})
    portal.ok("crm.contact.delete", {"id": contact})
    assert error(portal.call("crm.activity.add", {"fields": owned})) == (400, BINDING_FAILED)
    assert error(portal.call("crm.activity.add", {"fields": call_fields(COMMUNICATIONS=[comm])})) == (400, BINDING_FAILED)
    assert portal.ok("crm.activity.get", {"id": activity})["result"]["OWNER_ID"] == str(deal)


def test_deleted_seed_item_no_longer_binds(portal):
    portal.ok("crm.deal.delete", {"id": 103})
    fields = call_fields(OWNER_TYPE_ID=2, OWNER_ID=103, COMMUNICATIONS=[{"VALUE": "+1", "ENTITY_ID": 999, "ENTITY_TYPE_ID": 3}])
    assert error(portal.call("crm.activity.add", {"fields": fields})) == (400, BINDING_FAILED)


def test_items_work_inside_batch(portal):
    body = portal.ok("batch", {"halt": 0, "cmd": {
        "c": "crm.contact.add?fields[NAME]=Batch&fields[PHONE][0][VALUE]=%2B18005550500&fields[PHONE][0][VALUE_TYPE]=WORK",
        "d": "crm.deal.add?fields[TITLE]=Batch&fields[CONTACT_ID]=$result[c]",
        "a": "crm.activity.add?fields[TYPE_ID]=2&fields[SUBJECT]=x&fields[RESPONSIBLE_ID]=1&fields[OWNER_TYPE_ID]=2"
             "&fields[OWNER_ID]=$result[d]&fields[COMMUNICATIONS][0][VALUE]=%2B18005550500"
             "&fields[COMMUNICATIONS][0][ENTITY_ID]=$result[c]&fields[COMMUNICATIONS][0][ENTITY_TYPE_ID]=3",
        "g": "crm.deal.get?id=$result[d]",
        "m": "crm.contact.get?id=999999",
        "u": "user.current",
    }})["result"]
    results = body["result"]
    assert results["g"]["CONTACT_ID"] == str(results["c"]) and isinstance(results["a"], int)
    assert results["u"]["ID"] == "1"
    assert body["result_error"] == {"m": {"error": "", "error_description": "Not found"}}


# ---------------------------------------------------------------- users


def test_user_current_and_profile(portal):
    current = portal.ok("user.current")["result"]
    assert (current["ID"], current["ACTIVE"], current["NAME"], current["LAST_NAME"]) == ("1", True, "Admin", "Portal")
    profile = portal.ok("profile")["result"]
    assert profile == {"ID": "1", "ADMIN": True, "NAME": "Admin", "LAST_NAME": "Portal", "PERSONAL_GENDER": "", "TIME_ZONE": ""}
    restricted = portal.call("profile", hook=portal.config.roles["restricted_webhook"]).json()["result"]
    assert (restricted["ID"], restricted["ADMIN"]) == ("3", False)


def test_user_get_filters(portal):
    everyone = portal.ok("user.get")
    assert [u["ID"] for u in everyone["result"]] == ["1", "2", "3", "4", "5"] and everyone["total"] == 5
    active = portal.ok("user.get", {"FILTER": {"ACTIVE": True}})["result"]
    assert [u["ID"] for u in active] == ["1", "2", "3", "4"] and all(u["ACTIVE"] is True for u in active)
    one = portal.ok("user.get", {"filter": {"ID": 2}})["result"]
    assert [(u["ID"], u["NAME"]) for u in one] == [("2", "Maria")]
    others = portal.ok("user.get", {"FILTER": {"!ID": 1, "ACTIVE": "Y"}, "sort": "ID", "order": "DESC"})["result"]
    assert [u["ID"] for u in others] == ["4", "3", "2"]


def test_scopes(portal):
    unscoped = portal.config.roles["unscoped_webhook"]  # every scope but crm
    refused = portal.call("crm.contact.add", {"fields": {"NAME": "x"}}, hook=unscoped)
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"
    assert portal.call("crm.deal.list", hook=unscoped).status_code == 403
    assert portal.call("user.current", hook=unscoped).status_code == 200


def test_user_methods_need_a_user_scope_except_profile():
    crm_only = Webhook(1, "crmonly", scopes=("crm",))
    brief = Webhook(1, "brief", scopes=("user_brief",))
    config = PortalConfig(webhooks=[crm_only, brief])
    with TestClient(build_app(config), base_url="https://testserver") as client:
        p = Portal(client, crm_only)
        for method in ("user.current", "user.get"):
            r = p.call(method)
            assert r.status_code == 403 and r.json()["error"] == "insufficient_scope", method
            assert p.call(method, hook=brief).status_code == 200
        assert p.call("profile").status_code == 200
        assert p.call("crm.contact.list").status_code == 200
        assert p.call("crm.contact.list", hook=brief).status_code == 403


# ---------------------------------------------------------------- the second seed world


def test_world_other_ids_shares_no_id_with_the_packaged_seed():
    packaged, other = SeedWorld.load().data, SeedWorld.load(WORLD_OTHER_IDS).data
    for name in ("users", "leads", "deals", "contacts", "companies"):
        assert other[name], name
        assert not {int(i["ID"]) for i in packaged[name]} & {int(i["ID"]) for i in other[name]}, name
    users = {u["ID"]: u for u in other["users"]}
    assert users[7001]["ADMIN"] and all(users[7001]["rights"].values())
    assert any(not u.get("ACTIVE", True) for u in users.values())
    assert any(not u["rights"]["add"] for u in users.values())


def test_world_other_ids_serves_its_own_items():
    hook = Webhook(7001, "abc")
    config = PortalConfig(webhooks=[hook], seed_data=WORLD_OTHER_IDS)
    with TestClient(build_app(config), base_url="https://testserver") as client:
        p = Portal(client, hook)
        assert p.ok("user.current")["result"]["ID"] == "7001"
        fields = call_fields(RESPONSIBLE_ID=7001, OWNER_TYPE_ID=2, OWNER_ID=8101,
                             COMMUNICATIONS=[{"VALUE": "+18005558201", "ENTITY_ID": 8201, "ENTITY_TYPE_ID": 3}])
        assert isinstance(p.ok("crm.activity.add", {"fields": fields})["result"], int)
        packaged = call_fields(RESPONSIBLE_ID=7001, OWNER_TYPE_ID=2, OWNER_ID=102,
                               COMMUNICATIONS=[{"VALUE": "+1", "ENTITY_ID": 134, "ENTITY_TYPE_ID": 3}])
        assert error(p.call("crm.activity.add", {"fields": packaged})) == (400, BINDING_FAILED)
        assert p.ok("crm.contact.add", {"fields": {"NAME": "New"}})["result"] == 8203
        assert [u["ID"] for u in p.ok("user.get", {"FILTER": {"ACTIVE": True}})["result"]] == ["7001", "7002", "7003"]
