"""Judging recorded traffic: HAR files of real exchanges with a portal, no request of our own.

`har` reads a HAR 1.2 file as a stream (one entry in memory at a time), `exchange` turns an entry into
a Bitrix24 REST exchange (or says why it is none, or why it cannot be judged), `checks` applies every
pure check of judge/checks/ that one request and its reply support, with the clauses each stands for,
and `report` adds the verdicts up into the reports `run` writes. `commands` is `b24conform traffic`.
"""
