"""The table finder: where a sheet's table starts, which column is which, and typed values.

Teams put a title (often merged across the top), notes or blank rows above the header, add
their own columns, type headers in Traditional, Simplified or English, leave blank rows in the
middle and a 合計 row at the end.  The finder scores every row near the top against every
known table's aliases, keeps the best row whose required columns are all there, and returns a
``Table`` whose DataFrame index is the worksheet row number, so every value keeps its place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from ..coerce import PARSERS, blank_mask
from ..text import fold, fold_header
from .cells import column_letter
from .reader import SheetValues
from .specs import TABLES, TableSpec

TOTAL_WORDS = frozenset(fold(w) for w in ("合計", "總計", "小計", "合計:", "total", "totals", "sum"))
# Every totals word, in any width or case, has one of these characters.
_TOTAL_HINT = r"[計计TtＴｔSsＳｓ]"


@dataclass(frozen=True)
class SourceColumn:
    key: str
    header: str  # the header exactly as written in the sheet
    index: int  # 0-based worksheet column
    letter: str


@dataclass
class Table:
    """One recognised table.  ``data`` holds typed values (index = worksheet row, 1-based),
    ``raw`` the values as read, ``unreadable`` the (row, key) cells that could not be read."""

    spec: TableSpec
    sheet: str
    header_row: int
    columns: dict[str, SourceColumn]
    data: pd.DataFrame
    raw: pd.DataFrame
    unreadable: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["row", "key"]))
    extra_headers: tuple[str, ...] = ()
    skipped_rows: dict[str, int] = field(default_factory=dict)
    blanks: pd.DataFrame | None = None  # True where a cell is empty as written, per key
    # Folded text columns (opsbook.catalog.base.folded): several rules and the summaries
    # compare the same customer or platform column, which is folded once.
    folded: dict[str, pd.Series] = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.spec.name

    def has(self, *keys: str) -> bool:
        return all(k in self.columns for k in keys)

    def missing(self, *keys: str) -> list[str]:
        return [k for k in keys if k not in self.columns]

    def header(self, key: str) -> str:
        return self.columns[key].header

    def __len__(self) -> int:
        return len(self.data)


@cache
def _alias_index(spec: TableSpec) -> dict[str, str]:
    index: dict[str, str] = {}
    for column in spec.columns:
        for alias in column.aliases:
            for form in fold_header(alias):
                index.setdefault(form, column.key)
    return index


def match_headers(cells: list, spec: TableSpec) -> dict[str, tuple[int, str]]:
    """key → (column index, header as written) for the cells of one candidate header row."""
    aliases = _alias_index(spec)
    found: dict[str, tuple[int, str]] = {}
    for i, cell in enumerate(cells):
        if not isinstance(cell, str) or not cell.strip():
            continue
        for form in fold_header(cell):
            key = aliases.get(form)
            if key and key not in found:
                found[key] = (i, cell.strip())
                break
    return found


@dataclass(frozen=True)
class HeaderMatch:
    spec: TableSpec
    row_offset: int  # index into SheetValues.rows
    found: dict


def find_header(
    sheet: SheetValues, specs: tuple[TableSpec, ...] = TABLES, scan_rows: int = 30
) -> HeaderMatch | None:
    """The best (table, header row) for a sheet, or None when it holds no known table."""
    best: tuple[float, int] | None = None
    match: HeaderMatch | None = None
    sheet_name = fold(sheet.name)
    for offset, cells in enumerate(sheet.head(scan_rows)):
        if not any(isinstance(c, str) and c.strip() for c in cells):
            continue
        for spec in specs:
            found = match_headers(cells, spec)
            if not all(k in found for k in spec.required):
                continue
            named = any(fold(n) == sheet_name for n in spec.sheet_names)
            # Most columns matched wins; the sheet's name breaks ties; then the earlier row.
            score = (len(found) + (0.5 if named else 0.0), -offset)
            if best is None or score > best:
                best, match = score, HeaderMatch(spec, offset, found)
    return match


def build_table(sheet: SheetValues, header: HeaderMatch, default_year: int) -> Table:
    """Typed table under a header row: blank and totals rows dropped, values coerced."""
    spec = header.spec
    header_cells = sheet.head(header.row_offset + 1)[header.row_offset]
    columns = {
        key: SourceColumn(key, text, idx + sheet.origin_col, column_letter(idx + sheet.origin_col))
        for key, (idx, text) in header.found.items()
    }
    mapped_idx = {idx for idx, _ in header.found.values()}
    extra = tuple(
        str(c).strip()
        for i, c in enumerate(header_cells)
        if i not in mapped_idx and isinstance(c, str) and c.strip()
    )
    grid = sheet.grid()
    body = grid.iloc[header.row_offset + 1:]
    first_row = sheet.origin_row + header.row_offset + 2  # 1-based worksheet row of body[0]
    index = pd.RangeIndex(first_row, first_row + len(body), name="row")
    keys = list(columns)
    # Raw columns keep the reader's dtype (Arrow strings from fastexcel): no Python object
    # per cell, which is most of the memory of a big sheet.
    raw = pd.DataFrame({k: pd.Series(body.iloc[:, header.found[k][0]].array, index=index)
                        if header.found[k][0] < body.shape[1] else pd.Series(None, index=index, dtype=object)
                        for k in keys}, index=index)
    blanks = pd.DataFrame({k: blank_mask(raw[k]) for k in keys}, index=index)
    blank_rows = blanks.all(axis=1) if keys else pd.Series(True, index=index)
    totals = _totals_rows(body, index)
    keep = ~blank_rows & ~totals
    raw, blanks = raw[keep], blanks[keep]

    data = {}
    bad_cells = []
    for key in keys:
        typed, unreadable = PARSERS[spec.column(key).type](raw[key], default_year)
        data[key] = typed
        if unreadable.any():
            bad_cells.append(pd.DataFrame({"row": unreadable.index[unreadable], "key": key}))
    unreadable_frame = (
        pd.concat(bad_cells, ignore_index=True)
        if bad_cells
        else pd.DataFrame({"row": pd.Series(dtype="int64"), "key": pd.Series(dtype="object")})
    )
    return Table(
        spec=spec,
        sheet=sheet.name,
        header_row=sheet.origin_row + header.row_offset + 1,
        columns=columns,
        data=pd.DataFrame(data, index=raw.index),
        raw=raw,
        unreadable=unreadable_frame,
        extra_headers=extra,
        skipped_rows={"blank": int(blank_rows.sum()), "totals": int((totals & ~blank_rows).sum())},
        blanks=blanks,
    )


def _totals_rows(body: pd.DataFrame, index: pd.Index) -> pd.Series:
    """True for a 合計/總計/小計 row: one of its first three cells is only that word."""
    flags = pd.Series(False, index=index)
    for c in range(min(3, body.shape[1])):
        codes, uniques = pd.factorize(body.iloc[:, c], use_na_sentinel=True)
        # An ID or name column has tens of thousands of distinct values: only those with a
        # character of a totals word (one vectorised match) are folded and looked up.
        candidates = pd.Series(uniques).astype("str").str.contains(_TOTAL_HINT, regex=True, na=False)
        is_total = np.zeros(len(uniques), dtype=bool)
        for i in np.flatnonzero(candidates.to_numpy(dtype=bool)):
            is_total[i] = isinstance(uniques[i], str) and fold(uniques[i]).rstrip(":") in TOTAL_WORDS
        if is_total.any():
            hit = is_total.take(codes.clip(min=0)) & (codes >= 0)
            flags |= pd.Series(hit, index=index)
    return flags
