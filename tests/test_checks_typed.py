"""The checks' signatures are typed: a check takes the contract as a Contract and what it judges as an
AnyReply (a judge.target.Reply, a recorded reply, or a bare body), never `Any`, so a reader and a type
checker both see what a check may be handed."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing

import pytest

import b24conform.judge.checks as checks_package
from b24conform.contract import load_contract
from b24conform.judge.checks._common import AnyReply, ReplyLike
from b24conform.judge.target import Reply, RequestRecord

MODULES = [importlib.import_module(f"{checks_package.__name__}.{m.name}")
           for m in pkgutil.iter_modules(checks_package.__path__)]
TYPED = {"contract": "Contract", "reply": "AnyReply"}
# A check no ambiguity bears on reads no contract: it may be called without one (`Contract | None = None`).
OPTIONAL = {"contract": "Contract | None"}


def _functions():
    for module in MODULES:
        for name, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", fn


def test_every_check_names_its_contract_and_reply_types():
    untyped = [f"{where}({param})" for where, fn in _functions()
               for param, annotation in fn.__annotations__.items()
               if param in TYPED and annotation not in (TYPED[param], OPTIONAL.get(param))]
    assert untyped == []
    optional = {where for where, fn in _functions() if fn.__annotations__.get("contract") == OPTIONAL["contract"]}
    assert all(inspect.signature(fn).parameters["contract"].default is None
               for where, fn in _functions() if where in optional)
    # Not vacuous: most checks take both.
    assert sum(1 for _, fn in _functions() if {"contract", "reply"} <= set(fn.__annotations__)) >= 25


@pytest.mark.parametrize("where, fn", list(_functions()), ids=lambda v: v if isinstance(v, str) else "")
def test_annotations_resolve(where, fn):
    typing.get_type_hints(fn, globalns=vars(inspect.getmodule(fn)))


def test_the_judges_reply_is_a_reply_the_checks_read():
    reply = Reply(status=200, headers={}, text="{}", json={},
                  request=RequestRecord(http_method="POST", url="https://p/rest/x", content_type=None, body=None))
    assert isinstance(reply, ReplyLike)
    assert not isinstance({"result": 1}, ReplyLike)  # a bare body is judged as such (json_of), not as a reply
    assert "Mapping" in str(AnyReply) and load_contract().__class__.__name__ == "Contract"
