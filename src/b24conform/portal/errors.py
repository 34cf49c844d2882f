"""The one exception type the portal raises for an answer from the catalogue (spec/errors.yaml).

Raising `PortalError("ADD_SUBJECT_MISSING")` anywhere in the pipeline ends the call with that
catalogue entry's status, code and message; nothing in the portal spells those strings itself.
"""
from __future__ import annotations

from functools import lru_cache

from b24conform.contract import ErrorEntry, load_contract


class PortalError(Exception):
    def __init__(self, error_id: str) -> None:
        super().__init__(error_id)
        self.error_id = error_id

    @property
    def entry(self) -> ErrorEntry:
        return catalogue(self.error_id)


@lru_cache(maxsize=None)
def catalogue(error_id: str) -> ErrorEntry:
    return load_contract().error(error_id)
