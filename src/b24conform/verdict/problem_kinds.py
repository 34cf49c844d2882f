"""The catalogue of problem kinds a check can report.

A kind is a stable id (never renamed or reused: baselines, `diff` and other tools compare by it),
a title for people, what a conformant reply has (`expects`, shown where a problem carries no
concrete expected value) and the sentence a problem of this kind is rendered as.

`by_value` says what makes two problems of the kind the same problem. True: the kind, the subject
and the expected and actual values (a 200 where the catalogue says 400 is one problem, whichever
error was provoked). False: the kind and the subject only, for values that differ from reply to
reply by nature (timestamps, generated field values), which would otherwise split one fault into as
many problems as there were requests.

`cause` and `precedes` say which problems follow from others, as data: a kind with a `cause` rank is a
problem other problems may follow from (0 first: a refused credential accepted, then a refused request
honoured), and `precedes` names the kinds that may follow from it. The reports (reporting/problems.py)
put a problem beneath a cause when every time it was found, a cause that precedes its kind was found in
the same reply, or earlier in a reply whose honoured write touched the record the problem's reply reads
(a wrong-code delete the portal honoured, then the list that no longer finds the activity).

Templates are `str.format` strings over a problem's fields: `{actual}` is the actual value as JSON,
`{expected}` the expected value as JSON or, where there is no one value, its description,
`{actual_text}` the actual value as plain text (a suite's own sentence), `{subject}` the item looked
at, `{error_id}` the catalogue error.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    title: str
    template: str
    expects: str = ""
    by_value: bool = True
    cause: int | None = None               # a cause's rank: lower ranks are fixed first
    precedes: frozenset[str] = frozenset()  # the kinds that may follow from a problem of this kind


KINDS: dict[str, Kind] = {
    # --- the HTTP layer ---------------------------------------------------------------------------
    "http-status": Kind("unexpected HTTP status", "HTTP status {actual}, expected {expected}",
                        "the documented HTTP status"),
    "content-type": Kind("not served as JSON", "Content-Type {actual}, expected {expected}",
                         "application/json"),
    "body-not-json": Kind("body is not JSON", "body is not JSON: {actual}", "a JSON body"),
    "body-not-object": Kind("body is not a JSON object", "{subject}: expected a JSON object, got {actual}",
                            "a JSON object"),
    # --- success envelope -------------------------------------------------------------------------
    "success-without-result": Kind("success envelope without `result`", "success envelope without `result`",
                                   "a `result` key"),
    "success-with-error-key": Kind("success envelope carries an error key",
                                   "success envelope carries `{subject}`: {actual}", "no `error` / `error_description`"),
    "result-not-id": Kind("`result` is not the new id", "{subject} {actual} is not a positive integer id",
                          "a positive integer: the new activity's id"),
    "result-numeric-string": Kind("`result` is a numeric string",
                                  "{subject} {actual} is a numeric string, not a JSON integer",
                                  "a JSON integer"),
    "result-not-true": Kind("`result` is not true", "expected result true, got {actual}", "true"),
    # --- the time block ---------------------------------------------------------------------------
    "time-missing": Kind("no `time` block", "{subject}: no `time` block", "a `time` object"),
    "time-not-object": Kind("`time` is not an object", "time: expected an object, got {actual}", "a JSON object"),
    "time-keys-missing": Kind("`time` lacks keys", "time: missing keys {actual}", "all eight keys"),
    "time-type": Kind("a `time` value has the wrong type", "{subject}: expected {expected}, got {actual}",
                      "the documented JSON type", by_value=False),
    "time-reset-iso": Kind("operating_reset_at is an ISO string",
                           "{subject}: ISO string {actual}, not a Unix timestamp",
                           "a Unix timestamp (integer)", by_value=False),
    "time-negative": Kind("a `time` value is negative",
                          "{subject} {actual} is negative", "a value >= 0", by_value=False),
    "time-arithmetic": Kind("`time` arithmetic does not add up", "time: {subject} {actual}, expected {expected}",
                            "finish >= start, duration = finish - start within 1 ms", by_value=False),
    "time-date-format": Kind("a `time` date is not ISO 8601 with an offset",
                             "{subject}: {actual} is not YYYY-MM-DDThh:mm:ss+hh:mm", "YYYY-MM-DDThh:mm:ss+hh:mm",
                             by_value=False),
    "time-date-mismatch": Kind("a `time` date names another second than its timestamp",
                               "{subject} {actual} is not the same second as {expected}",
                               "the same second as its timestamp", by_value=False),
    "time-operating-decreased": Kind("time.operating decreased", "time.operating decreased from {expected} to {actual}",
                                     "a value that does not decrease", by_value=False),
    # --- error envelope ---------------------------------------------------------------------------
    "error-not-object": Kind("error reply is not a JSON object", "error reply is not a JSON object: {actual}",
                             "a JSON object with error and error_description"),
    "error-key-missing": Kind("error envelope lacks a key", "error envelope without `{subject}`: {actual}",
                              "`error` and `error_description`"),
    "error-key-type": Kind("error envelope key is not a string", "`{subject}` is not a string: {actual}", "a string"),
    "error-with-result": Kind("error envelope carries `result`", "error envelope carries `result`: {actual}",
                              "no `result` key"),
    "error-code-alphabet": Kind("error code outside [A-Za-z0-9_]",
                                "error code {actual} has characters outside [A-Za-z0-9_]",
                                "digits, Latin letters and underscores"),
    "error-status": Kind("error with the wrong HTTP status",
                         "{error_id}: HTTP status {actual}, catalogue says {expected}",
                         "the catalogue's HTTP status"),
    "error-code": Kind("error with the wrong code", "{error_id}: error code {actual}, catalogue says {expected}",
                       "the catalogue's code"),
    "message-mismatch": Kind("error_description differs from the catalogue",
                             "{error_id}: error_description {actual}, catalogue says {expected}",
                             "the catalogue's message, byte for byte"),
    "message-empty": Kind("error_description is empty",
                          "{error_id}: error_description {actual}: the docs give no wording for it, "
                          "but it must be a non-empty string", "a non-empty string"),
    "error-unexpected": Kind("not the error the docs prescribe", "{actual} is none of the expected errors {expected}",
                             "one of the errors the docs prescribe"),
    "refusal-undocumented": Kind("refused where the docs document no error",
                                 "{subject}: refused with {actual}, where the docs document no error for it",
                                 "the add accepted (AMB-UNLISTED-VALUES reading a)"),
    "refusal-description-empty": Kind("a refusal that does not say why",
                                      "{subject}: refused with error_description {actual}", "a non-empty string"),
    "error-not-in-catalogue": Kind("an error the catalogue does not know", "{actual} is not an error of the catalogue",
                                   "an error of spec/errors.yaml"),
    # --- batch ------------------------------------------------------------------------------------
    "batch-result-not-object": Kind("batch `result` is not an object",
                                    "batch: expected result to be an object, got {actual}",
                                    "an object of result, result_error, result_total, result_next, result_time"),
    "batch-part-missing": Kind("batch result lacks a part",
                               "batch: result.{subject} missing", "result and result_error"),
    "batch-part-type": Kind("batch result part is not a map",
                            "batch: result.{subject} is {actual}, not a map", "a map"),
    "batch-command-no-result": Kind("batch command without result", "batch: command has no result (errors: {actual})",
                                    "an entry in result.result", by_value=False),
    "batch-command-no-error": Kind("failed batch command without result_error",
                                   "batch: command has no result_error entry (result: {actual})",
                                   "an entry in result.result_error", by_value=False),
    "batch-command-both": Kind("batch command both succeeded and failed",
                               "batch: command is both in result and result_error ({actual})", "one of the two",
                               by_value=False),
    "batch-ran-after-halt": Kind("batch command ran after halt", "batch: command ran after halt ({actual})",
                                 "no entry: halt stops the batch", by_value=False),
    "batch-ids-repeat": Kind("batch adds returned repeated ids", "batch adds returned repeated ids: {actual}",
                             "distinct ids", by_value=False),
    "batch-skipped-command": Kind("batch skipped a command", "{subject}: the command did not run", "it runs",
                                  by_value=False),
    # --- read-back (get / list) -------------------------------------------------------------------
    "readback-not-activity": Kind("read-back is not an activity",
                                  "{subject}: expected an activity object, got {actual}",
                                  "an activity object"),
    "readback-wrong-id": Kind("get answers another activity", "get: ID {actual}, expected {expected}",
                              "the id asked for", by_value=False),
    "readback-field-missing": Kind("a sent field does not read back", "read-back: {subject} missing (sent {expected})",
                                   "every sent field", by_value=False),
    "readback-mismatch": Kind("a field reads back changed", "read-back: {subject} is {actual}, sent {expected}",
                              "the value sent", by_value=False),
    "readback-number-as-int": Kind("numbers read back as JSON integers",
                                   "read-back: the JSON integer {actual}, not a decimal string",
                                   "decimal strings", by_value=False),
    "readback-number-type": Kind("a number reads back as no number",
                                 "read-back: {subject} is {actual}, not a decimal number",
                                 "a decimal string", by_value=False),
    "readback-date-format": Kind("a date reads back without an offset",
                                 "read-back: {subject} {actual} is not ISO 8601 with an offset", "ISO 8601 with an offset",
                                 by_value=False),
    "readback-date-shifted": Kind("a date reads back as another instant",
                                  "read-back: {subject} {actual} is not the instant sent, {expected}",
                                  "the instant sent", by_value=False),
    "readback-deadline": Kind("DEADLINE is not derived from START_TIME",
                              "read-back: DEADLINE {actual} is not START_TIME {expected}",
                              "START_TIME", by_value=False),
    "readback-completed": Kind("COMPLETED does not read back as sent", "read-back: COMPLETED {actual}, sent {expected}",
                               "the value sent"),
    "readback-communications": Kind("COMMUNICATIONS do not read back as sent",
                                    "read-back: communications {subject}: {actual}, expected {expected}",
                                    "the communications sent", by_value=False),
    "list-not-list": Kind("list `result` is not a list",
                          "list: expected result to be a list, got {actual}", "a JSON list"),
    "list-wrong-items": Kind("list filtered by ID returns other items",
                             "list: expected exactly activity {expected}, got IDs {actual}",
                             "exactly the activity filtered for", by_value=False),
    "list-total": Kind("list `total` is wrong", "list: total {actual}, expected {expected}",
                       "the full count", by_value=False),
    "list-next": Kind("list `next` is wrong", "list: next {actual}, expected {expected}",
                      "start + page size while more follow, else no `next`", by_value=False),
    "list-page-size": Kind("list page has the wrong size", "list: {subject} {actual}, expected {expected}",
                           "50 items on every page but the last", by_value=False),
    "list-pages": Kind("list does not page", "list: {actual} page(s), expected {expected}",
                       "two pages or more for more than 50 items", by_value=False),
    "list-item-repeated": Kind("an item comes twice while paging",
                               "list: IDs {actual} came more than once while walking the pages",
                               "every item once", by_value=False),
    "readback-files": Kind("FILES do not read back as sent",
                           "read-back: files {subject}: {actual}, expected {expected}",
                           "one {id, url} entry per file sent", by_value=False),
    "list-order": Kind("list is not in the order asked for", "list: order {subject} gave IDs {actual}",
                       "the items sorted as `order` says", by_value=False),
    "list-last-page": Kind("the last page is not where the count puts it",
                           "list: {subject}: {actual}, expected {expected}",
                           "the page at start (N-1)*50 holds the last items the count promises", by_value=False),
    "list-filter": Kind("a filter key selects the wrong activities",
                        "list: filter {subject} gave IDs {actual}, expected {expected}",
                        "the activity where its value matches, and only there", by_value=False),
    "list-filter-failed": Kind("a documented filter key is refused",
                               "list: filter {subject} failed with {actual}", "a list answer", by_value=False),
    "multipart-differs": Kind("a multipart/form-data request is read otherwise",
                              "multipart: {subject} is {actual}, the same request as JSON gave {expected}",
                              "the answer the same request gets as JSON", by_value=False),
    "batch-command-time": Kind("batch command without its result_time",
                               "batch: result_time of the command is {actual}", "a time block of the six timing keys",
                               by_value=False),
    "batch-command-total": Kind("batch list command with a wrong result_total",
                                "batch: result_total of the command is {actual}, expected {expected}",
                                "the list's total", by_value=False),
    "batch-command-next": Kind("batch list command with a wrong result_next",
                               "batch: result_next of the command is {actual}, expected {expected}",
                               "the next start while more items follow, else none", by_value=False),
    "list-bindings-filter": Kind("list's BINDINGS filter selects the wrong activities",
                                 "list: filter[BINDINGS]={subject} gave IDs {actual}, expected {expected}",
                                 "the activity where it is bound, and only there", by_value=False),
    # The select is the expected value: which fields are missing or extra depends on what it names.
    "list-select-missing": Kind("list omits a selected field", "list: select {expected} answered no {subject}",
                                "every field select names"),
    "list-select-extra": Kind("list answers a field select does not name",
                              "list: select {expected} also answered {subject}", "only the fields select names"),
    "update-refused-applied": Kind("a refused update changed the activity",
                                   "read-back: {subject} is {actual} after an update that was refused",
                                   "the activity as it was before"),
    "ids-reused": Kind("ids are reused", "ids repeat: {actual}", "a new id for every add", by_value=False),
    # --- descriptors and enumerations --------------------------------------------------------------
    "schema-violation": Kind("does not match the documented schema",
                             "{subject}: {actual}", "the JSON Schema of spec/schemas/",
                             by_value=False),
    "descriptor-missing": Kind("a field descriptor is missing", "crm.activity.fields has no descriptor for {subject}",
                               "a descriptor"),
    "enum-values": Kind("an enumeration lists other ids", "{subject}: ids {actual}, documented {expected}",
                        "the documented ids"),
    # The subject names the method too: both descriptor tables have fields of the same name (ID).
    "descriptor-not-served": Kind("a field of the fields page has no descriptor",
                                  "{subject}: no descriptor, though the fields page documents one", "a descriptor"),
    "descriptor-flag": Kind("a descriptor flag differs from the fields page",
                            "{subject} is {actual}, the fields page gives {expected}", "the fields page's value"),
    # --- request limits ---------------------------------------------------------------------------
    # How many requests a bucket admits depends on how fast they were sent and on what the session sent
    # before, so a count (and its bounds) is no part of a problem's identity; the never-refused count is
    # the judge's own fixed cap.
    "limit-never-refused": Kind("the request bucket never refuses",
                                "{actual} requests admitted without a refusal; the burst is {expected}",
                                "a refusal once the burst is spent"),
    "limit-refused-early": Kind("refused before the burst was spent", "refused after {actual} requests, expected {expected}",
                                "the burst admitted first", by_value=False),
    "limit-burst-exceeded": Kind("more requests admitted than the burst",
                                 "{actual} requests admitted before the first refusal, expected {expected}",
                                 "the burst plus what drained while filling", by_value=False),
    "limit-drain-short": Kind("the bucket does not drain",
                              "{actual} request(s) admitted after a drain of {subject}, expected {expected}",
                              "one request admitted for every slot drained", by_value=False),
    "limit-drain-exceeded": Kind("more requests admitted after a drain than it freed",
                                 "{actual} request(s) admitted after a drain of {subject}, expected {expected}",
                                 "the slots drained, plus what drained meanwhile", by_value=False),
    # --- schemathesis' own checks, in the suite that runs them ---------------------------------------
    "schemathesis": Kind("a schemathesis check failed", "{subject}: {actual_text}",
                         "the response passes the schemathesis check", by_value=False),
    # --- anything a suite states in its own words --------------------------------------------------
    "other": Kind("other problem", "{actual_text}",
                  "what the check states"),
    # A failed check that recorded no problem (an exception in the check itself): its headline, as is.
    "check-failed": Kind("the check failed without naming a problem", "{actual_text}", "the check to pass"),
}

# What a refusal that did not happen shows in its own reply: the error envelope it lacks.
MISSED_REFUSAL = frozenset({
    "error-not-object", "error-key-missing", "error-key-type", "error-with-result", "error-code-alphabet",
    "error-status", "error-code", "message-mismatch", "message-empty", "error-unexpected", "error-not-in-catalogue",
    "refusal-description-empty", "content-type",
})
# What a reply reading stored state back shows when an honoured write changed that state: every kind of a
# success reply (its envelope, its `time`, the read-back and the list).
STATE_READ = frozenset(name for name in KINDS if name.startswith((
    "http-", "body-", "success-", "result-", "time-", "readback-", "list-", "update-", "batch-", "multipart-")))

# --- causes: problems others follow from --------------------------------------------------------
# A check that expects a refusal records one of these beside the envelope problems when the portal
# answered with a success instead (checks/errors.py missed_refusal).
KINDS["credential-accepted"] = Kind(
    "a refused credential was accepted",
    "{subject}, sent on purpose, was accepted (HTTP {actual} with a `result`), where the docs prescribe {expected}",
    "the refusal the docs prescribe", by_value=False, cause=0, precedes=MISSED_REFUSAL | STATE_READ)
KINDS["refusal-ignored"] = Kind(
    "a request the docs refuse was honoured",
    "{subject} was honoured (HTTP {actual} with a `result`), where the docs prescribe {expected}",
    "the refusal the docs prescribe", cause=1, precedes=MISSED_REFUSAL | STATE_READ)


def kind(name: str) -> Kind:
    """The catalogue entry; an unknown name is a programming error, reported loudly."""
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"unknown problem kind {name!r}: add it to b24conform.verdict.problem_kinds.KINDS") from None
