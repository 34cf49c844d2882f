"""The live batch plan's pure parts (judge/batchplan.py): which calls a batch command can say, how
commands are sent (at most 50 a batch), how each command's answer is cut out of a batch reply, and
how the plan learns, answers once and never sends a call twice. Against a portal: test_judge_batchplan_served.py."""
from __future__ import annotations

import json
from types import SimpleNamespace
from urllib.parse import parse_qsl

import pytest

from b24conform.judge import batchplan as bp
from b24conform.judge.batchplan import MAX_COMMANDS, Entry, Learn, Plan, PlanStop, batch_command, command_bodies
from b24conform.judge.checks.envelope import check_add_success, check_success
from b24conform.judge.checks.errors import check_error, check_status, honoured
from b24conform.judge.target import TargetError
from b24conform.contract import load_contract

CONTRACT = load_contract()
DEFAULT = dict(bp.DEFAULT_OPTIONS)


# -- which calls a command can say ------------------------------------------------------------------


def test_a_command_says_strings_numbers_and_nested_php_keys():
    command = batch_command("crm.activity.add", {"fields": {"TYPE_ID": 2, "SUBJECT": "a&b=c",
                                                            "COMMUNICATIONS": [{"VALUE": "+1 800"}]}})
    method, _, query = command.partition("?")
    assert method == "crm.activity.add"
    assert dict(parse_qsl(query)) == {"fields[TYPE_ID]": "2", "fields[SUBJECT]": "a&b=c",
                                      "fields[COMMUNICATIONS][0][VALUE]": "+1 800"}
    assert batch_command("crm.enum.activitytype", {}) == "crm.enum.activitytype"
    assert batch_command("crm.activity.add", {}) == "crm.activity.add"
    assert batch_command("crm.activity.get", {"id": 7}) == "crm.activity.get?id=7"


@pytest.mark.parametrize("params", [
    {"fields": {"TYPE_ID": None}},          # null vanishes from a query string
    {"fields": {"COMMUNICATIONS": []}},     # so does an empty list
    {"fields": {"SETTINGS": {}}},           # and an empty object
    {"fields": {"FLAG": True}},             # a boolean would become "1"
    {"fields": {"TYPE_ID": 4, "DIRECTION": 2, "COMPLETED": "Y"}},  # mails for real: the check's own call, refused there
])
def test_what_a_command_cannot_say_stays_a_request_of_its_own(params):
    assert batch_command("crm.activity.add", params) is None


def test_a_batch_is_never_a_command():
    assert batch_command("batch", {"cmd": {"a": "crm.activity.fields"}}) is None
    assert batch_command("BATCH", {}) is None


# -- packing ----------------------------------------------------------------------------------------


def test_a_wave_puts_at_most_50_commands_in_a_batch_in_order_with_plan_wide_keys():
    sent = []

    class Batches:
        def call(self, method, params):
            sent.append(params["cmd"])
            return SimpleNamespace(json={"result": {"result": []}}, request=SimpleNamespace(url="u"),
                                   target_kind="live", at=0.0)

    plan = Plan()
    plan.commands = 7
    missed = [bp.Missed(f"k{i}", "crm.activity.get", {"id": i}, f"crm.activity.get?id={i}") for i in range(123)]
    bp.send_wave(Batches(), plan, missed)
    assert [len(b) for b in sent] == [50, 50, 23] and plan.requests == 3 and plan.commands == 130
    flat = [item for b in sent for item in b.items()]
    assert [c for _, c in flat] == [m.command for m in missed]
    assert [k for k, _ in flat] == [f"c{7 + i}" for i in range(123)]


# -- a command's answer -----------------------------------------------------------------------------


def test_each_command_gets_its_own_envelope_without_time():
    data = {"result": {"result": {"a": 5, "l": [{"ID": "5"}]}, "result_error": {"e": {"error": "", "error_description": "x"}},
                       "result_total": {"l": 1}, "result_next": {"l": 50}, "result_time": {"a": {"start": 1}}},
            "time": {"start": 1}}
    assert command_bodies(data, ["a", "l", "e", "halted"]) == {
        "a": {"result": 5}, "l": {"result": [{"ID": "5"}], "total": 1, "next": 50},
        "e": {"error": "", "error_description": "x"}}


def test_php_list_printing_and_a_refused_batch():
    # PHP prints keys 0..n-1 as a list, an empty part as [].
    data = {"result": {"result": [3, 4], "result_error": [], "result_total": [], "result_next": [], "result_time": []}}
    assert command_bodies(data, ["0", "1"]) == {"0": {"result": 3}, "1": {"result": 4}}
    # A batch refused as a whole ran nothing: no command has an answer.
    assert command_bodies({"error": "QUERY_LIMIT_EXCEEDED", "error_description": "x"}, ["c0"]) == {}
    assert command_bodies(None, ["c0"]) == {}


# -- checks on a batch command's answer -------------------------------------------------------------


def _reply(body, **kw):
    return SimpleNamespace(status=None, headers={}, json=body, text=json.dumps(body), via_batch=True,
                           target_kind="live", request=SimpleNamespace(url="https://x/rest/batch", auth="webhook"), **kw)


def test_a_batch_answer_is_judged_on_what_it_has_and_never_passes_what_it_lacks():
    ok = _reply({"result": 5})
    assert check_add_success(ok, CONTRACT, "lenient") == [] and honoured(ok)
    assert check_success(_reply({"result": [1]}), CONTRACT, "lenient") == []
    # No status to judge: the status part is silent; the code and the message are still judged.
    entry = CONTRACT.error("ADD_SUBJECT_MISSING")
    assert check_status(_reply({"error": "", "error_description": "x"}), CONTRACT, "lenient", entry.id) == []
    wrong = _reply({"error": "", "error_description": "the field subject is not defined or empty"})
    assert any(p.kind == "message-mismatch" for p in check_error(wrong, CONTRACT, "strict", entry.id))
    right = _reply(entry.body() if hasattr(entry, "body") else {"error": entry.code, "error_description": entry.message})
    assert check_error(right, CONTRACT, "strict", entry.id) == []
    # An error envelope where a result was due is still a failure.
    assert check_add_success(_reply({"error": "", "error_description": "x"}), CONTRACT, "lenient")


# -- the plan ---------------------------------------------------------------------------------------


def _answer(plan, method="crm.activity.get", params=None, **options):
    return plan.answer(method, params if params is not None else {"id": 1}, {**DEFAULT, **options}, "live")


def test_a_dry_run_records_each_miss_once_and_stops_the_check():
    plan = Plan()
    plan.start_wave()
    for _ in range(2):  # two checks making the same read: two answers needed
        with pytest.raises(PlanStop):
            _answer(plan)
    assert [m.command for m in plan.pending] == ["crm.activity.get?id=1"] * 2
    # The next wave, nothing sent yet: the same calls stop the checks again, recorded once only.
    plan.start_wave()
    for _ in range(2):
        with pytest.raises(PlanStop):
            _answer(plan)
    assert len(plan.pending) == 2


def test_learnt_answers_are_peeked_while_dry_and_taken_once_each_for_real():
    plan = Plan()
    plan.start_wave()
    with pytest.raises(PlanStop):
        _answer(plan)
    (miss,) = plan.take_pending()
    plan.learn(miss.key, Entry("first"))
    plan.start_wave()
    assert _answer(plan) == "first"
    with pytest.raises(PlanStop):
        _answer(plan)  # a second call of the same read needs an answer of its own
    plan.finish()
    assert _answer(plan) == "first"
    assert _answer(plan) is None  # used once: the next goes over the wire
    assert plan.unused() == 0


def test_a_lost_batch_reply_makes_its_calls_errors_never_retries():
    plan = Plan()
    plan.learn(bp.request_key("crm.activity.add", {"fields": {"A": 1}}), Entry(error="its batch got no judgeable answer"))
    plan.finish()
    with pytest.raises(TargetError):
        _answer(plan, "crm.activity.add", {"fields": {"A": 1}})


def test_other_credentials_are_the_checks_own_requests_and_a_form_body_is_sent_and_learnt():
    plan = Plan()
    plan.start_wave()
    with pytest.raises(PlanStop):
        _answer(plan, auth="bad_code")
    assert plan.pending == []
    own = _answer(plan, top_level=True)  # a status the check judges: its own request, sent now and learnt
    assert isinstance(own, Learn)
    own.keep("top-level reply")
    learn = _answer(plan, encoding="form")
    assert isinstance(learn, Learn)
    learn.keep("form reply")
    learn = _answer(plan, "crm.activity.add", {"fields": {"TYPE_ID": None}})  # null: no command says it
    learn.fail("timeout")
    plan.finish()
    assert _answer(plan, auth="bad_code") is None and _answer(plan, top_level=True) == "top-level reply"
    assert _answer(plan, encoding="form") == "form reply"
    with pytest.raises(TargetError):
        _answer(plan, "crm.activity.add", {"fields": {"TYPE_ID": None}})


def test_waves_send_one_full_batch_a_wave_until_nothing_waits():
    plan = Plan()

    def run_dry():
        for check in range(70):  # 70 checks, each an add then a get of what it added
            calls = [("crm.activity.add", {"fields": {"N": check}}), ("crm.activity.get", {"id": check})]
            plan.begin_check()
            try:
                for method, params in calls:
                    _answer(plan, method, params)
            except PlanStop:
                pass

    sent = []

    def send(missed):
        assert len(missed) <= MAX_COMMANDS
        sent.append(len(missed))
        for miss in missed:
            plan.learn(miss.key, Entry("reply"))

    assert list(bp.waves(run_dry, send, plan)) == sent
    assert sent == [50, 50, 40] and sum(sent) == 140
    assert plan.dry is False and plan.pending == []


# -- the reference portal's deviant profiles deviate inside a batch too --------------------------------


def test_a_profile_that_rewords_an_error_rewords_it_in_a_batch_command():
    from b24conform.portal.errors import catalogue
    from b24conform.portal.faults.answers import Answer, Request, deviant_answer
    from b24conform.portal.profiles import load_profile

    ops = load_profile("messages-subject-lowercase").ops
    subject, type_id = catalogue("ADD_SUBJECT_MISSING").body(), catalogue("ADD_TYPE_ID_INVALID").body()
    body = {"result": {"result": [], "result_error": {"a": subject, "b": type_id}, "result_total": [],
                       "result_next": [], "result_time": []}, "time": {}}
    request = Request("batch", "none", "lower", "json", "POST", "webhook")
    bent = deviant_answer(Answer(200, body, "application/json", None), request, ops, 1)
    errors = bent.body["result"]["result_error"]
    assert errors["a"]["error_description"] == "the field subject is not defined or empty"
    assert errors["b"] == type_id and bent.status == 200  # other errors, and the batch's own status, untouched
    assert body["result"]["result_error"]["a"] == subject  # the faithful answer is not changed in place


def test_a_profile_that_bends_a_methods_answer_bends_it_in_a_batch_command():
    from b24conform.portal.faults.answers import Answer, Request, deviant_answer
    from b24conform.portal.profiles import load_profile

    ops = load_profile("envelope-fields-flag-wrong").ops
    fields = {"SUBJECT": {"isRequired": True}, "TYPE_ID": {"isRequired": True}}
    body = {"result": {"result": {"f": fields, "e": [{"ID": 1}]}, "result_error": [], "result_total": [],
                       "result_next": [], "result_time": []}}
    text = "\n" + json.dumps({"halt": 0, "cmd": {"f": "crm.activity.fields", "e": "crm.enum.activitytype"}})
    request = Request("batch", "none", "lower", "json", "POST", "webhook", text)
    bent = deviant_answer(Answer(200, body, "application/json", None), request, ops, 1).body["result"]["result"]
    assert bent["f"]["SUBJECT"]["isRequired"] is False and bent["f"]["TYPE_ID"]["isRequired"] is True
    assert bent["e"] == [{"ID": 1}]  # another method's answer untouched
    # An operation conditioned on the wire form (a .json suffix) is the batch request's, not a command's.
    suffix_ops = load_profile("calling-json-suffix-not-routed").ops
    assert suffix_ops and deviant_answer(Answer(200, body, "application/json", None), request, suffix_ops, 1).body == body


def test_a_profile_that_turns_an_error_into_success_does_it_in_a_batch_command_too():
    # status: 200 with the error dropped: the body bends in a batch command as in the direct answer.
    from b24conform.portal.errors import catalogue
    from b24conform.portal.faults.answers import Answer, Request, deviant_answer
    from b24conform.portal.profiles import load_profile

    ops = load_profile("state-update-of-deleted-succeeds").ops
    missing = catalogue("ACTIVITY_NOT_FOUND").body()
    body = {"result": {"result": [], "result_error": {"u": missing}, "result_total": [], "result_next": [],
                       "result_time": []}}
    text = "\n" + json.dumps({"halt": 0, "cmd": {"u": "crm.activity.update?id=5&fields%5BDESCRIPTION%5D=x"}})
    request = Request("batch", "none", "lower", "json", "POST", "webhook", text)
    bent = deviant_answer(Answer(200, body, "application/json", None), request, ops, 1)
    assert bent.status == 200 and bent.body["result"]["result"] == {"u": True}
    assert bent.body["result"]["result_error"] == []
    # A status-only operation leaves a command's body as it was: no status of its own to bend.
    only_status = load_profile("status-update-without-fields-500").ops
    fields_missing = catalogue("UPDATE_FIELDS_MISSING").body()
    body = {"result": {"result": [], "result_error": {"u": fields_missing}, "result_total": [], "result_next": [],
                       "result_time": []}}
    text = "\n" + json.dumps({"halt": 0, "cmd": {"u": "crm.activity.update?id=5"}})
    request = Request("batch", "none", "lower", "json", "POST", "webhook", text)
    same = deviant_answer(Answer(200, body, "application/json", None), request, only_status, 1)
    assert same.status == 200 and same.body["result"]["result_error"] == {"u": fields_missing}


def test_a_profile_that_bends_a_lists_total_bends_its_result_total_in_a_batch_command():
    from b24conform.portal.faults.answers import Answer, Request, deviant_answer
    from b24conform.portal.profiles import load_profile

    ops = load_profile("state-list-start-minus-one-counts").ops
    body = {"result": {"result": {"l": [{"ID": "1"}], "o": [{"ID": "1"}]}, "result_error": [],
                       "result_total": {"o": 1}, "result_next": {"o": 50}, "result_time": []}}
    text = "\n" + json.dumps({"halt": 0, "cmd": {"l": "crm.activity.list?select%5B0%5D=ID&start=-1",
                                                 "o": "crm.activity.list?select%5B0%5D=ID&start=0"}})
    request = Request("batch", "none", "lower", "json", "POST", "webhook", text)
    bent = deviant_answer(Answer(200, body, "application/json", None), request, ops, 1).body["result"]
    assert bent["result_total"] == {"o": 1, "l": 7}  # the start=-1 list counts; the other keeps its own
    assert bent["result_next"] == {"o": 50} and bent["result"] == body["result"]["result"]
