"""CLI of the self-test area: `b24conform selftest`."""
from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Literal, Optional

import typer

from b24conform.contract.model import DEFAULT_MODE
from b24conform.cliparams import USAGE_ERROR, one_line, output_folder
from b24conform.selftest.catalogue import FAMILIES

SELFTEST_EPILOG = ("Exit codes: 0 every profile caught and no false alarm; 1 a false alarm, a miss, or (all "
                   "profiles, strict) an automated clause no profile was killed on; "
                   "2 bad input (a bad value, an unknown --profile or --family, an unreadable spec/deviations.yaml), "
                   "one line on stderr.")


def _family(value: str) -> str:
    # A parser, not a Literal: typer takes no list of Literal. An unknown family must be refused, since it would
    # select no profile and so run them all.
    if value not in FAMILIES:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(FAMILIES)}")
    return value


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command(epilog=SELFTEST_EPILOG)
    def selftest(
        jobs: int = typer.Option(max(2, (os.cpu_count() or 2)), "--jobs", "-j", min=1,
                                 help="pytest processes run in parallel"),
        report_dir: Path = typer.Option(Path("reports"), "--report-dir", parser=output_folder, metavar="DIR",
                                        help="where detection.md/.json go (created if missing)"),
        profile: Optional[list[str]] = typer.Option(None, "--profile", "-p",
                                                    help="only these profiles (repeatable; default: all)"),
        family: Optional[list[str]] = typer.Option(None, "--family", parser=_family, metavar="FAMILY",
                                                   help=f"only profiles of these families: {', '.join(FAMILIES)}"),
        mode: Literal["strict", "lenient"] = typer.Option(DEFAULT_MODE, "--mode", help="strict or lenient judging"),
        timeout: float = typer.Option(900.0, "--timeout", min=1, help="seconds one pytest run may take"),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="no per-run progress lines"),
        mutation: bool = typer.Option(False, "--mutation",
                                      help="also run the vacuous-check mutants (mutation testing of the checks)"),
    ) -> None:
        """Prove that every check can fail: run the suites against the faithful reference portal (no false
        alarms allowed) and against every deviation profile of spec/deviations.yaml (each must be caught by a
        check of a clause it names). Writes detection.md and detection.json; exits 1 on a false alarm or a miss."""
        from b24conform.selftest.catalogue import CatalogueError, load_catalogue
        from b24conform.selftest.detection import selftest as run_selftest
        from b24conform.selftest.report import write_reports

        try:
            catalogue = load_catalogue()
        except CatalogueError as exc:
            typer.echo(f"error: deviations.yaml: {one_line(exc)}", err=True)
            raise typer.Exit(USAGE_ERROR) from None
        known = [p.id for p in catalogue.profiles]
        for name in profile or []:
            if name not in known:
                near = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
                tail = f"did you mean {', '.join(near)}?" if near else f"{len(known)} profiles are in {catalogue.path}"
                raise typer.BadParameter(f"unknown profile {name!r}; {tail}", param_hint="--profile")
        names = list(profile or [])
        if family:
            names += [p.id for p in catalogue.profiles if p.family in set(family)]
        try:
            det = run_selftest(jobs=jobs, profiles=names or None, mode=mode, timeout=timeout, catalogue=catalogue,
                               progress=None if quiet else (lambda line: typer.echo(line, err=True)))
        except KeyError as exc:  # checked above; kept for a catalogue that changed meanwhile
            typer.echo(f"error: --profile: unknown profile {exc}", err=True)
            raise typer.Exit(USAGE_ERROR) from None
        json_path, md_path = write_reports(det, report_dir)
        mutants_survived = 0
        if mutation:
            from b24conform.selftest.mutation import append_to_reports, run_mutants

            results = run_mutants(jobs=jobs, catalogue=catalogue,
                                  progress=None if quiet else (lambda line: typer.echo(line, err=True)))
            append_to_reports(results, report_dir)
            mutants_survived = sum(r.verdict != "killed" for r in results)
            typer.echo(f"mutation: {len(results) - mutants_survived}/{len(results)} vacuous-check mutants killed")
        typer.echo(
            f"detection: {det.killed}/{det.profiles_total} profiles killed ({100 * det.rate:.1f} %; "
            f"{det.distinct} distinct deviations), "
            f"{len(det.false_alarms)} false alarm(s), {det.wall_seconds:.1f} s wall"
        )
        for v in det.misses:
            typer.echo(f"  MISS {v.profile} ({', '.join(v.named)}): {v.reason[:300]}")
        for fa in det.false_alarms:
            typer.echo(f"  FALSE ALARM {fa['check']} ({', '.join(fa['clauses'])})")
        for cid in det.unkillable:
            typer.echo(f"  NO KILLER {cid}: no profile was killed by a check of this clause")
        typer.echo(f"reports: {md_path} {json_path}")
        if det.false_alarms or det.misses or det.unkillable:
            raise typer.Exit(1)
