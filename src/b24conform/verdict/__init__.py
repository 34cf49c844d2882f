"""What a run found, as values both the judge and the reports use: problems and their kinds
(problems.py, problem_kinds.py), how checks add up to clause statuses (accounting.py), and the
masking of secrets in everything written out (redact.py).

Below the judge and the reporting: it imports nothing of b24conform but the contract, so the reports
read a run's findings without reaching back into the judge that made them.
"""
