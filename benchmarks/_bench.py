"""Shared helpers of the benchmarks: machine facts, free ports, subprocess servers, BENCHMARKS.md sections.

Every benchmark binds to 127.0.0.1 only, bounds its own run time, stops what it started, and replaces its own
section of BENCHMARKS.md (between `<!-- BEGIN name -->` and `<!-- END name -->`) so that re-running one benchmark
never loses the figures of another.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import os
import platform
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
RESULTS = ROOT / "BENCHMARKS.md"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
B24CONFORM = str(VENV_BIN / "b24conform") if (VENV_BIN / "b24conform").exists() else "b24conform"

# The webhook code the benchmarks give their own portals. It is a throw-away value that only ever exists on a
# loopback portal started by the benchmark itself.
BENCH_WEBHOOK_USER = 1
BENCH_WEBHOOK_CODE = "benchcode0123456"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def machine_facts() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    facts = {
        "date (UTC)": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
        "nproc": str(os.cpu_count()),
        "CPU": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "python": platform.python_version() + f" ({platform.python_implementation()})",
        "load average at write (1/5/15 min)": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    with contextlib.suppress(Exception):
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        facts["git HEAD"] = rev.stdout.strip()
    return facts


def facts_table(extra: dict[str, str] | None = None) -> str:
    facts = machine_facts()
    facts.update(extra or {})
    rows = ["| fact | value |", "| --- | --- |"]
    rows += [f"| {k} | {v} |" for k, v in facts.items()]
    return "\n".join(rows)


def write_section(name: str, title: str, body: str) -> None:
    """Replace (or append) the section `name` of BENCHMARKS.md."""
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = f"{begin}\n## {title}\n\n{body.rstrip()}\n{end}"
    text = RESULTS.read_text() if RESULTS.exists() else (
        "# Benchmarks\n\nFigures measured by the scripts in `benchmarks/` (see `benchmarks/README.md`). Each section is "
        "rewritten by its own script; the machine facts and the exact command are part of each section.\n"
    )
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)


def publish(name: str, title: str, lines: list[str], *, write: bool) -> None:
    """Print a benchmark's section and, unless told not to, make it section `name` of BENCHMARKS.md."""
    text = "\n".join(lines)
    print(text)
    if write:
        write_section(name, title, text)


def command_line() -> str:
    rel = os.path.relpath(sys.argv[0], ROOT)
    return " ".join(shlex.quote(a) for a in [".venv/bin/python", rel, *sys.argv[1:]])


def cpu_seconds(pid: int) -> float:
    """utime + stime of a live process, in seconds (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its live descendants."""
    total = cpu_seconds(pid)
    with contextlib.suppress(OSError):
        for child in Path(f"/proc/{pid}/task").iterdir():
            children = (child / "children").read_text().split()
            for c in children:
                total += tree_cpu_seconds(int(c))
    return total


@contextlib.contextmanager
def server(argv: list[str], port: int, *, env: dict | None = None, log: Path | None = None,
           timeout: float = 60.0, cwd: Path | None = None) -> Iterator[subprocess.Popen]:
    """Start a server subprocess in its own process group, wait for its port, stop the group afterwards."""
    out = open(log, "wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                            cwd=cwd or ROOT, start_new_session=True)
    try:
        wait_port(port, timeout, proc)
        yield proc
    finally:
        stop(proc)
        if log:
            out.close()


def stop(proc: subprocess.Popen, grace: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(grace)
