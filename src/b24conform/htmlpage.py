"""The two HTML pages b24conform writes, report.html and spec.html, rendered from Jinja2 templates
shipped in the package (b24conform/templates, with their stylesheets and script).

Autoescaping is on: every value a template prints is escaped unless the template marks it safe, so
a reply, a message or a spec text cannot open a tag. The Python side hands a template plain data
(strings, numbers, lists and dicts) that it only lays out.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("b24conform", "templates"),
        autoescape=True,
        # A name a view does not carry is a bug of the view, not an empty cell on the page.
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_page(template: str, **view: Any) -> str:
    """The page of `template` (a file of b24conform/templates) laid out from `view`."""
    return _environment().get_template(template).render(**view)


__all__ = ["render_page"]
