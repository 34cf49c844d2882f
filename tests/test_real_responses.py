"""Real recorded Bitrix24 replies (tests/data/real_responses/corpus.json), each judged by the pure checks that apply.

Every body is something a real portal sent. So in the judge's default verdict mode each one must pass
the checks that apply to it. The only exception is an entry with `rejected_because`, which records why
that portal was wrong and names the problem kind (`rejected_kind`) that must then be reported.

The recordings keep bodies, not status lines or headers, so the transport half of ENV-001 (HTTP
status, Content-Type) is not judged here. The read-back checks are not applied either: they compare
a crm.activity read-back with what the add sent, and the pagination checks need the untrimmed pages,
which the corpus does not keep.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from b24conform.contract import load_contract
from b24conform.contract.model import DEFAULT_MODE
from b24conform.judge.checks.batch import check_batch_envelope, check_batch_outcome
from b24conform.judge.checks.envelope import check_result_id, check_result_true, check_success
from b24conform.judge.checks.errors import check_error_code_alphabet, check_error_shape
from b24conform.judge.checks.time_block import check_time_block
from b24conform.verdict.problems import Problem

CORPUS_PATH = Path(__file__).parent / "data" / "real_responses" / "corpus.json"
CORPUS = json.loads(CORPUS_PATH.read_text(encoding="utf-8"))
CONTRACT = load_contract()
MODE = DEFAULT_MODE  # "lenient": a real portal is judged the way the judge judges one by default

KINDS = ("success", "list", "batch", "error")
# Kinds about the HTTP layer, which a body-only recording cannot show.
TRANSPORT = frozenset({"http-status", "content-type", "body-not-json"})
# Methods whose documented `result` is the new id, and those whose `result` is `true`.
ID_METHODS = frozenset({"crm.deal.add", "crm.lead.add", "crm.contact.add", "crm.company.add", "crm.activity.add",
                        "lists.element.add"})
TRUE_METHOD = re.compile(r"^crm\.(deal|lead|contact|company|activity)\.(update|delete)$")
HEX40 = re.compile(r"^[0-9a-f]{40}$")

# Bodies a check rejects although the portal was within the docs. The checks are being fixed; the
# marks come off when they are. Maps a corpus id to the problem kind reported.
AWAITING_FIX: dict[str, str] = {}


def _body_only(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.kind not in TRANSPORT]


def _time_blocks(body: object) -> list[dict]:
    """The `time` block and every batch result_time entry of a body."""
    if not isinstance(body, dict):
        return []
    blocks = [body["time"]] if isinstance(body.get("time"), dict) else []
    inner = body.get("result")
    if isinstance(inner, dict) and "result_time" in inner:
        times = inner["result_time"]
        blocks += [t for t in (times.values() if isinstance(times, dict) else times) if isinstance(t, dict)]
    return blocks


def _batch_items(part: object) -> list[tuple[str, object]]:
    if isinstance(part, dict):
        return [(str(k), v) for k, v in part.items()]
    if isinstance(part, list):
        return [(str(i), v) for i, v in enumerate(part)]
    return []


def judge(entry: dict) -> list[Problem]:
    """Every problem the pure checks that apply to the entry's kind find in its body."""
    body, kind, method = entry["body"], entry["kind"], entry["method"]
    if kind == "error":
        return check_error_shape(body, CONTRACT, MODE) + check_error_code_alphabet(body, CONTRACT, MODE)
    if kind == "batch":
        problems = _body_only(check_batch_envelope(body, CONTRACT, MODE))
        inner = body.get("result") if isinstance(body, dict) else None
        if isinstance(inner, dict):
            for key, time in _batch_items(inner.get("result_time")):
                problems += [p.within(f"result_time {key!r}") for p in check_time_block(time, CONTRACT, MODE)]
            for key, error in _batch_items(inner.get("result_error")):
                problems += [p.within(f"result_error {key!r}") for p in
                             check_error_shape(error, CONTRACT, MODE) + check_error_code_alphabet(error, CONTRACT, MODE)]
        adds = [key for key, command in (entry.get("commands") or {}).items() if command in ID_METHODS]
        if adds:
            problems += _body_only(check_batch_outcome(body, CONTRACT, MODE, ok=adds))
        return list(dict.fromkeys(problems))  # check_batch_outcome repeats the envelope's findings
    problems = _body_only(check_success(body, CONTRACT, MODE))
    if kind == "success" and method in ID_METHODS:
        problems += check_result_id(body, CONTRACT, MODE)
    if kind == "success" and method and TRUE_METHOD.match(method):
        problems += check_result_true(body, CONTRACT, MODE)
    return problems


def _param(entry: dict):
    marks = []
    if entry["id"] in AWAITING_FIX:
        marks.append(pytest.mark.xfail(strict=True, reason=f"awaiting fix: {AWAITING_FIX[entry['id']]}"))
    return pytest.param(entry, id=entry["id"], marks=marks)


@pytest.mark.parametrize("entry", [_param(e) for e in CORPUS])
def test_real_reply_is_judged_as_the_portal_deserves(entry):
    problems = judge(entry)
    if "rejected_because" in entry:
        wanted = entry["rejected_kind"]
        assert any(p.kind == wanted for p in problems), (
            f"{entry['id']} is kept as a wrong reply ({entry['rejected_because']}), "
            f"yet no {wanted!r} problem was reported: {[str(p) for p in problems]}")
        return
    assert problems == [], "a real portal's reply rejected:\n" + "\n".join(f"  - [{p.kind}] {p}" for p in problems)


# -- the corpus itself -----------------------------------------------------------------------------


def test_corpus_is_large_enough_and_ids_are_unique():
    ids = [e["id"] for e in CORPUS]
    assert len(CORPUS) >= 40
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]


@pytest.mark.parametrize("entry", CORPUS, ids=[e["id"] for e in CORPUS])
def test_entry_is_well_formed(entry):
    source = entry["source"]
    assert source["repository"].count("/") == 1
    assert HEX40.match(source["commit"]), source["commit"]
    assert source["path"]
    assert "pointer" in source
    assert entry["kind"] in KINDS
    assert set(entry) >= {"id", "source", "recorded", "method", "kind", "http_status", "body"}
    assert ("rejected_because" in entry) == ("rejected_kind" in entry)
    if entry["kind"] == "error":
        assert isinstance(entry["body"], dict) and "error" in entry["body"]
    else:
        assert isinstance(entry["body"], dict) and "time" in entry["body"]


def test_corpus_holds_every_time_block_size():
    sizes = Counter(len(t) for e in CORPUS for t in _time_blocks(e["body"]))
    assert {6, 7, 8} <= set(sizes), sizes


def test_corpus_is_diverse():
    kinds = Counter(e["kind"] for e in CORPUS)
    assert all(kinds[k] for k in KINDS), kinds
    methods = {e["method"] for e in CORPUS if e["method"]}
    for verb in ("add", "get", "list", "update", "delete"):
        assert any(re.match(rf"^crm\.\w+\.{verb}$", m) for m in methods), verb


def _copy_of_first(kind: str) -> dict:
    """A deep copy of the first accepted entry of the kind (for a batch, one with result_time entries)."""
    entry = next(e for e in CORPUS if e["kind"] == kind and "rejected_because" not in e
                 and (kind != "batch" or len(_time_blocks(e["body"])) > 1))
    return json.loads(json.dumps(entry))


@pytest.mark.parametrize("kind,spoil,wanted", [
    ("success", lambda b: b["time"].update(duration=b["time"]["duration"] + 1), "time-arithmetic"),
    ("list", lambda b: b["time"].pop("date_finish"), "time-keys-missing"),
    ("batch", lambda b: b["result"].pop("result_error"), "batch-part-missing"),
    ("batch", lambda b: _time_blocks(b)[1].update(date_start="yesterday"), "time-date-format"),
    ("error", lambda b: b.pop("error_description"), "error-key-missing"),
])
def test_judge_rejects_a_spoiled_copy(kind, spoil, wanted):
    """The judging above is not blind: a corpus body, spoiled, is rejected for the spoiling."""
    entry = _copy_of_first(kind)
    spoil(entry["body"])
    assert wanted in {p.kind for p in judge(entry)}
