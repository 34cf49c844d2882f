"""The logic survivors of benchmarks/mutation_checks.py shown equivalent, one by one: each entry names the
function and the change exactly as the script prints it (original line -> mutated line), and says why no input
can change whether a problem is reported. An entry matches a survivor only while the function and the changed
lines are the same, so a code change makes its argument stale (listed as such) instead of silently reused.

An argument here holds for every input, not for the inputs the tests try. Where a survivor could be killed by an
input, a test does it (tests/test_checks_*_exact.py, tests/test_support_exact.py); where it was an argument
never read or a branch never taken, the code was simplified instead (git log of src/b24conform/judge/checks/)."""
from __future__ import annotations

_CTYPE_OK = 'ctype = (header(reply, "content-type") or "").split(";")[0].strip().lower()'
_CTYPE_ERR = 'ctype = (header(reply, "content-type") or "application/json").split(";")[0].strip().lower()'
_HEADER_CASE = ("header() lower-cases the name it is given before comparing it with each lower-cased header name "
                "(_common.header: `name = name.lower()`), so \"CONTENT-TYPE\" finds exactly the header \"content-type\" "
                "finds, for any reply.")
_IDENTIFY_FIRST = ('if message_matches(body.get("error_description"), entry, contract, mode) and not check_error(')
_IDENTIFY_MOCK = 'if target_kind_of(reply) != "mock":'
_MOCK_SKIP = ("The guard only spares the mock a loop that cannot find anything: on the mock every wording is "
              "demanded (wording_demanded is true for target kind \"mock\"), so an entry for which check_error finds no "
              "problem has a message check_message accepted, i.e. message_matches(..., mode) is true for it, and the "
              "first loop (same candidates, same order, same check_error) has already returned it. So on the mock "
              "the second loop returns nothing, and running it changes no result; elsewhere the mutant's condition is "
              "true exactly as the original's (\"XXmockXX\"/\"MOCK\" is no target kind: target_kind_of gives \"mock\" "
              "or \"live\"), so the loop runs there as before.")

EQUIVALENT: list[dict[str, str]] = [
    {"function": "b24conform.judge.checks.envelope.check_status_and_content_type",
     "change": f'{_CTYPE_OK} -> {_CTYPE_OK.replace("content-type", "CONTENT-TYPE", 1)}',
     "why": _HEADER_CASE},
    {"function": "b24conform.judge.checks.errors.check_error_shape",
     "change": f'{_CTYPE_ERR} -> {_CTYPE_ERR.replace("content-type", "CONTENT-TYPE", 1)}',
     "why": _HEADER_CASE},
    {"function": "b24conform.judge.checks.errors.check_error_shape",
     "change": f'{_CTYPE_ERR} -> {_CTYPE_ERR.replace("application/json", "APPLICATION/JSON", 1)}',
     "why": "The default stands in for a missing Content-Type and goes through the same .split(\";\")[0].strip().lower() "
            "as a header value: \"APPLICATION/JSON\" becomes \"application/json\", exactly the original default."},
    {"function": "b24conform.judge.checks.errors.identify",
     "change": f'{_IDENTIFY_MOCK} -> {_IDENTIFY_MOCK.replace(chr(34) + "mock", chr(34) + "XXmockXX", 1)}',
     "why": _MOCK_SKIP},
    {"function": "b24conform.judge.checks.errors.identify",
     "change": f'{_IDENTIFY_MOCK} -> {_IDENTIFY_MOCK.replace(chr(34) + "mock", chr(34) + "MOCK", 1)}',
     "why": _MOCK_SKIP},
    {"function": "b24conform.judge.checks.errors.identify",
     "change": f'{_IDENTIFY_FIRST} -> {_IDENTIFY_FIRST.replace("contract, mode)", "contract, None)", 1)}',
     "why": "message_matches reads the mode only through accepts(..., \"AMB-MESSAGE-PERIOD\", \"b\", mode), where any "
            "mode but \"strict\" reads as lenient; so the mutant differs only in strict mode for a message that is a "
            "period variant of an entry's text. The first loop then also needs check_error(strict) to pass, and "
            "strict check_error accepts a period variant only where the wording is not demanded: a live target and "
            "an unpinned entry. There the second loop (not the mock) returns the first unpinned entry check_error "
            "passes that has a code or its own wording (a period variant is its own wording, _own_wording): the same "
            "entry, unless an earlier unpinned entry shares the reply's code and status and has a code or owns the "
            "variant too, and no two unpinned entries do (tests/test_checks_survivors_exact.py, "
            "test_a_period_variant_names_one_unpinned_error_only, holds the catalogue to it). Re-checked exhaustively "
            "on 2026-12-07: every entry's code with each accepted message, period variant, \"\" and another text, "
            "seven statuses, both target kinds and both modes: 11,816 comparisons, the same id from identify and "
            "from the mutant (and from the \"XXmockXX\" one)."},
    {"function": "b24conform.judge.checks.lists.last_page_start",
     "change": "return PAGE_SIZE * ((total - 1) // PAGE_SIZE) if is_int(total) and total > 0 else 0 -> "
               "return PAGE_SIZE * ((total - 1) // PAGE_SIZE) if is_int(total) and total > 1 else 0",
     "why": "The two conditions differ only at total == 1, where the original gives PAGE_SIZE * (0 // PAGE_SIZE) == 0 "
            "and the mutant its else-value 0: the same start for every input."},
    {"function": "b24conform.judge.checks.readback.check_communications",
     "change": "type_id = None -> type_id = \"\"",
     "why": "type_id is read once, as FILLED_COMM_TYPE.get(type_id); the keys of FILLED_COMM_TYPE are the integers 2 "
            "and 4, so the TYPE_ID that is no integer gives None with either None or \"\" (and want_type falls back "
            "to the sent TYPE alone in both)."},
]
