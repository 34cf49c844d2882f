"""A consequence's reproduction replays its cause first: the judge writes each reproduction in the process
that saw its reply (judge/reproduce.py); which problem follows from which is known only across the run, so
the reports put the cause's requests (those that named the records the consequence's request names) in
front of the consequence's own, in the script layout both read and write (reporting/reproduction.py).
Without that replay the list that lost the activity to a wrong-code delete lists it again."""
from __future__ import annotations

import json

import pytest
from reply_standins import Reply, Request

from b24conform.contract import load_contract
from b24conform.judge import reproduce
from b24conform.judge.client import WRONG_CODE, multipart_encode, php_pairs
from b24conform.judge.evidence import Evidence
from b24conform.judge.reproduce import History, script
from b24conform.reporting.problems import replay_causes
from b24conform.reporting.reproduction import Script, consequence, made_by
from b24conform.reporting.results import RunInfo, build_results
from b24conform.verdict.accounting import CheckOutcome
from b24conform.verdict.problems import Problem
from b24conform.verdict.redact import redact

HOOK = "https://portal.example:8443/rest/1/***/"
BATCH_DELETE = {"cmd": {"u": "crm.activity.update?id=2&fields[DESCRIPTION]=x", "d": "crm.activity.delete?id=2"}}


def reply(method: str, params: dict, result: object, at: float, auth: str = "webhook") -> Reply:
    return Reply(Request(HOOK + method, json.dumps(params), auth=auth), {"result": result}, at)


def the_runs_records(history: History) -> None:
    """The judge's contact and deal, the activity the reading checks share."""
    history.observe(reply("crm.contact.add", {"fields": {"NAME": "[b24conform r1] Contact"}}, 137, 1))
    history.observe(reply("crm.deal.add", {"fields": {"TITLE": "[b24conform r1] Deal", "CONTACT_ID": 137}}, 105, 2))
    history.observe(reply("crm.activity.add", {"fields": {"OWNER_TYPE_ID": 2, "OWNER_ID": 105, "SUBJECT": "[b24conform r1] Call",
                                                          "COMMUNICATIONS": [{"ENTITY_ID": 137, "ENTITY_TYPE_ID": 3}]}}, 2, 3))


# The cause: a batch sent with a wrong code, honoured, that deletes the shared activity; the consequence:
# a later list of that activity, empty.
CAUSE = reply("batch", BATCH_DELETE, {"result": {"u": True, "d": True}}, 4, auth="bad_code")
LISTING = reply("crm.activity.list", {"filter": {"ID": 2}, "select": ["ID"]}, [], 5)


def scripts() -> tuple[str, str]:
    history = History()
    the_runs_records(history)
    history.observe(CAUSE)
    return script(CAUSE, history), script(LISTING, history)


def commands(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("curl ") or made_by(line)]


# -- the layout, read back ----------------------------------------------------------------------------------

def test_a_batch_command_naming_a_record_of_the_run_names_it_by_its_variable():
    cause, _ = scripts()
    request = Script.parse(cause).request
    assert "crm.activity.update?id='\"$ACTIVITY_2\"'&fields[DESCRIPTION]=x" in request
    assert "crm.activity.delete?id='\"$ACTIVITY_2\"'" in request and "'\"$WRONG_CODE\"'/batch" in request
    assert [made_by(line) for line in commands(cause) if made_by(line)] == ["CONTACT_137", "DEAL_105", "ACTIVITY_2"]
    # A command naming a record the run never made: the reader is told to put one in its place.
    other = reply("batch", {"cmd": {"g": "crm.activity.get?id=99", "l": "crm.activity.list?filter%5B%3DID%5D=2"}}, {}, 6)
    history = History()
    the_runs_records(history)
    text = script(other, history)
    assert "# It names activity 99: put the id of an existing activity in its place" in text
    assert "crm.activity.get?id=99" in text and "filter%5B%3DID%5D='\"$ACTIVITY_2\"'" in text


def test_what_the_judge_writes_reads_back_as_it_was():
    history = History()
    the_runs_records(history)
    body, content_type = multipart_encode(php_pairs({"filter": {"ID": 2}, "select": ["ID"]}))
    written = [*scripts(),
               script(Reply(Request(HOOK + "crm.activity.get", "id=2", content_type="application/x-www-form-urlencoded"), at=6), history),
               script(Reply(Request(HOOK + "crm.activity.list", body.decode(), content_type=content_type), at=6), history),
               script(reply("crm.activity.get", {"id": 2, "x": {"OWNER_TYPE_ID": 2, "OWNER_ID": 77}}, {}, 6), history),
               script(reply("crm.activity.fields", {}, {}, 6, auth="bad_code"), history)]
    for text in written:
        parsed = Script.parse(text)
        assert parsed is not None and parsed.render() == text
    assert Script.parse(written[-1]).wrong_code == WRONG_CODE and not Script.parse(written[-1]).setup
    assert Script.parse(written[1]).made == ["CONTACT_137", "DEAL_105", "ACTIVITY_2"]
    assert Script.parse("curl -sS 'https://h/rest/1/***/crm.activity.fields'") == Script("curl -sS 'https://h/rest/1/***/crm.activity.fields'")
    one_line = Script.parse(f"WRONG_CODE={WRONG_CODE}; curl -sS 'https://h/rest/1/'\"$WRONG_CODE\"'/x'")
    assert one_line.wrong_code == WRONG_CODE and one_line.request.startswith("curl ")
    assert Script.parse("echo hello") is None and Script.parse("#!/bin/sh\necho") is None


def test_a_body_sent_as_it_was_keeps_its_line_breaks():
    request = "curl -sS --data-binary 'a\nb' 'https://h/rest/1/***/crm.activity.get'"
    made = "ACTIVITY_2=$(curl -sS 'https://h/rest/1/***/crm.activity.add' | tr -dc '0-9')"
    text = Script(request, setup=(made,), cleanup=("curl -sS x >/dev/null",)).render()
    assert Script.parse(text) == Script(request, setup=(made,), cleanup=("curl -sS x >/dev/null",))


# -- a consequence's script ---------------------------------------------------------------------------------

def test_a_consequence_sends_its_causes_request_first_on_the_records_it_makes_anew():
    cause_text, own_text = scripts()
    own, cause = Script.parse(own_text), Script.parse(cause_text)
    assert not any("batch" in line for line in commands(own_text))  # the judge alone does not replay it
    text = consequence(own, [cause], "# It follows from problem P: its request goes first.").render()
    lines = commands(text)
    assert [made_by(line) for line in lines if made_by(line)] == ["CONTACT_137", "DEAL_105", "ACTIVITY_2"]  # each once
    [replayed] = [line for line in lines if "/batch" in line]
    [listed] = [line for line in lines if "crm.activity.list" in line]
    assert lines.index(replayed) < lines.index(listed) == len(lines) - 4  # then the three deletes
    assert "crm.activity.delete?id='\"$ACTIVITY_2\"'" in replayed and "'\"$WRONG_CODE\"'/batch" in replayed
    assert replayed.endswith(">/dev/null  # the cause's request, as the run sent it") and not listed.endswith("/dev/null")
    assert f"\nWRONG_CODE={WRONG_CODE}  #" in text and text.index("WRONG_CODE=") < text.index("CONTACT_137=")
    assert "# It follows from problem P: its request goes first." in text.splitlines()
    assert text.count("crm.activity.delete'") == 1 and text.splitlines()[-1].endswith("crm.contact.delete' >/dev/null")
    assert redact(text) == text


def test_what_only_a_cause_made_is_made_and_deleted_too_and_shared_steps_come_once():
    def make(name: str, names: str = "") -> str:
        return f"{name}=$(curl -sS --data-binary '{names}' 'https://h/rest/1/***/crm.x.add' | tr -dc '0-9')"

    def delete(name: str) -> str:
        return f"curl -sS --data-binary '{{\"id\": '\"${name}\"'}}' 'https://h/rest/1/***/crm.x.delete' >/dev/null"

    write = "curl -sS --data-binary 'w' 'https://h/rest/1/***/crm.activity.update' >/dev/null"
    own = Script("curl -sS own", setup=(make("CONTACT_1"), make("ACTIVITY_2"), write),
                 cleanup=(delete("ACTIVITY_2"), delete("CONTACT_1")), notes=("# own note",))
    first = Script("curl -sS first", setup=(make("CONTACT_1"), make("ACTIVITY_3", "$CONTACT_1"), write),
                   cleanup=(delete("ACTIVITY_3"), delete("CONTACT_1")), notes=("# It names deal 9: put ...",),
                   wrong_code=WRONG_CODE)
    second = Script("curl -sS second", setup=(make("ACTIVITY_4"),), cleanup=(delete("ACTIVITY_4"),))
    built = consequence(own, [first, second], "# follows")
    assert built.made == ["CONTACT_1", "ACTIVITY_2", "ACTIVITY_3", "ACTIVITY_4"]
    assert built.setup.count(write) == 1
    assert [c for c in built.setup if c.startswith("curl -sS f") or c.startswith("curl -sS s")] == [
        "curl -sS first >/dev/null  # the cause's request, as the run sent it",
        "curl -sS second >/dev/null  # the cause's request, as the run sent it"]
    assert built.setup.index("curl -sS first >/dev/null  # the cause's request, as the run sent it") > built.setup.index(make("ACTIVITY_4"))
    assert built.request == "curl -sS own" and built.wrong_code == WRONG_CODE
    # Deleted in the reverse order of making: what only the causes made first, then own's.
    assert built.cleanup == (delete("ACTIVITY_4"), delete("ACTIVITY_3"), delete("ACTIVITY_2"), delete("CONTACT_1"))
    assert built.notes == ("# own note", "# follows", "# It names deal 9: put ...")
    assert "activity 3" in built.render().splitlines()[3]  # the note of the records made names them all


# -- in the reports --------------------------------------------------------------------------------------

def evidence(reply_: Reply, text: str | None) -> dict:
    item = {"request": reply_.request.as_dict(), "status": 200, "response_excerpt": reply_.text,
            "curl": f"curl -sS '{reply_.request.url}'", "at": reply_.at}
    if text:
        item["reproduce"] = text
    return item


def test_the_reports_replay_only_the_causes_requests_that_named_the_record_before():
    cause_text, own_text = scripts()
    add = reply("crm.activity.add", {"fields": {}}, 7, 1.5, auth="bad_code")  # names no record of the consequence's
    later = reply("batch", {"cmd": {"d": "crm.activity.delete?id=2"}}, {}, 9, auth="bad_code")
    causes = [evidence(add, None), evidence(CAUSE, cause_text), evidence(later, "curl -sS later"),
              evidence(CAUSE, cause_text)]  # the same reply, found by two checks: sent once
    own = evidence(LISTING, own_text)
    clauses = [{"id": "AUTH-006", "checks": [{"nodeid": "a", "problems": [
        {"id": "cause", "kind": "credential-accepted", "evidence": e} for e in causes]}]},
        {"id": "RT-004", "checks": [{"nodeid": "r", "problems": [{"id": "gone", "kind": "list-wrong-items", "evidence": own}]}]}]
    problems = [{"id": "cause", "kind": "credential-accepted", "follows": None, "evidence": causes[0]},
                {"id": "gone", "kind": "list-wrong-items", "follows": "cause", "evidence": own},
                {"id": "same", "kind": "error-status", "follows": "cause", "evidence": causes[1]},
                {"id": "alone", "kind": "list-total", "follows": None, "evidence": own}]
    out = {p["id"]: p for p in replay_causes([dict(p) for p in problems], clauses)}
    text = out["gone"]["evidence"]["reproduce"]
    assert text.count("/batch") == 1 and "curl -sS later" not in text
    assert "'\"$WRONG_CODE\"'/crm.activity.add" not in text
    assert commands(text).index(next(c for c in commands(text) if "/batch" in c)) < commands(text).index(
        next(c for c in commands(text) if "crm.activity.list" in c))
    assert "# It follows from problem cause: its request naming these records goes first, as in the run." in text
    assert own["reproduce"] == own_text  # the check's own evidence is left as the judge wrote it
    assert out["same"]["evidence"] is causes[1]  # seen in the cause's own reply: nothing to replay
    assert out["alone"]["evidence"] is own and out["cause"]["evidence"] is causes[0]


@pytest.fixture
def history():
    reproduce.HISTORY.clear()
    yield reproduce.HISTORY
    reproduce.HISTORY.clear()


def test_results_json_gives_the_consequence_the_replay(history):
    the_runs_records(history)
    history.observe(CAUSE)
    accepted = Problem("credential-accepted", "a wrong webhook code", expected=["NO_AUTH_FOUND"], actual=200)
    gone = Problem("list-wrong-items", "result", expected=2, actual=[])

    def failed(nodeid: str, clauses: list[str], reply_: Reply, problem: Problem) -> CheckOutcome:
        sink: list = []
        Evidence(sink, clauses).record(reply_, problems=[problem])
        return CheckOutcome(nodeid, clauses, "failed", 0.1, "AssertionError", sink)

    info = RunInfo(started=0.0, finished=1.0, mode="lenient", target="https://h/rest/1/c0de99/", kind="live")
    data = build_results(load_contract(), [failed("a::auth", ["AUTH-006"], CAUSE, accepted),
                                           failed("r::list", ["RT-004"], LISTING, gone)], info)
    cause = data["problems"][0]
    consequence_ = next(p for p in data["problems"] if p["kind"] == "list-wrong-items")
    assert consequence_["follows"] == cause["id"]
    lines = commands(consequence_["evidence"]["reproduce"])
    assert any("/batch" in line for line in lines[:lines.index(next(c for c in lines if "crm.activity.list" in c))])
    assert "It follows" not in cause["evidence"]["reproduce"]  # the cause as the judge wrote it
    check = next(c for c in data["clauses"] if c["id"] == "RT-004")["checks"][0]
    assert "/batch" not in check["problems"][0]["evidence"]["reproduce"]
