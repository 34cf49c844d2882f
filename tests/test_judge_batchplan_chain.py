"""Read-backs chained to their add in the same batch (judge/batchplan.py, `$result[...]`): placeholder ids,
the commands that name them, the keys learnt with the real ids, and what a failed add does to the reads
chained to it. The plan's other parts: test_judge_batchplan.py."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from b24conform.judge import batchplan as bp
from b24conform.judge.batchplan import (PLACEHOLDER_FLOOR, Entry, Learn, Missed, Plan, PlanStop, chain_command, chains,
                                        chunk_commands, learnt_answers, placeholder_refs, real_id, settle_chain,
                                        with_ids)

DEFAULT = dict(bp.DEFAULT_OPTIONS)
P, Q = PLACEHOLDER_FLOOR + 1, PLACEHOLDER_FLOOR + 2
SEED = {"fields": {"SUBJECT": "s", "TYPE_ID": 2}}


def _answer(plan, method, params, **options):
    return plan.answer(method, params, {**DEFAULT, **options}, "live")


def _miss(key, placeholder=None, refs=(), method="crm.activity.get", params=None, command=None):
    return Missed(key, method, params if params is not None else {"id": refs[0] if refs else 1},
                  command or f"{method}?id={refs[0] if refs else 1}", placeholder, tuple(refs))


# -- pure parts -------------------------------------------------------------------------------------


def test_a_placeholder_is_named_only_as_a_whole_value():
    assert placeholder_refs({"id": P}, {P}) == (P,)
    assert placeholder_refs({"id": str(P)}, {P}) == (P,)  # its digits, as a check may send them
    assert placeholder_refs({"filter": {"ID": P, "<=ID": P}, "select": ["ID"]}, {P, Q}) == (P,)
    assert placeholder_refs({"filter": {"ID": [Q, P]}}, {P, Q}) == (Q, P)
    assert placeholder_refs({"id": 7, "n": True, "s": "x"}, {P}) == ()
    # Computed from a placeholder: a number past the floor that is none, or a string holding one.
    assert placeholder_refs({"id": P + 5}, {P}) is None
    assert placeholder_refs({"id": P}, set()) is None  # a placeholder no longer handed out
    assert placeholder_refs({"filter": {"SUBJECT": f"id {P}"}}, {P}) is None


def test_a_chained_command_names_its_add_by_result_key_and_only_whole_values():
    assert chain_command(f"crm.activity.get?id={P}", {P: "c3"}) == "crm.activity.get?id=$result[c3]"
    listed = f"crm.activity.list?filter%5BID%5D={P}&select%5B0%5D=ID"
    assert chain_command(listed, {P: "c12"}) == "crm.activity.list?filter%5BID%5D=$result[c12]&select%5B0%5D=ID"
    # Digits that only start with the placeholder's are another value: left alone.
    assert chain_command(f"crm.activity.get?id={P}9", {P: "c3"}) == f"crm.activity.get?id={P}9"


@pytest.mark.parametrize("body, expected", [
    ({"result": 17}, 17), ({"result": "17"}, 17),
    ({"result": 0}, None), ({"result": True}, None), ({"result": "17a"}, None), ({"result": -3}, None),
    ({"error": "", "error_description": "x"}, None), ({"result": 17, "error": "x"}, None), (None, None),
])
def test_the_real_id_is_the_one_the_checks_read(body, expected):
    assert real_id(body) == expected


def test_keys_are_rewritten_with_the_real_id_in_the_type_the_check_sent():
    params = {"filter": {"ID": P, "X": str(P)}, "select": ["*", "COMMUNICATIONS"], "n": 5, "t": (P,)}
    assert with_ids(params, {P: 17}) == {"filter": {"ID": 17, "X": "17"}, "select": ["*", "COMMUNICATIONS"], "n": 5,
                                         "t": (17,)}
    assert with_ids({"id": Q}, {P: 17}) == {"id": Q}  # another add's placeholder stays


def test_a_read_whose_add_got_no_id_is_settled_to_nothing():
    assert settle_chain((P,), {P: 17}) == {P: 17}
    assert settle_chain((P, Q), {P: 17, Q: None}) is None
    assert settle_chain((P,), {}) is None


def test_chains_put_each_read_right_after_its_add_and_keep_chains_whole():
    add_a, add_b = _miss("a", placeholder=P, method="crm.activity.add"), _miss("b", placeholder=Q, method="crm.activity.add")
    other, read_a, read_b = _miss("o"), _miss("ra", refs=(P,)), _miss("rb", refs=(Q,))
    assert chains([add_a, add_b, other, read_a, read_b]) == [[add_a, read_a], [add_b, read_b], [other]]
    both = _miss("rab", refs=(Q, P))
    assert chains([add_a, other, add_b, both]) == [[add_a, add_b, both], [other]]


def test_a_chunk_names_adds_by_their_plan_wide_keys_and_leaves_out_a_read_without_its_add():
    add = _miss("a", placeholder=P, method="crm.activity.add", command="crm.activity.add?fields%5BSUBJECT%5D=s")
    read, orphan = _miss("r", refs=(P,)), _miss("x", refs=(Q,))
    assert chunk_commands([add, read, orphan], 10) == {"c10": "crm.activity.add?fields%5BSUBJECT%5D=s",
                                                       "c11": "crm.activity.get?id=$result[c10]"}


# -- what the plan learns from a batch with chains ---------------------------------------------------


def _chain():
    add = _miss("add-key", placeholder=P, method="crm.activity.add", params=SEED, command="crm.activity.add?x")
    read = _miss(bp.request_key("crm.activity.list", {"filter": {"ID": P}}), refs=(P,), method="crm.activity.list",
                 params={"filter": {"ID": P}}, command=f"crm.activity.list?filter%5BID%5D={P}")
    return [add, read], chunk_commands([add, read], 0)


def test_a_chained_read_is_learnt_under_the_key_the_run_proper_asks_with_a_reproducible_command():
    chunk, cmd = _chain()
    bodies = {"c0": {"result": 17}, "c1": {"result": [{"ID": "17"}], "total": 1}}
    learnt, dropped = learnt_answers(chunk, cmd, bodies, 0)
    assert dropped == 0
    assert learnt == [("c0", "add-key", "crm.activity.add?x", {"result": 17}),
                      ("c1", bp.request_key("crm.activity.list", {"filter": {"ID": 17}}), "crm.activity.list?filter%5BID%5D=17",
                       {"result": [{"ID": "17"}], "total": 1})]


@pytest.mark.parametrize("add_body", [
    {"error": "", "error_description": "Subject is not defined"},  # the add refused
    {"result": True},                                              # an answer that is no id
    None,                                                          # the add not run
])
def test_a_failed_add_drops_its_chained_reads_and_keeps_its_own_answer(add_body):
    chunk, cmd = _chain()
    # What the read got when its add failed ($result[...] named nothing): an error of the read, never judged.
    bodies = {"c1": {"error": "", "error_description": "Not found"}}
    if add_body is not None:
        bodies["c0"] = add_body
    learnt, dropped = learnt_answers(chunk, cmd, bodies, 0)
    assert dropped == 1
    assert learnt == [("c0", "add-key", "crm.activity.add?x", add_body)]


# -- the plan, dry and for real ---------------------------------------------------------------------


def test_a_dry_add_is_answered_with_a_placeholder_and_its_read_back_chained_to_it():
    plan = Plan()
    plan.start_wave()
    plan.begin_check()
    added = _answer(plan, "crm.activity.add", SEED)
    placeholder = added.json["result"]
    assert placeholder >= PLACEHOLDER_FLOOR and added.via_batch and added.status is None
    read = _answer(plan, "crm.activity.get", {"id": placeholder})
    assert read.json == {"result": {}}
    listed = _answer(plan, "crm.activity.list", {"filter": {"ID": placeholder}})
    assert listed.json == {"result": [], "total": 0}
    assert [(m.method, m.placeholder, m.refs) for m in plan.pending] == [
        ("crm.activity.add", placeholder, ()), ("crm.activity.get", None, (placeholder,)),
        ("crm.activity.list", None, (placeholder,))]
    assert plan.provisional == 3 and plan.stops == 0 and plan.unsettled == 3  # the check runs again next wave


def test_writes_wait_for_the_real_id_and_nothing_computed_from_a_placeholder_is_sent():
    plan = Plan()
    plan.start_wave()
    plan.begin_check()
    placeholder = _answer(plan, "crm.activity.add", SEED).json["result"]
    for method, params in [("crm.activity.update", {"id": placeholder, "fields": {"PRIORITY": 1}}),
                           ("crm.activity.delete", {"id": placeholder}),
                           ("crm.activity.get", {"id": placeholder + 1}),
                           ("crm.activity.add", {"fields": {"SUBJECT": "s", "PARENT_ID": placeholder}}),
                           # a change after a provisional answer, even of a record the run may change
                           ("crm.activity.update", {"id": 17, "fields": {"PRIORITY": 1}}),
                           ("crm.activity.delete", {"id": 17})]:
        with pytest.raises(PlanStop):
            _answer(plan, method, params)
    with pytest.raises(PlanStop):
        _answer(plan, "crm.activity.get", {"id": placeholder}, encoding="form")  # never over the wire
    assert [m.method for m in plan.pending] == ["crm.activity.add"]
    # Another add of the same check goes on: it changes no record another check reads.
    second = _answer(plan, "crm.activity.add", {"fields": {"SUBJECT": "again"}}).json["result"]
    assert second != placeholder and [m.placeholder for m in plan.pending] == [placeholder, second]
    plan.begin_check()  # the next check starts untainted: its change of its own record is recorded
    with pytest.raises(PlanStop):
        _answer(plan, "crm.activity.update", {"id": 17, "fields": {"PRIORITY": 1}})
    assert [m.method for m in plan.pending][-1] == "crm.activity.update"


def test_an_add_that_sends_mail_is_never_provisional_nor_in_a_batch():
    plan = Plan()
    plan.start_wave()
    plan.begin_check()
    mail = {"fields": {"TYPE_ID": 4, "DIRECTION": 2, "COMPLETED": "Y", "SUBJECT": "s"}}
    assert isinstance(_answer(plan, "crm.activity.add", mail), Learn)  # its own request, refused by the Target
    assert plan.pending == [] and plan.provisional == 0


def test_take_pending_never_splits_a_chain():
    plan = Plan()
    plan.start_wave()
    for i in range(48):
        plan.begin_check()
        with pytest.raises(PlanStop):
            _answer(plan, "crm.activity.get", {"id": i + 1})
    plan.begin_check()
    placeholder = _answer(plan, "crm.activity.add", SEED).json["result"]
    _answer(plan, "crm.activity.get", {"id": placeholder})
    _answer(plan, "crm.activity.list", {"filter": {"ID": placeholder}})
    assert len(plan.take_pending()) == 48  # the chain of three does not fit in the two slots left
    assert [m.method for m in plan.take_pending()] == ["crm.activity.add", "crm.activity.get", "crm.activity.list"]
    assert placeholder not in plan.live  # sent: handed out no more


class _Batches:
    """A target answering each batch with `answer(cmd)`; keeps what was sent."""

    def __init__(self, answer):
        self.answer, self.sent = answer, []

    def call(self, method, params):
        self.sent.append((method, params))
        body = {"result": self.answer(params["cmd"])}
        return SimpleNamespace(json=body, request=SimpleNamespace(url="https://x/rest/1/***/batch"), target_kind="live",
                               at=0.0)


def _wave_with_a_chain(answer):
    plan = Plan()
    plan.start_wave()
    plan.begin_check()
    placeholder = _answer(plan, "crm.activity.add", SEED).json["result"]
    _answer(plan, "crm.activity.get", {"id": placeholder})
    target = _Batches(answer)
    bp.send_wave(target, plan, plan.take_pending())
    return plan, target


def test_a_chained_wave_sends_one_batch_with_halt_0_and_the_next_wave_reads_the_real_id():
    plan, target = _wave_with_a_chain(lambda cmd: {
        "result": {"c0": 17, "c1": {"ID": "17", "SUBJECT": "s"}}, "result_error": [], "result_total": [],
        "result_next": [], "result_time": []})
    ((method, params),) = target.sent
    assert method == "batch" and params["halt"] == 0
    assert params["cmd"]["c1"] == "crm.activity.get?id=$result[c0]"
    assert plan.chained == 1 and plan.dropped == 0
    plan.start_wave()
    plan.begin_check()
    added = _answer(plan, "crm.activity.add", SEED)
    assert added.json == {"result": 17}
    got = _answer(plan, "crm.activity.get", {"id": 17})
    assert got.json == {"result": {"ID": "17", "SUBJECT": "s"}} and got.via_batch
    # Its reproduction is the read alone with the real id, not a reference to a command it lacks.
    assert json.loads(got.request.body) == {"halt": 0, "cmd": {"c1": "crm.activity.get?id=17"}}
    assert plan.unsettled == 2  # the first wave's two provisional answers only: now every call was answered for real


def test_a_failed_add_leaves_the_check_its_own_error_and_no_read_back():
    refused = {"error": "", "error_description": "Subject is not defined"}
    plan, _ = _wave_with_a_chain(lambda cmd: {
        "result": [], "result_error": {"c0": refused, "c1": {"error": "", "error_description": "Not found"}},
        "result_total": [], "result_next": [], "result_time": []})
    assert plan.dropped == 1
    plan.finish()
    reply = _answer(plan, "crm.activity.add", SEED)
    assert reply.json == refused  # the add's failure is what the check sees
    assert plan.unused() == 0  # nothing else was learnt: the read's error is no answer to anything


def test_a_lost_batch_makes_the_add_an_error_and_drops_its_reads_never_retries():
    from b24conform.judge.target import TargetError

    class Lost:
        def call(self, method, params):
            raise TargetError("timeout")

    plan = Plan()
    plan.start_wave()
    plan.begin_check()
    placeholder = _answer(plan, "crm.activity.add", SEED).json["result"]
    _answer(plan, "crm.activity.get", {"id": placeholder})
    bp.send_wave(Lost(), plan, plan.take_pending())
    assert plan.dropped == 1 and plan.requests == 1
    plan.finish()
    with pytest.raises(TargetError):
        _answer(plan, "crm.activity.add", SEED)


def test_learnt_under_the_real_id_a_read_is_found_by_the_run_proper_once():
    plan = Plan()
    plan.learn(bp.request_key("crm.activity.get", {"id": 17}), Entry("got"))
    plan.finish()
    assert _answer(plan, "crm.activity.get", {"id": 17}) == "got"
    assert _answer(plan, "crm.activity.get", {"id": 17}) is None
