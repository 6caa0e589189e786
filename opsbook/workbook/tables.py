"""Table building: the typed table under a header found by ``headers.find_header``.

Teams leave blank rows in the middle and a 合計 row at the end.  ``build_table`` returns a
``Table`` whose DataFrame index is the worksheet row number, so every value keeps its place.
An Excel table on the sheet (its xl/tables part) is authoritative for the range and the totals
row; merged cells over data rows give their value to every row they cover; 合計/小計 rows
(also prefixed: 2026年小計) are not records.  Header finding lives in ``headers``, logs over
several sheets in ``logs``; both are re-exported here for the callers that import them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..coerce import EPOCH_1900, EPOCH_1904, PARSERS, blank_mask, parse_dates, placeholder_mask
from ..text import fold, regex_flags
from .cells import column_letter
from .headers import HeaderMatch, _merges_in_grid, find_header, match_headers
from .layoutrows import not_record_rows, resolve_years, skipped_row_lists, title_year
from .reader import SheetValues
from .specs import TableSpec

__all__ = ["HeaderMatch", "SourceColumn", "Table", "build_table", "find_header", "match_headers"]

TOTAL_WORDS = frozenset(
    fold(w) for w in ("合計", "總計", "小計", "合計:", "total", "totals", "sum")
)
# A totals label as written in the first columns, folded (Simplified, no spaces, lower case):
# the word alone or after a period such as 2026年, 十月, Q3, 本月, 第三季度, 上半年.
_TOTAL_LABEL = re.compile(
    r"^[0-9一二三四五六七八九十〇零年月日季度周第q上下半全本当期\-/.()]*"
    r"(?:合计|总计|小计|汇总|总结|subtotal|total|totals|sum|grandtotal)[:]?$"
)
# Every totals label, in any script, width or case, ends in one of these words (a space may
# stand between the two characters: 「總 計」, spaced out to fill a printed cell).
_TOTAL_END = (
    r"(?:[合總总小]\s*[計计]|[彙汇匯]\s*[總总]|[總总]\s*[結结]"
    r"|[ＴTt][ＯOo][ＴTt][ＡAa][ＬLl][ＳSs]?|[ＳSs][ＵUu][ＭMm])[:：]?\s*$"
)
PICTURE = "[圖片]"  # how an in-cell picture shows in messages and the violations sheet


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
    # Merged ranges per sheet: int array of (first_row, first_col, last_row, last_col) with
    # 1-based rows and 0-based columns, for putting marks on a merge's top-left cell.
    merges: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    header_rows: int = 1  # 2 for a grouped header (header_row is its last row)
    part: str | None = None  # the Excel table (ListObject) the rows come from
    # A log kept over several same-header sheets (one per month …) is one table: its index is
    # then sheet_number * ROW_BASE + worksheet row (the first sheet's ids are its rows), and
    # ``letters`` gives each later sheet's column letters (columns may move between sheets).
    sheets: tuple[str, ...] = ()
    letters: dict[str, dict[str, str]] = field(default_factory=dict, repr=False, compare=False)
    # How the sheet was read, for `validate --explain` and the report: the date system, where
    # each year came from, the rows skipped and why.
    reading: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def label(self) -> str:
        """The sheet, or the sheets of a log read as one (2026年9月、2026年10月)."""
        return "、".join(self.sheets) if len(self.sheets) > 1 else self.sheet

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


def build_table(
    sheet: SheetValues, header: HeaderMatch, default_year: int, year: int | None = None
) -> Table:
    """Typed table under a header: merged values spread over the rows they cover, blank,
    totals, repeated-header, translation and note rows dropped, rows past an Excel table's
    range left out, "not applicable" marks read as blank, values coerced (dates in the
    workbook's date system; a date without a year takes ``year`` when the settings pin one,
    else the year the sheet's name or title names, its neighbours' or ``default_year``)."""
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
    start = header.row_offset + header.header_rows  # grid row of the first record
    stop = len(grid)
    part = header.part
    if part is not None:  # the table's range is authoritative: rows below it are not records
        stop = min(stop, part.last_row - sheet.origin_row + 1)
    body = grid.iloc[start:stop]
    first_row = sheet.origin_row + start + 1  # 1-based worksheet row of body[0]
    index = pd.RangeIndex(first_row, first_row + len(body), name="row")
    keys = list(columns)
    # Raw columns keep the reader's dtype (Arrow strings from fastexcel): no Python object
    # per cell, which is most of the memory of a big sheet.
    raw = pd.DataFrame(
        {
            k: pd.Series(body.iloc[:, header.found[k][0]].array, index=index)
            if header.found[k][0] < body.shape[1]
            else pd.Series(None, index=index, dtype=object)
            for k in keys
        },
        index=index,
    )
    merges = _merges_in_grid(sheet)
    banners = pd.Series(False, index=index)
    if len(merges) and len(raw):
        cols = {k: header.found[k][0] for k in keys}
        banners = _banner_rows(raw, merges, cols, start, stop, sheet)
        _spread_merges(raw, grid, merges, cols, start, stop, sheet)
    pictures = _picture_rows(
        sheet, raw, {k: header.found[k][0] for k in keys if spec.column(k).type == "bool"}
    )
    for key, rows in pictures.items():
        raw[key] = raw[key].astype(object)
        raw.loc[rows, key] = PICTURE
    for key in keys:  # "not applicable" (/, —, N/A, 不適用 …) is a blank (WORKBOOKS.md)
        column = spec.column(key)
        marks = placeholder_mask(raw[key], yes_no=column.type == "bool", keeps=column.keeps)
        if marks.any():
            raw[key] = raw[key].astype(object).mask(marks, None)
    blanks = pd.DataFrame({k: blank_mask(raw[k]) for k in keys}, index=index)
    blank_rows = blanks.all(axis=1) if keys else pd.Series(True, index=index)
    totals = _totals_rows(body, index)
    if keys:
        # A totals label outside the first columns (the columns reordered) is a totals row
        # when the row holds at most one of the required values besides it.
        required = [k for k in spec.required if k in keys]
        anywhere = _totals_rows(body, index, columns=range(3, body.shape[1]))
        totals |= anywhere & ((~blanks[required]).sum(axis=1) <= 1 if required else anywhere)
    if part is not None and part.totals_rows:
        totals |= pd.Series(index >= part.last_row + 2 - part.totals_rows, index=index)
    layout = not_record_rows(raw, blanks, spec, columns)
    layout_any = layout.any(axis=1) & ~blank_rows & ~totals & ~banners
    keep = ~blank_rows & ~totals & ~banners & ~layout_any
    raw, blanks = raw[keep], blanks[keep]

    epoch = EPOCH_1904 if sheet.date1904 else EPOCH_1900
    named_year = year if year is not None else title_year(sheet, header)
    years: dict[str, str] = {}
    data = {}
    bad_cells = []
    for key in keys:
        kind = spec.column(key).type
        if kind in ("date", "datetime"):
            typed, unreadable = parse_dates(raw[key], named_year or default_year, epoch)
            typed, unreadable, years[key] = resolve_years(
                raw[key], typed, unreadable, named_year, year is not None, default_year
            )
        else:
            typed, unreadable = PARSERS[kind](raw[key], default_year)
        if key in pictures:  # an in-cell picture in a 是/否 column says 是
            shown = raw.index.isin(pictures[key])
            typed = typed.mask(shown, True)
            unreadable = unreadable & ~shown
        data[key] = typed
        if unreadable.any():
            bad_cells.append(pd.DataFrame({"row": unreadable.index[unreadable], "key": key}))
    unreadable_frame = (
        pd.concat(bad_cells, ignore_index=True)
        if bad_cells
        else pd.DataFrame({"row": pd.Series(dtype="int64"), "key": pd.Series(dtype="object")})
    )
    worksheet_merges = np.asarray(sheet.merges, dtype=np.int64).reshape(-1, 4) + np.array(
        [1, 0, 1, 0]
    )
    return Table(
        spec=spec,
        sheet=sheet.name,
        header_row=sheet.origin_row + header.row_offset + header.header_rows,
        columns=columns,
        data=pd.DataFrame(data, index=raw.index),
        raw=raw,
        unreadable=unreadable_frame,
        extra_headers=extra,
        skipped_rows={
            "blank": int(blank_rows.sum()),
            "totals": int((totals & ~blank_rows).sum()),
            **({"sections": int((banners & ~totals).sum())} if banners.any() else {}),
            **{
                reason: int((layout[reason] & layout_any).sum())
                for reason in layout.columns
                if (layout[reason] & layout_any).any()
            },
        },
        blanks=blanks,
        merges={sheet.name: worksheet_merges} if len(worksheet_merges) else {},
        header_rows=header.header_rows,
        part=part.name if part is not None else None,
        reading={
            "header_rows": list(
                range(
                    sheet.origin_row + header.row_offset + 1,
                    sheet.origin_row + header.row_offset + header.header_rows + 1,
                )
            ),
            "columns": {k: {"header": c.header, "column": c.letter} for k, c in columns.items()},
            "date_system": 1904 if sheet.date1904 else 1900,
            "years": {k: v for k, v in years.items() if v},
            "skipped": skipped_row_lists(
                {"blank": blank_rows, "totals": totals & ~blank_rows, "sections": banners}
                | {r: layout[r] & layout_any for r in layout.columns}
            ),
        },
    )


def _spread_merges(
    raw: pd.DataFrame,
    grid: pd.DataFrame,
    merges: np.ndarray,
    cols: dict[str, int],
    start: int,
    stop: int,
    sheet: SheetValues,
) -> None:
    """Give every cell of a merge over data rows its top-left value (vectorised per column:
    the covered rows of all merges at once).  A merge that starts in the header is the
    header's, not the data's."""
    inside = merges[(merges[:, 0] >= start) & (merges[:, 0] < stop) & (merges[:, 2] > merges[:, 0])]
    for key, col in cols.items():
        m = inside[(inside[:, 1] <= col) & (inside[:, 3] >= col)]
        if not len(m):
            continue
        r1, c1, r2 = m[:, 0], m[:, 1], np.minimum(m[:, 2], stop - 1)
        spans = r2 - r1  # rows covered below each top-left cell
        ok = (spans > 0) & (c1 < grid.shape[1])
        r1, c1, spans = r1[ok], c1[ok], spans[ok]
        if not len(r1):
            continue
        source = np.empty(len(r1), dtype=object)
        for c in np.unique(c1):  # the top-left cells' column (the merged column itself, mostly)
            source[c1 == c] = grid.iloc[:, int(c)].to_numpy(dtype=object)[r1[c1 == c]]
        offsets = np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
        covered = np.repeat(r1, spans) + offsets + 1  # grid rows under each top-left cell
        rows = covered + sheet.origin_row + 1  # worksheet rows (the raw index)
        raw[key] = raw[key].astype(object)
        raw.loc[rows, key] = np.repeat(source, spans)


def _banner_rows(
    raw: pd.DataFrame,
    merges: np.ndarray,
    cols: dict[str, int],
    start: int,
    stop: int,
    sheet: SheetValues,
) -> pd.Series:
    """Section rows: one cell merged across the row from the table's first column over at
    least half of its columns (2026年10月, 第二組) with nothing else in the row.  A heading
    between records, not a record."""
    flags = pd.Series(False, index=raw.index)
    if len(cols) < 3:
        return flags
    positions = np.array(sorted(cols.values()))
    one_row = merges[
        (merges[:, 0] == merges[:, 2])
        & (merges[:, 0] >= start)
        & (merges[:, 0] < stop)
        & (merges[:, 1] <= positions[0])
    ]
    if not len(one_row):
        return flags
    spanned = (
        (positions[None, :] >= one_row[:, 1:2]) & (positions[None, :] <= one_row[:, 3:4])
    ).sum(axis=1)
    wide = one_row[spanned * 2 >= len(positions)]
    if not len(wide):
        return flags
    rows = wide[:, 0] + sheet.origin_row + 1
    filled = pd.DataFrame({k: ~blank_mask(raw[k]) for k in cols}, index=raw.index).loc[rows]
    at = np.array(list(cols.values()))  # in the order of ``filled``'s columns
    outside = (at[None, :] < wide[:, 1:2]) | (at[None, :] > wide[:, 3:4])
    alone = ~(filled.to_numpy() & outside).any(axis=1)
    flags.loc[rows[alone]] = True
    return flags


def _picture_rows(
    sheet: SheetValues, raw: pd.DataFrame, cols: dict[str, int]
) -> dict[str, np.ndarray]:
    """Worksheet rows holding an in-cell picture, per 是/否 column."""
    if not sheet.pictures or not cols:
        return {}
    cells = np.array(sorted(sheet.pictures), dtype=np.int64).reshape(-1, 2)
    out = {}
    for key, col in cols.items():
        rows = cells[cells[:, 1] == col + sheet.origin_col, 0] + 1
        rows = rows[np.isin(rows, raw.index)]
        if len(rows):
            out[key] = rows
    return out


def _totals_rows(body: pd.DataFrame, index: pd.Index, columns=None) -> pd.Series:
    """True for a totals or subtotal row: one of its first three cells (or of ``columns``)
    is only a totals word (合計, 總計, 小計, 汇总, 總結, total …), alone or after a period
    (2026年小計, 十月合計)."""
    flags = pd.Series(False, index=index)
    for c in columns if columns is not None else range(min(3, body.shape[1])):
        codes, uniques = pd.factorize(body.iloc[:, c], use_na_sentinel=True)
        # An ID or name column has tens of thousands of distinct values: only those with a
        # character of a totals word (one vectorised match) are folded and looked up.
        # Arrow's regex over the distinct values (a Python regex per value took seconds on
        # 100k-row sheets).
        text = pd.Series(uniques)
        candidates = pd.Series(regex_flags(text, _TOTAL_END)) & pd.Series(
            regex_flags(text, r"^[\s\S]{1,16}$")
        )
        is_total = np.zeros(len(uniques), dtype=bool)
        for i in np.flatnonzero(candidates.to_numpy(dtype=bool)).tolist():
            is_total[i] = isinstance(uniques[i], str) and _is_total_label(uniques[i])
        if is_total.any():
            hit = is_total.take(codes.clip(min=0)) & (codes >= 0)
            flags |= pd.Series(hit, index=index)
    return flags


def _is_total_label(text: str) -> bool:
    folded = fold(text).rstrip(":")
    return folded in TOTAL_WORDS or bool(_TOTAL_LABEL.match(folded))


# The record-table test -----------------------------------------------------------------

# A type's name in either language, for the reason not_records gives.
_TYPE_WORDS = {
    "date": ("日期", "dates"),
    "datetime": ("日期", "dates"),
    "number": ("數字", "numbers"),
}


def not_records(table: Table) -> tuple | None:
    """Why a table whose header words match is still no record table (a printed summary,
    a pivot: per-month counts under 檢查日期), or None.  The why is the detail of a
    Skip.NOT_RECORDS record: (header, filled, unreadable, type zh, type en, example), put
    into words in the output language by ``messages.SKIPS``.  The required date and number
    columns must hold mostly values of their type: at most half of the filled cells of such a
    column may be unreadable ("4月" is a month label, not a date)."""
    if not len(table):
        return None
    bad = table.unreadable.groupby("key").size() if len(table.unreadable) else pd.Series(dtype=int)
    for key in table.spec.required:
        kind = table.spec.column(key).type
        if kind not in _TYPE_WORDS or key not in table.columns:
            continue
        filled = int((~table.blanks[key]).sum()) if table.blanks is not None else len(table)
        unreadable = int(bad.get(key, 0))
        if filled and unreadable * 2 > filled:
            rows = table.unreadable.loc[table.unreadable["key"] == key, "row"]
            example = table.raw.at[int(rows.iloc[0]), key]
            return (table.header(key), filled, unreadable, *_TYPE_WORDS[kind], example)
    return None
