"""The exit codes of every b24conform command that judges something: one number, one meaning.

`run`, the pytest plugin it drives and the `traffic` commands all end with one of these, so a CI gate
reads a code the same way whichever command wrote it. `run --help` shows EXIT_CODES_HELP; the README's
table says the same, and tests/test_exitcodes.py holds the two together. 3 is never a verdict: the
target said nothing that could be judged.
"""
from __future__ import annotations

EXIT_PASSED = 0        # every clause (or exchange) that could be judged passed
EXIT_NONCONFORMANT = 1  # at least one clause failed: the portal breaks the contract
EXIT_USAGE = 2         # a bad option, or an input file that cannot be read as what it claims (one line says which)
EXIT_TARGET = 3        # the target could not be reached, refused the credentials, or a check got no judgeable answer
EXIT_COVERAGE = 4      # fewer clauses checked than --min-coverage asks
EXIT_NOTHING = 5       # nothing was checked: the suites could not be collected, or no exchange could be judged

EXIT_CODES_HELP = (
    "Exit codes: 0 every judged clause passed; 1 a clause failed (non-conformance); 2 bad option; "
    "3 target unreachable, credentials refused, or a check got no judgeable answer (never a verdict); "
    "4 fewer clauses checked than --min-coverage; 5 the suites could not be collected or nothing was checked."
)
