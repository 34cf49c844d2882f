"""Exact verdicts for the inputs the earlier exact-verdict files left out: a batch command's answer (no status
of its own) given to the error and read-back checks, an ambiguity whose modes differ, a number past a float's
range, the detail of error-unexpected. Each input makes one logic survivor of the mutation run
(BENCHMARKS.md, "Mutation testing of the checks") give another verdict."""
from __future__ import annotations

import copy
import dataclasses
from types import SimpleNamespace

import pytest

from b24conform.contract import load_contract
from b24conform.judge.checks import batch, errors, readback
from b24conform.judge.checks._common import short
from b24conform.verdict.problems import Problem
from recorded import TIME

CONTRACT = load_contract()
MODES = ("strict", "lenient")
SIX = {k: v for k, v in TIME.items() if k not in ("operating_reset_at", "operating")}


def reply(body, status=200, url="https://p/rest/batch.json"):
    return SimpleNamespace(status=status, headers={"Content-Type": "application/json"}, json=body, text=repr(body),
                           request=SimpleNamespace(url=url, auth="webhook", http_method="POST"))


def command(body):
    """A batch command's answer as judge/batchplan.py hands it to a check: no status, headers or `time`."""
    return SimpleNamespace(status=None, headers={}, json=body, text=repr(body), via_batch=True)


class OneReading:
    """The contract with one ambiguity's strict readings replaced (what a spec change could make of it)."""

    def __init__(self, ambiguity_id: str, strict: tuple[str, ...]):
        self.ambiguities = {**CONTRACT.ambiguities,
                            ambiguity_id: dataclasses.replace(CONTRACT.ambiguities[ambiguity_id], strict=strict)}

    def __getattr__(self, name):
        return getattr(CONTRACT, name)


def entry_body(error_id):
    entry = CONTRACT.error(error_id)
    return {"error": entry.code, "error_description": entry.message}


# -- errors: a batch command's answer has no status ----------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_error_of_a_batch_command_is_not_judged_by_status(mode):
    error_id = "ERROR_METHOD_NOT_FOUND"
    assert CONTRACT.error(error_id).http_status is not None
    assert errors.check_status(command(entry_body(error_id)), CONTRACT, mode, error_id) == []
    assert errors.check_error(command(entry_body(error_id)), CONTRACT, mode, error_id) == []
    # The same body at top level with no status is a status problem: only the batch answer is exempt.
    top = SimpleNamespace(status=None, headers={}, json=entry_body(error_id), text="")
    assert errors.check_status(top, CONTRACT, mode, error_id) == [
        Problem("error-status", "HTTP status", expected=CONTRACT.error(error_id).http_status, actual=None,
                error_id=error_id)]


def test_honoured_batch_command_has_no_status():
    assert errors.honoured(command({"result": 5})) is True
    assert errors.honoured(SimpleNamespace(status=None, json={"result": 5})) is False
    assert errors.honoured(command({"error": "E", "error_description": "D"})) is False


def test_check_error_one_of_without_ids_says_why():
    with pytest.raises(ValueError, match=r"^check_error_one_of needs at least one expected error id$"):
        errors.check_error_one_of(reply(entry_body("ERROR_METHOD_NOT_FOUND")), CONTRACT, "strict", [])


def test_error_unexpected_shows_the_first_120_characters():
    description = "x" * 300
    r = reply({"error": "SOMETHING_ELSE", "error_description": description}, status=400)
    ids = ["ERROR_METHOD_NOT_FOUND", "NO_AUTH_FOUND"]
    got = errors.check_error_one_of(r, CONTRACT, "strict", ids)
    assert got == [Problem("error-unexpected", "reply", expected=ids, actual=f"HTTP 400 {short(description, 120)}")]
    assert got[0].actual == "HTTP 400 '" + "x" * 119 + "..."


def test_method_of_reads_up_to_the_first_question_mark():
    # partition, not rpartition: the query is everything after the first "?".
    r = SimpleNamespace(request=SimpleNamespace(url="https://p/rest/crm.activity.get.json?a=/x.json?b"))
    assert errors.method_of(r) == "crm.activity.get"


# -- batch: AMB-BATCH-LENGTH read in its mode ------------------------------------------------------------

def partial_batch(commands=51):
    """HTTP 200, the first 50 commands run, the rest failed with ERROR_BATCH_LENGTH_EXCEEDED (reading b)."""
    limit = CONTRACT.limits.batch_max_commands
    keys = [f"c{i}" for i in range(commands)]
    over = entry_body("ERROR_BATCH_LENGTH_EXCEEDED")
    inner = {"result": {k: i + 1 for i, k in enumerate(keys[:limit])},
             "result_error": {k: dict(over) for k in keys[limit:]},
             "result_total": [], "result_next": [],
             "result_time": {k: copy.deepcopy(SIX) for k in keys[:limit]}}
    return reply({"result": inner, "time": copy.deepcopy(TIME)}), keys


@pytest.mark.parametrize("mode", MODES)
def test_batch_length_reading_b_passes_where_the_mode_accepts_it(mode):
    r, keys = partial_batch()
    assert batch.check_batch_length(r, CONTRACT, mode, keys=keys) == []
    strict_a = OneReading("AMB-BATCH-LENGTH", ("a",))
    got = batch.check_batch_length(r, strict_a, mode, keys=keys)
    if mode == "strict":  # reading b refused: the reply is judged as the whole-batch error it is not
        assert got == errors.check_error(r, strict_a, mode, "ERROR_BATCH_LENGTH_EXCEEDED") != []
    else:
        assert got == []


# -- read-back: a batch command's get -----------------------------------------------------------------------

def test_readback_of_a_batch_command_unwraps_its_result():
    activity = {"ID": "5", "SUBJECT": "s"}
    assert readback.check_readback_id(command({"result": activity}), CONTRACT, "strict", activity_id=5) == []
    assert readback.check_readback_equal(command({"result": activity}), CONTRACT, "strict", sent={"SUBJECT": "s"}) == []
    # Without `time` and not a batch command, the body itself is what was read.
    assert readback.check_readback_id(SimpleNamespace(json={"result": activity}), CONTRACT, "strict", activity_id=5) == [
        Problem("readback-wrong-id", "ID", expected=5, actual=None)]


# -- read-back: true/false against numbers, numbers past a float ------------------------------------------

@pytest.mark.parametrize("sent, read, equal", [
    (True, 1, True), (1, True, True), (False, 0, True), (True, 1.0, True), (True, 2, False), (True, "1", False),
    ("1", True, False), (True, False, False), (True, True, True),
    (True, 10 ** 400, False), (10 ** 400, True, False), (5, 10 ** 400, False), (10 ** 400, 10 ** 400, True),
])
def test_same_value_booleans_and_huge_numbers(sent, read, equal):
    assert readback.same_value(sent, read) is equal


def test_readback_of_a_huge_number_is_a_mismatch_not_a_crash():
    got = readback.check_readback_equal({"ID": "5", "PRIORITY": 10 ** 400}, CONTRACT, "strict", sent={"PRIORITY": 2})
    assert got == [Problem("readback-mismatch", "PRIORITY", expected=2, actual=10 ** 400)]


# -- shown values whose guard keeps them from raising -----------------------------------------------------
# A problem's shown value is computed from what the reply holds; these inputs are the ones its guard is for
# (a bare body, no `text`, a non-dict item, no item at all), so the check reports instead of raising.

def test_envelope_of_nothing_is_three_problems():
    from b24conform.judge.checks import envelope
    assert envelope.check_status_and_content_type(None) == [
        Problem("http-status", "HTTP status", expected=200, actual=None),
        Problem("content-type", "Content-Type", expected="application/json", actual=None),
        Problem("body-not-json", "body", actual="None")]
    bare = SimpleNamespace(via_batch=True, json=None)  # a batch command's answer with nothing parsed, no text
    assert envelope.check_status_and_content_type(bare) == [Problem("body-not-json", "body", actual="None")]


@pytest.mark.parametrize("body", [None, [1], "true"])
def test_result_true_of_a_body_that_is_no_object(body):
    from b24conform.judge.checks import envelope
    assert envelope.check_result_true(SimpleNamespace(json=body), CONTRACT, "strict") == [
        Problem("result-not-true", "result", expected=True, actual=body)]


def test_error_shape_of_a_bare_list_shows_the_list():
    assert errors.check_error_shape([1, 2]) == [Problem("error-not-object", "body", actual="[1, 2]")]
    assert errors.check_error_shape(SimpleNamespace(json=None, text="<html>")) == [
        Problem("error-not-object", "body", actual="'<html>'")]


def test_batch_failed_command_with_a_result_names_the_command():
    body = {"result": {"result": {"f": 3}, "result_error": {"f": entry_body("ERROR_METHOD_NOT_FOUND")},
                       "result_total": [], "result_next": [], "result_time": {}}, "time": copy.deepcopy(TIME)}
    got = batch.check_batch_outcome(reply(body), CONTRACT, "strict", failed={"f": "ERROR_METHOD_NOT_FOUND"})
    assert got == [Problem("batch-command-both", "result.result", actual=3, context="batch command 'f'")]


def test_last_page_without_items():
    from b24conform.judge.checks import lists
    first = {"result": [{"ID": "1"}, {"ID": "2"}, {"ID": "3"}], "total": 3}
    got = lists.check_last_page(first, {"result": [], "total": 3}, CONTRACT, "strict", start=0, ceiling=3)
    assert got == [Problem("list-last-page", "items at start=0", expected=3, actual=0, context="total 3"),
                   Problem("list-last-page", "last ID at start=0", expected="3", actual=None)]


def test_communications_value_missing_among_non_dict_items():
    sent = {"TYPE_ID": 2, "COMMUNICATIONS": [{"VALUE": "+1"}]}
    got = readback.check_communications({"COMMUNICATIONS": ["+1"]}, CONTRACT, "strict", sent=sent)
    assert got == [Problem("readback-communications", "VALUE", expected="+1", actual=["+1"])]


def test_list_finds_shows_non_dict_items_as_they_are():
    got = readback.check_list_finds({"result": ["7"], "total": 1}, CONTRACT, "strict", activity_id=7)
    assert got == [Problem("list-wrong-items", "result", expected=7, actual=["7"])]


@pytest.mark.parametrize("body", [[1], None])
def test_list_finds_nothing_of_a_body_that_is_no_object(body):
    assert readback.check_list_finds_nothing(SimpleNamespace(json=body), CONTRACT, "strict") == [
        Problem("list-not-list", "result", actual=body)]


# -- the premise of identify's equivalent survivor (benchmarks/mutation_equivalent.py) -----------------------

def _period_variants(text):
    return {text[:-1]} if text.endswith(".") else {text + "."}


def test_a_period_variant_names_one_unpinned_error_only():
    """identify, strict, on a live target: a period variant of an unpinned entry's message is recognised by
    the second loop, which returns the FIRST unpinned entry with the reply's code and status that has a code
    or owns the wording. That is the entry itself only while no other unpinned entry shares its code and
    status and owns the variant too; the mutation `mode=None` in the first loop relies on it."""
    unpinned = [e for e in CONTRACT.errors.values() if not e.message_pinned]
    clashes = []
    for entry in unpinned:
        for variant in set().union(*(_period_variants(t) for t in entry.accepted_messages())):
            clashes += [(entry.id, other.id, variant) for other in unpinned
                        if other.id != entry.id and other.code == entry.code and other.http_status == entry.http_status
                        and (other.code or errors._own_wording(variant, other))]
    assert clashes == []
    assert any(not e.code for e in unpinned)  # not vacuous: empty codes are shared, the wording tells them apart
