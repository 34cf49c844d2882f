"""Exact results of suites/_support.succeeded and shared (the batch plan's cache keys, a stopped call
remembered), so the mutation survivors of these helpers change a result here."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from b24conform.judge.batchplan import PlanStop
from suites import _support as s


def test_succeeded_batch_command_by_its_envelope():
    assert s.succeeded(SimpleNamespace(status=None, json={"result": 1}, via_batch=True)) is True
    assert s.succeeded(SimpleNamespace(status=None, json={"error": "E"}, via_batch=True)) is False
    assert s.succeeded(SimpleNamespace(status=200, json=None)) is True


def test_refused_by_status_or_by_a_batch_commands_envelope():
    assert s.refused(SimpleNamespace(status=400, json=None)) is True
    assert s.refused(SimpleNamespace(status=401, json=None)) is False
    assert s.refused(SimpleNamespace(status=401, json=None), 401) is True
    assert s.refused(SimpleNamespace(status=200, json={"error": "E"})) is False  # top level: the status decides
    assert s.refused(SimpleNamespace(status=None, json={"error": "E", "error_description": "D"}, via_batch=True)) is True
    assert s.refused(SimpleNamespace(status=400, json={"result": 1}, via_batch=True)) is False
    assert s.refused(SimpleNamespace(status=400, json=["error"], via_batch=True)) is False
    assert s.refused(SimpleNamespace(status=400, json=None, via_batch=False)) is True


class Plan:
    def __init__(self):
        self.active = False
        self.stops = 0

    def stop(self, method):
        self.stops += 1
        return PlanStop(method)


def live(plan=None):
    t = SimpleNamespace(kind="live")
    if plan is not None:
        t.plan = plan
    return t


def test_shared_plan_answer_kept_apart_from_the_wire_one():
    plan = Plan()
    t = live(plan)
    plan.active = True
    assert s.shared(t, "k", lambda: "planned") == "planned"
    plan.active = False
    assert s.shared(t, "k", lambda: "wire") == "wire"
    plan.active = True
    assert s.shared(t, "k", lambda: "again") == "planned"


def test_shared_wire_answer_serves_a_planned_check():
    plan = Plan()
    t = live(plan)
    assert s.shared(t, "k", lambda: "wire") == "wire"
    plan.active = True
    assert s.shared(t, "k", lambda: "planned") == "wire"


def raise_stop(msg):
    def send():
        raise PlanStop(msg)
    return send


def test_shared_stop_remembered_without_a_plan():
    t = live()
    with pytest.raises(PlanStop):
        s.shared(t, "k", raise_stop("crm.activity.get"))
    with pytest.raises(PlanStop) as again:
        s.shared(t, "k", lambda: "never")
    assert str(again.value) == "crm.activity.get"


def test_shared_stop_remembered_with_a_plan():
    plan = Plan()
    plan.active = True
    t = live(plan)
    with pytest.raises(PlanStop):
        s.shared(t, "k", raise_stop("crm.activity.get"))
    with pytest.raises(PlanStop) as again:
        s.shared(t, "k", lambda: "never")
    assert str(again.value) == "crm.activity.get"
    assert plan.stops == 1
