"""Interop: the official JS SDK (@bitrix24/b24jssdk, B24Hook) runs the seed page's JS example against
the reference portal over TLS.

The SDK is pinned in interop/js/package.json + package-lock.json and installed here with `npm ci` into
interop/js/node_modules (git-ignored). The script interop/js/seed_add.mjs is the seed's example; node
gets the portal only through B24_WEBHOOK_URL and trusts its CA only through NODE_EXTRA_CA_CERTS.
Skipped, with the reason, where node or npm is missing or the pinned package cannot be installed.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from b24conform.contract import load_contract
from b24conform.portal.errors import portal_error
from b24conform.portal.config import PortalConfig
from b24conform.portal.server import start_portal
from b24conform.portal.testing import read_activity
from b24conform.selftest.interop import SEED_FIELDS

JS_DIR = Path(__file__).resolve().parents[1] / "interop" / "js"
MARK = "B24CONFORM_RESULT "
PINNED = json.loads((JS_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]["@bitrix24/b24jssdk"]


def _installed_version() -> str | None:
    meta = JS_DIR / "node_modules" / "@bitrix24" / "b24jssdk" / "package.json"
    try:
        return json.loads(meta.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        return None


@pytest.fixture(scope="module")
def node() -> str:
    node_bin = shutil.which("node")
    npm_bin = shutil.which("npm")
    if not node_bin or not npm_bin:
        pytest.skip("node and npm are needed for the @bitrix24/b24jssdk interop test (not found on PATH)")
    lock = JS_DIR / "package-lock.json"
    stamp = JS_DIR / "node_modules" / ".package-lock.json"
    fresh = _installed_version() == PINNED and stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime
    if not fresh:
        proc = subprocess.run(
            [npm_bin, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=JS_DIR, capture_output=True, text=True, timeout=600,
        )
        if proc.returncode != 0:
            pytest.skip(f"`npm ci` in interop/js failed (no registry access?): {proc.stderr.strip()[-400:]}")
    assert _installed_version() == PINNED, "npm ci did not install the pinned @bitrix24/b24jssdk"
    return node_bin


@pytest.fixture(scope="module")
def portal() -> Iterator[object]:
    with start_portal(PortalConfig.for_conformance(tls=True)) as running:
        yield running


def _run_seed_example(node_bin: str, webhook_url: str, ca_file: str) -> tuple[dict, subprocess.CompletedProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("B24_", "NODE_"))}
    env.update(B24_WEBHOOK_URL=webhook_url, NODE_EXTRA_CA_CERTS=str(ca_file), NO_COLOR="1")
    proc = subprocess.run([node_bin, "seed_add.mjs"], cwd=JS_DIR, env=env, capture_output=True, text=True, timeout=120)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARK)]
    assert lines, f"the script printed no result (exit {proc.returncode}): {proc.stderr[-800:]}"
    return json.loads(lines[-1][len(MARK):]), proc


def test_seed_js_example_via_b24hook(node, portal) -> None:
    seen, proc = _run_seed_example(node, portal.webhook_url, portal.ca_file)
    assert proc.returncode == 0 and seen["ok"] is True, seen
    new_id = seen["result"]
    assert isinstance(new_id, int) and not isinstance(new_id, bool) and new_id > 0, seen
    assert isinstance(seen.get("time"), dict) and seen["time"]["finish"] >= seen["time"]["start"]

    got = read_activity(portal, new_id)
    assert got["ID"] == str(new_id)
    assert got["SUBJECT"] == SEED_FIELDS["SUBJECT"]
    assert got["OWNER_ID"] == str(SEED_FIELDS["OWNER_ID"])
    assert got["OWNER_TYPE_ID"] == str(SEED_FIELDS["OWNER_TYPE_ID"])
    assert got["TYPE_ID"] == str(SEED_FIELDS["TYPE_ID"])
    assert got["DESCRIPTION"] == SEED_FIELDS["DESCRIPTION"]
    assert got["COMPLETED"] == "N"


def test_seed_js_example_with_a_wrong_webhook_code(node, portal) -> None:
    base, _, _ = portal.webhook_url.rstrip("/").rpartition("/")
    seen, proc = _run_seed_example(node, base + "/wrongwrongwrong0/", portal.ca_file)
    entry = load_contract().error(portal_error("AMB-WRONG-CODE"))
    assert seen["ok"] is False and proc.returncode != 0, seen
    assert seen["code"] == entry.code and seen["status"] == entry.http_status, seen
    assert seen["error"] == entry.message, seen


def test_seed_js_example_without_the_ca_is_refused(node, portal) -> None:
    # The control: without NODE_EXTRA_CA_CERTS node must not trust the portal's certificate.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("B24_", "NODE_"))}
    env.update(B24_WEBHOOK_URL=portal.webhook_url, NO_COLOR="1")
    proc = subprocess.run([node, "seed_add.mjs"], cwd=JS_DIR, env=env, capture_output=True, text=True, timeout=120)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARK)]
    assert lines, proc.stderr[-800:]
    seen = json.loads(lines[-1][len(MARK):])
    assert seen["ok"] is False and seen.get("code") != "NO_AUTH_FOUND", seen
