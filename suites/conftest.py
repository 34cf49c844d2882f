"""Marks a pytest session that loads these suites as the judge's own (judge/plugin.py our_session):
only then does the b24conform plugin read its B24_* environment variables."""
B24CONFORM_SUITES = True
