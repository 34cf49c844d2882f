"""Error checks against the catalogue, on hand-made replies built from errors.yaml itself."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from b24conform.contract import load_contract
from b24conform.judge.checks.errors import (
    check_catalogue_error,
    check_error,
    check_error_code_alphabet,
    check_error_one_of,
    check_error_shape,
    check_unlisted_refusal,
    identify,
)

CONTRACT = load_contract()
MODES = ("strict", "lenient")
ALL_IDS = sorted(CONTRACT.errors)
METHOD_IDS = sorted(e.id for e in CONTRACT.errors.values() if e.kind == "method")


def reply(body, status, ctype="application/json"):
    return SimpleNamespace(status=status, headers={"content-type": ctype}, json=body, text=repr(body))


def exact(error_id, **override):
    entry = CONTRACT.error(error_id)
    body = {**entry.body(), **{k: v for k, v in override.items() if k != "status"}}
    return reply(body, override.get("status", entry.http_status))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("error_id", ALL_IDS)
def test_catalogue_body_conforms(error_id, mode):
    assert check_error(exact(error_id), CONTRACT, mode, error_id) == []
    assert check_catalogue_error(exact(error_id), CONTRACT, mode) == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("error_id", ALL_IDS)
def test_wrong_status_fails(error_id, mode):
    status = 500 if CONTRACT.error(error_id).http_status != 500 else 400
    assert check_error(exact(error_id, status=status), CONTRACT, mode, error_id)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("error_id", ALL_IDS)
def test_other_message_fails(error_id, mode):
    assert check_error(exact(error_id, error_description="Something else"), CONTRACT, mode, error_id)


def test_message_period_strict_vs_lenient():
    entry = CONTRACT.error("ADD_ACCESS_DENIED")
    no_period = exact("ADD_ACCESS_DENIED", error_description=entry.message.rstrip("."))
    assert check_error(no_period, CONTRACT, "strict", "ADD_ACCESS_DENIED")
    assert check_error(no_period, CONTRACT, "lenient", "ADD_ACCESS_DENIED") == []
    added = exact("ADD_SUBJECT_MISSING", error_description=CONTRACT.error("ADD_SUBJECT_MISSING").message + ".")
    assert check_error(added, CONTRACT, "strict", "ADD_SUBJECT_MISSING")
    assert check_error(added, CONTRACT, "lenient", "ADD_SUBJECT_MISSING") == []
    # Two periods is not a documented variant in either mode.
    twice = exact("ADD_SUBJECT_MISSING", error_description=CONTRACT.error("ADD_SUBJECT_MISSING").message + "..")
    assert check_error(twice, CONTRACT, "lenient", "ADD_SUBJECT_MISSING")


@pytest.mark.parametrize("error_id", METHOD_IDS)
def test_non_empty_code_on_method_error_is_lenient_only(error_id):
    r = exact(error_id, error="ERROR_CORE")
    assert check_error(r, CONTRACT, "strict", error_id)
    assert check_error(r, CONTRACT, "lenient", error_id) == []
    # Outside the alphabet fails even in lenient mode.
    assert check_error(exact(error_id, error="ERROR CORE!"), CONTRACT, "lenient", error_id)


@pytest.mark.parametrize("mode", MODES)
def test_general_error_code_must_match_exactly(mode):
    assert check_error(exact("NO_AUTH_FOUND", error=""), CONTRACT, mode, "NO_AUTH_FOUND")
    assert check_error(exact("INSUFFICIENT_SCOPE", error="INSUFFICIENT_SCOPE"), CONTRACT, mode, "INSUFFICIENT_SCOPE")


def test_access_denied_403_is_lenient_only():
    r = exact("ADD_ACCESS_DENIED", status=403)
    assert check_error(r, CONTRACT, "strict", "ADD_ACCESS_DENIED")
    assert check_error(r, CONTRACT, "lenient", "ADD_ACCESS_DENIED") == []


@pytest.mark.parametrize("mode", MODES)
def test_shape(mode):
    assert check_error_shape(reply({"error": "", "error_description": "x"}, 400), CONTRACT, mode) == []
    assert check_error_shape(reply({"error_description": "x"}, 400), CONTRACT, mode)
    assert check_error_shape(reply({"error": None, "error_description": "x"}, 400), CONTRACT, mode)
    assert check_error_shape(reply({"error": "", "error_description": "x", "result": False}, 400), CONTRACT, mode)
    assert check_error_shape(reply(None, 400), CONTRACT, mode)
    assert check_error_shape(reply({"error": "", "error_description": "x"}, 400, "text/html"), CONTRACT, mode)


@pytest.mark.parametrize("mode", MODES)
def test_code_alphabet(mode):
    assert check_error_code_alphabet(reply({"error": "QUERY_LIMIT_EXCEEDED"}, 503), CONTRACT, mode) == []
    assert check_error_code_alphabet(reply({"error": ""}, 400), CONTRACT, mode) == []
    assert check_error_code_alphabet(reply({"error": "bad-code"}, 400), CONTRACT, mode)


@pytest.mark.parametrize("mode", MODES)
def test_one_of_and_identify(mode):
    ids = ["ADD_TYPE_ID_INVALID", "ADD_SUBJECT_MISSING"]
    assert check_error_one_of(exact("ADD_SUBJECT_MISSING"), CONTRACT, mode, ids) == []
    assert check_error_one_of(exact("ADD_BINDING_FAILED"), CONTRACT, mode, ids)
    assert check_error_one_of(exact("ADD_SUBJECT_MISSING", status=500), CONTRACT, mode, ids)
    assert identify(exact("ADD_BINDING_FAILED"), CONTRACT, mode) == "ADD_BINDING_FAILED"
    assert identify(reply({"error": "", "error_description": "Nope"}, 400), CONTRACT, mode) is None
    assert check_catalogue_error(reply({"error": "", "error_description": "Nope"}, 400), CONTRACT, mode)


@pytest.mark.parametrize("mode", MODES)
def test_status_code_message_checks_each_fail_alone(mode):
    from b24conform.judge.checks.errors import check_code, check_message, check_status

    good = exact("ADD_TYPE_ID_INVALID")
    for check in (check_status, check_code, check_message):
        assert check(good, CONTRACT, mode, "ADD_TYPE_ID_INVALID") == []
    assert check_status(exact("ADD_TYPE_ID_INVALID", status=200), CONTRACT, mode, "ADD_TYPE_ID_INVALID")
    assert check_code(exact("ADD_TYPE_ID_INVALID", error=None), CONTRACT, mode, "ADD_TYPE_ID_INVALID")
    assert check_message(exact("ADD_TYPE_ID_INVALID", error_description=""), CONTRACT, mode, "ADD_TYPE_ID_INVALID")
    # A batch result_error entry is a plain dict: code and message checks read it too.
    assert check_message(CONTRACT.error("ADD_TYPE_ID_INVALID").body(), CONTRACT, mode, "ADD_TYPE_ID_INVALID") == []


def _kinds(problems):
    return [p.kind for p in problems]


def test_an_undocumented_refusal_fails_strict_only():
    """REQ-011 / AMB-UNLISTED-VALUES: strict wants the add accepted; lenient accepts a 400 that says why."""
    refused = reply({"error": "", "error_description": "PRIORITY is out of range"}, 400)
    assert _kinds(check_unlisted_refusal(refused, CONTRACT, "strict", "PRIORITY")) == ["refusal-undocumented"]
    assert check_unlisted_refusal(refused, CONTRACT, "lenient", "PRIORITY") == []


@pytest.mark.parametrize(("body", "status", "kinds"), [
    ({"error": "", "error_description": ""}, 400, ["refusal-description-empty"]),
    ({"error": "", "error_description": "   "}, 400, ["refusal-description-empty"]),
    ({"error": "", "error_description": "out of range"}, 500, ["http-status"]),
    ({"error_description": "out of range"}, 400, ["error-key-missing"]),
    ("<html>", 400, ["error-not-object", "refusal-description-empty"]),
])
def test_a_lenient_refusal_still_has_to_say_why(body, status, kinds):
    assert _kinds(check_unlisted_refusal(reply(body, status), CONTRACT, "lenient", "PRIORITY")) == kinds


# ------------------------------------------------------------ exact verdicts, branch by branch (the mutation run
# left these unpinned; each case fails under one of the surviving mutants)

from b24conform.judge.checks.errors import check_code, check_message  # noqa: E402
from b24conform.verdict.problems import Problem  # noqa: E402

SUBJECT_MSG = CONTRACT.error("ADD_SUBJECT_MISSING").message
TYPE_MSG = CONTRACT.error("ADD_TYPE_ID_INVALID").message


def live(body, status):
    return SimpleNamespace(status=status, headers={"content-type": "application/json"}, json=body, text=repr(body),
                           target_kind="live")


def test_one_of_needs_an_id():
    with pytest.raises(ValueError, match="at least one expected error id"):
        check_error_one_of(exact("ADD_SUBJECT_MISSING"), CONTRACT, "strict", [])


ONE_OF = ["ADD_SUBJECT_MISSING", "ADD_TYPE_ID_INVALID"]


@pytest.mark.parametrize("r, mode, expected", [
    # The second id's message with a wrong status: judged against that id, not summarised, not the first id.
    (exact("ADD_TYPE_ID_INVALID", status=500), "strict",
     [Problem("error-status", "HTTP status", expected=400, actual=500, error_id="ADD_TYPE_ID_INVALID")]),
    # The period variant is that id's message in lenient mode only; strict summarises.
    (exact("ADD_TYPE_ID_INVALID", status=500, error_description=TYPE_MSG + "."), "lenient",
     [Problem("error-status", "HTTP status", expected=400, actual=500, error_id="ADD_TYPE_ID_INVALID")]),
    (exact("ADD_TYPE_ID_INVALID", status=500, error_description=TYPE_MSG + "."), "strict",
     [Problem("error-unexpected", "reply", expected=ONE_OF, actual=f"HTTP 500 {TYPE_MSG + '.'!r}")]),
    (exact("ADD_TYPE_ID_INVALID", error_description=TYPE_MSG + "."), "strict",
     [Problem("error-unexpected", "reply", expected=ONE_OF, actual=f"HTTP 400 {TYPE_MSG + '.'!r}")]),
    # No message matches: the summary quotes the description, not the whole body.
    (reply({"error": "", "error_description": "Nope"}, 400), "strict",
     [Problem("error-unexpected", "reply", expected=ONE_OF, actual="HTTP 400 'Nope'")]),
    # Not JSON: the summary quotes the text; a bare value without text does not make the check raise.
    (SimpleNamespace(status=502, headers={"content-type": "text/html"}, json=None, text="<html>Bad gateway</html>"),
     "strict", [Problem("error-unexpected", "reply", expected=ONE_OF, actual="HTTP 502 '<html>Bad gateway</html>'")]),
    ([1, 2], "strict", [Problem("error-unexpected", "reply", expected=ONE_OF, actual="HTTP None None")]),
])
def test_one_of_reports_against_the_matching_id(r, mode, expected):
    assert check_error_one_of(r, CONTRACT, mode, ONE_OF) == expected


@pytest.mark.parametrize("r, mode, kinds, expected", [
    (exact("ADD_SUBJECT_MISSING"), "strict", ["method"], "ADD_SUBJECT_MISSING"),
    (exact("ADD_SUBJECT_MISSING"), "strict", ["general", "transport"], None),
    (exact("INTERNAL_SERVER_ERROR"), "strict", ["general"], "INTERNAL_SERVER_ERROR"),
    # The right message with a wrong status is no catalogue error.
    (exact("ADD_SUBJECT_MISSING", status=500), "strict", None, None),
    # A non-empty code on a method error is the lenient reading of AMB-ERROR-CODE-EMPTY only.
    (exact("ADD_SUBJECT_MISSING", error="ERROR_CORE"), "strict", None, None),
    (exact("ADD_SUBJECT_MISSING", error="ERROR_CORE"), "lenient", None, "ADD_SUBJECT_MISSING"),
    (live({"error": "ERROR_CORE", "error_description": "The field FILES is not defined or invalid"}, 400),
     "strict", None, None),
    # On a live portal an unpinned message is not demanded byte for byte, but an empty code names no
    # error: the message (or a documented variant of it, the period one whatever the mode) must still
    # be that entry's, so the period variant is FILES_INVALID in both modes, never another entry of
    # the same status and code.
    (live({"error": "", "error_description": "The field FILES is not defined or invalid."}, 400), "lenient", None,
     "FILES_INVALID"),
    (live({"error": "", "error_description": "The field FILES is not defined or invalid."}, 400), "strict", None,
     "FILES_INVALID"),
    (live({"error": "", "error_description": "ID is not defined or invalid."}, 400), "strict", ["companion"], "ID_INVALID"),
    # The docs elide the type's name ("..."): any name there is that entry's own wording.
    (live({"error": "", "error_description": 'The activity type "Task" is not supported in current context'}, 400),
     "strict", ["method"], "ADD_TYPE_NOT_SUPPORTED"),
    # A code that names the error is enough for an unpinned entry on live, whatever the wording.
    (live({"error": "ERROR_METHOD_NOT_FOUND", "error_description": "No such method"}, 404), "strict", None,
     "ERROR_METHOD_NOT_FOUND"),
])
def test_identify_exactly(r, mode, kinds, expected):
    assert identify(r, CONTRACT, mode, kinds) == expected


UNRELATED = "Something went wrong on our side, try again"
EMPTY_CODE_UNPINNED = sorted(e.id for e in CONTRACT.errors.values()
                             if not e.message_pinned and e.code == "" and e.http_status == 400)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kinds", [None, ["companion"], ["method"]])
@pytest.mark.parametrize("code", ["", "ERROR_CORE"])
def test_an_arbitrary_400_with_an_empty_code_is_no_catalogue_error_on_live(mode, kinds, code):
    # Status 400 and the empty code (or, lenient, any code in its place) are shared by every unpinned
    # method and companion error: alone they identify none of them (UPDATE_FIELDS_MISSING, the first
    # such entry, used to stand for any 400 ""), and the check relying on the identification reports
    # the reply as an error the catalogue does not hold.
    assert "UPDATE_FIELDS_MISSING" in EMPTY_CODE_UNPINNED and len(EMPTY_CODE_UNPINNED) > 1
    r = live({"error": code, "error_description": UNRELATED}, 400)
    assert identify(r, CONTRACT, mode, kinds) is None
    assert check_catalogue_error(r, CONTRACT, mode, kinds) == [Problem("error-not-in-catalogue", "reply", actual={
        "status": 400, "error": code, "error_description": UNRELATED})]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("error_id", EMPTY_CODE_UNPINNED)
def test_an_unpinned_entry_is_identified_by_its_own_message_on_live_and_exactly_on_the_mock(mode, error_id):
    entry = CONTRACT.error(error_id)
    assert identify(live(entry.body(), entry.http_status), CONTRACT, mode) == error_id
    # The mock's wording is b24conform's own: another text is no error of the catalogue there.
    assert identify(exact(error_id, error_description=UNRELATED), CONTRACT, mode) is None


NOT_IN_CATALOGUE = Problem("error-not-in-catalogue", "reply", actual={
    "status": 400, "error": "", "error_description": SUBJECT_MSG + "."})


@pytest.mark.parametrize("r, mode, kinds, expected", [
    (exact("ADD_SUBJECT_MISSING", error_description=SUBJECT_MSG + "."), "strict", None, [NOT_IN_CATALOGUE]),
    (exact("ADD_SUBJECT_MISSING", error_description=SUBJECT_MSG + "."), "lenient", None, []),
    (exact("ADD_SUBJECT_MISSING"), "strict", ["general"], [Problem("error-not-in-catalogue", "reply", actual={
        "status": 400, "error": "", "error_description": SUBJECT_MSG})]),
    # A malformed envelope is reported as such, not as an unknown error.
    (exact("ADD_SUBJECT_MISSING", result=False), "strict", None, [Problem("error-with-result", "result", actual=False)]),
])
def test_catalogue_error_exactly(r, mode, kinds, expected):
    assert check_catalogue_error(r, CONTRACT, mode, kinds) == expected


@pytest.mark.parametrize("r, error_id, kinds", [
    # Outside the alphabet: the alphabet and the code are two problems.
    (exact("INTERNAL_SERVER_ERROR", error="INTERNAL-ERROR"), "INTERNAL_SERVER_ERROR", ["error-code-alphabet", "error-code"]),
    # A missing key is not the end: status, code and message are still judged.
    (reply({"error": ""}, 500), "ADD_SUBJECT_MISSING", ["error-key-missing", "error-status", "message-mismatch"]),
    # Not an object: one problem, the rest cannot be read.
    (reply(None, 400), "ADD_SUBJECT_MISSING", ["error-not-object"]),
])
def test_check_error_kinds(r, error_id, kinds):
    assert _kinds(check_error(r, CONTRACT, "strict", error_id)) == kinds


@pytest.mark.parametrize("mode", MODES)
def test_pieces_read_bad_bodies_without_raising(mode):
    not_json = reply(None, 502)
    assert check_error_code_alphabet(not_json, CONTRACT, mode) == []
    assert check_code(not_json, CONTRACT, mode, "ADD_SUBJECT_MISSING") == [
        Problem("error-code", "error", expected="", actual=None, error_id="ADD_SUBJECT_MISSING")]
    assert _kinds(check_message(not_json, CONTRACT, mode, "ADD_SUBJECT_MISSING")) == ["message-mismatch"]
    # A batch's result_error item is a bare dict without headers: no Content-Type to judge.
    assert check_error_shape(CONTRACT.error("ADD_SUBJECT_MISSING").body(), CONTRACT, mode) == []
    # Parameters after the media type are not part of it.
    assert check_error_shape(reply({"error": "", "error_description": "x"}, 400, "application/json; charset=utf-8"),
                             CONTRACT, mode) == []


def test_an_undocumented_refusal_names_the_field():
    refused = reply({"error": "", "error_description": "PRIORITY is out of range"}, 400)
    assert check_unlisted_refusal(refused, CONTRACT, "strict", "PRIORITY") == [Problem(
        "refusal-undocumented", "PRIORITY", actual={"status": 400, "error_description": "'PRIORITY is out of range'"})]


@pytest.mark.parametrize("mode", MODES)
def test_a_message_of_the_pattern_matches_whatever_the_owner(mode):
    # The tutorial gives one owner's text; the pattern stands for every type and id. A message that only the
    # pattern matches (not the text, not a period variant) is still that error.
    from b24conform.judge.checks.errors import message_matches
    entry = CONTRACT.error("ADD_OWNER_NOT_FOUND")
    other_owner = "Could not find 'DEAL' with ID: 987"
    assert other_owner != entry.message and other_owner not in entry.accepted_messages()
    assert message_matches(other_owner, entry, CONTRACT, mode) is True
    assert check_error(exact("ADD_OWNER_NOT_FOUND", error_description=other_owner), CONTRACT, mode,
                       "ADD_OWNER_NOT_FOUND") == []
    assert message_matches("Could not find 'DEAL' with ID: x", entry, CONTRACT, mode) is False


@pytest.mark.parametrize("message", [None, 5, ["Access denied."], {"text": "x"}])
def test_only_a_string_is_an_own_wording(message):
    # traffic/checks.py names every error whose own wording a message is: a non-string must name none.
    from b24conform.judge.checks.errors import _own_wording
    assert not any(_own_wording(message, entry) for entry in CONTRACT.errors.values())
    assert any(_own_wording(entry.message, entry) for entry in CONTRACT.errors.values())
