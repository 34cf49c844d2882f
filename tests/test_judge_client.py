"""Wire helpers of the target: URL parsing, auth variants, PHP-style encoding."""
from __future__ import annotations

import pytest

from b24conform.judge.client import (
    Endpoints,
    TargetURLError,
    Webhook,
    encode_request,
    method_url,
    parse_credential_webhook,
    parse_target_url,
    php_pairs,
)

EP = Endpoints(base_url="https://p.example", webhook=Webhook(1, "code123"), oauth_token="tok",
               http_base_url="http://p.example", restricted=Webhook(3, "rcode"), expired_token="old")


def test_target_urls():
    assert parse_target_url("https://p.example/rest/1/abc/") == ("https://p.example", Webhook(1, "abc"))
    assert parse_target_url("https://p.example:8443/rest/") == ("https://p.example:8443", None)
    assert parse_target_url("http://127.0.0.1:5000/rest/1/abc") == ("http://127.0.0.1:5000", Webhook(1, "abc"))
    assert parse_target_url("http://[::1]:5000/rest/")[0] == "http://[::1]:5000"


@pytest.mark.parametrize("url", ["http://p.example/rest/1/abc/", "ftp://p.example/rest/", "https://p.example/api/",
                                 "p.example/rest/1/abc/"])
def test_bad_target_urls_are_refused(url):
    with pytest.raises(TargetURLError):
        parse_target_url(url)


def test_auth_variants():
    assert method_url(EP, "crm.activity.add", auth="webhook") == ("https://p.example/rest/1/code123/crm.activity.add", None)
    assert method_url(EP, "crm.activity.add", auth="webhook", suffix=".json")[0].endswith("/crm.activity.add.json")
    assert method_url(EP, "x", auth="oauth_body") == ("https://p.example/rest/x", "tok")
    assert method_url(EP, "x", auth="none") == ("https://p.example/rest/x", None)
    assert method_url(EP, "x", auth="expired") == ("https://p.example/rest/x", "old")
    assert method_url(EP, "x", auth="restricted")[0] == "https://p.example/rest/3/rcode/x"
    bad = method_url(EP, "x", auth="bad_code")[0]
    assert "/rest/1/" in bad and "code123" not in bad
    assert method_url(EP, "x", auth="bad_user")[0] == "https://p.example/rest/2/code123/x"
    assert method_url(EP, "x", auth="webhook", http=True)[0].startswith("http://p.example/rest/1/")
    with pytest.raises(TargetURLError):
        method_url(EP, "x", auth="unscoped")
    oauth_only = Endpoints(base_url="https://p.example", oauth_token="tok")
    assert method_url(oauth_only, "x", auth="webhook") == ("https://p.example/rest/x", "tok")


def test_php_nested_keys():
    pairs = php_pairs({"fields": {"COMMUNICATIONS": [{"VALUE": "+1", "ENTITY_ID": 134}], "OK": True, "NO": None}})
    assert pairs == [("fields[COMMUNICATIONS][0][VALUE]", "+1"), ("fields[COMMUNICATIONS][0][ENTITY_ID]", "134"),
                     ("fields[OK]", "1")]


def test_encodings_place_the_token():
    url = "https://p.example/rest/x"
    body = encode_request(url, {"a": 1}, encoding="json", token="tok", auth="oauth_body")
    assert body.http_method == "POST" and b'"auth": "tok"' in body.body
    query = encode_request(url, {"a": 1}, encoding="json", token="tok", auth="oauth_query")
    assert query.url == url + "?auth=tok" and b"auth" not in query.body
    get = encode_request(url, {"f": {"A": [1]}}, encoding="query", token=None, auth="webhook")
    assert get.http_method == "GET" and get.url == url + "?f%5BA%5D%5B0%5D=1" and get.body == b""
    form = encode_request(url, {"f": {"A": "x y"}}, encoding="form", token=None, auth="webhook")
    assert form.content_type == "application/x-www-form-urlencoded" and form.body == b"f%5BA%5D=x+y"


def test_credential_webhooks_in_every_shape():
    assert parse_credential_webhook("https://h:1/rest/3/abc/", "https://h:1") == Webhook(3, "abc")
    assert parse_credential_webhook("3/abc", "") == Webhook(3, "abc")
    assert parse_credential_webhook(None, "") is None
