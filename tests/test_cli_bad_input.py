"""Every command refuses bad input with one line on stderr, no traceback, the documented exit code and,
for `serve`, `run` and `cleanup`, before it creates any file or folder (and, for `run` and `cleanup`, before
any request to the target and before any suite runs). A target that cannot be reached (exit 3) is one line too.

Each row runs `python -m b24conform ...` as its own process in an empty temporary folder (plus the files the
row needs), so what is checked is what a user sees. `run`, `cleanup` and `diff` belong to the judge area
(judge/commands.py); their rows that fail today are strict xfails for its owner to flip.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from b24conform import __version__
from b24conform.contract import load_contract
from b24conform.judge.client import TargetURLError
from b24conform.verdict.redact import redact

USAGE = 2  # the exit code of every refused input (click's usage-error code)

JUDGE_RUN = pytest.mark.xfail(strict=True, reason="run validation: owned by the judge work")
JUDGE_CLEANUP = pytest.mark.xfail(strict=True, reason="cleanup validation: owned by the judge work")

# Files a row can ask for, by name; a name ending in "/" is a folder.
FILES = {
    "afile": "not a folder\n",
    "empty/": None,
    "bad.yaml": "users: [\n",
    "nousers.yaml": "x: 1\n",
    "noid.yaml": "users:\n  - {NAME: nobody}\n",
    "notresults.json": "{}\n",
    "tlsbad/": None,
    "tlsbad/ca.pem": "junk\n",
    "tlsbad/server.pem": "junk\n",
    "tlsbad/server.key": "junk\n",
    ".b24conform": "a file where serve keeps its folder\n",
}


@dataclass
class Row:
    args: list[str]
    names: str                      # the option (or file) the line must name
    files: tuple[str, ...] = ()     # from FILES, created before the run
    code: int = USAGE
    marks: tuple = field(default_factory=tuple)

    def param(self):
        return pytest.param(self, id=" ".join(self.args)[:80], marks=self.marks)


ROWS = [
    # serve: bad values, refused by option parsing
    Row(["serve", "--port", "99999"], "--port"),
    Row(["serve", "--port", "-1"], "--port"),
    Row(["serve", "--port", "eighty"], "--port"),
    Row(["serve", "--http-port", "70000"], "--http-port"),
    Row(["serve", "--http-port", "-1"], "--http-port"),
    Row(["serve", "--limits", "unlimited"], "--limits"),
    Row(["serve", "--operating-budget", "-1"], "--operating-budget"),
    Row(["serve", "--webhook", "abc"], "--webhook"),
    Row(["serve", "--webhook", "0:abc"], "--webhook"),
    Row(["serve", "--webhook", "1:a/b"], "--webhook"),
    Row(["serve", "--webhook-scope", "1:abc"], "--webhook-scope"),
    Row(["serve", "--webhook-scope", "1:abc=crm,nosuchscope"], "--webhook-scope"),
    Row(["serve", "--oauth-token", ":3"], "--oauth-token"),
    Row(["serve", "--app-token", "tok:x"], "--app-token"),
    Row(["serve", "--db", "missing/portal.sqlite3"], "--db"),
    Row(["serve", "--db", "/dev/null/dir/x.db"], "--db"),
    Row(["serve", "--db", "empty"], "--db", ("empty/",)),
    Row(["serve", "--db", "afile"], "--db", ("afile",)),
    Row(["serve", "--tls-dir", "afile"], "--tls-dir", ("afile",)),
    Row(["serve", "--tls-dir", "missing/tls"], "--tls-dir"),
    Row(["serve", "--tls-dir", "tlsbad"], "--tls-dir", ("tlsbad/", "tlsbad/ca.pem", "tlsbad/server.pem", "tlsbad/server.key")),
    Row(["serve", "--seed-data", "missing.yaml"], "--seed-data"),
    Row(["serve", "--seed-data", "empty"], "--seed-data", ("empty/",)),
    Row(["serve", "--seed-data", "bad.yaml"], "--seed-data", ("bad.yaml",)),
    Row(["serve", "--seed-data", "nousers.yaml"], "--seed-data", ("nousers.yaml",)),
    Row(["serve", "--seed-data", "noid.yaml"], "--seed-data", ("noid.yaml",)),
    Row(["serve", "--profile", "no-such-profile"], "--profile"),
    Row(["serve", "--profiles-file", "missing.yaml"], "--profiles-file"),
    Row(["serve", "--profiles-file", "bad.yaml", "--profile", "x"], "--profiles-file", ("bad.yaml",)),
    Row(["serve", "--nosuchoption"], "--nosuchoption"),
    # serve: checks that need the file system or the network
    Row(["serve"], "--db", (".b24conform",)),  # the default database's folder is a file
    Row(["serve", "--port", "{busy}"], "--port"),
    Row(["serve", "--no-tls", "--port", "{busy}"], "--port"),
    Row(["serve", "--http-port", "{busy}"], "--http-port"),
    Row(["serve", "--port", "{free}", "--http-port", "{free}"], "--http-port"),
    Row(["serve", "--no-tls", "--http-port", "0"], "--http-port"),
    Row(["serve", "--host", "999.1.1.1"], "--host"),
    # spec
    Row(["spec", "validate", "--spec-dir", "missing"], "--spec-dir"),
    Row(["spec", "validate", "--spec-dir", "afile"], "--spec-dir", ("afile",)),
    Row(["spec", "validate", "--spec-dir", "empty"], "--spec-dir", ("empty/",)),
    Row(["spec", "docs", "--spec-dir", "empty"], "--spec-dir", ("empty/",)),
    Row(["spec", "docs", "--out", "afile"], "--out", ("afile",)),
    Row(["spec", "docs", "--out", "afile/sub"], "--out", ("afile",)),
    Row(["spec", "nosuchcommand"], "nosuchcommand"),
    # selftest (every row is refused before a pytest run starts)
    Row(["selftest", "--jobs", "0"], "--jobs"),
    Row(["selftest", "--mode", "sloppy"], "--mode"),
    Row(["selftest", "--timeout", "0"], "--timeout"),
    Row(["selftest", "--profile", "no-such-profile"], "--profile"),
    Row(["selftest", "--family", "no-such-family"], "--family"),
    Row(["selftest", "--report-dir", "afile"], "--report-dir", ("afile",)),
    # diff
    Row(["diff"], "baseline"),
    Row(["diff", "missing.json", "missing.json"], "missing.json"),
    Row(["diff", "notresults.json", "notresults.json"], "notresults.json", ("notresults.json",)),
    # cleanup
    Row(["cleanup"], "--target"),
    Row(["cleanup", "--target", "ftp://x"], "--target"),
    Row(["cleanup", "--target", "https://portal.example/rest/"], "--oauth-token"),
    Row(["cleanup", "--target", "https://127.0.0.1:99999/rest/1/CODE/"], "--target"),
    Row(["cleanup", "--target", "https://127.0.0.1:{free}/rest/1/CODE/", "--ca-bundle", "afile"], "--ca-bundle",
        ("afile",)),
    Row(["cleanup", "--target", "https://127.0.0.1:{free}/rest/1/CODE/", "--ca-bundle", "missing.pem"], "--ca-bundle"),
    # cleanup: nothing listening, or a certificate not trusted, is one line and the exit code of `run`
    Row(["cleanup", "--target", "https://127.0.0.1:{free}/rest/1/CODE/"], "cannot reach the target", code=3),
    Row(["cleanup", "--target", "https://127.0.0.1:{tls}/rest/1/CODE/"], "--ca-bundle", code=3),
    # run
    Row(["run", "--hypothesis-profile", "nosuchprofile"], "--hypothesis-profile"),
    # -k keeps the run short should -n 0 be accepted
    Row(["run", "-n", "0", "-k", "no_check_has_this_name"], "-n"),
    Row(["run", "--report-dir", "afile"], "--report-dir", ("afile",)),
    Row(["run", "--target", "ftp://x"], "--target"),
    Row(["run", "--oauth-token", "abcdefgh"], "--oauth-token"),
    # found before any request and before the suites run: the target below is never asked
    Row(["run", "--target", "https://127.0.0.1:{free}/rest/1/CODE/", "--ca-bundle", "afile"], "--ca-bundle",
        ("afile",)),
    Row(["run", "--ca-bundle", "empty"], "--ca-bundle", ("empty/",)),
    Row(["run", "--report-dir", "afile/sub"], "--report-dir", ("afile",)),
    Row(["run", "--target", "https://127.0.0.1:99999/rest/1/CODE/"], "--target"),
    Row(["run", "--target", "https://127.0.0.1:0/rest/1/CODE/"], "--target"),
    Row(["run", "-k", "and or ("], "-k"),
    Row(["run", "-k", "envelope and"], "-k"),
    # run: a certificate the judge does not trust says so and names the option that fixes it
    Row(["run", "--target", "https://127.0.0.1:{tls}/rest/1/CODE/"], "--ca-bundle", code=3),
    Row(["run", "--target", "https://127.0.0.1:{free}/rest/1/CODE/"], "cannot reach the target", code=3),
    # the top level
    Row(["nosuchcommand"], "nosuchcommand"),
]


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _env() -> dict[str, str]:
    # The judge reads B24_* variables as option defaults; a developer's own must not change the rows.
    return {k: v for k, v in os.environ.items() if not k.startswith("B24")} | {"COLUMNS": "200"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def busy_port():
    """A port another program listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def tls_port():
    """The port of a portal served over TLS by a CA no trust store knows (the embedded portal's own)."""
    from b24conform.portal.config import PortalConfig
    from b24conform.portal.server import start_portal

    with start_portal(PortalConfig.for_conformance(tls=True, http_port=False)) as portal:
        yield int(portal.base_url.rsplit(":", 1)[1])


@pytest.mark.parametrize("row", [r.param() for r in ROWS])
def test_bad_input_is_one_line(row: Row, tmp_path: Path, busy_port: int, request):
    for name in row.files:
        if name.endswith("/"):
            (tmp_path / name).mkdir()
        else:
            (tmp_path / name).write_text(FILES[name])
    free = _free_port()
    tls = request.getfixturevalue("tls_port") if any("{tls}" in a for a in row.args) else None
    args = [a.format(busy=busy_port, free=free, tls=tls) for a in row.args]
    before = _tree(tmp_path)
    result = subprocess.run([sys.executable, "-m", "b24conform", *args], cwd=tmp_path, env=_env(),
                            capture_output=True, text=True, timeout=120)
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == "", result.stdout
    assert len(lines) == 1 and lines[0].strip(), result.stderr
    line = lines[0]
    assert line.startswith("error: ") and row.names in line, line
    # The CLI's own options, never the pytest plugin's; examples stay readable, with nothing masked.
    assert "--b24-" not in line and "***" not in line, line
    assert result.returncode == row.code, (result.returncode, line)
    if args[0] in {"serve", "run", "cleanup"}:  # refused before anything was written
        assert _tree(tmp_path) == before


ROOT_WRITES_ANYWHERE = pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                                          reason="root writes into read-only folders")


def _in_a_read_only_folder(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, Path]:
    """`b24conform ARGS` run in `tmp_path`, beside a folder `ro` nobody may write to; (result, that folder)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = subprocess.run([sys.executable, "-m", "b24conform", *args], cwd=tmp_path,
                                env=_env(), capture_output=True, text=True, timeout=120)
    finally:
        folder.chmod(0o755)
    return result, folder


@ROOT_WRITES_ANYWHERE
def test_serve_refuses_a_db_in_a_read_only_folder(tmp_path: Path):
    result, folder = _in_a_read_only_folder(tmp_path, "serve", "--db", "ro/x.db")
    assert result.returncode == USAGE
    assert result.stderr.splitlines() == [f"error: --db: folder ro is not writable"]
    assert sorted(os.listdir(tmp_path)) == ["ro"] and not os.listdir(folder)


def test_version_names_the_tool_and_the_spec(tmp_path: Path):
    result = subprocess.run([sys.executable, "-m", "b24conform", "--version"], cwd=tmp_path, env=_env(),
                            capture_output=True, text=True, timeout=120)
    spec_version = load_contract().openapi["info"]["version"]
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"b24conform {__version__}, spec {spec_version}\n"


@pytest.mark.parametrize("command", [["serve"], ["cleanup"], ["diff"], ["spec", "validate"], ["spec", "docs"],
                                     ["selftest"]])
def test_help_states_the_exit_codes(command: list[str], tmp_path: Path):
    result = subprocess.run([sys.executable, "-m", "b24conform", *command, "--help"], cwd=tmp_path,
                            env=_env(), capture_output=True, text=True, timeout=120)
    text = " ".join(result.stdout.replace("│", " ").split())
    assert result.returncode == 0 and "Exit codes: 0 " in text and " 2 bad input" in text, text


def test_the_example_code_placeholder_is_not_masked():
    example = "target must be an https:// URL such as https://HOST/rest/1/CODE/"
    assert redact(example) == example
    assert redact(str(TargetURLError(example))) == example
    # Anything else in the code's place is still a secret, including near-misses of the placeholder.
    for code in ("s3cretcode", "code", "CODEx", "xCODE"):
        assert redact(f"https://HOST/rest/1/{code}/crm.activity.add") == "https://HOST/rest/1/***/crm.activity.add"


@ROOT_WRITES_ANYWHERE
def test_run_refuses_a_report_dir_in_a_read_only_folder_before_the_suites_run(tmp_path: Path):
    result, folder = _in_a_read_only_folder(tmp_path, "run", "--report-dir", "ro/reports")
    assert result.returncode == USAGE, result.stdout[-2000:] + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --report-dir: cannot create ro/reports: folder "), lines
    assert lines[0].endswith(f"{folder} is not writable"), lines
    assert sorted(os.listdir(tmp_path)) == ["ro"] and not os.listdir(folder)
