"""The spec in the tools people already point at an OpenAPI file, run from the repository root:
schemathesis's own CLI (`st run spec/openapi.yaml` with the project's schemathesis.toml) against a
served reference portal, and Redocly's `lint` with the project's redocly.yaml.

Redocly needs Node.js and @redocly/cli (not installed by the project): the test skips with the reason
where either is missing. `B24_REDOCLY` may name the `redocly` executable.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ST = Path(sys.executable).with_name("st")
EXAMPLES = os.environ.get("B24_ST_EXAMPLES", "300")  # the figure issue #15 names; about 20 s


@pytest.fixture
def served(tmp_path):
    """A reference portal over plain HTTP on a free port, with a known webhook: its base URL."""
    proc = subprocess.Popen([sys.executable, "-m", "b24conform", "serve", "--no-tls", "--port", "0", "--webhook",
                             "1:stcode", "--db", ":memory:", "--limits", "off"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = None
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.startswith("webhook:"):
                url = line.split(None, 1)[1].strip()
                break
        assert url, "serve printed no webhook line"
        yield url.split("/rest/")[0]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_st_run_finds_no_contradiction(served, tmp_path):
    config = tmp_path / "schemathesis.toml"
    # The project's configuration, plus the served webhook as the path parameters.
    config.write_text((ROOT / "schemathesis.toml").read_text(encoding="utf-8")
                      + '\n[parameters]\n"path.user_id" = 1\n"path.webhook" = "stcode"\n', encoding="utf-8")
    result = subprocess.run([str(ST), "--config-file", str(config), "run", "spec/openapi.yaml", "--url", served,
                             "-n", EXAMPLES], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:]
    assert " passed" in result.stdout and "failures" not in result.stdout.split("SUMMARY")[-1]


def _redocly() -> str | None:
    if os.environ.get("B24_REDOCLY"):
        return os.environ["B24_REDOCLY"]
    local = ROOT / "node_modules" / ".bin" / "redocly"
    return str(local) if local.exists() else shutil.which("redocly")


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is absent: Redocly CLI runs on Node")
def test_redocly_lint_is_clean():
    redocly = _redocly()
    if redocly is None:
        pytest.skip("Redocly CLI not found: `npm install @redocly/cli` here, or set B24_REDOCLY to its executable")
    result = subprocess.run([redocly, "lint", "spec/openapi.yaml", "--format=summary"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "You have" not in output, output[-4000:]  # "You have N warnings"


def test_redocly_config_says_why_each_rule_is_off():
    lines = (ROOT / "redocly.yaml").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.strip().endswith(": off"):
            assert lines[i - 1].lstrip().startswith("#"), f"redocly.yaml: {line.strip()} has no reason above it"
