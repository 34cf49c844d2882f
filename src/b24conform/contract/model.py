"""Typed views of the contract's data files. They hold data only; loading is in loader.py."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from b24conform.contract.provenance import Citation


@dataclass(frozen=True)
class Variant:
    text: str
    source: str
    citations: tuple[Citation, ...] = ()
    # Ids of provenance.yaml `evidence` (the vendor's source, a recorded reply) that show this spelling;
    # a variant cites the docs (`citations`), evidence, or both.
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class ErrorEntry:
    id: str
    kind: str
    http_status: int
    code: str
    message: str
    variants: tuple[Variant, ...]
    meaning: str
    trigger: str
    reachable: str
    source: str
    methods: tuple[str, ...]
    # Ids of provenance.yaml `evidence` beside the docs (the vendor's source, recorded replies) that show
    # this error (errors.yaml `evidence`, optional).
    evidence: tuple[str, ...] = ()
    # Whether the docs give `message` (errors.yaml `message_pinned`, required there). False: b24conform
    # chose the text or only saw it on portals, so only the embedded mock is held to it word for word.
    message_pinned: bool = True
    citations: tuple[Citation, ...] = ()  # `source` is their text
    # A regular expression the whole message may match instead, where the docs' text names one
    # instance of a family ("Could not find 'CONTACT' with ID: 1" for any owner type and id).
    message_pattern: str | None = None

    def body(self) -> dict[str, str]:
        """The error envelope a portal sends for this error."""
        return {"error": self.code, "error_description": self.message}

    def accepted_messages(self) -> tuple[str, ...]:
        """The message and every documented variant, the lenient reading of AMB-MESSAGE-PERIOD."""
        texts = [self.message, *(v.text for v in self.variants)]
        for text in list(texts):
            texts.append(text[:-1] if text.endswith(".") else text + ".")
        return tuple(dict.fromkeys(texts))


@dataclass(frozen=True)
class Clause:
    id: str
    title: str
    statement: str
    level: str
    source: str
    errors: tuple[str, ...]
    schemas: tuple[str, ...]
    ambiguity: str | None
    where: str
    writes: bool
    check: str
    reason: str | None = None
    citations: tuple[Citation, ...] = ()  # `source` is their text
    ambiguities: tuple[str, ...] = ()  # every ambiguity the clause's verdict reads; `ambiguity` is the first
    needs: tuple[str, ...] = ()  # "top-level": its verdict reads a status, a header or the top-level envelope


# The verdict a run gives unless told otherwise: every reading a source shows (an official page, the vendor's
# published code, a real recorded reply) passes. "strict" holds a portal to the add page's own reading.
DEFAULT_MODE = "lenient"
MODES = ("strict", "lenient")


@dataclass(frozen=True)
class Ambiguity:
    id: str
    title: str
    sources: tuple[str, ...]
    readings: dict[str, str]
    strict: tuple[str, ...]
    lenient: tuple[str, ...]
    portal: str
    note: str | None = None
    citations: tuple[Citation, ...] = ()  # `sources` holds their texts
    # Ids of provenance.yaml `evidence` beside the docs (the vendor's source, recorded replies) that show a reading.
    evidence: tuple[str, ...] = ()
    # reading -> the catalogue errors a portal following it answers, where the readings differ in the
    # error itself (code, status or message); the checks of the ambiguity's clauses accept the errors
    # of every reading the mode accepts.
    errors: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def accepts(self, reading: str, mode: str) -> bool:
        """Whether a server showing `reading` passes in `mode` ("strict" or "lenient")."""
        allowed = self.strict if mode == "strict" else self.lenient
        return reading in allowed

    def accepted_errors(self, mode: str) -> tuple[str, ...]:
        """The error ids of every reading `mode` accepts, the portal's reading first."""
        readings = [self.portal, *(r for r in self.readings if r != self.portal)]
        ids = [e for r in readings if self.accepts(r, mode) for e in self.errors.get(r, ())]
        return tuple(dict.fromkeys(ids))


@dataclass(frozen=True)
class Enum:
    name: str
    method: str
    field: str
    values: tuple[dict[str, Any], ...]
    creatable: tuple[int, ...] = field(default_factory=tuple)
    citations: tuple[Citation, ...] = ()

    def ids(self) -> tuple[int, ...]:
        return tuple(int(v["ID"]) for v in self.values)

    @cached_property
    def id_set(self) -> frozenset[int]:
        """ids() as a set, built once: the portal checks every add's TYPE_ID against it."""
        return frozenset(self.ids())


EFFECTS = ("read", "create", "change", "delete", "batch")


@dataclass(frozen=True)
class MethodEffect:
    """What a REST method does to a portal's data (spec/methods.yaml)."""

    method: str                 # lower-case, without .json
    effect: str                 # one of EFFECTS
    entity: str | None = None   # what `id` names (change/delete) or what a create adds
    mark: str | None = None     # the text field a create prefixes with the run marker
    source: str = ""
    probe: bool = False         # a name no portal defines: the reference portal does not serve it

    @property
    def writes(self) -> bool:
        return self.effect in {"create", "change", "delete"}


@dataclass(frozen=True)
class Plan:
    """The request-intensity bucket of one plan (spec/limits.yaml `plans`)."""

    rate: float   # requests drained a second
    burst: int    # requests the bucket holds


@dataclass(frozen=True)
class Limits:
    """The numbers a cloud portal limits requests by (spec/limits.yaml)."""

    page_size: int
    batch_max_commands: int
    plans: dict[str, Plan]
    operating_budget: float
    operating_bucket: float
    operating_window: float
