"""Pinning how a sheet is read: `[tables."Sheet name"]` in opsbook.toml.

Where opsbook guessed (which row is the header, which column is a key, the year of dates
typed without one), a user fixes a misread in one line of settings instead of waiting for a
release (issue 26; docs/workbooks-contract.md):

    [tables."2025年發布記錄"]
    header_row = 4                 # the worksheet row of the header (its last row if two)
    year = 2025                    # the year of dates typed without one
    columns = { published_at = "D", reviewer = "審核人（簽字）" }   # a letter or a header

The settings are checked when they are loaded (``config.check_pins``), so a typo is one clear line.
"""

from __future__ import annotations

import re

from ..text import fold, fold_header
from .cells import column_index
from .headers import HeaderMatch, find_header, match_headers
from .reader import SheetValues
from .specs import TableSpec

_LETTERS = re.compile(r"^[A-Z]{1,3}$")


def pinned_header(
    sheet: SheetValues, specs: tuple[TableSpec, ...], scan_rows: int, pins: dict | None
) -> HeaderMatch | None:
    """``find_header``, then what the settings pin for this sheet: the header row (only that
    row is matched) and the column of a key (by letter, or by its header as written)."""
    if not pins:
        return find_header(sheet, specs, scan_rows)
    match = None
    if "header_row" in pins:
        offset = pins["header_row"] - 1 - sheet.origin_row
        rows = sheet.head(offset + 1)
        if 0 <= offset < len(rows):
            cells = rows[offset]
            best = None
            for spec in specs:
                found = match_headers(cells, spec)
                if best is None or len(found) > len(best.found):
                    best = HeaderMatch(spec, offset, found)
            match = best
    else:
        match = find_header(sheet, specs, scan_rows)
    if match is None or not pins.get("columns"):
        return match
    cells = sheet.head(match.row_offset + 1)[match.row_offset]
    found = dict(match.found)
    for key, where in pins["columns"].items():
        match.spec.column(key)  # an unknown key: KeyError, reported by the caller
        index = _column_of(where.strip(), cells, sheet.origin_col)
        if index is not None:
            found = {k: v for k, v in found.items() if v[0] != index}
            text = cells[index] if index < len(cells) and isinstance(cells[index], str) else where
            found[key] = (index, str(text).strip())
    return HeaderMatch(match.spec, match.row_offset, found, match.header_rows, match.part)


def _column_of(where: str, cells: list, origin_col: int) -> int | None:
    """A column letter (D) or a header as written, as an index into the header row."""
    if _LETTERS.match(where):
        return column_index(where) - origin_col
    wanted = set(fold_header(where)) | {fold(where)}
    for i, cell in enumerate(cells):
        if isinstance(cell, str) and wanted & set(fold_header(cell)):
            return i
    return None
