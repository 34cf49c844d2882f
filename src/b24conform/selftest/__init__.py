"""Self-test of the conformance suite: detection power.

Runs the suites against the faithful reference portal (every applicable clause must pass: no false
alarms) and against each deviant portal profile of spec/deviations.yaml (at least one of the clauses
the profile names must fail: the deviation is "killed"). Writes reports/detection.md and .json.
"""
