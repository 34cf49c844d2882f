"""The records a live run binds to: found or created by the judge, never the mock's seed ids."""
from __future__ import annotations

import json

import httpx

from b24conform.judge.client import Endpoints, Webhook
from b24conform.judge.target import Target, TargetFixtures
from b24conform.judge.world import establish, rebind


def _portal(answers: dict[str, dict], seen: list[tuple[str, dict]]) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        seen.append((method, json.loads(request.content or b"{}")))
        status, payload = answers.get(method, (404, {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "x"}))
        return httpx.Response(status, json=payload)
    return httpx.Client(transport=httpx.MockTransport(handle))


def _target(client: httpx.Client, *, allow_writes: bool) -> Target:
    return Target(Endpoints("https://portal.example", Webhook(7, "code")), kind="live", run_id="run1",
                  allow_writes=allow_writes, client=client)


def test_with_writes_the_judge_creates_a_marked_contact_and_deal_and_binds_to_them():
    seen: list = []
    client = _portal({"profile": (200, {"result": {"ID": "7"}}),
                      "crm.contact.add": (200, {"result": 501}), "crm.deal.add": (200, {"result": 601})}, seen)
    target = _target(client, allow_writes=True)
    world = establish(target, {})
    assert world.complete
    assert (world.fixtures.owner_id, world.fixtures.contact_id, world.fixtures.responsible_id) == (601, 501, 7)
    contact = dict(seen)["crm.contact.add"]["fields"]
    assert contact["NAME"].startswith("[b24conform run1] ") and contact["ORIGINATOR_ID"] == "b24conform"
    assert contact["PHONE"][0]["VALUE"] and contact["EMAIL"][0]["VALUE"].endswith("@example.invalid")
    deal = dict(seen)["crm.deal.add"]["fields"]
    assert deal["CONTACT_ID"] == 501 and deal["ASSIGNED_BY_ID"] == 7 and deal["TITLE"].startswith("[b24conform run1] ")
    # Ledgered as the judge's own: cleanup deletes them, and the gate lets the run delete them.
    assert target.ledger.outstanding().records == {"contact": [501], "deal": [601]}
    assert target.may_touch("deal", 601) and not target.may_touch("deal", 102)


def test_without_writes_nothing_is_created_and_the_reason_is_kept():
    seen: list = []
    target = _target(_portal({"profile": (200, {"result": {"ID": "7"}})}, seen), allow_writes=False)
    world = establish(target, {})
    assert [m for m, _ in seen] == ["profile"]
    assert set(world.missing) == {"owner_id", "contact_id"} and "--allow-writes" in world.missing["owner_id"]
    assert world.fixtures.owner_id != TargetFixtures().owner_id  # never the mock's deal 102


def test_given_fixtures_win_and_nothing_is_looked_up():
    seen: list = []
    target = _target(_portal({}, seen), allow_writes=True)
    world = establish(target, {"owner_id": 11, "contact_id": 12, "responsible_id": 13})
    assert seen == [] and world.complete and world.fixtures.owner_id == 11


def test_an_unknown_own_user_falls_back_to_user_current_then_says_why():
    seen: list = []
    target = _target(_portal({"user.current": (200, {"result": {"ID": "9"}})}, seen), allow_writes=False)
    assert establish(target, {"owner_id": 1, "contact_id": 2}).fixtures.responsible_id == 9
    refused = _target(_portal({}, []), allow_writes=False)
    assert "--responsible" in establish(refused, {"owner_id": 1, "contact_id": 2}).missing["responsible_id"]


def test_rebind_replaces_well_formed_ids_and_keeps_negative_cases():
    fixtures = TargetFixtures(owner_id=601, contact_id=501, responsible_id=7)
    fields = {"OWNER_ID": 102, "RESPONSIBLE_ID": "1", "COMMUNICATIONS": [{"ENTITY_ID": 134}, {"ENTITY_ID": -3}, "x"]}
    assert rebind(fields, fixtures) == {"OWNER_ID": 601, "RESPONSIBLE_ID": 7,
                                        "COMMUNICATIONS": [{"ENTITY_ID": 501}, {"ENTITY_ID": -3}, "x"]}
    assert rebind({"OWNER_ID": "abc", "RESPONSIBLE_ID": None}, fixtures) == {"OWNER_ID": "abc", "RESPONSIBLE_ID": None}
