"""The pure helpers of suites/_support.py, with hand-made replies and small fake targets (no portal): what
each returns, exactly, so a change to one shows as a failing test (benchmarks/mutation_checks.py)."""
from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from b24conform.contract import load_contract
from b24conform.verdict.problems import Problem
from suites import _support as s
from recorded import TIME

CONTRACT = load_contract()


class Evidence:
    def __init__(self):
        self.records = []

    def record(self, reply, note="", problems=None):
        self.records.append((reply, note, problems))


def reply(body, status=200, method="POST", url="https://portal/rest/crm.activity.add"):
    return SimpleNamespace(status=status, headers={"content-type": "application/json"}, json=body, text=repr(body),
                           request=SimpleNamespace(http_method=method, url=url), curl=lambda: "curl -X POST u")


def ok(result=7):
    return reply({"result": result, "time": copy.deepcopy(TIME)})


class Target:
    """Answers every call from `answers` (method -> reply) and remembers what was sent."""

    def __init__(self, answers=None, kind="mock", responsible_id=1):
        self.answers = answers or {}
        self.kind = kind
        self.calls = []
        self.added = []
        self.fixtures = SimpleNamespace(responsible_id=responsible_id)

    def call(self, method, params, **kwargs):
        self.calls.append((method, params, kwargs))
        return self.answers.get(method, ok())

    def add(self, fields, **kwargs):
        self.added.append((fields, kwargs))
        return self.answers.get("add", ok())


# -- fake contract pieces ---------------------------------------------------------------------------------

def fake_contract(ambiguity_errors=None, accepted=()):
    amb = SimpleNamespace(errors=ambiguity_errors or {}, accepted_errors=lambda mode: accepted)
    plain = SimpleNamespace(errors={}, accepted_errors=lambda mode: ("NEVER",))
    return SimpleNamespace(
        clauses={"C-1": SimpleNamespace(errors=("E1", "E2"), ambiguities=("AMB-PLAIN", "AMB-X"))},
        ambiguities={"AMB-X": amb, "AMB-PLAIN": plain},
    )


def test_clause_errors_and_clause_error():
    c = fake_contract()
    assert s.clause_errors(c, "C-1") == ("E1", "E2")
    assert s.clause_error(c, "C-1") == "E1"


def test_accepted_errors_reads_the_ambiguity_or_the_default():
    assert s.accepted_errors(fake_contract(accepted=("A", "B")), "strict", "AMB-X", "D") == ("A", "B")
    assert s.accepted_errors(fake_contract(accepted=()), "strict", "AMB-X", "D") == ("D",)


def test_accepted_errors_passes_the_mode():
    seen = []
    amb = SimpleNamespace(accepted_errors=lambda mode: seen.append(mode) or ("A",))
    c = SimpleNamespace(ambiguities={"AMB-X": amb})
    assert s.accepted_errors(c, "lenient", "AMB-X", "D") == ("A",)
    assert seen == ["lenient"]


def test_clause_accepted_errors_uses_the_first_ambiguity_with_errors():
    c = fake_contract(ambiguity_errors={"a": ("A",)}, accepted=("A", "B"))
    assert s.clause_accepted_errors(c, "strict", "C-1") == ("A", "B")
    # accepted nothing: the clause's first error
    c = fake_contract(ambiguity_errors={"a": ("A",)}, accepted=())
    assert s.clause_accepted_errors(c, "strict", "C-1") == ("E1",)


def test_clause_accepted_errors_without_errors_per_reading():
    assert s.clause_accepted_errors(fake_contract(), "strict", "C-1") == ("E1",)


def test_clause_accepted_errors_on_the_real_contract():
    for clause_id, clause in CONTRACT.clauses.items():
        if not clause.errors:
            continue
        got = s.clause_accepted_errors(CONTRACT, "strict", clause_id)
        assert got and all(isinstance(e, str) for e in got)
        assert s.clause_error(CONTRACT, clause_id) == clause.errors[0]


P = Problem("other", actual="x")


def test_fits_one():
    assert s.fits_one(["A", "B"], lambda e: [] if e == "B" else [P]) == []
    assert s.fits_one(["A", "B"], lambda e: [] if e == "A" else [P]) == []
    q = Problem("other", actual="second")
    assert s.fits_one(["A", "B"], lambda e: [P] if e == "A" else [q]) == [P]
    assert s.fits_one(["A"], lambda e: [P]) == [P]
    with pytest.raises(IndexError):  # no error to try: a suite always passes at least one
        s.fits_one([], lambda e: [P])


def test_enum_id():
    assert s.enum_id(CONTRACT, "activitytype", "E-mail") == 4
    fake = SimpleNamespace(enums={"t": SimpleNamespace(values=({"ID": "1", "NAME": "a"}, {"ID": "9", "NAME": "b"}))})
    assert s.enum_id(fake, "t", "b") == 9
    with pytest.raises(StopIteration):
        s.enum_id(fake, "t", "c")


# -- judging and sending ------------------------------------------------------------------------------------

def test_judge_records_and_passes_without_problems():
    ev = Evidence()
    r = ok()
    s.judge(ev, r, [None, ""], note="n")
    assert ev.records == [(r, "n", [])]


def test_judge_fails_with_every_problem_and_the_curl():
    ev = Evidence()
    r = ok()
    with pytest.raises(AssertionError) as info:
        s.judge(ev, r, [P, "a sentence"])
    text = str(info.value)
    assert "3 conformance problem(s) in POST https://portal/rest/crm.activity.add" in text
    assert "reproduce with: curl -X POST u" in text
    assert ev.records == [(r, "", [P, Problem("other", actual="a sentence")])]


def test_judge_uses_the_note_as_context():
    with pytest.raises(AssertionError) as info:
        s.judge(Evidence(), ok(), [P], note="the note")
    assert "in the note:" in str(info.value)


def test_expect_error_and_one_of():
    bad = reply({"error": "X"}, status=400)
    with pytest.raises(AssertionError) as info:
        s.expect_error(Target(), CONTRACT, "strict", Evidence(), bad, "ADD_SUBJECT_MISSING")
    assert "in ADD_SUBJECT_MISSING:" in str(info.value)
    with pytest.raises(AssertionError) as info:
        s.expect_one_of(CONTRACT, "strict", Evidence(), bad, ["ADD_SUBJECT_MISSING", "ACCESS_DENIED"])
    assert "in ADD_SUBJECT_MISSING | ACCESS_DENIED:" in str(info.value)
    body = CONTRACT.error("ADD_SUBJECT_MISSING").body()
    good = reply(body, status=CONTRACT.error("ADD_SUBJECT_MISSING").http_status)
    ev = Evidence()
    s.expect_error(Target(), CONTRACT, "strict", ev, good, "ADD_SUBJECT_MISSING")
    s.expect_one_of(CONTRACT, "strict", ev, good, iter(["ACCESS_DENIED", "ADD_SUBJECT_MISSING"]))
    assert [(n, p) for _, n, p in ev.records] == [("ADD_SUBJECT_MISSING", []), ("ACCESS_DENIED | ADD_SUBJECT_MISSING", [])]


def test_shared_on_the_mock_sends_every_time():
    t = Target(kind="mock")
    sent = []
    assert s.shared(t, "k", lambda: sent.append(1) or len(sent)) == 1
    assert s.shared(t, "k", lambda: sent.append(1) or len(sent)) == 2
    assert "_b24_shared" not in t.__dict__


def test_shared_on_a_live_target_sends_once_per_key():
    t = Target(kind="live")
    sent = []
    assert s.shared(t, "k", lambda: sent.append(1) or len(sent)) == 1
    assert s.shared(t, "k", lambda: sent.append(1) or len(sent)) == 1
    assert s.shared(t, "other", lambda: sent.append(1) or len(sent)) == 2
    assert t._b24_shared == {("k", "wire"): 1, ("other", "wire"): 2}


class _Plan:
    def __init__(self, active):
        self.active = active
        self.stops = 0

    def stop(self, method):
        from b24conform.judge.batchplan import PlanStop

        self.stops += 1
        return PlanStop(method)


def test_shared_keeps_batch_answers_from_checks_that_need_their_own():
    """A check the batch plan answers may reuse a reply of its own the run has; a check outside the plan
    never gets a batch command's answer (it has no status or headers to judge)."""
    from b24conform.judge.batchplan import PlanStop

    t = Target(kind="live")
    t.plan = _Plan(active=False)
    assert s.shared(t, "k", lambda: "wire reply") == "wire reply"
    t.plan.active = True
    assert s.shared(t, "k", lambda: "batch reply") == "wire reply"
    assert s.shared(t, "only-planned", lambda: "batch reply") == "batch reply"
    t.plan.active = False
    assert s.shared(t, "only-planned", lambda: "wire reply") == "wire reply"
    # A dry run's stop is remembered for the wave: the next check asking stops without asking again.
    t.plan.active = True
    asked = []

    def stop():
        asked.append(1)
        raise PlanStop("crm.activity.add")

    for _ in range(2):
        try:
            s.shared(t, "dry", stop)
        except PlanStop:
            pass
    assert asked == [1] and t.plan.stops == 1  # the second check's stop is counted: it did not finish


def test_call_no_input_and_get_and_list():
    t = Target(kind="live")
    a = s.call_no_input(t, "CRM.Activity.Fields")
    b = s.call_no_input(t, "crm.activity.fields")
    assert a is b and t.calls == [("CRM.Activity.Fields", {}, {})]
    t = Target()
    s.get(t, 5)
    s.get(t, 6, top_level=True)  # the call options reach the target (RT-007 asks outside the batch plan)
    s.list_by_id(t, 5)
    s.list_by_id(t, 5, ["ID"])
    assert t.calls == [("crm.activity.get", {"id": 5}, {}), ("crm.activity.get", {"id": 6}, {"top_level": True}),
                       ("crm.activity.list", {"filter": {"ID": 5}, "select": ["*", "COMMUNICATIONS"]}, {}),
                       ("crm.activity.list", {"filter": {"ID": 5}, "select": ["ID"]}, {})]


def test_try_add_and_add_once_share_on_a_live_target():
    t = Target(kind="live")
    r1 = s.try_add(t, {"SUBJECT": ""}, auth="x")
    r2 = s.try_add(t, {"SUBJECT": ""}, auth="x")
    s.try_add(t, {"SUBJECT": ""}, auth="y")
    assert r1 is r2
    assert t.calls == [(s.ADD, {"fields": {"SUBJECT": ""}}, {"auth": "x"}), (s.ADD, {"fields": {"SUBJECT": ""}}, {"auth": "y"})]
    a1 = s.add_once(t, {"A": 1}, k=1)
    a2 = s.add_once(t, {"A": 1}, k=1)
    s.add_once(t, {"A": 2}, k=1)
    assert a1 is a2 and t.added == [({"A": 1}, {"k": 1}), ({"A": 2}, {"k": 1})]
    assert len(t._b24_shared) == 4


def test_add_ok_returns_the_id():
    t = Target({"add": ok(12)})
    ev = Evidence()
    assert s.add_ok(t, CONTRACT, "strict", ev, {"SUBJECT": "s"}, x=1) == 12
    assert t.added == [({"SUBJECT": "s"}, {"x": 1})]
    assert [(n, p) for _, n, p in ev.records] == [("add", [])]


def test_add_ok_reuse_goes_through_add_once():
    t = Target({"add": ok(12)}, kind="live")
    ev = Evidence()
    assert s.add_ok(t, CONTRACT, "strict", ev, {"S": 1}, note="n", reuse=True) == 12
    assert s.add_ok(t, CONTRACT, "strict", ev, {"S": 1}, note="n", reuse=True) == 12
    assert len(t.added) == 1


def test_add_ok_judges_the_envelope_unless_told_not_to():
    bad = reply({"result": 12})  # no time block
    with pytest.raises(AssertionError):
        s.add_ok(Target({"add": bad}), CONTRACT, "strict", Evidence(), {})
    ev = Evidence()
    assert s.add_ok(Target({"add": bad}), CONTRACT, "strict", ev, {}, envelope=False) == 12
    assert [p for _, _, p in ev.records] == [[]]
    # envelope=False still fails without an id, or on a status other than 200
    with pytest.raises(AssertionError):
        s.add_ok(Target({"add": reply({"result": 0})}), CONTRACT, "strict", Evidence(), {}, envelope=False)
    with pytest.raises(AssertionError):
        s.add_ok(Target({"add": reply({"result": 12}, status=201)}), CONTRACT, "strict", Evidence(), {}, envelope=False)


# -- check_responsible_fallback ------------------------------------------------------------------------------

def fallback_target(got, assigned, responsible_id=1, owner_method="crm.deal.get"):
    return Target({"crm.activity.get": reply({"result": {"ID": 7, "RESPONSIBLE_ID": got}}),
                   owner_method: reply({"result": {"ID": 3, "ASSIGNED_BY_ID": assigned}})},
                  responsible_id=responsible_id)


def test_fallback_owner_responsible_passes():
    t = fallback_target("5", "5")
    ev = Evidence()
    assert s.check_responsible_fallback(t, CONTRACT, "strict", ev, ok(7), {"OWNER_TYPE_ID": 2, "OWNER_ID": 3}) == []
    assert t.calls == [("crm.activity.get", {"id": 7}, {}), ("crm.deal.get", {"id": 3}, {})]
    assert [n for _, n, _ in ev.records] == ["RESPONSIBLE_ID after the fallback", "the owner's responsible user"]


@pytest.mark.parametrize("owner_type, method", [(2, "crm.deal.get"), ("3", "crm.contact.get"), (4, "crm.company.get")])
def test_fallback_reads_the_owner_of_each_type(owner_type, method):
    t = fallback_target(5, 6, owner_method=method)
    got = s.check_responsible_fallback(t, CONTRACT, "lenient", Evidence(), ok(7), {"OWNER_TYPE_ID": owner_type, "OWNER_ID": 3})
    assert got == [Problem("readback-mismatch", "RESPONSIBLE_ID (the owner's responsible user)", expected="6",
                           actual=5, ambiguity="AMB-RESPONSIBLE-FALLBACK", mode="lenient")]
    assert t.calls[1] == (method, {"id": 3}, {})


def test_fallback_owner_without_responsible_falls_back_to_the_caller():
    assert s.check_responsible_fallback(fallback_target(1, None, responsible_id=1), CONTRACT, "strict", Evidence(),
                                        ok(7), {"OWNER_TYPE_ID": 2, "OWNER_ID": 3}) == []
    got = s.check_responsible_fallback(fallback_target(2, None, responsible_id=1), CONTRACT, "strict", Evidence(),
                                       ok(7), {"OWNER_TYPE_ID": 2, "OWNER_ID": 3})
    assert got == [Problem("readback-mismatch", "RESPONSIBLE_ID (the owner's responsible user)", expected="1",
                           actual=2, ambiguity="AMB-RESPONSIBLE-FALLBACK", mode="strict")]


def test_fallback_unknown_owner_type_is_not_judged():
    for fields in ({"OWNER_TYPE_ID": 1, "OWNER_ID": 3}, {"OWNER_ID": 3}, {"OWNER_TYPE_ID": "x"}):
        t = fallback_target(2, 9)
        assert s.check_responsible_fallback(t, CONTRACT, "strict", Evidence(), ok(7), fields) == []
        assert [m for m, _, _ in t.calls] == ["crm.activity.get"]


def test_fallback_failed_add_reports_the_add():
    bad = reply({"result": 7})  # no time block
    t = fallback_target(2, 9)
    got = s.check_responsible_fallback(t, CONTRACT, "strict", Evidence(), bad, {"OWNER_TYPE_ID": 2, "OWNER_ID": 3})
    assert [p.kind for p in got] == ["time-missing"]
    assert t.calls == []


def test_fallback_unreadable_replies():
    t = Target({"crm.activity.get": reply([]), "crm.deal.get": reply({"result": None})}, responsible_id=4)
    got = s.check_responsible_fallback(t, CONTRACT, "strict", Evidence(), ok(7), {"OWNER_TYPE_ID": 2, "OWNER_ID": 3})
    assert got == [Problem("readback-mismatch", "RESPONSIBLE_ID (the owner's responsible user)", expected="4",
                           actual=None, ambiguity="AMB-RESPONSIBLE-FALLBACK", mode="strict")]
    t = Target({"crm.activity.get": reply({"result": {"RESPONSIBLE_ID": 4}}), "crm.deal.get": reply(None)}, responsible_id=4)
    assert s.check_responsible_fallback(t, CONTRACT, "strict", Evidence(), ok(7), {"OWNER_TYPE_ID": 2, "OWNER_ID": 3}) == []


# -- the keys `shared` remembers a request by -----------------------------------------------------------------

def test_shared_keys_ignore_field_order_and_keep_kinds_apart():
    t = Target(kind="live")
    s.try_add(t, {"A": 1, "B": 2}, x={"p": 1, "q": 2})
    s.try_add(t, {"B": 2, "A": 1}, x={"q": 2, "p": 1})
    s.add_once(t, {"A": 1, "B": 2}, x={"p": 1, "q": 2})
    s.add_once(t, {"B": 2, "A": 1}, x={"q": 2, "p": 1})
    assert len(t.calls) == 1 and len(t.added) == 1
    assert {key for key, _ in t._b24_shared} == {
        ("refused add", '{"A": 1, "B": 2}', '{"x": {"p": 1, "q": 2}}'),
        ("add", '{"A": 1, "B": 2}', '{"x": {"p": 1, "q": 2}}'),
    }


def test_shared_keys_of_values_json_cannot_write():
    t = Target(kind="live")
    s.try_add(t, {"A": {1, 2}}, x=object)
    s.add_once(t, {"A": {1, 2}}, x=object)
    assert len(t._b24_shared) == 2
    assert all(k[1] == '{"A": "{1, 2}"}' for k, _ in t._b24_shared)


def test_call_no_input_key():
    t = Target(kind="live")
    s.call_no_input(t, "CRM.Enum.OwnerType")
    assert list(t._b24_shared) == [(("no-input call", "crm.enum.ownertype"), "wire")]


def test_add_ok_without_reuse_adds_every_time_and_passes_options():
    t = Target({"add": ok(12)}, kind="live")
    s.add_ok(t, CONTRACT, "strict", Evidence(), {"S": 1}, k=2)
    s.add_ok(t, CONTRACT, "strict", Evidence(), {"S": 1}, k=2)
    assert t.added == [({"S": 1}, {"k": 2}), ({"S": 1}, {"k": 2})]
    t = Target({"add": ok(12)}, kind="live")
    s.add_ok(t, CONTRACT, "strict", Evidence(), {"S": 1}, reuse=True, k=2)
    assert t.added == [({"S": 1}, {"k": 2})]


def test_add_ok_and_fallback_read_the_mode():
    """A numeric-string id: strict refuses it where AMB-RESULT-TYPE's strict column does."""
    if CONTRACT.ambiguities["AMB-RESULT-TYPE"].accepts("b", "strict"):
        pytest.skip("strict accepts a numeric string")
    with pytest.raises(AssertionError):
        s.add_ok(Target({"add": ok("12")}), CONTRACT, "strict", Evidence(), {})
    got = s.check_responsible_fallback(fallback_target(1, 1), CONTRACT, "strict", Evidence(), ok("7"),
                                       {"OWNER_TYPE_ID": 2, "OWNER_ID": 3})
    assert [p.kind for p in got] == ["result-numeric-string"]
    if CONTRACT.ambiguities["AMB-RESULT-TYPE"].accepts("b", "lenient"):
        assert s.add_ok(Target({"add": ok("12")}), CONTRACT, "lenient", Evidence(), {}) == 12


def test_fallback_records_both_replies():
    t = fallback_target("5", "5")
    ev = Evidence()
    s.check_responsible_fallback(t, CONTRACT, "strict", ev, ok(7), {"OWNER_TYPE_ID": 2, "OWNER_ID": 3})
    assert [r for r, _, _ in ev.records] == [t.answers["crm.activity.get"], t.answers["crm.deal.get"]]


def test_clause_accepted_errors_passes_the_mode():
    seen = []
    amb = SimpleNamespace(errors={"a": ("A",)}, accepted_errors=lambda mode: seen.append(mode) or ("A",))
    c = SimpleNamespace(clauses={"C": SimpleNamespace(errors=("E",), ambiguities=("X",))}, ambiguities={"X": amb})
    assert s.clause_accepted_errors(c, "lenient", "C") == ("A",)
    assert seen == ["lenient"]


def test_fallback_list_bodies_read_as_nothing():
    t = Target({"crm.activity.get": reply([1]), "crm.deal.get": reply([2])}, responsible_id=4)
    got = s.check_responsible_fallback(t, CONTRACT, "strict", Evidence(), ok(7), {"OWNER_TYPE_ID": 2, "OWNER_ID": 3})
    assert got == [Problem("readback-mismatch", "RESPONSIBLE_ID (the owner's responsible user)", expected="4",
                           actual=None, ambiguity="AMB-RESPONSIBLE-FALLBACK", mode="strict")]


def test_expect_error_reads_the_mode():
    """A documented variant of the message (AMB-MESSAGE-PERIOD): refused in strict, where strict refuses it."""
    entry = CONTRACT.error("ADD_SUBJECT_MISSING")
    variants = [m for m in entry.accepted_messages() if m != entry.message]
    amb = CONTRACT.ambiguities["AMB-MESSAGE-PERIOD"]
    if not variants or amb.accepts("b", "strict") or not amb.accepts("b", "lenient"):
        pytest.skip("no variant the modes judge differently")
    r = reply({**entry.body(), "error_description": variants[0]}, status=entry.http_status)
    with pytest.raises(AssertionError):
        s.expect_error(Target(), CONTRACT, "strict", Evidence(), r, "ADD_SUBJECT_MISSING")
    with pytest.raises(AssertionError):
        s.expect_one_of(CONTRACT, "strict", Evidence(), r, ["ADD_SUBJECT_MISSING"])
    s.expect_error(Target(), CONTRACT, "lenient", Evidence(), r, "ADD_SUBJECT_MISSING")


def test_rt021_tells_a_list_that_moved_from_one_that_pages_wrong():
    # RT-021 on a live portal: a second read of the first page decides whether the pages disagree because
    # somebody changed the list meanwhile (not judged) or because the portal pages wrong (judged).
    from types import SimpleNamespace

    from suites import test_lists

    class Portal:
        def __init__(self, totals):
            self.totals, self.calls = list(totals), []

        def call(self, method, params, top_level=False):
            self.calls.append((method, params, top_level))
            return SimpleNamespace(json={"result": [], "total": self.totals.pop(0)})

    first = SimpleNamespace(json={"result": [], "total": 120})
    base = {"filter": {"<=ID": 9}, "order": {"ID": "ASC"}, "select": ["ID"]}
    moved, steady = Portal([119]), Portal([120])
    assert test_lists._total_moved(moved, base, first) is True
    assert test_lists._total_moved(steady, base, first) is False
    assert steady.calls == [("crm.activity.list", {**base, "start": 0}, True)]
