"""Reads one page of the official docs (YFM Markdown): headings, sections, `#| ... |#` tables, JSON examples.

Only what `spec drift` compares is read; the rest of the page is ignored, so prose edits upstream do
not show up as drift.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_HEADING = re.compile(r"^(#{1,6}) +(.*?)[ \t]*$", re.M)
_ANCHOR = re.compile(r"\s*\{#[^}]*\}\s*$")
_TABLE = re.compile(r"^#\|\s*$(.*?)^\|#\s*$", re.M | re.S)
_ROW = re.compile(r"\|\|(.*?)\|\|", re.S)
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_TICKED = re.compile(r"`([^`]+)`")
_JSON = re.compile(r"```json[ \t]*\n(.*?)```", re.S)


def heading_text(raw: str) -> str:
    """A heading without its YFM custom anchor (`{#fields}`)."""
    return _ANCHOR.sub("", raw).strip()


@dataclass(frozen=True)
class Page:
    path: str
    text: str

    def headings(self) -> list[str]:
        return [heading_text(m.group(2)) for m in _HEADING.finditer(self._outside_code())]

    def _outside_code(self) -> str:
        # '#' comment lines inside fenced code are not headings; blanking keeps every offset in place.
        return re.sub(r"```.*?```", lambda m: re.sub(r"[^\n]", " ", m.group(0)), self.text, flags=re.S)

    def section(self, heading: str) -> str | None:
        """The text under `heading` up to the next heading of the same or a higher level (None if absent)."""
        plain = self._outside_code()
        found = [m for m in _HEADING.finditer(plain)]
        for i, m in enumerate(found):
            if heading_text(m.group(2)) != heading:
                continue
            level = len(m.group(1))
            end = next((n.start() for n in found[i + 1:] if len(n.group(1)) <= level), len(self.text))
            return self.text[m.end():end]
        return None


def tables(section: str) -> list[list[list[str]]]:
    """Every `#| ... |#` table of a section: rows of cells (the header row included)."""
    result = []
    for body in _TABLE.findall(section):
        rows = [[cell.strip() for cell in _CELL_SPLIT.split(row)] for row in _ROW.findall(body)]
        result.append(rows)
    return result


def ticked(cell: str) -> list[str]:
    """The `backticked` strings of a table cell, in order."""
    return _TICKED.findall(cell)


def starred_names(section: str) -> list[str]:
    """Field names a parameter table marks as required: a bold name followed by `*`."""
    names = []
    for table in tables(section):
        for row in table[1:]:
            m = re.match(r"\*\*([A-Za-z_][A-Za-z0-9_]*)\*\*(\*)?", row[0])
            if m and m.group(2):
                names.append(m.group(1))
    return names


def table_names(section: str) -> list[str]:
    """Field names of a parameter table, starred or not."""
    names = []
    for table in tables(section):
        for row in table[1:]:
            m = re.match(r"\*\*([A-Za-z_][A-Za-z0-9_]*)\*\*", row[0])
            if m:
                names.append(m.group(1))
    return names


_LINE_COMMENT = re.compile(r"^\s*//.*$", re.M)
_TRAILING_COMMA = re.compile(r",(\s*[\]}])")


def json_examples(section: str) -> list[Any]:
    """The ```json blocks of a section that parse as JSON, read as the pages write them: a `// ...` line
    standing for elided items and the comma left before it are dropped. Fragments that are not JSON
    at all (`fields: {...}`) are skipped."""
    found = []
    for block in _JSON.findall(section):
        for text in (block, _TRAILING_COMMA.sub(r"\1", _LINE_COMMENT.sub("", block))):
            try:
                found.append(json.loads(text))
                break
            except json.JSONDecodeError:
                continue
    return found


def json_block_count(section: str) -> int:
    """How many ```json blocks a section has, readable or not."""
    return len(_JSON.findall(section))
