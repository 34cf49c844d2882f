"""Limits on a fake clock: the bucket trips at the documented numbers, drains at the documented
rate; the operating budget blocks the call after the one that crossed it. No sleeping."""
from __future__ import annotations

import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from b24conform.contract import load_contract
from b24conform.portal.assembly import build_app
from b24conform.portal.clock import FakeClock
from b24conform.portal.config import PortalConfig
from b24conform.portal.limits import PLANS, WINDOW_SECONDS, LeakyBucket, OperatingBudget

CONTRACT = load_contract()


@pytest.mark.parametrize("plan, rate, burst", [("standard", 2, 50), ("enterprise", 5, 250)])
def test_bucket_numbers(plan, rate, burst):
    assert PLANS[plan] == (rate, burst)
    bucket, t = LeakyBucket(*PLANS[plan]), 1000.0
    assert all(bucket.admit(t) for _ in range(burst))
    assert not bucket.admit(t)
    # one second drains `rate` requests, no more
    t += 1.0
    assert all(bucket.admit(t) for _ in range(rate))
    assert not bucket.admit(t)
    # at the drain rate the bucket never refuses
    for _ in range(100):
        t += 1.0 / rate
        assert bucket.admit(t)


def test_operating_budget_buckets():
    budget, t = OperatingBudget(budget=10.0), 5000.0
    budget.record("k", "m", 6.0, t)
    assert not budget.blocked("k", "m", t + 1)
    budget.record("k", "m", 6.0, t + 30)         # same one-minute bucket
    assert budget.blocked("k", "m", t + 31)       # over budget: the next call is refused
    assert not budget.blocked("other", "m", t + 31) and not budget.blocked("k", "other", t + 31)
    assert budget.reset_at("k", "m", t + 31) == int(t + WINDOW_SECONDS)
    budget.record("k", "m", 1.0, t + 90)          # a second bucket
    assert budget.used("k", "m", t + WINDOW_SECONDS) == 1.0   # the first bucket left the window
    assert not budget.blocked("k", "m", t + WINDOW_SECONDS)



def test_operating_budget_account_is_record_then_used_and_reset_at():
    one, other, t = OperatingBudget(budget=10.0), OperatingBudget(budget=10.0), 5000.0
    for seconds, at in ((6.0, t), (None, t + 10), (2.0, t + 90), (1.0, t + WINDOW_SECONDS + 1)):
        if seconds is not None:
            other.record("k", "m", seconds, at)
        expected = (other.used("k", "m", at), other.reset_at("k", "m", at))
        assert one.account("k", "m", seconds, at) == expected
    assert one.account("k", "m", None, t + WINDOW_SECONDS + 1) == (3.0, int(t + 90 + WINDOW_SECONDS))

def make(limits="standard", step=0.0, **kw):
    clock = FakeClock(step=step)
    config = PortalConfig.for_conformance(limits=limits, clock=clock, **kw)
    client = TestClient(build_app(config), base_url="https://testserver")
    hook = config.roles["webhook"]
    return client, clock, config, f"/rest/{hook.user_id}/{hook.code}/"


def test_portal_refuses_the_51st_request_and_drains():
    client, clock, _, hook = make()
    with client:
        statuses = [client.post(hook + "crm.enum.activitytype").status_code for _ in range(51)]
        assert statuses[:50] == [200] * 50
        refused = client.post(hook + "crm.enum.activitytype")
        entry = CONTRACT.error("QUERY_LIMIT_EXCEEDED")
        assert statuses[50] == entry.http_status == refused.status_code == 503
        assert refused.json() == entry.body()
        clock.advance(1.0)  # standard plan: 2 per second
        assert [client.post(hook + "crm.enum.activitytype").status_code for _ in range(3)] == [200, 200, 503]


def test_limits_off_never_refuses():
    client, _, _, hook = make(limits="off")
    with client:
        assert {client.post(hook + "crm.enum.activitytype").status_code for _ in range(80)} == {200}


def test_operating_limit_blocks_the_call_after_the_crossing_one():
    # Every read of the fake clock moves it by 0.25 s, so each call "runs" a fixed positive time.
    client, _, config, hook = make(step=0.25, operating_budget=3.0)
    with client:
        history = []
        for _ in range(100):
            r = client.post(hook + "crm.activity.fields")
            history.append(r)
            if r.status_code != 200:
                break
        blocked = history[-1]
        entry = CONTRACT.error("OPERATION_TIME_LIMIT")
        assert (blocked.status_code, blocked.json()) == (entry.http_status, entry.body())
        crossing, before = history[-2].json()["time"], history[-3].json()["time"]
        assert before["operating"] <= 3.0 < crossing["operating"]
        operatings = [r.json()["time"]["operating"] for r in history[:-1]]
        assert operatings == sorted(operatings)  # grows with use
        # other methods and other credentials still answer
        assert client.post(hook + "crm.enum.activitytype").status_code == 200
        token = config.roles["oauth_token"].token
        assert client.post("/rest/crm.activity.fields", json={"auth": token}).status_code == 200


def test_operating_is_per_method_and_reported():
    client, _, _, hook = make(step=0.1)
    with client:
        a = client.post(hook + "crm.activity.fields").json()["time"]
        b = client.post(hook + "crm.activity.fields").json()["time"]
        c = client.post(hook + "crm.enum.activitytype").json()["time"]
        assert b["operating"] > a["operating"] > 0
        assert c["operating"] == pytest.approx(a["operating"])
        assert isinstance(a["operating_reset_at"], int) and a["operating_reset_at"] >= int(a["start"])
