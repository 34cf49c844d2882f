"""Exact wording only where the docs pin it.

A message errors.yaml marks `message_pinned: false` (b24conform chose it, or only saw it on portals)
is demanded byte for byte from the embedded mock alone; a live portal must still send the documented
status and code in a conformant envelope with a non-empty error_description. A pinned message is
demanded from every target. Replies are built by hand, as in test_checks_errors.py.
"""
from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from b24conform.contract import ContractError, load_contract
from b24conform.contract.loader import parse_errors
from b24conform.judge.checks.batch import check_batch_outcome
from b24conform.judge.checks.errors import (
    check_catalogue_error,
    check_error,
    check_error_one_of,
    check_message,
    identify,
)
from b24conform.judge.target import Reply, RequestRecord
from recorded import TIME

CONTRACT = load_contract()
MODES = ("strict", "lenient")
UNPINNED = sorted(e.id for e in CONTRACT.errors.values() if not e.message_pinned)
PINNED = sorted(e.id for e in CONTRACT.errors.values() if e.message_pinned)
OTHER_WORDING = "Something a real portal says instead"


def reply(error_id, kind, **override):
    """The catalogue's error `error_id` as target `kind` would send it, with fields overridden."""
    entry = CONTRACT.error(error_id)
    body = {**entry.body(), **{k: v for k, v in override.items() if k != "status"}}
    return SimpleNamespace(status=override.get("status", entry.http_status), headers={"content-type": "application/json"},
                           json=body, text=repr(body), target_kind=kind)


def other_status(error_id):
    return 500 if CONTRACT.error(error_id).http_status != 500 else 400


# --- the data: which messages the docs give ---------------------------------------------------------------

def test_the_issues_clauses_rely_on_unpinned_wording():
    # The issue: FILES-002 and CALL-008 demand wording errors.yaml itself calls chosen / undocumented.
    for clause_id in ("FILES-002", "CALL-008"):
        for error_id in CONTRACT.clauses[clause_id].errors:
            assert not CONTRACT.error(error_id).message_pinned, (clause_id, error_id)
    assert CONTRACT.clauses["FILES-002"].errors == ("FILES_INVALID",)
    assert CONTRACT.clauses["CALL-008"].errors == ("ERROR_METHOD_NOT_FOUND",)


def test_req_003_error_is_pinned_but_its_trigger_is_not():
    # REQ-003's error text is in the seed's Possible Error Codes (for TYPE_ID 6 without a provider), so
    # the entry is pinned and TYPE-002 keeps demanding it; what the docs leave open is which message
    # TYPE_ID 3/5 get (AMB-TYPE-UNSUPPORTED-MESSAGE), and suites/test_types.py passes pinned=False there.
    clause = CONTRACT.clauses["REQ-003"]
    assert clause.errors == ("ADD_CUSTOM_WITHOUT_PROVIDER",)
    assert CONTRACT.error("ADD_CUSTOM_WITHOUT_PROVIDER").message_pinned
    assert clause.ambiguity == "AMB-TYPE-UNSUPPORTED-MESSAGE"
    # The add page's table gives one message; the tutorial gives another for a known, non-creatable type.
    quotes = {c.quote for c in CONTRACT.ambiguities[clause.ambiguity].citations}
    assert {"The custom activity without provider is not supported in current context",
            'The activity type "..." is not supported in current context'} <= quotes


def test_unpinned_entries_are_the_undocumented_ones():
    # Every entry whose source says it is undocumented or observed only is unpinned, and nothing else
    # is except ID_INVALID (documented for sibling methods, not for crm.activity.*) and ADD_TYPE_NOT_SUPPORTED
    # (the tutorial elides the type's name, so its full text is not given).
    for entry in CONTRACT.errors.values():
        says_undocumented = any(w in entry.source.lower() for w in ("undocumented", "chosen by b24conform", "observed"))
        if says_undocumented:
            assert not entry.message_pinned, entry.id
    assert UNPINNED == sorted(["FILES_INVALID", "ID_INVALID", "ERROR_METHOD_NOT_FOUND", "ERROR_BAD_BODY",
                               "ERROR_BODY_TOO_LARGE", "ADD_TYPE_NOT_SUPPORTED", "UPDATE_FIELDS_MISSING"])
    # The seed's method errors are all pinned: the rule must not loosen the documented ones.
    add_page = CONTRACT.methods["crm.activity.add"].source
    assert all(CONTRACT.error(e).message_pinned for e in PINNED
               if any(c.page == add_page and c.quote for c in CONTRACT.error(e).citations))


@pytest.mark.parametrize("value", [None, "yes", 1, "true"])
def test_message_pinned_is_required_and_boolean(value):
    raw = {"id": "X", "kind": "method", "http_status": 400, "code": "", "message": "m"}
    if value is not None:
        raw["message_pinned"] = value
    with pytest.raises(ContractError, match="message_pinned"):
        parse_errors({"errors": [raw]})
    raw["message_pinned"] = False
    assert parse_errors({"errors": [raw]})["X"].message_pinned is False


# --- the checks ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("error_id", UNPINNED)
def test_unpinned_live_other_wording_passes(error_id, mode):
    assert check_error(reply(error_id, "live", error_description=OTHER_WORDING), CONTRACT, mode, error_id) == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("error_id", UNPINNED)
@pytest.mark.parametrize("empty", ["", "   ", None, 42])
def test_unpinned_live_empty_or_non_string_wording_fails(error_id, mode, empty):
    problems = check_error(reply(error_id, "live", error_description=empty), CONTRACT, mode, error_id)
    assert problems, empty


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("error_id", UNPINNED)
def test_unpinned_live_wrong_status_or_code_fails(error_id, mode):
    wrong_status = reply(error_id, "live", error_description=OTHER_WORDING, status=other_status(error_id))
    assert any(p.kind == "error-status" for p in check_error(wrong_status, CONTRACT, mode, error_id))
    # Outside [A-Za-z0-9_]: lenient mode accepts any alphabet code for an empty-code error (AMB-ERROR-CODE-EMPTY).
    wrong_code = reply(error_id, "live", error_description=OTHER_WORDING, error="SOME-OTHER-CODE")
    assert any(p.kind == "error-code" for p in check_error(wrong_code, CONTRACT, mode, error_id))
    no_description = reply(error_id, "live")
    del no_description.json["error_description"]
    assert check_error(no_description, CONTRACT, mode, error_id)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("error_id", UNPINNED)
def test_unpinned_mock_other_wording_fails(error_id, mode):
    # The mock's messages are ours: it is held to them byte for byte.
    problems = check_error(reply(error_id, "mock", error_description=OTHER_WORDING), CONTRACT, mode, error_id)
    assert any(p.kind == "message-mismatch" for p in problems)
    assert check_error(reply(error_id, "mock"), CONTRACT, mode, error_id) == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("error_id", UNPINNED)
def test_reply_without_target_kind_is_held_to_the_mock_standard(error_id, mode):
    bare = reply(error_id, "live", error_description=OTHER_WORDING)
    del bare.target_kind
    assert check_error(bare, CONTRACT, mode, error_id)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("error_id", PINNED)
def test_pinned_live_other_wording_fails(error_id, mode):
    problems = check_error(reply(error_id, "live", error_description=OTHER_WORDING), CONTRACT, mode, error_id)
    assert any(p.kind == "message-mismatch" for p in problems)
    assert check_error(reply(error_id, "live"), CONTRACT, mode, error_id) == []


def test_pinned_override_for_a_trigger_the_docs_give_no_message_for():
    # REQ-003: TYPE_ID 3/5 on a live portal, answered 400 "" with the portal's own wording.
    live = reply("ADD_CUSTOM_WITHOUT_PROVIDER", "live", error_description='The activity type "Task" is not supported')
    assert check_error(live, CONTRACT, "strict", "ADD_CUSTOM_WITHOUT_PROVIDER")
    assert check_error(live, CONTRACT, "strict", "ADD_CUSTOM_WITHOUT_PROVIDER", pinned=False) == []
    mock = reply("ADD_CUSTOM_WITHOUT_PROVIDER", "mock", error_description='The activity type "Task" is not supported')
    assert check_error(mock, CONTRACT, "strict", "ADD_CUSTOM_WITHOUT_PROVIDER", pinned=False)
    empty = reply("ADD_CUSTOM_WITHOUT_PROVIDER", "live", error_description="")
    assert check_error(empty, CONTRACT, "strict", "ADD_CUSTOM_WITHOUT_PROVIDER", pinned=False)


def test_real_reply_dataclass_carries_the_kind():
    # The checks read `target_kind` off judge.target.Reply; a rename there must not silently make every
    # live reply look like the mock's.
    entry = CONTRACT.error("ERROR_METHOD_NOT_FOUND")
    body = {"error": entry.code, "error_description": OTHER_WORDING}
    request = RequestRecord("POST", "https://portal.example/rest/1/***/crm.activity.nosuchmethod", "application/json", "{}")
    live = Reply(entry.http_status, {"content-type": "application/json"}, repr(body), body, request, target_kind="live")
    mock = Reply(entry.http_status, {"content-type": "application/json"}, repr(body), body, request, target_kind="mock")
    assert check_error(live, CONTRACT, "strict", entry.id) == []
    assert check_error(mock, CONTRACT, "strict", entry.id)


def test_check_message_alone_and_one_of():
    live = reply("FILES_INVALID", "live", error_description=OTHER_WORDING)
    assert check_message(live, CONTRACT, "strict", "FILES_INVALID") == []
    assert check_message(live, CONTRACT, "strict", "FILES_INVALID", target_kind="mock")
    assert check_error_one_of(live, CONTRACT, "strict", ["ADD_SUBJECT_MISSING", "FILES_INVALID"]) == []
    mock = reply("FILES_INVALID", "mock", error_description=OTHER_WORDING)
    assert check_error_one_of(mock, CONTRACT, "strict", ["ADD_SUBJECT_MISSING", "FILES_INVALID"])


def test_identify_on_live_recognises_unpinned_errors_by_status_and_code():
    # ID_INVALID as a real portal spells it for crm.activity.get (the sibling pages' trailing period).
    live = reply("ID_INVALID", "live", error_description="ID is not defined or invalid.")
    assert identify(live, CONTRACT, "strict") is not None
    assert check_catalogue_error(live, CONTRACT, "strict") == []
    # An unknown method on live, in other words: ERROR_METHOD_NOT_FOUND (its code says so).
    unknown = reply("ERROR_METHOD_NOT_FOUND", "live", error_description=OTHER_WORDING)
    assert identify(unknown, CONTRACT, "strict") == "ERROR_METHOD_NOT_FOUND"
    # The mock gets no such allowance, and neither does a pinned-only code on live.
    assert identify(reply("ERROR_METHOD_NOT_FOUND", "mock", error_description=OTHER_WORDING), CONTRACT, "strict") is None
    assert identify(reply("NO_AUTH_FOUND", "live", error_description=OTHER_WORDING), CONTRACT, "strict") is None
    # An exact message still wins over the status-and-code match.
    exact = reply("ADD_SUBJECT_MISSING", "live")
    assert identify(exact, CONTRACT, "strict") == "ADD_SUBJECT_MISSING"




@pytest.mark.parametrize("kind,passes", [("live", True), ("mock", False)])
def test_batch_items_are_judged_by_the_outer_replys_target(kind, passes):
    # An item of result_error is a bare dict; its wording follows the target the batch came from.
    item = {"error": "ERROR_METHOD_NOT_FOUND", "error_description": OTHER_WORDING}
    inner = {"result": [], "result_error": {"x": item}, "result_total": [], "result_next": [], "result_time": []}
    body = {"result": inner, "time": copy.deepcopy(TIME)}
    outer = SimpleNamespace(status=200, headers={"content-type": "application/json"}, json=body, text=repr(body),
                            target_kind=kind)
    problems = check_batch_outcome(outer, CONTRACT, "strict", failed={"x": "ERROR_METHOD_NOT_FOUND"})
    assert (problems == []) is passes, problems
    item["error_description"] = ""
    assert check_batch_outcome(outer, CONTRACT, "strict", failed={"x": "ERROR_METHOD_NOT_FOUND"})


@pytest.mark.parametrize("value,clean", [(True, True), (False, True), (None, False), ("false", False), (0, False)])
def test_spec_validate_requires_a_boolean_message_pinned(tmp_path, value, clean):
    from b24conform.contract.validate import document_problems

    raw = {"id": "X", "kind": "method", "http_status": 400, "code": "", "message": "m", "reachable": "input",
           "source": [], "methods": ["crm.activity.add"]}
    if value is not None:
        raw["message_pinned"] = value
    problems = document_problems("errors.yaml", {"version": 1, "errors": [raw]}, CONTRACT.root)
    assert (not any("message_pinned" in p for p in problems)) is clean, problems
