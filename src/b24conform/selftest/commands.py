"""CLI of the self-test area: `b24conform selftest`."""
from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Literal, Optional

import typer

from b24conform.contract.model import DEFAULT_MODE
from b24conform.cliparams import USAGE_ERROR, one_line, output_folder
from b24conform.portal.profiles import ALL_VARIANTS
from b24conform.selftest.catalogue import FAMILIES

SELFTEST_EPILOG = ("Exit codes: 0 every deviant profile killed, every legitimate variant passed, no false alarm; "
                   "1 a false alarm (faithful portal or a variant), a miss, a no-verdict, (strict) a variant not "
                   "killed on its strict_fails, or (everything, strict) an automated clause nothing was killed on; "
                   "2 bad input (a bad value, an unknown --profile, --variant or --family, an unreadable "
                   "spec/deviations.yaml or spec/variants.yaml), one line on stderr.")


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
                                                    help="only these deviant profiles (repeatable)"),
        family: Optional[list[str]] = typer.Option(None, "--family", parser=_family, metavar="FAMILY",
                                                   help=f"only deviant profiles of these families: {', '.join(FAMILIES)}"),
        variant: Optional[list[str]] = typer.Option(
            None, "--variant", "-V", metavar="NAME",
            help=f"only these legitimate variants of spec/variants.yaml (repeatable; {ALL_VARIANTS} = all composed). "
                 "With any of --profile/--family/--variant/--quick only what they select runs; without, everything"),
        only: Optional[Literal["profiles", "variants"]] = typer.Option(
            None, "--only", help="run one half only: the deviant profiles or the legitimate variants "
                                 "(the faithful run always comes first)"),
        quick: bool = typer.Option(False, "--quick",
                                   help=f"a CI-sized representative subset: the first profile of every family, "
                                        f"the first two variants and {ALL_VARIANTS}"),
        mode: Literal["strict", "lenient"] = typer.Option(DEFAULT_MODE, "--mode", help="strict or lenient judging"),
        timeout: float = typer.Option(900.0, "--timeout", min=1, help="seconds one pytest run may take"),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="no per-run progress lines"),
        batch_plan: bool = typer.Option(
            False, "--batch-plan",
            help="judge each portal as a live target with the batch plan (B24_BATCH_PLAN): the portal is served "
                 "on 127.0.0.1 for each run, and only deviant profiles naming a live-checkable clause run"),
        mutation: bool = typer.Option(False, "--mutation",
                                      help="also run the vacuous-check mutants (mutation testing of the checks)"),
    ) -> None:
        """Prove that every check can fail and that none fails a legitimate portal: run the suites against
        the faithful reference portal (no false alarm allowed), against every deviant profile of
        spec/deviations.yaml (each must be killed: a check of a clause it names reports a conformance failure)
        and, the whole suite each, against every legitimate variant of spec/variants.yaml and all of them
        composed (no check may fail: a failure is a false alarm; in --mode strict each variant must instead
        fail on one of its strict_fails). Writes detection.md and detection.json; exits 1 on a false alarm,
        a miss or a no-verdict."""
        # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
        from b24conform.selftest.catalogue import CatalogueError, load_catalogue
        from b24conform.selftest.detection import selftest as run_selftest
        from b24conform.selftest.report import write_reports

        try:
            catalogue = load_catalogue()
        except CatalogueError as exc:
            typer.echo(f"error: {one_line(exc)}", err=True)
            raise typer.Exit(USAGE_ERROR) from None
        known = [p.id for p in catalogue.profiles]
        for name in profile or []:
            if name not in known:
                near = difflib.get_close_matches(name, known + catalogue.variant_names(), n=3, cutoff=0.5)
                tail = f"did you mean {', '.join(near)}?" if near else f"{len(known)} profiles are in {catalogue.path}"
                raise typer.BadParameter(f"unknown profile {name!r}; {tail}", param_hint="--profile")
        known_variants = catalogue.variant_names()
        for name in variant or []:
            if name not in known_variants:
                near = difflib.get_close_matches(name, known_variants + known, n=3, cutoff=0.5)
                tail = (f"did you mean {', '.join(near)}?" if near
                        else f"{len(known_variants)} variants are in {catalogue.variants_path}")
                raise typer.BadParameter(f"unknown variant {name!r}; {tail}", param_hint="--variant")
        if only == "variants" and (profile or family):
            raise typer.BadParameter("--only variants leaves out the deviant profiles --profile/--family select",
                                     param_hint="--only")
        if only == "profiles" and variant:
            raise typer.BadParameter("--only profiles leaves out the variants --variant selects", param_hint="--only")
        names = list(profile or [])
        if family:
            names += [p.id for p in catalogue.profiles if p.family in set(family)]
        variant_names = list(variant or [])
        if quick:
            quick_profiles, quick_variants = catalogue.representative()
            names += quick_profiles
            variant_names += quick_variants
        chosen: Optional[list[str]] = list(dict.fromkeys(names))
        chosen_variants: Optional[list[str]] = list(dict.fromkeys(variant_names))
        if not (profile or family or variant or quick):
            chosen = chosen_variants = None        # everything
        if only == "variants":
            chosen = []
        elif only == "profiles":
            chosen_variants = []
        try:
            det = run_selftest(jobs=jobs, profiles=chosen, variants=chosen_variants, mode=mode, timeout=timeout,
                               catalogue=catalogue, batch_plan=batch_plan,
                               progress=None if quiet else (lambda line: typer.echo(line, err=True)))
        except KeyError as exc:  # checked above; kept for a catalogue that changed meanwhile
            typer.echo(f"error: --profile/--variant: unknown name {exc}", err=True)
            raise typer.Exit(USAGE_ERROR) from None
        json_path, md_path = write_reports(det, report_dir)
        mutants_survived = 0
        if mutation:
            # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
            from b24conform.selftest.mutation import append_to_reports, run_mutants

            results = run_mutants(jobs=jobs, catalogue=catalogue,
                                  progress=None if quiet else (lambda line: typer.echo(line, err=True)))
            append_to_reports(results, report_dir)
            mutants_survived = sum(r.verdict != "killed" for r in results)
            typer.echo(f"mutation: {len(results) - mutants_survived}/{len(results)} vacuous-check mutants killed")
        alarms = det.variant_false_alarms
        typer.echo(
            f"detection: deviant profiles killed {det.killed}/{det.profiles_total} ({100 * det.rate:.1f} %; "
            + (f"{len(det.verdicts) - det.killed - len(det.misses)} missed by a live run without the plan too; "
               if batch_plan else "")
            + f"{det.distinct} distinct deviations), legitimate variants passed {det.variants_passed}/{len(det.variants)}"
            f"{' (strict: killed on their strict_fails)' if mode == 'strict' else ''}, "
            f"{len(det.false_alarms) + len(alarms)} false alarm(s), {det.wall_seconds:.1f} s wall"
            f"{' (served portals judged live, batch plan on)' if batch_plan else ''}"
        )
        for fa in det.false_alarms:
            _echo_finding("FALSE ALARM (faithful)", fa)
        for nv in det.faithful_no_verdicts:
            _echo_finding("NO VERDICT (faithful)", nv)
        for v in det.misses:
            label = "NO VERDICT" if v.verdict == "no-verdict" else "MISS"
            typer.echo(f"  {label} {v.profile} ({', '.join(v.named)}): {v.reason[:300]}")
        for v in det.verdicts:
            if v.verdict == "live-miss":  # missed by a live run without the plan too: not the plan's
                typer.echo(f"  LIVE MISS {v.profile} ({', '.join(v.named)}): {v.reason[:300]}")
        for vv in det.variants:
            for fa in vv.false_alarms:
                _echo_finding(f"FALSE ALARM (variant {vv.variant})", fa)
            for nv in vv.no_verdicts:
                _echo_finding(f"NO VERDICT (variant {vv.variant})", nv)
            if vv.verdict == "not-killed":
                typer.echo(f"  NOT KILLED (variant {vv.variant}): {vv.reason}")
        for cid in det.unkillable:
            typer.echo(f"  NO KILLER {cid}: no profile or variant was killed by a check of this clause")
        typer.echo(f"reports: {md_path} {json_path}")
        if det.failed:
            raise typer.Exit(1)


def _echo_finding(label: str, finding: dict) -> None:
    """One line for a false alarm or a no-verdict: its clauses, its check and the start of its reason."""
    typer.echo(f"  {label} {', '.join(finding['clauses'])} {finding['check']}: {' '.join(finding['reason'].split())[:300]}")
