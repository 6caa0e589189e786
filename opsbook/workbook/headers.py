"""Header finding: which rows of a sheet are a known table's header, and which column is which.

Teams put a title (often merged across the top), notes or blank rows above the header, add
their own columns and type headers in Traditional, Simplified or English.  Every row near the
top (and every pair of rows: a grouped header puts a merged group cell such as 審核 above its
sub-headers 審核人 / 審核時間) is scored against every known table's aliases; the best whose
required columns are all there wins.  An Excel table on the sheet (its xl/tables part) is
authoritative for where the header is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from ..text import fold, fold_header
from .reader import SheetValues, TablePart
from .specs import TABLES, TableSpec

# Sub-headers that say nothing alone: under a group cell (總經理確認 above 簽字) the group
# word names the column.
_GENERIC_SUBS = frozenset(fold(w) for w in ("人", "姓名", "簽字", "簽名", "名字", "確認人", "簽認"))


@cache
def _alias_index(spec: TableSpec) -> dict[str, str]:
    index: dict[str, str] = {}
    for column in spec.columns:
        for alias in column.aliases:
            for form in fold_header(alias):
                index.setdefault(form, column.key)
    return index


def match_headers(cells: list, spec: TableSpec) -> dict[str, tuple[int, str]]:
    """key → (column index, header as written) for the cells of one candidate header row.
    A cell may be a tuple of alternatives (a grouped header's 審核+日期, then 日期), tried
    in order; the first that names a column not yet found wins."""
    aliases = _alias_index(spec)
    found: dict[str, tuple[int, str]] = {}
    for i, cell in enumerate(cells):
        for text in cell if isinstance(cell, tuple) else (cell,):
            if not isinstance(text, str) or not text.strip():
                continue
            key, written = _named(text, aliases)
            if key and key not in found:
                found[key] = (i, written)
                break
    return found


_MARKS = re.compile(r"^[*＊\s]+|[:：*＊\s]+$")


def _named(text: str, aliases: dict[str, str]) -> tuple[str | None, str]:
    """The key a header cell names, and the header as shown.  The whole cell first (a name
    broken over two lines: 發布\n日期), then each of its lines: a bilingual cell (姓名\nName)
    names the column on every line, and is shown by the line that matched."""
    # Shown without the marks a team puts around a header (*發布日期, 審核人：), which are
    # not part of its name.
    whole = _MARKS.sub("", re.sub(r"\s*\n\s*", "", text.strip())) or text.strip()
    key = next((aliases[f] for f in fold_header(text) if f in aliases), None)
    if key or "\n" not in text.strip():
        return key, whole
    for line in text.strip().splitlines():
        key = next((aliases[f] for f in fold_header(line) if f in aliases), None)
        if key:
            return key, _MARKS.sub("", line.strip()) or line.strip()
    return None, whole


@dataclass(frozen=True)
class HeaderMatch:
    spec: TableSpec
    row_offset: int  # index into SheetValues rows of the header's first row
    found: dict
    header_rows: int = 1  # 2: a group row above the sub-headers
    part: TablePart | None = None  # the Excel table whose header this is


def _merges_in_grid(sheet: SheetValues) -> np.ndarray:
    """The sheet's merges in grid coordinates (0-based, relative to the grid's origin)."""
    if not sheet.merges:
        return np.zeros((0, 4), dtype=np.int64)
    m = np.asarray(sheet.merges, dtype=np.int64)
    return m - np.array([sheet.origin_row, sheet.origin_col, sheet.origin_row, sheet.origin_col])


def _filled_row(rows: list[list], r: int, merges: np.ndarray) -> list:
    """Row ``r`` of the head with each merged cell showing its merge's top-left value."""
    cells = list(rows[r])
    for r1, c1, _r2, c2 in merges[(merges[:, 0] <= r) & (merges[:, 2] >= r)].tolist():
        if 0 <= r1 < len(rows) and 0 <= c1 < len(rows[r1]):
            value = rows[r1][c1]
            for c in range(max(c1, 0), min(c2 + 1, len(cells))):
                cells[c] = value
    return cells


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _grouped_cells(rows: list[list], r: int, merges: np.ndarray) -> list:
    """The header alternatives of a two-row header (group row r above sub-header row r+1),
    column by column: group+sub, then sub, then (for a sub-header that says nothing alone,
    or none) the group word."""
    width = max(len(rows[r]), len(rows[r + 1]))
    top = _filled_row(rows, r, merges) + [None] * (width - len(rows[r]))
    bottom = _filled_row(rows, r + 1, merges) + [None] * (width - len(rows[r + 1]))
    raw_top = list(rows[r]) + [None] * (width - len(rows[r]))
    raw_bottom = list(rows[r + 1]) + [None] * (width - len(rows[r + 1]))
    # A group cell typed once and not merged (or a range read from live Excel, which gives no
    # merges): it spans the blank cells to its right that have a sub-header, when it has a
    # sub-header itself.  Cells inside a merge keep the merge's value.
    covered = np.zeros(width, dtype=bool)
    for _r1, c1, _r2, c2 in merges[(merges[:, 0] <= r) & (merges[:, 2] >= r)].tolist():
        covered[max(c1, 0) : max(c2 + 1, 0)] = True
    group = None
    for c in range(width):
        if covered[c]:
            group = None
        elif _text(raw_top[c]):
            group = raw_top[c] if _text(raw_bottom[c]) else None
        elif group is not None and _text(raw_bottom[c]):
            top[c] = group
        else:
            group = None
    cells: list[tuple[str, ...] | None] = []
    for c in range(width):
        g, sub = _text(top[c]), _text(bottom[c])
        vertical = sub and not _text(raw_bottom[c]) and sub == g  # one merge down both rows
        if not sub or vertical:
            cells.append((g,) if g else None)
        elif not g:
            cells.append((sub,))
        else:
            alts = (g + sub, sub)
            cells.append(alts + (g,) if fold(sub) in _GENERIC_SUBS else alts)
    return cells


def find_header(
    sheet: SheetValues, specs: Sequence[TableSpec] = TABLES, scan_rows: int = 30
) -> HeaderMatch | None:
    """The best (table, header rows) for a sheet, or None when it holds no known table.

    An Excel table on the sheet decides where the header is.  Otherwise every row near the
    top is a candidate, and so is every pair of rows read as a grouped header; most columns
    matched wins, then the sheet's name, then one header row over two, then the earlier row."""
    rows = sheet.head(scan_rows + 1)
    merges = _merges_in_grid(sheet)
    part_match = _part_header(sheet, specs, rows)
    if part_match is not None:
        return part_match
    best: tuple | None = None
    match: HeaderMatch | None = None
    sheet_name = fold(sheet.name)
    for offset in range(min(scan_rows, len(rows))):
        cells = rows[offset]
        if not any(isinstance(c, str) and c.strip() for c in cells):
            continue
        candidates = [(1, cells)]
        if offset + 1 < len(rows) and _could_be_sub_headers(rows[offset + 1]):
            candidates.append((2, _grouped_cells(rows, offset, merges)))
        for header_rows, row_cells in candidates:
            for spec in specs:
                found = match_headers(row_cells, spec)
                if not all(k in found for k in spec.required):
                    continue
                named = any(fold(n) == sheet_name for n in spec.sheet_names)
                score = (len(found) + (0.5 if named else 0.0), -header_rows, -offset)
                if best is None or score > best:
                    best, match = score, HeaderMatch(spec, offset, found, header_rows)
    return match


_DATA_LIKE = re.compile(r"^[\d\s.,:/\-+年月日時时分秒T]+$")


def _could_be_sub_headers(cells: list) -> bool:
    """A row that may hold sub-headers: some text, and no number, date or time (a data row
    has them: its date, its fee).  A first record whose 備註 happens to say 編輯 is no header."""
    texts = [c for c in cells if c is not None and not (isinstance(c, str) and not c.strip())]
    return bool(texts) and all(
        isinstance(c, str) and not _DATA_LIKE.match(c.strip()) for c in texts
    )


def _part_header(sheet: SheetValues, specs, rows: list[list]) -> HeaderMatch | None:
    """The header of an Excel table on the sheet, when it names a known table."""
    best = None
    for part in sheet.tables:
        offset = part.first_row - sheet.origin_row
        if part.header_rows < 1 or not 0 <= offset < len(sheet):
            continue
        if offset >= len(rows):  # a table further down than the header scan: read to its header
            rows = sheet.head(offset + 2)
        first, last = part.first_col - sheet.origin_col, part.last_col - sheet.origin_col
        cells = [c if first <= i <= last else None for i, c in enumerate(rows[offset])]
        candidates = [(offset, 1, cells)]
        if offset >= 1 and any(_text(c) for c in rows[offset - 1][first : last + 1]):
            # A group row above the table's header (審核 over 審核人 / 日期), outside the table.
            grouped = _grouped_cells(rows, offset - 1, _merges_in_grid(sheet))
            candidates.append(
                (offset - 1, 2, [c if first <= i <= last else None for i, c in enumerate(grouped)])
            )
        for spec in specs:
            for start, header_rows, row_cells in candidates:
                found = match_headers(row_cells, spec)
                if all(k in found for k in spec.required) and (
                    best is None or len(found) > len(best.found)
                ):
                    best = HeaderMatch(spec, start, found, header_rows, part)
    return best
