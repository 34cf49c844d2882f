"""References to the answer so far inside a batch command (`$result[...]` and its four siblings), as the
vendor's batch resolves them: after the query is parsed, one parameter at a time (portal/batch.py)."""
from __future__ import annotations

import pytest

from b24conform.contract import load_contract
from b24conform.portal import batch
from b24conform.portal.testing import SEED_FIELDS, call, in_process_portal
from b24conform.portal.wire import encode_php_query

TIME = {"start": 1700000000.5, "duration": 0.25}


def answer_so_far():
    answer = batch.new_answer()
    answer["result"].update({"a": 42, "g": {"ID": "7", "SUBJECT": "a&b=c", "EMPTY": None},
                             "l": [{"ID": "11"}, {"ID": "12"}], "s": "xyz"})
    answer["total"]["l"] = 2
    answer["next"]["l"] = 50
    answer["time"]["a"] = TIME
    answer["error"]["bad"] = {"error": "ERROR_BAD_BODY", "error_description": "d"}
    return answer


def resolved(value):
    return batch.resolve({"p": value}, answer_so_far())["p"]


# -- the pure functions ----------------------------------------------------------------------------


def test_a_whole_value_reference_becomes_the_scalar_itself():
    assert resolved("$result[a]") == 42  # an int, not its text


def test_a_whole_value_reference_reaches_into_a_field():
    assert resolved("$result[g][ID]") == "7"
    assert resolved("$result[l][1][ID]") == "12"


def test_inside_a_longer_value_the_reference_is_replaced_by_its_text():
    assert resolved("before $result[a] after") == "before 42 after"
    assert resolved("$result[a] and $result[g][ID]") == "42 and 7"
    assert resolved("x$result[a]") == "x42"
    # the reference runs to the next whitespace, so a tail glued to it goes with it (a vendor quirk)
    assert resolved("x$result[a],y") == "x42"


def test_a_spliced_value_stays_inside_its_own_parameter():
    params = batch.resolve({"q": "x $result[g][SUBJECT]", "other": "1"}, answer_so_far())
    assert params == {"q": "x a&b=c", "other": "1"}


@pytest.mark.parametrize(("reference", "expected"), [
    ("$result[a]", 42),
    ("$total[l]", 2),
    ("$next[l]", 50),
    ("$time[a][duration]", 0.25),
    ("$error[bad][error]", "ERROR_BAD_BODY"),
])
def test_each_part_of_the_answer_is_a_root(reference, expected):
    assert resolved(reference) == expected


def test_a_missing_key_leaves_the_deepest_part_found():
    assert resolved("$result[g][NOPE]") == answer_so_far()["result"]["g"]
    assert resolved("$result[g][NOPE][ID]") == answer_so_far()["result"]["g"]  # no walking past a gap
    assert resolved("$result[g][EMPTY]") == answer_so_far()["result"]["g"]  # null is not set
    assert resolved("$result[l][2]") == answer_so_far()["result"]["l"]
    assert resolved("$total[zz]") == {"l": 2}
    assert resolved("$time[zz]") == {"a": TIME}
    # inside text an array is not spliced: the reference stays as written
    assert resolved("x $result[g][NOPE]") == "x $result[g][NOPE]"


def test_an_array_as_a_whole_value_is_an_array_parameter_of_its_own():
    value = resolved("$result[l]")
    assert value == [{"ID": "11"}, {"ID": "12"}]
    answer = answer_so_far()
    got = batch.resolve({"p": "$result[l]"}, answer)["p"]
    got[0]["ID"] = "changed"
    assert answer["result"]["l"][0]["ID"] == "11"  # a copy, as PHP hands one


def test_the_root_matches_in_any_case_but_is_looked_up_as_written():
    # `$RESULT` is taken as a reference (the vendor's pattern ignores case) but the answer's part is
    # `result`: it names nothing, a whole value becomes null and text keeps it as written.
    assert resolved("$RESULT[a]") is None
    assert resolved("$Result[g][ID]") is None
    assert resolved("x $ReSuLt[a]") == "x $ReSuLt[a]"
    assert resolved("$result[A]") == answer_so_far()["result"]  # segments are exact keys
    # only ASCII letters fold: the long s (U+017F) is no "s", so `$result` spelt with it is no reference
    assert resolved("x $re\u017fult[a]") == "x $re\u017fult[a]"


def test_what_is_no_reference_is_left_alone():
    assert resolved("$result") == "$result"  # no segment
    assert resolved("$result[]") == "$result[]"  # an empty segment is none
    assert resolved("$other[a]") == "$other[a]"
    assert resolved("price: 5$") == "price: 5$"
    assert batch.resolve({"n": 5, "l": ["$result[a]", "$result[s]"]}, answer_so_far()) == {"n": 5, "l": [42, "xyz"]}


def test_keys_are_looked_at_without_a_root():
    answer = answer_so_far()
    assert batch.resolve_key("$result[a]", answer) == ""  # the vendor passes keys no root list
    assert batch.resolve_key("fields", answer) == "fields"
    assert batch.resolve_key("$result", answer) == "$result"


def test_the_walk_follows_php_offsets():
    assert batch.walk("xyz", ["1"]) == "y"
    assert batch.walk("xyz", ["-1"]) == "z"
    assert batch.walk("xyz", ["-0"]) == "x"
    assert batch.walk("xyz", ["-4"]) == "xyz"
    assert batch.walk("xyz", ["3"]) == "xyz"
    assert batch.walk(["a", "b"], ["01"]) == ["a", "b"]  # "01" is a string key, no index
    assert batch.walk(["a", "b"], ["1"]) == "b"
    assert batch.walk(42, ["0"]) == 42
    assert batch.walk({"1": "one"}, ["1"]) == "one"


@pytest.mark.parametrize(("value", "text"), [
    (42, "42"), (-3, "-3"), (0.1 + 0.2, "0.3"), (2.0, "2"), (1e25, "1.0E+25"), (1.5e-7, "1.5E-7"),
    ("s", "s"), (True, None), (None, None), ([1], None), ({"a": 1}, None),
])
def test_php_string(value, text):
    assert batch.php_string(value) == text


# -- through the portal ----------------------------------------------------------------------------


@pytest.fixture()
def portal():
    with in_process_portal() as client:
        yield client


def run(portal, cmd):
    reply = call(portal, "batch", {"cmd": cmd, "halt": 0})
    assert reply.status_code == 200
    return reply.json()["result"]


def test_a_chain_of_references_through_the_portal(portal):
    add = "crm.activity.add?" + encode_php_query({"fields": SEED_FIELDS})
    res = run(portal, {
        "a": add,
        "b": "crm.activity.get?id=$result[a]",
        "c": "crm.activity.get?id=$result[b][ID]",
        "d": "crm.activity.list?filter[ID]=$result[a]&select[]=ID",
        "e": "crm.activity.add?" + encode_php_query({"fields": {k: v for k, v in SEED_FIELDS.items() if k != "SUBJECT"}})
             + "&fields[SUBJECT]=Copy%20of%20$result[b][SUBJECT]",
        "f": "crm.activity.get?id=$result[e]",
    })
    new_id = res["result"]["a"]
    assert isinstance(new_id, int) and res["result_error"] == []
    assert res["result"]["b"]["ID"] == res["result"]["c"]["ID"] == str(new_id)
    assert res["result"]["d"] == [{"ID": str(new_id)}] and res["result_total"] == {"d": 1}
    assert res["result"]["f"]["SUBJECT"] == "Copy of " + res["result"]["b"]["SUBJECT"]


def test_a_reference_naming_nothing_is_the_value_the_vendor_puts_there(portal):
    # `$RESULT[a]` names no part: the id is null, and the command answers what a direct null id does
    direct_null = call(portal, "crm.activity.get", {"id": None}).json()
    assert "error" in direct_null
    res = run(portal, {"a": "crm.enum.activitytype", "b": "crm.activity.get?id=$RESULT[a]"})
    assert res["result_error"] == {"b": {k: direct_null[k] for k in ("error", "error_description")}}


def test_a_command_whose_parse_fails_still_answers_its_catalogue_error(portal):
    contract = load_contract()
    res = run(portal, {
        "bad": "crm.activity.get?id=%FF$result[x]",  # not UTF-8 once decoded
        "odd": ["crm.activity.fields"],  # not a command string
        "ok": "crm.activity.fields?x=$error[bad][error]",
    })
    assert res["result_error"] == {
        "bad": contract.error("ERROR_BAD_BODY").body(),
        "odd": contract.error("ERROR_METHOD_NOT_FOUND").body(),
    }
    assert set(res["result"]) == {"ok"}
