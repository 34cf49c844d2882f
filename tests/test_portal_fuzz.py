"""Fuzzed input never reaches INTERNAL_SERVER_ERROR: every answer is a JSON envelope of the catalogue."""
from __future__ import annotations

import json
import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from b24conform.contract import load_contract
from b24conform.portal.assembly import build_app
from b24conform.portal.config import PortalConfig
from b24conform.portal.testing import SEED_FIELDS
from b24conform.portal.wire import encode_php_query

CONTRACT = load_contract()
KNOWN_BODIES = {json.dumps(e.body(), sort_keys=True) for e in CONTRACT.errors.values()}
CONFIG = PortalConfig.for_conformance()
CLIENT = TestClient(build_app(CONFIG), base_url="https://testserver")
HOOK = f"/rest/1/{CONFIG.roles['webhook'].code}/"

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30), st.sampled_from([2**63 - 1, 2**63, -(2**63) - 1]), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30), st.sampled_from(["", "0", "2", "4", "6", "Y", "N", "REST_APP", "CONFIGURABLE_REST_APP",
                                            "a@b.example", "Name <a@b.example>", "9999-12-31T23:59:59-12:00",
                                            "base64_encoded_content_here", "$result[a][ID]", "*"]),
)
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=25)
field_names = st.sampled_from(sorted(SEED_FIELDS) + ["SETTINGS", "PROVIDER_ID", "PROVIDER_PARAMS", "ID", "DEADLINE", "STATUS", "x"])
fields = st.dictionaries(field_names, json_values, max_size=10).map(lambda f: {**SEED_FIELDS, **f})
methods = st.sampled_from([
    "crm.activity.add", "crm.activity.get", "crm.activity.list", "crm.activity.update", "crm.activity.delete",
    "crm.activity.fields", "batch", "crm.enum.activitytype", "crm.activity.ADD.json", "nope", "",
])
params = st.fixed_dictionaries(
    {},
    optional={
        "fields": st.one_of(fields, json_values), "id": json_values, "filter": json_values, "select": json_values,
        "order": json_values, "start": json_values, "halt": json_values,
        "cmd": st.one_of(json_values, st.lists(st.sampled_from(["crm.activity.add?fields[SUBJECT]=x", "batch", "crm.activity.get?id=1",
                                                                "crm.activity.list?filter[>ID]=0&select[]=*", "crm.activity.get?id=$result[0][ID]"]), max_size=5)),
    },
)


def assert_envelope(r):
    assert r.status_code != 500, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    if "error" in body:
        assert json.dumps(body, sort_keys=True) in KNOWN_BODIES, body
    else:
        assert r.status_code == 200 and "result" in body and "time" in body


common = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@common
@given(method=methods, payload=params)
def test_json_bodies(method, payload):
    assert_envelope(CLIENT.post(HOOK + method, json=payload))


@common
@given(method=methods, payload=params)
def test_form_bodies(method, payload):
    body = encode_php_query(payload)
    assert_envelope(CLIENT.post(HOOK + method, content=body, headers={"content-type": "application/x-www-form-urlencoded"}))


@common
@given(
    body=st.binary(max_size=300),
    ctype=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=B",
                           "multipart/form-data", "text/plain", "", "application/json; charset=utf-8", "image/png"]),
    path=st.one_of(st.sampled_from([HOOK + "crm.activity.add", HOOK + "batch", "/rest/crm.activity.add", "/", "/rest/", HOOK]),
                   # "//x" would be a network-path reference to the client, not a path: keep one leading slash.
                   st.text(alphabet="abc/._-1%", max_size=20).map(lambda p: "/" + p.lstrip("/"))),
)
def test_raw_bytes(body, ctype, path):
    assert_envelope(CLIENT.post(path, content=body, headers={"content-type": ctype}))


@common
@given(query=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters="#"), max_size=80))
def test_query_strings(query):
    assert_envelope(CLIENT.get(HOOK + "crm.activity.list?" + query))


def test_ids_beyond_sqlite_integers():
    for method in ("crm.activity.get", "crm.activity.update", "crm.activity.delete"):
        r = CLIENT.post(HOOK + method, json={"id": 2207587221419641540706304})
        assert r.json() == CONTRACT.error("ACTIVITY_NOT_FOUND").body()


def test_thousands_of_digits():
    digits = "7" * 5000
    assert_envelope(CLIENT.post(f"/rest/{digits}/code/crm.activity.fields"))
    assert_envelope(CLIENT.post(HOOK + "crm.activity.get", content=f"id={digits}".encode(),
                                headers={"content-type": "application/x-www-form-urlencoded"}))
    assert_envelope(CLIENT.post(HOOK + "crm.activity.add", content=f"fields[RESULT_VALUE]=1e999&fields[TYPE_ID]={digits}".encode(),
                                headers={"content-type": "application/x-www-form-urlencoded"}))
    assert_envelope(CLIENT.post(HOOK + "batch", json={"cmd": ["crm.enum.activitytype", f"crm.activity.get?id=$result[0][{digits}]"]}))
    assert_envelope(CLIENT.get(HOOK + f"crm.activity.list?filter[ID]={digits}&start={digits}"))


def test_unicode_digits_are_not_indexes():
    assert_envelope(CLIENT.post("/rest/%C2%B2/code/crm.activity.fields"))
    assert_envelope(CLIENT.post(HOOK + "crm.activity.add", content="fields[COMMUNICATIONS][²][VALUE]=1".encode(),
                                headers={"content-type": "application/x-www-form-urlencoded"}))
    assert_envelope(CLIENT.post(HOOK + "batch", json={"cmd": {"a": "crm.activity.fields", "b": "crm.activity.get?id=$result[a][²]"}}))
