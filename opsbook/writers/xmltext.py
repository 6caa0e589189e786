"""Text for XML we write ourselves."""

from __future__ import annotations

import re
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Excel's limit on the text of one cell (and of a note): 32,767 characters
# (https://support.microsoft.com/en-us/office/excel-specifications-and-limits-1672b34d-7043-467e-8e27-269d656771c3).
CELL_TEXT_MAX = 32_767
TRUNCATED = "…【opsbook：文字過長，已截斷】"
_ESCAPE_LIKE = re.compile("_(x[0-9A-Fa-f]{4}_)")


@lru_cache(maxsize=65536)  # a violations sheet repeats its sheet names, clauses and rules
def text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


def attr(value: str) -> str:
    return quoteattr(_ILLEGAL.sub("", value))


def clipped(value: str, limit: int = CELL_TEXT_MAX) -> str:
    """``value`` cut to ``limit`` characters as Excel counts them (UTF-16 code units), the
    cut marked with TRUNCATED."""
    if len(value) * 2 <= limit or len(value.encode("utf-16-le")) // 2 <= limit:
        return value
    keep = max(limit - len(TRUNCATED), 0)
    head = value.encode("utf-16-le")[: keep * 2].decode("utf-16-le", "ignore")
    return head + TRUNCATED


def ooxml_escaped(value: str) -> str:
    """Text as a cell or note stores it (ST_Xstring, ECMA-376 Part 1 §22.9.2.19): a literal
    ``_xHHHH_`` is written ``_x005F_xHHHH_`` and a control character XML cannot hold
    ``_xHHHH_``, so every reader (Excel, calamine, openpyxl) reads back what was meant."""
    value = _ESCAPE_LIKE.sub(r"_x005F_\1", value)
    return _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


@lru_cache(maxsize=65536)
def cell_text(value: str) -> str:
    """A cell's text for an inline string: at most Excel's 32,767 characters (marked when
    cut), ST_Xstring-escaped, XML-escaped."""
    return escape(ooxml_escaped(clipped(value)))
