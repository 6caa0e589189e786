"""The table finder: where a sheet's table starts, which column is which, and typed values.

Teams put a title (often merged across the top), notes or blank rows above the header, add
their own columns, type headers in Traditional, Simplified or English, leave blank rows in the
middle and a 合計 row at the end.  The finder scores every row near the top (and every pair
of rows: a grouped header puts a merged group cell such as 審核 above its sub-headers 審核人 /
審核時間) against every known table's aliases, keeps the best whose required columns are all
there, and returns a ``Table`` whose DataFrame index is the worksheet row number, so every
value keeps its place.  An Excel table on the sheet (its xl/tables part) is authoritative for
the header, the range and the totals row; merged cells over data rows give their value to
every row they cover; 合計/小計 rows (also prefixed: 2026年小計) are not records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import cast

import numpy as np
import pandas as pd

from ..coerce import PARSERS, blank_mask
from ..text import fold, fold_header, python_values, to_simplified
from .cells import column_index, column_letter
from .reader import SheetValues, TablePart
from .specs import TABLES, TableSpec

TOTAL_WORDS = frozenset(
    fold(w) for w in ("合計", "總計", "小計", "合計:", "total", "totals", "sum")
)
# A totals label as written in the first columns, folded (Simplified, no spaces, lower case):
# the word alone or after a period such as 2026年, 十月, Q3, 本月, 第三季度, 上半年.
_TOTAL_LABEL = re.compile(
    r"^[0-9一二三四五六七八九十〇零年月日季度周第q上下半全本当期\-/.()]*"
    r"(?:合计|总计|小计|汇总|总结|subtotal|total|totals|sum|grandtotal)[:]?$"
)
# Every totals word, in any width or case, has one of these characters.
_TOTAL_HINT = r"[計计總总結结彙汇匯TtＴｔSsＳｓ]"
# Sub-headers that say nothing alone: under a group cell (總經理確認 above 簽字) the group
# word names the column.
_GENERIC_SUBS = frozenset(fold(w) for w in ("人", "姓名", "簽字", "簽名", "名字", "確認人", "簽認"))
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
            key = next((aliases[f] for f in fold_header(text) if f in aliases), None)
            if key and key not in found:
                found[key] = (i, re.sub(r"\s*\n\s*", "", text.strip()))
                break
    return found


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
    sheet: SheetValues, specs: tuple[TableSpec, ...] = TABLES, scan_rows: int = 30
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


def build_table(sheet: SheetValues, header: HeaderMatch, default_year: int) -> Table:
    """Typed table under a header: merged values spread over the rows they cover, blank and
    totals rows dropped, rows past an Excel table's range left out, values coerced."""
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
    blanks = pd.DataFrame({k: blank_mask(raw[k]) for k in keys}, index=index)
    blank_rows = blanks.all(axis=1) if keys else pd.Series(True, index=index)
    totals = _totals_rows(body, index)
    if part is not None and part.totals_rows:
        totals |= pd.Series(index >= part.last_row + 2 - part.totals_rows, index=index)
    keep = ~blank_rows & ~totals & ~banners
    raw, blanks = raw[keep], blanks[keep]

    data = {}
    bad_cells = []
    for key in keys:
        typed, unreadable = PARSERS[spec.column(key).type](raw[key], default_year)
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
        },
        blanks=blanks,
        merges={sheet.name: worksheet_merges} if len(worksheet_merges) else {},
        header_rows=header.header_rows,
        part=part.name if part is not None else None,
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


def _totals_rows(body: pd.DataFrame, index: pd.Index) -> pd.Series:
    """True for a totals or subtotal row: one of its first three cells is only a totals word
    (合計, 總計, 小計, 汇总, 總結, total …), alone or after a period (2026年小計, 十月合計)."""
    flags = pd.Series(False, index=index)
    for c in range(min(3, body.shape[1])):
        codes, uniques = pd.factorize(body.iloc[:, c], use_na_sentinel=True)
        # An ID or name column has tens of thousands of distinct values: only those with a
        # character of a totals word (one vectorised match) are folded and looked up.
        candidates = (
            pd.Series(uniques).astype("str").str.contains(_TOTAL_HINT, regex=True, na=False)
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


# One log over several sheets ------------------------------------------------------------

ROW_BASE = (
    10_000_000  # > Excel's 1,048,576 rows: id // ROW_BASE is the sheet, id % ROW_BASE the row
)


def one_log(tables: list[Table]) -> Table:
    """Same-header tables of one kind (one sheet per month, quarter or inspector) as one
    logical table, so period and per-customer rules judge across them.  Every record keeps
    its sheet and row through its id (sheet number × ROW_BASE + row)."""
    if len(tables) == 1:
        return tables[0]
    first = tables[0]

    def shifted(frame: pd.DataFrame, n: int) -> pd.DataFrame:
        out = frame.copy(deep=False)
        out.index = pd.Index(frame.index.to_numpy(dtype=np.int64) + n * ROW_BASE, name="row")
        return out

    keys = list(first.columns)
    unreadable = pd.concat(
        [
            t.unreadable.assign(row=t.unreadable["row"].astype(np.int64) + n * ROW_BASE)
            for n, t in enumerate(tables)
        ],
        ignore_index=True,
    )
    skipped: dict[str, int] = {}
    for t in tables:
        for k, v in t.skipped_rows.items():
            skipped[k] = skipped.get(k, 0) + v
    merges: dict[str, np.ndarray] = {}
    for t in tables:
        merges.update(t.merges)
    blanks = [t.blanks for t in tables]
    return Table(
        spec=first.spec,
        sheet=first.sheet,
        header_row=first.header_row,
        columns=first.columns,
        data=pd.concat([shifted(t.data[keys], n) for n, t in enumerate(tables)]),
        raw=pd.concat([shifted(t.raw[keys], n) for n, t in enumerate(tables)]),
        unreadable=unreadable,
        extra_headers=first.extra_headers,
        skipped_rows=skipped,
        blanks=(  # known only when known for every sheet
            pd.concat([shifted(b[keys], n) for n, b in enumerate(blanks) if b is not None])
            if all(b is not None for b in blanks)
            else None
        ),
        merges=merges,
        header_rows=first.header_rows,
        part=first.part,
        sheets=tuple(t.sheet for t in tables),
        letters={t.sheet: {k: c.letter for k, c in t.columns.items()} for t in tables},
    )


def same_header_logs(tables: list[Table]) -> list[list[Table]]:
    """Tables of one kind grouped by their columns: the sheets of one log have the same."""
    groups: dict[frozenset, list[Table]] = {}
    for t in tables:
        groups.setdefault(frozenset(t.columns), []).append(t)
    return list(groups.values())


def place(frame: pd.DataFrame, table: Table, shown=lambda value: value) -> pd.DataFrame:
    """Violations of a log read over several sheets, put back on their own sheet and row.
    The rules speak in record ids; a line whose rows lie on two sheets (a week that starts
    in the September sheet and ends in the October one) becomes one line per sheet, each
    naming its own sheet, rows and cell (``shown`` turns its first cell's value into the
    report's form)."""
    if len(table.sheets) <= 1 or frame.empty:
        return frame
    f = frame.reset_index(drop=True)
    exploded = pd.DataFrame({"v": f.index, "id": f["rows"].values}).explode("id").dropna()
    if exploded.empty:
        return f
    ids = exploded["id"].to_numpy(dtype=np.int64)
    exploded = exploded.assign(n=ids // ROW_BASE, r=ids % ROW_BASE)
    # pandas-stubs allow agg only scalars per group; a tuple per group is what pandas gives
    pieces = exploded.groupby(["v", "n"], sort=True)["r"].agg(lambda r: tuple(sorted(r)))  # type: ignore[type-var]
    v = pieces.index.get_level_values("v").to_numpy()
    n = pieces.index.get_level_values("n").to_numpy()
    out = f.loc[v].reset_index(drop=True)
    own = pd.to_numeric(out["row"], errors="coerce")
    own_sheet = (own // ROW_BASE).to_numpy()
    rows = pd.Series(list(pieces.values), dtype=object)
    first = rows.map(lambda r: r[0]).to_numpy()  # one call per violation line, not per cell
    out["row"] = np.where(own_sheet == n, own.to_numpy() % ROW_BASE, first).astype(object)
    out["rows"] = rows.values
    out["sheet"] = np.asarray(table.sheets, dtype=object)[n]
    # The cell: the same column, by its letter on that sheet, on the line's row there.
    by_letter = {c.letter: k for k, c in table.columns.items()}
    letters = out["cell"].str.extract(r"^([A-Z]+)", expand=False)
    new_letters = [
        table.letters.get(sheet, {}).get(by_letter.get(letter, ""), letter)
        if isinstance(letter, str)
        else None
        for sheet, letter in zip(out["sheet"], letters)
    ]
    out["cell"] = [f"{lt}{int(r)}" if lt else None for lt, r in zip(new_letters, out["row"])]
    moved = own_sheet != n  # a piece on another sheet than the line's own row: its first value
    if moved.any():
        keys = [by_letter.get(lt) for lt in letters[moved]]
        ids_moved = n[moved] * ROW_BASE + first[moved]
        out.loc[moved, "value"] = [
            shown(table.raw.at[int(i), k]) if k else None for i, k in zip(ids_moved, keys)
        ]
    lone = f.index.difference(pd.Index(np.unique(v)))  # lines with no rows (a day without posts)
    if len(lone):
        out = pd.concat([out, f.loc[lone]], ignore_index=True)
    return out


# The record-table test -----------------------------------------------------------------

_TYPE_ZH = {"date": "日期", "datetime": "日期", "number": "數字"}


def not_records(table: Table) -> str | None:
    """Why a table whose header words match is still no record table (a printed summary,
    a pivot: per-month counts under 檢查日期), or None.  The required date and number
    columns must hold mostly values of their type: at most half of the filled cells of such a
    column may be unreadable ("4月" is a month label, not a date)."""
    if not len(table):
        return None
    bad = table.unreadable.groupby("key").size() if len(table.unreadable) else pd.Series(dtype=int)
    for key in table.spec.required:
        kind = table.spec.column(key).type
        if kind not in _TYPE_ZH or key not in table.columns:
            continue
        filled = int((~table.blanks[key]).sum()) if table.blanks is not None else len(table)
        unreadable = int(bad.get(key, 0))
        if filled and unreadable * 2 > filled:
            rows = table.unreadable.loc[table.unreadable["key"] == key, "row"]
            example = table.raw.at[int(rows.iloc[0]), key]
            return (
                f"「{table.header(key)}」欄 {filled} 個值中 {unreadable} 個不是{_TYPE_ZH[kind]}"
                f"（如「{example!s}」）：是統計表或樞紐表，不是記錄 (not a record table)"
            )
    return None


# Marks under merges --------------------------------------------------------------------


def anchor_merged(frame: pd.DataFrame, table: Table, language: str = "zh-Hant") -> pd.DataFrame:
    """Violations whose cell is hidden under a merge (not its top-left cell) are marked on
    the merge's top-left cell instead: ``cell`` and ``rows`` (what the writers mark) are
    moved, ``row`` stays the record's row and the message names it.  Vectorised: one
    sorted search per (sheet, column) over that column's merges."""
    if frame.empty or not table.merges:
        return frame
    tied = frame[frame["cell"].notna() & frame["sheet"].isin(list(table.merges))]
    if tied.empty:
        return frame
    letters = tied["cell"].str.extract(r"^([A-Z]+)", expand=False)
    marks = (
        pd.DataFrame(
            {
                "v": tied.index,
                "sheet": tied["sheet"].values,
                "letters": letters.values,
                "row": tied["rows"].values,
            }
        )
        .explode("row")
        .dropna(subset=["row"])
        .reset_index(drop=True)
    )
    if marks.empty:
        return frame
    marks["row"] = marks["row"].astype(np.int64)
    codes, uniques = pd.factorize(marks["letters"])
    marks["col"] = np.array([column_index(u) for u in python_values(uniques)], dtype=np.int64)[
        codes
    ]
    marks["to_row"], marks["to_col"] = marks["row"].to_numpy(), marks["col"].to_numpy()
    marks["range"] = None
    for (sheet, col), group in marks.groupby(["sheet", "col"], sort=False):
        m = table.merges.get(cast(str, sheet))  # pandas-stubs type a group's key as Hashable
        if m is None:
            continue
        m = m[(m[:, 1] <= col) & (m[:, 3] >= col)]
        if not len(m):
            continue
        m = m[np.argsort(m[:, 0])]
        rows = group["row"].to_numpy()
        at = np.searchsorted(m[:, 0], rows, side="right") - 1
        hit = (at >= 0) & (rows <= m[np.clip(at, 0, None), 2])
        hidden = hit & ~((m[np.clip(at, 0, None), 0] == rows) & (m[np.clip(at, 0, None), 1] == col))
        if not hidden.any():
            continue
        tl = m[at[hidden]]
        sel = group.index[hidden]
        marks.loc[sel, "to_row"] = tl[:, 0]
        marks.loc[sel, "to_col"] = tl[:, 1]
        marks.loc[sel, "range"] = [
            f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}" for r1, c1, r2, c2 in tl.tolist()
        ]
    moved = marks[marks["range"].notna()]
    if moved.empty:
        return frame
    out = frame.copy()
    per_violation = marks.groupby("v", sort=False)
    new_rows = per_violation["to_row"].agg(lambda r: tuple(sorted(set(int(x) for x in r))))  # type: ignore[type-var]  # a tuple per group, as above
    first = per_violation.first()
    changed = moved["v"].unique()
    out.loc[changed, "rows"] = pd.Series(list(new_rows[changed]), index=changed, dtype=object)
    out.loc[changed, "cell"] = [
        f"{column_letter(int(c))}{int(r)}"
        for c, r in zip(first.loc[changed, "to_col"], first.loc[changed, "to_row"])
    ]
    rng = moved.groupby("v", sort=False)["range"].first()
    single = out.loc[changed, "rows"].map(len).eq(1) & out.loc[changed, "row"].notna()
    zh, en = [], []
    for v in changed:
        row = cast(int, out.at[v, "row"])  # a worksheet row (single: not NA)
        if single[v]:
            zh.append(
                f"（第 {int(row)} 行；此格在合併儲存格 {rng[v]} 內，標記於 {out.at[v, 'cell']!s}）"
            )
            en.append(
                f" (row {int(row)}; the cell is inside the merged range {rng[v]}, marked on {out.at[v, 'cell']!s})"
            )
        else:
            zh.append(f"（合併儲存格 {rng[v]} 等內的行標記於合併範圍的左上角儲存格）")
            en.append(
                f" (rows inside merged ranges such as {rng[v]} are marked on the range's top-left cell)"
            )
    if language == "zh-Hans":
        zh = [to_simplified(z) for z in zh]
    elif language == "en":
        zh = en
    out.loc[changed, "message"] = out.loc[changed, "message"].astype(str) + pd.Series(
        zh, index=changed
    )
    out.loc[changed, "message_en"] = out.loc[changed, "message_en"].astype(str) + pd.Series(
        en, index=changed
    )
    return out
