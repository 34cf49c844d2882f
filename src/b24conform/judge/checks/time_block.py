"""Checks of the `time` block every reply carries (clauses ENV-003..ENV-006, LIMIT-004)."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from b24conform.judge.checks._common import Contract, accepts, is_number, json_of
from b24conform.verdict.problems import Problem

TIMING_KEYS = ("start", "finish", "duration", "processing", "date_start", "date_finish")
OPERATING_KEYS = ("operating_reset_at", "operating")
ALL_KEYS = TIMING_KEYS + OPERATING_KEYS

# YYYY-MM-DDThh:mm:ss[.fraction]+hh:mm — the offset is required (settings/how-to-call-rest-api/general-principles.md, api-reference/data-types.md).
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")

# duration must equal finish - start "within 1 ms" (ENV-005).
DURATION_TOLERANCE = 0.001


def _time_of(value: Any) -> Any:
    """Accept a reply, a whole envelope or the time block itself."""
    body = json_of(value)
    if isinstance(body, dict) and "time" in body and not any(k in body for k in TIMING_KEYS):
        return body["time"]
    return body


def check_time_keys(value: Any, contract: Contract, mode: str) -> list[Problem]:
    """ENV-003: the eight keys (strict) or at least the six timing keys (lenient, AMB-TIME-KEYS b)."""
    time = _time_of(value)
    if not isinstance(time, dict):
        return [Problem("time-not-object", "time", actual=time)]
    missing_timing = [k for k in TIMING_KEYS if k not in time]
    missing_operating = [k for k in OPERATING_KEYS if k not in time]
    problems = []
    if missing_timing:
        problems.append(Problem("time-keys-missing", "time", expected=list(TIMING_KEYS), actual=missing_timing))
    if missing_operating and not accepts(contract, "AMB-TIME-KEYS", "b", mode):
        problems.append(Problem("time-keys-missing", "time", expected=list(ALL_KEYS), actual=missing_operating,
                                ambiguity="AMB-TIME-KEYS", mode=mode))
    return problems


def check_time_types(value: Any, contract: Contract, mode: str) -> list[Problem]:
    """ENV-004: numbers are numbers, dates are strings, operating_reset_at a Unix timestamp."""
    time = _time_of(value)
    if not isinstance(time, dict):
        return [Problem("time-not-object", "time", actual=time)]
    problems = []
    for key in ("start", "finish", "duration", "processing", "operating"):
        if key in time and not is_number(time[key]):
            problems.append(Problem("time-type", f"time.{key}", expects="a number", actual=time[key]))
    for key in ("date_start", "date_finish"):
        if key in time and not isinstance(time[key], str):
            problems.append(Problem("time-type", f"time.{key}", expects="a string", actual=time[key]))
    if "operating_reset_at" in time:
        reset = time["operating_reset_at"]
        if is_number(reset):
            if reset < 0:
                problems.append(Problem("time-negative", "time.operating_reset_at", actual=reset))
        elif isinstance(reset, str) and ISO_WITH_OFFSET.match(reset):
            if not accepts(contract, "AMB-OPERATING-RESET-TYPE", "b", mode):
                problems.append(Problem("time-reset-iso", "time.operating_reset_at", actual=reset,
                                        ambiguity="AMB-OPERATING-RESET-TYPE", mode=mode))
        else:
            problems.append(Problem("time-type", "time.operating_reset_at", expects="a Unix timestamp", actual=reset))
    return problems


def check_time_arithmetic(value: Any, contract: Contract, mode: str) -> list[Problem]:
    """ENV-005: finish >= start, duration == finish - start within 1 ms, processing >= 0."""
    time = _time_of(value)
    if not isinstance(time, dict):
        return [Problem("time-not-object", "time", actual=time)]
    start, finish, duration = time.get("start"), time.get("finish"), time.get("duration")
    problems = []
    if is_number(start) and is_number(finish):
        if finish < start:
            problems.append(Problem("time-arithmetic", "finish", expects=f">= start {start}", actual=finish))
        if is_number(duration) and abs(duration - (finish - start)) > DURATION_TOLERANCE:
            problems.append(Problem("time-arithmetic", "duration", expects=f"finish - start = {finish - start:.6f} (within 1 ms)",
                                    actual=duration))
    processing = time.get("processing")
    if is_number(processing) and processing < 0:
        problems.append(Problem("time-negative", "time.processing", actual=processing))
    if is_number(duration) and duration < 0:
        problems.append(Problem("time-negative", "time.duration", actual=duration))
    return problems


def parse_iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def check_time_dates(value: Any, contract: Contract, mode: str) -> list[Problem]:
    """ENV-006: date_start/date_finish are ISO 8601 with an offset and name the same second as start/finish."""
    time = _time_of(value)
    if not isinstance(time, dict):
        return [Problem("time-not-object", "time", actual=time)]
    problems = []
    for date_key, ts_key in (("date_start", "start"), ("date_finish", "finish")):
        text = time.get(date_key)
        if text is None:
            continue
        if not isinstance(text, str) or not ISO_WITH_OFFSET.match(text):
            problems.append(Problem("time-date-format", f"time.{date_key}", actual=text))
            continue
        parsed = parse_iso(text)
        if parsed is None:
            problems.append(Problem("time-date-format", f"time.{date_key}", actual=text))
            continue
        ts = time.get(ts_key)
        if is_number(ts) and int(parsed.timestamp()) != int(ts):
            problems.append(Problem("time-date-mismatch", f"time.{date_key}", expects=f"time.{ts_key} {ts}", actual=text))
    return problems


def check_time_block(value: Any, contract: Contract, mode: str) -> list[Problem]:
    """ENV-003..ENV-006 together."""
    problems = check_time_keys(value, contract, mode)
    if any(p.kind == "time-not-object" for p in problems):
        return problems
    for check in (check_time_types, check_time_arithmetic, check_time_dates):
        problems += check(value, contract, mode)
    return problems


def check_operating_grows(values: tuple[Any, Any], contract: Contract, mode: str) -> list[Problem]:
    """LIMIT-004: time.operating of the same method does not decrease between two calls a moment apart."""
    first, second = (_time_of(v) for v in values)
    if not isinstance(first, dict) or not isinstance(second, dict):
        return [Problem("time-not-object", "time", actual=[first, second])]
    a, b = first.get("operating"), second.get("operating")
    if a is None or b is None:
        if accepts(contract, "AMB-TIME-KEYS", "b", mode):
            return []
        return [Problem("time-keys-missing", "time", expected=["operating"], actual=["operating"],
                        ambiguity="AMB-TIME-KEYS", mode=mode)]
    if not (is_number(a) and is_number(b)):
        return [Problem("time-type", "time.operating", expects="a number", actual=[a, b])]
    if b < a:
        return [Problem("time-operating-decreased", "time.operating", expected=a, actual=b)]
    return []
