"""The list faults of portal/faults/readback.py (RT-020..RT-023's deviant profiles): each bends exactly
what it names, and the faithful portal does none of it."""
from __future__ import annotations

from tests.test_portal_profiles import add, portal_with

from b24conform.portal.testing import call


def ids(reply):
    return [item["ID"] for item in reply.json()["result"]]


ORDER_DESC = {"order": {"ID": "DESC"}, "select": ["ID"]}


def test_faithful_list_honours_order_start_and_filters(tmp_path):
    with portal_with(tmp_path) as c:
        made = [str(add(c).json()["result"]) for _ in range(3)]
        assert ids(call(c, "crm.activity.list", ORDER_DESC)) == made[::-1]
        assert ids(call(c, "crm.activity.list", {**ORDER_DESC, "start": 2})) == made[:1]
        assert ids(call(c, "crm.activity.list", {"filter": {"ID": made[0], "PRIORITY": 1}})) == []
        listed = call(c, "crm.activity.list", {"filter": {"ID": made[0]}, "select": ["DESCRIPTION"]}).json()["result"]
        got = call(c, "crm.activity.get", {"id": made[0]}).json()["result"]
        assert listed[0]["DESCRIPTION"] == got["DESCRIPTION"]


def test_list_faults(tmp_path):
    with portal_with(tmp_path, {"store": "list_ignores_order"}, {"store": "list_ignores_start"},
                     {"store": {"fault": "list_ignores_filter", "field": "PRIORITY"}},
                     {"store": {"fault": "alter_listed_field", "field": "DESCRIPTION", "append": " (listed)"}}) as c:
        made = [str(add(c).json()["result"]) for _ in range(3)]
        assert ids(call(c, "crm.activity.list", ORDER_DESC)) == made  # the default order
        assert ids(call(c, "crm.activity.list", {"select": ["ID"], "start": 2})) == made  # the first page
        assert call(c, "crm.activity.list", {"select": ["ID"], "start": -1}).json()["total"] == 0
        assert ids(call(c, "crm.activity.list", {"filter": {"ID": made[0], ">=PRIORITY": 9}})) == made[:1]
        listed = call(c, "crm.activity.list", {"filter": {"ID": made[0]}, "select": ["DESCRIPTION"]}).json()["result"]
        got = call(c, "crm.activity.get", {"id": made[0]}).json()["result"]
        assert listed[0]["DESCRIPTION"] == got["DESCRIPTION"] + " (listed)"


def test_list_keeps_deleted(tmp_path):
    with portal_with(tmp_path, {"store": "list_keeps_deleted"}) as c:
        gone, kept = str(add(c).json()["result"]), str(add(c).json()["result"])
        assert call(c, "crm.activity.delete", {"id": gone}).json()["result"] is True
        assert "error" in call(c, "crm.activity.get", {"id": gone}).json()
        listed = call(c, "crm.activity.list", {"filter": {"ID": gone}}).json()
        assert ids_of(listed) == [gone] and listed["total"] == 1
        assert ids_of(call(c, "crm.activity.list", {"select": ["ID"]}).json()) == [kept]
    with portal_with(tmp_path) as c:
        gone = str(add(c).json()["result"])
        call(c, "crm.activity.delete", {"id": gone})
        assert call(c, "crm.activity.list", {"filter": {"ID": gone}}).json()["total"] == 0


def ids_of(body):
    return [item["ID"] for item in body["result"]]
