"""Text placed into the Markdown b24conform writes (report.md, spec.md, detection.md, the traffic
section), so that it reads as written: one escaper for every writer.

Four ways a text goes in:
* `text`: literal, whatever it holds (a reply, a reason, a path);
* `code`: a code span, shown literally in a monospace font;
* `prose`: b24conform's own sentences and the spec's, where a `ticked` word is code (the HTML pages
  show the same spans as <code>; `code_spans` splits them for both);
* `link`: a prose label that links somewhere.

Every result is one line: a table row cannot hold a line break, and a message alone on a line must
not become a heading or a list. Inside a table cell a `|` must be escaped even in a code span, where
GitHub (and markdown-it) drop the backslash; outside a table that backslash would show, so `code` and
`prose` are told where they go.
"""
from __future__ import annotations

import re
from typing import Any

# A backtick-delimited span of prose: what Markdown and the HTML pages show as code.
_TICKED = re.compile(r"`([^`]+)`")
# Inline markup that can start anywhere: a backslash escape, a code span, emphasis, strikethrough, a
# table's cell border. A backslash before ASCII punctuation is read as that character in CommonMark.
_ALWAYS = frozenset("\\`*~|")
# Characters that only start a block at the beginning of a line: a heading, a list item, a setext
# underline, a link reference definition.
_LINE_START = re.compile(r"^([#+\-=\[])|^(\d+)([.)])")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


def _escape(raw: str, *, brackets: bool = False) -> str:
    out = []
    for i, char in enumerate(raw):
        if char in _ALWAYS or (brackets and char in "[]"):
            out.append("\\" + char)
        elif char == "_":
            # Between two letters or digits an underscore cannot open or close emphasis (RESPONSIBLE_ID
            # stays as written); anywhere else it could.
            before, after = raw[i - 1: i], raw[i + 1: i + 2]
            out.append("_" if before.isalnum() and after.isalnum() else "\\_")
        elif char == "]" and raw[i + 1: i + 2] in {"(", "[", ":"}:
            out.append("\\]")  # [text](url), [text][ref], [ref]: url: a link, an image or a definition
        elif char == "&":
            out.append("&amp;")  # &lt; would be read as "<"
        elif char == "<":
            out.append("&lt;")  # an HTML tag or an autolink
        elif char == ">":
            out.append("&gt;")
        else:
            out.append(char)
    return "".join(out)


def _one_line(value: Any) -> str:
    return _LINE_BREAKS.sub(" ", "" if value is None else str(value))


def _block_safe(escaped: str) -> str:
    """An escaped text that may start a line, not read as the start of a block."""
    return _LINE_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", escaped, count=1)


def text(value: Any) -> str:
    """`value` as literal Markdown text: on one line, surrounding spaces dropped."""
    return _block_safe(_escape(_one_line(value).strip()))


def code(value: Any, *, in_table: bool = True) -> str:
    """`value` as a code span, on one line. Markdown has no empty code span: an empty value is shown as
    the two backticks that would hold it."""
    raw = _one_line(value)
    if not raw:
        return "``"
    if in_table:
        raw = raw.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", raw)), default=0)
    fence = "`" * (longest + 1)
    # A span loses one space at each end when it has one at both; a span that starts or ends with a
    # backtick needs the space to keep it off the fence.
    pad = " " if raw.strip() and ("`" in raw or raw[0] == " " or raw[-1] == " ") else ""
    return f"{fence}{pad}{raw}{pad}{fence}"


def code_spans(value: Any) -> list[tuple[str, bool]]:
    """A prose text cut into (text, is code) pieces, in order: each `ticked` span is one code piece."""
    pieces = _TICKED.split("" if value is None else str(value))
    return [(piece, i % 2 == 1) for i, piece in enumerate(pieces) if piece]


def _prose(value: Any, in_table: bool, brackets: bool) -> str:
    spans = code_spans(_one_line(value).strip())
    return "".join(code(piece, in_table=in_table) if is_code else _escape(piece, brackets=brackets)
                   for piece, is_code in spans)


def prose(value: Any, *, in_table: bool = True) -> str:
    """A prose text, its `ticked` spans as code spans and everything else literal: on one line,
    surrounding spaces dropped."""
    return _block_safe(_prose(value, in_table, brackets=False))


def link(label: Any, url: str, *, in_table: bool = True) -> str:
    """A link whose text is `label` as prose; a bracket of the label would end the text early."""
    # In the <...> form a destination may hold spaces and parentheses; only its delimiters and a
    # backslash (an escape there too) must go.
    target = _one_line(url).replace("\\", "%5C").replace("<", "%3C").replace(">", "%3E")
    return f"[{_prose(label, in_table, brackets=True)}](<{target}>)"


__all__ = ["code", "code_spans", "link", "prose", "text"]
