"""What a traffic judgement comes to: its exit code (b24conform.exitcodes, as `run`), the tally of files read and judged, and the lines
the commands print. Shared by `traffic check` and `traffic proxy` (commands.py and proxy.py import it)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from b24conform.exitcodes import EXIT_NONCONFORMANT, EXIT_NOTHING, EXIT_PASSED
from b24conform.har import iter_entries
from b24conform.judge.commands import problem_lines
from b24conform.verdict.redact import redact



def check_files(paths: list[Path], contract: Any, mode: str) -> Any:
    """Every entry of every file, read as a stream and judged; raises HarError on a bad file."""
    # start-up: judging and the reports load when the command runs (commands.py imports this module with the CLI)
    from b24conform.traffic.exchange import read_entry
    from b24conform.traffic.report import Tally

    tally = Tally(contract, mode)
    for path in paths:
        tally.files.append(str(path))
        for index, entry in iter_entries(path):
            tally.add(read_entry(entry, str(path), index))
    return tally


def exit_code(tally: Any) -> int:
    if tally.exchanges == 0:
        return EXIT_NOTHING
    return EXIT_NONCONFORMANT if tally.failed else EXIT_PASSED


def summary(tally: Any, results: dict[str, Any], report_dir: Path) -> list[str]:
    """What the command prints: the headline, the counts, the problems, where the reports are."""
    from b24conform.reporting.view import headline  # start-up: the reports package, loaded when a summary is printed

    head = headline(results).text
    lines = [head,
             f"entries: {tally.entries}; Bitrix24 REST exchanges judged: {tally.exchanges}; "
             f"not judged: {tally.not_judged_total}; not Bitrix24 REST calls: {tally.ignored}"]
    lines += problem_lines(results)
    lines += [f"not judged: {i['file']} log.entries[{i['entry']}] {i['method']}: {i['reason']}"
              for i in tally.not_judged[:5]]
    if tally.not_judged_total > 5:
        lines.append(f"… {tally.not_judged_total - 5} more not judged (report.md)")
    lines.append(f"reports: {report_dir}")
    return [redact(line) for line in lines]
