"""A1 coordinates.  Letters come from the column index the reader gave, never chr(65 + i)."""

from __future__ import annotations

import re
from functools import lru_cache

_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


@lru_cache(maxsize=16384)
def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 25 → Z, 26 → AA, 16383 → XFD)."""
    if index < 0:
        raise ValueError(index)
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """Excel letters → 0-based column index."""
    value = 0
    for ch in letters.upper():
        value = value * 26 + (ord(ch) - 64)
    return value - 1


def split_cell(ref: str) -> tuple[int, int]:
    """ "C5" → (row 5, column index 2)."""
    m = _A1.match(ref)
    if not m:
        raise ValueError(f"not an A1 cell reference: {ref!r}")
    return int(m.group(2)), column_index(m.group(1))


def quote_sheet(name: str) -> str:
    """A sheet name as it must appear in a formula or hyperlink location."""
    return "'" + name.replace("'", "''") + "'"
