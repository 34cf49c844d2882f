"""Round trip (RT-001..RT-013, RT-020): add → get → list → update → get → delete → get not found."""
from __future__ import annotations

import base64

import pytest
from ._support import add_ok, clause_accepted_errors, clause_error, get, judge, list_by_id, refused, shared

from b24conform.judge.checks import readback
from b24conform.judge.checks.envelope import check_add_success, check_result_true, check_success, new_id
from b24conform.judge.checks.errors import check_error, check_error_one_of, check_error_shape
from b24conform.verdict.problems import Problem, within


@pytest.fixture
def created(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    """One seed activity of this check's own, for checks that change it: its id."""
    return add_ok(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields(), envelope=False)


@pytest.fixture
def created_to_read(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    """One seed activity for checks that only read it: (id, the fields as really sent, the get reply).
    On a live portal these checks share one activity and its get reply (each judges it with its own
    check); on the mock each has its own. Update and delete change the activity: they use `created`."""
    def make():
        fields = seed_fields()
        activity_id = add_ok(b24_target, b24_contract, b24_mode, b24_evidence, fields, envelope=False, reuse=True)
        return activity_id, b24_target.mark(fields), get(b24_target, activity_id)
    return shared(b24_target, "seed activity to read", make)


@pytest.mark.b24conform_clause("RT-001")
def test_get_returns_what_was_added(b24_contract, b24_mode, b24_evidence, created_to_read):
    activity_id, sent, reply = created_to_read
    judge(b24_evidence, reply, check_success(reply, b24_contract, b24_mode)
          + readback.check_readback_id(reply, b24_contract, b24_mode, activity_id=activity_id)
          + readback.check_readback_equal(reply, b24_contract, b24_mode, sent=sent), "get after add")


@pytest.mark.b24conform_clause("RT-002")
def test_readback_numbers_are_strings(b24_contract, b24_mode, b24_evidence, created_to_read):
    _, _, reply = created_to_read
    judge(b24_evidence, reply, readback.check_readback_numbers(reply, b24_contract, b24_mode), "numbers as strings")


@pytest.mark.b24conform_clause("RT-003")
@pytest.mark.parametrize("offset", ["+00:00", "-05:00", None])
def test_readback_dates(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields, offset):
    # The same instant sent in several offsets (None: no offset, read in the portal's zone).
    suffix = offset or ""
    fields = seed_fields(START_TIME=f"2024-03-10T08:15:00{suffix}", END_TIME=f"2024-03-10T09:45:30{suffix}")
    activity_id = add_ok(b24_target, b24_contract, b24_mode, b24_evidence, fields, envelope=False)
    reply = get(b24_target, activity_id)
    judge(b24_evidence, reply, readback.check_readback_dates(reply, b24_contract, b24_mode, sent=fields), f"offset {offset}")


@pytest.mark.b24conform_clause("RT-004")
def test_list_finds_new_activity(b24_target, b24_contract, b24_mode, b24_evidence, created_to_read):
    activity_id, _, _ = created_to_read
    reply = list_by_id(b24_target, activity_id)
    judge(b24_evidence, reply, check_success(reply, b24_contract, b24_mode)
          + readback.check_list_finds(reply, b24_contract, b24_mode, activity_id=activity_id), "list by ID")


@pytest.mark.b24conform_clause("RT-005")
def test_list_paging(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields, request):
    """Enough activities of one owner for two pages; walk the pages by `next`."""
    fx = b24_target.fixtures
    # On a live portal other activities of this owner exist too; the page rules hold whatever the count.
    # On a live portal one activity of this run's (the shared seed activity) guarantees a non-empty list.
    needed = 51 if b24_target.kind == "mock" else 0
    if b24_target.kind != "mock":
        request.getfixturevalue("created_to_read")
    for _ in range(needed):
        reply = b24_target.add(seed_fields(FILES=seed_fields.OMIT))
        if new_id(reply) is None:  # judged only when it fails: 51 passing adds would crowd the evidence out
            judge(b24_evidence, reply, check_add_success(reply, b24_contract, b24_mode), "an add to page through")
    start, seen, problems, pages = 0, [], [], 0
    flt = {"OWNER_TYPE_ID": fx.owner_type_id, "OWNER_ID": fx.owner_id}
    while True:
        reply = b24_target.call("crm.activity.list", {"filter": flt, "order": {"ID": "ASC"}, "select": ["ID"], "start": start})
        b24_evidence.record(reply, note=f"page start={start}")
        problems += within(f"start={start}", readback.check_list_page(reply, b24_contract, b24_mode, start=start))
        pages += 1
        body = reply.json if isinstance(reply.json, dict) else {}
        seen += [item.get("ID") for item in body.get("result") or []]
        if "next" not in body or problems or pages > 100:
            break
        start = body["next"]
    total = (reply.json or {}).get("total")
    # Only on the mock is it known that more than a page's worth exist (the 51 adds above).
    problems += readback.check_list_walk(seen, b24_contract, b24_mode, total=total, pages=pages,
                                         min_pages=2 if b24_target.kind == "mock" else 1)
    judge(b24_evidence, reply, problems, "paging")


# The fields the update page stars (AMB-UPDATE-REQUIRED): reading b refuses an update without them.
UPDATE_STARRED = ("OWNER_ID", "OWNER_TYPE_ID", "TYPE_ID", "COMMUNICATIONS", "RESPONSIBLE_ID")


@pytest.mark.b24conform_clause("RT-006")
def test_update_changes_the_activity(b24_target, b24_contract, b24_mode, b24_evidence, created, seed_fields):
    activity_id = created
    change = {"DESCRIPTION": "Updated by the conformance suite", "PRIORITY": 1}
    reply = b24_target.call("crm.activity.update", {"id": activity_id, "fields": change})
    problems = check_result_true(reply, b24_contract, b24_mode)
    if problems and refused(reply) and b24_contract.ambiguities["AMB-UPDATE-REQUIRED"].accepts("b", b24_mode):
        # Reading b: the starred fields must be repeated. Refused for their absence, the same change
        # with them repeated as the activity was created must then succeed.
        b24_evidence.record(reply, note="update without the starred fields refused (AMB-UPDATE-REQUIRED b)")
        sent = seed_fields()
        change = {**{k: sent[k] for k in UPDATE_STARRED}, **change}
        reply = b24_target.call("crm.activity.update", {"id": activity_id, "fields": change})
        problems = check_result_true(reply, b24_contract, b24_mode)
    judge(b24_evidence, reply, problems, "update")
    after = get(b24_target, activity_id)
    judge(b24_evidence, after, readback.check_readback_equal(after, b24_contract, b24_mode, sent=change), "get after update")


@pytest.mark.b24conform_clause("RT-007")
def test_delete_removes_the_activity(b24_target, b24_contract, b24_mode, b24_evidence, created):
    activity_id = created
    reply = b24_target.call("crm.activity.delete", {"id": activity_id})
    judge(b24_evidence, reply, check_result_true(reply, b24_contract, b24_mode), "delete")
    # A reply of its own even where the batch plan answers this check: the status of a get of a missing
    # activity is asked nowhere else at top level (one request per status family, judge/batchplan.py).
    after = get(b24_target, activity_id, top_level=True)
    # AMB-GET-MISSING: "Activity is not found" (the page), an empty description (the vendor's module) or
    # "Not found" (recorded replies).
    error_ids = clause_accepted_errors(b24_contract, b24_mode, "RT-007")
    judge(b24_evidence, after, check_error_one_of(after, b24_contract, b24_mode, error_ids), "get after delete")
    listed = list_by_id(b24_target, activity_id, select=["ID"])
    judge(b24_evidence, listed, check_success(listed, b24_contract, b24_mode)
          + readback.check_list_finds_nothing(listed, b24_contract, b24_mode), "list by ID after delete")


@pytest.mark.b24conform_clause("RT-008")
def test_ids_are_new(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    first = add_ok(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields(FILES=seed_fields.OMIT), envelope=False)
    second = add_ok(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields(FILES=seed_fields.OMIT), envelope=False)
    deleted = b24_target.call("crm.activity.delete", {"id": second})
    third = add_ok(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields(FILES=seed_fields.OMIT), envelope=False)
    problems = []
    if len({first, second, third}) != 3:
        problems.append(Problem("ids-reused", "id", actual=[first, second, third],
                                context="the second was deleted before the third add"))
    judge(b24_evidence, deleted, problems, "three adds, one delete")


@pytest.mark.b24conform_clause("RT-009")
def test_deadline_is_derived(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    # A DEADLINE that differs from START_TIME: strictly it is ignored and derived from START_TIME.
    fields = seed_fields(DEADLINE="2024-02-01T10:00:00+00:00")
    activity_id = add_ok(b24_target, b24_contract, b24_mode, b24_evidence, fields, envelope=False)
    reply = get(b24_target, activity_id)
    judge(b24_evidence, reply, readback.check_deadline(reply, b24_contract, b24_mode, sent=fields), "DEADLINE")


@pytest.mark.b24conform_clause("RT-010")
@pytest.mark.parametrize("completed", ["Y", "N"])
def test_completed_reads_back(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields, completed, request):
    fields = seed_fields(COMPLETED=completed)  # a call: COMPLETED Y sends nothing
    if b24_target.kind != "mock" and fields == seed_fields():
        # The seed activity is COMPLETED N: on a live portal its shared read-back answers this case.
        _, _, reply = request.getfixturevalue("created_to_read")
    else:
        activity_id = add_ok(b24_target, b24_contract, b24_mode, b24_evidence, fields, envelope=False)
        reply = get(b24_target, activity_id)
    judge(b24_evidence, reply, readback.check_completed(reply, b24_contract, b24_mode, sent=fields), f"COMPLETED {completed}")


INVALID_IDS = [pytest.param({}, id="no-id"), pytest.param({"id": "abc"}, id="not-integer"),
               pytest.param({"id": 0}, id="zero"), pytest.param({"id": -3}, id="negative")]


@pytest.mark.b24conform_clause("RT-011")
@pytest.mark.parametrize("params", INVALID_IDS)
def test_invalid_id_on_get(b24_target, b24_contract, b24_mode, b24_evidence, params):
    reply = b24_target.call("crm.activity.get", params)
    problems = check_error_shape(reply, b24_contract, b24_mode)
    if not refused(reply):  # HTTP 400; a batch command's answer (no status of its own): an error envelope
        problems.append(Problem("http-status", "HTTP status", expected=400, actual=reply.status))
    if b24_target.kind == "mock":
        # ID_INVALID is documented for sibling methods only: its message is pinned on the reference portal.
        problems += check_error(reply, b24_contract, b24_mode, clause_error(b24_contract, "RT-011"))
    judge(b24_evidence, reply, problems, f"get {params}")


@pytest.mark.b24conform_clause("RT-012")
def test_settings_are_kept(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    fields = seed_fields(SETTINGS={"DISABLE_SENDING_MESSAGE_COPY": "Y"})
    activity_id = add_ok(b24_target, b24_contract, b24_mode, b24_evidence, fields, envelope=False)
    reply = get(b24_target, activity_id)
    judge(b24_evidence, reply, readback.check_readback_equal(reply, b24_contract, b24_mode, sent={"SETTINGS": fields["SETTINGS"]}),
          "SETTINGS")


def optional_values(contract):
    """One valid value per optional input field of RT-013; enum fields take their highest enum id."""
    values = {"DESCRIPTION": "Optional fields round trip", "LOCATION": "Room 4", "ORIGIN_ID": "ext-42",
              "ORIGIN_VERSION": "v7", "PROVIDER_TYPE_ID": "CALL", "PROVIDER_GROUP_ID": "b24conform",
              "START_TIME": "2024-05-01T10:00:00+02:00", "END_TIME": "2024-05-01T10:45:00+02:00"}
    for name in ("contenttype", "activitydirection", "activitypriority", "activitynotifytype", "activitystatus"):
        enum = contract.enums[name]
        values[enum.field] = max(enum.ids())
    return values


@pytest.mark.b24conform_clause("RT-013")
def test_optional_fields_read_back(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    fields = seed_fields(**optional_values(b24_contract))
    activity_id = add_ok(b24_target, b24_contract, b24_mode, b24_evidence, fields, envelope=False)
    reply = get(b24_target, activity_id)
    judge(b24_evidence, reply, readback.check_readback_equal(reply, b24_contract, b24_mode, sent=b24_target.mark(fields)),
          "optional fields")


# The FILES of RT-020: strict base64 (the seed's own content is not, and AMB-FILES-BASE64 b lets a portal
# drop such a file); the same upload as FILES-001's strict case, so a live run shares that activity.
READ_BACK_FILE = {"fileData": ["note.txt", base64.b64encode(b"hello, conformance\n").decode()]}
# list's own way to ask for everything (the example-files request, with COMMUNICATIONS named too).
EVERYTHING = ["*", "COMMUNICATIONS", "STORAGE_ELEMENT_IDS"]


@pytest.mark.b24conform_clause("RT-020")
def test_get_and_list_give_back_everything(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    fields = seed_fields(FILES=[READ_BACK_FILE])
    activity_id = add_ok(b24_target, b24_contract, b24_mode, b24_evidence, fields, envelope=False, reuse=True)
    sent = b24_target.mark(fields)
    listed = list_by_id(b24_target, activity_id, select=EVERYTHING)
    items = (listed.json or {}).get("result") if isinstance(listed.json, dict) else None
    item = items[0] if isinstance(items, list) and items else None
    problems = check_success(listed, b24_contract, b24_mode) + readback.check_list_finds(
        listed, b24_contract, b24_mode, activity_id=activity_id)
    if isinstance(item, dict):
        problems += within("list", readback.check_readback_equal(item, b24_contract, b24_mode, sent=sent)
                           + readback.check_communications(item, b24_contract, b24_mode, sent=sent)
                           + readback.check_files(item, b24_contract, b24_mode, sent=sent))
    judge(b24_evidence, listed, problems, f"list select {EVERYTHING}")
    reply = get(b24_target, activity_id)
    act = (reply.json or {}).get("result") if isinstance(reply.json, dict) else None
    problems = check_success(reply, b24_contract, b24_mode)
    if isinstance(act, dict):
        # AMB-GET-KEYS: get may leave COMMUNICATIONS and FILES out; where it gives them, they are the activity's.
        if "COMMUNICATIONS" in act:
            problems += within("get", readback.check_communications(act, b24_contract, b24_mode, sent=sent))
        if "FILES" in act:
            problems += within("get", readback.check_files(act, b24_contract, b24_mode, sent=sent))
    judge(b24_evidence, reply, problems, "get: COMMUNICATIONS and FILES")
