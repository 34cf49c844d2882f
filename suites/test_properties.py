"""Property-based checks, with strategies generated from spec/schemas/activity-add-fields.json.

* Any valid field set is accepted and reads back equal (modulo the read-back normalisation).
* Any field set with one required field broken is rejected with an error of the catalogue.

Generated values are kept to the live-safe space: owner, contact and responsible come from the
target's fixtures; TYPE_ID is a creatable type (not 6, which needs a provider); the e-mail-sending
combination (TYPE_ID 4 + DIRECTION 2 + COMPLETED Y) is never produced; strings are printable BMP
text (a live portal's database may not store other code points), datetimes have whole seconds and
real-world offsets. Example counts come from the run's hypothesis profile (`ci`: 25, derandomized; on a live portal 3).
"""
from __future__ import annotations

import base64
import functools
import string
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from ._support import check_responsible_fallback, enum_id, judge, try_add
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from b24conform.contract import load_contract
from b24conform.contract.schemas import inlined, validator_for
from b24conform.judge.checks import readback
from b24conform.judge.checks.envelope import check_add_success, new_id
from b24conform.judge.checks.errors import check_catalogue_error
from b24conform.judge.hypothesis_profiles import live_cap
from b24conform.judge.safety import sends_mail
from b24conform.verdict.problems import Problem

CONTRACT = load_contract()
SCHEMA_NAME = "activity-add-fields.json"
SCHEMA = CONTRACT.schema(SCHEMA_NAME)
TYPES = CONTRACT.enums["activitytype"]
EMAIL_TYPE = enum_id(CONTRACT, "activitytype", "E-mail")
CUSTOM_TYPE = enum_id(CONTRACT, "activitytype", "Custom action")

# Set by the check from fixtures or the run marker, derived by the portal, read-only, or read back in
# another shape: not generated.
NOT_GENERATED = {
    "OWNER_ID", "OWNER_TYPE_ID", "RESPONSIBLE_ID", "TYPE_ID", "COMMUNICATIONS", "SUBJECT", "ORIGINATOR_ID",
    "ASSOCIATED_ENTITY_ID", "IS_INCOMING_CHANNEL", "WEBDAV_ELEMENTS", "PROVIDER_ID", "PROVIDER_PARAMS",
    "FILES", "SETTINGS",
}
SAFE_ALPHABET = st.characters(codec="utf-8", max_codepoint=0xFFFF, categories=("L", "N", "P", "S", "Zs"))

# Hypothesis' own health check would reject fixtures shared across examples; they are session targets.
# deadline=None: each example is two HTTP round trips; their duration says nothing about the portal.
# live_cap: on a live portal (the `live` profile) at most 3 examples per property, each one or two
# requests (1 inside the burst: --b24-batch-plan); the explicit cases of test_required_fields.py and
# test_roundtrip.py stay whole. No-op otherwise.
PROPERTY_SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
                             **live_cap(3, burst=1))


# hypothesis-jsonschema reads one document: the schemas with their $refs inlined.
PROPS = inlined(SCHEMA_NAME)["properties"]
COMM_PROPS = inlined("communication.json")["properties"]


def safe_text(sub: dict) -> st.SearchStrategy[str]:
    """Printable text within the property's length limits, stripped, matching its pattern."""
    min_size = max(sub.get("minLength", 0), 0)
    text = st.text(SAFE_ALPHABET, min_size=min_size, max_size=min(sub.get("maxLength", 40), 40)).map(str.strip)
    check = Draft202012Validator(sub)
    return text.filter(lambda s: len(s) >= min_size and check.is_valid(s))


@st.composite
def portal_datetimes(draw) -> str:
    """ISO 8601 with an offset and whole seconds, 1971..2099, offsets -12:00..+14:00 by quarter hours."""
    moment = draw(st.datetimes(min_value=datetime(1971, 1, 2), max_value=datetime(2099, 12, 30)))
    minutes = draw(st.integers(-48, 56)) * 15
    return moment.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=minutes))).isoformat()


def property_strategy(name: str, sub: dict) -> st.SearchStrategy[Any]:
    if sub.get("format") == "date-time":
        return portal_datetimes()
    if sub.get("type") == "string" and "enum" not in sub:
        return safe_text(sub)
    return from_schema(sub)  # integers, enums, Y/N: straight from the schema


OPTIONAL = {name: property_strategy(name, sub) for name, sub in PROPS.items() if name not in NOT_GENERATED}
# The strategies valid_fields draws from, built once: building them inside each draw (a jsonschema
# validator per safe_text, strategy validation) cost more than drawing from them. Same strategies,
# so the same cases.
CREATABLE_TYPES = st.sampled_from([t for t in TYPES.creatable if t != CUSTOM_TYPE])
EMAIL_LOCAL_PART = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
COMM_VALUE_TEXT = safe_text(COMM_PROPS["VALUE"])
SUBJECT_TEXT = safe_text(PROPS["SUBJECT"])
OPTIONAL_NAMES = st.sets(st.sampled_from(sorted(OPTIONAL)))
Y_OR_N = st.sampled_from(["Y", "N"])
FILE_CONTENT = st.binary(min_size=1, max_size=64)


@st.composite
def valid_fields(draw, fx) -> dict[str, Any]:
    type_id = draw(CREATABLE_TYPES)
    if type_id == EMAIL_TYPE:
        local = draw(EMAIL_LOCAL_PART)
        value = f"{local}@example.com"
    else:
        value = draw(COMM_VALUE_TEXT)
    fields: dict[str, Any] = {
        "OWNER_TYPE_ID": fx.owner_type_id, "OWNER_ID": fx.owner_id, "TYPE_ID": type_id,
        "RESPONSIBLE_ID": fx.responsible_id, "SUBJECT": draw(SUBJECT_TEXT),
        "COMMUNICATIONS": [{"VALUE": value, "ENTITY_ID": fx.contact_id, "ENTITY_TYPE_ID": fx.contact_type_id}],
    }
    chosen = draw(OPTIONAL_NAMES)
    for name in sorted(chosen):
        fields[name] = draw(OPTIONAL[name])
    if draw(st.booleans()):
        # The schema types the flag as any string; Y and anything else are its two meanings (seed).
        fields["SETTINGS"] = {"DISABLE_SENDING_MESSAGE_COPY": draw(Y_OR_N)}
    if draw(st.booleans()):
        content = draw(FILE_CONTENT)
        fields["FILES"] = [{"fileData": ["generated.bin", base64.b64encode(content).decode()]}]
    if type_id == EMAIL_TYPE and sends_mail(fields):
        fields["COMPLETED"] = "N"  # live-safe: never the combination that mails for real
    return fields


@pytest.fixture
def fixtures(seed_fields):
    """The run's records the generated field sets bind to. Where the judge has none (a live portal
    whose user id it could not learn, ...), the check is skipped with the reason: a field set
    generated without them is the judge's fault, not the portal's."""
    return seed_fields.bound()


def _assert_schema_valid(fields: dict) -> None:
    errors = sorted(validator_for(SCHEMA_NAME).iter_errors(fields), key=str)
    assert not errors, f"generator produced a schema-invalid field set: {errors[0].message}"


@pytest.mark.b24conform_clause("RT-001", "RT-013")
@PROPERTY_SETTINGS
@given(data=st.data())
def test_valid_field_sets_are_accepted_and_read_back(b24_target, b24_contract, b24_mode, b24_evidence, fixtures, data):
    fields = data.draw(valid_fields(fixtures), label="fields")
    _assert_schema_valid(fields)
    reply = b24_target.add(fields)
    note(f"add: {reply.curl()}")
    # Accepted = 200 with a new id; the envelope's finer points are the ENV-* checks' business.
    accepted = reply.status == 200 and new_id(reply) is not None
    judge(b24_evidence, reply, [] if accepted else check_add_success(reply, b24_contract, b24_mode), "generated valid add")
    read = b24_target.call("crm.activity.get", {"id": new_id(reply)})
    note(f"get: {read.curl()}")
    sent = b24_target.mark(fields)
    judge(b24_evidence, read,
          readback.check_readback_equal(read, b24_contract, b24_mode, sent=sent)
          + readback.check_readback_dates(read, b24_contract, b24_mode, sent=sent)
          + readback.check_completed(read, b24_contract, b24_mode, sent=sent),
          "generated read-back")


def non_integer_text() -> st.SearchStrategy[str]:
    # Numeric strings are valid on the wire (form bodies carry only strings): only non-numbers are invalid.
    return st.text(SAFE_ALPHABET, max_size=10).filter(lambda s: not s.strip().lstrip("+-").isdigit())


@functools.cache  # built once per field (hypothesis-jsonschema's canonicalisation is the costly part), same cases
def breakages(name: str) -> st.SearchStrategy[Any]:
    """Values of a required field that violate the schema in a way the wire cannot coerce away."""
    sub = PROPS[name]
    absent = st.just(MISSING)
    empty = st.sampled_from([None, "", []])
    if name == "COMMUNICATIONS":
        item_without_value = st.fixed_dictionaries({"ENTITY_ID": from_schema(COMM_PROPS["ENTITY_ID"])})
        return st.one_of(absent, empty, non_integer_text(), st.lists(item_without_value, min_size=1, max_size=2),
                         st.lists(st.integers(), min_size=1, max_size=2))
    if name == "SUBJECT":
        return st.one_of(absent, st.sampled_from([None, ""]), st.text(" \t", min_size=1, max_size=4))
    # TYPE_ID, RESPONSIBLE_ID: integers with an allowed range / enum
    out_of_range = from_schema({"type": "integer", "not": sub}) if "enum" in sub else st.integers(max_value=0)
    return st.one_of(absent, empty, non_integer_text(), out_of_range)


MISSING = object()


@pytest.mark.b24conform_clause("REQ-002", "REQ-005", "REQ-007", "REQ-008")
@PROPERTY_SETTINGS
@given(data=st.data())
def test_invalid_field_sets_are_rejected_with_a_catalogue_error(b24_target, b24_contract, b24_mode, b24_evidence, fixtures,
                                                                data):
    fields = data.draw(valid_fields(fixtures), label="valid base")
    name = data.draw(st.sampled_from(sorted(SCHEMA["required"])), label="broken field")
    value = data.draw(breakages(name), label="value")
    if value is MISSING:
        del fields[name]
    else:
        fields[name] = value
    assert not validator_for(SCHEMA_NAME).is_valid(fields), "breakage left the field set valid"
    reply = try_add(b24_target, fields)
    note(f"add: {reply.curl()}")
    if name == "RESPONSIBLE_ID" and reply.status == 200 \
            and b24_contract.ambiguities["AMB-RESPONSIBLE-FALLBACK"].accepts("b", b24_mode):
        # Filled from the owner (an absent, empty, non-numeric, zero or negative id): the owner's responsible it must be.
        judge(b24_evidence, reply, check_responsible_fallback(b24_target, b24_contract, b24_mode, b24_evidence, reply, fields),
              f"RESPONSIBLE_ID {value if value is not MISSING else 'absent'!r}, filled from the owner")
        return
    problems = check_catalogue_error(reply, b24_contract, b24_mode, kinds=["method"])
    if reply.status != 400:
        problems.append(Problem("http-status", "HTTP status", expected=400, actual=reply.status))
    judge(b24_evidence, reply, problems, f"{name} broken: {value if value is not MISSING else 'absent'!r}")
