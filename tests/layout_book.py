"""Workbooks as records laid out on sheets, and the meaning-preserving layout changes of issue 26.

A ``Book`` is read from a sample workbook: per sheet the rows above its header, the header,
and the rows under it, each with the id of the record it holds (its sheet and row in the book
it was read from).  A transformation changes the layout and keeps the ids; ``render`` writes a
real .xlsx and says, for every worksheet row, which record it holds.  A report is then compared
by record (``signature``), not by address: the address map is how each transformation says
where its records went.

Storage forms openpyxl cannot write (inline strings, shared formulas) are made by rewriting
the sheet XML after openpyxl saved it.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import opencc
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, to_excel
from openpyxl.worksheet.table import Table as ExcelTable

from opsbook.coerce import NO_WORDS, YES_WORDS
from opsbook.text import fold
from opsbook.workbook.headers import find_header
from opsbook.workbook.reader import FileReader
from opsbook.workbook.specs import TABLES

_S2T = opencc.OpenCC("s2t")
_T2S = opencc.OpenCC("t2s")
MONEY = {"amount", "actual_cost", "budget", "fee_charged"}


@dataclass(frozen=True)
class Serial:
    """A date stored as a number in a General cell (in the book's date system)."""

    value: dt.datetime


@dataclass
class Sheet:
    name: str
    above: list[list] = field(default_factory=list)
    header: list | None = None  # None: a sheet holding no known table (rows in ``above``)
    rows: list[list] = field(default_factory=list)
    ids: list = field(default_factory=list)  # the record of each row; None: not a record
    keys: list = field(default_factory=list)  # the canonical key of each column (None: theirs)
    types: list = field(default_factory=list)
    table: str | None = None  # the TableSpec name
    col0: int = 0  # the column the table starts at (0-based)
    hidden_cols: set = field(default_factory=set)
    hidden_rows: set = field(default_factory=set)  # indices into ``rows``
    outline_rows: set = field(default_factory=set)
    features: set = field(default_factory=set)  # table, freeze, protect, autofilter
    merge_title: bool = False
    rich: set = field(default_factory=set)  # (row index, column) written as rich text runs
    merged: list = field(default_factory=list)  # (first row index, last row index, column)

    @property
    def main(self) -> bool:
        return self.table is not None and next(s for s in TABLES if s.name == self.table).main


@dataclass
class Book:
    sheets: list[Sheet]
    date1904: bool = False
    storage: set = field(default_factory=set)  # inline, shared_formula
    chartsheet: bool = False
    applied: list = field(default_factory=list)
    rows_exact: bool = True  # False once merges move marks to a merge's top-left cell
    split_log: bool = False  # the main log kept over several sheets (see signature)

    def copy(self) -> Book:
        return copy.deepcopy(self)

    def tables(self, main: bool | None = None) -> list[Sheet]:
        return [s for s in self.sheets if s.header is not None and (main is None or s.main == main)]


# Reading a sample ------------------------------------------------------------------------


def load(path: Path) -> Book:
    wb = load_workbook(path)
    reader = FileReader(path)
    sheets = []
    try:
        for ws in wb.worksheets:
            values = reader.read(ws.title)
            match = find_header(values, TABLES)
            grid = [list(r) for r in ws.iter_rows(values_only=True)]
            while grid and all(v is None for v in grid[-1]):
                grid.pop()
            if match is None or match.header_rows != 1:
                sheets.append(Sheet(ws.title, above=grid))
                continue
            h = values.origin_row + match.row_offset
            width = max(len(r) for r in grid)
            grid = [r + [None] * (width - len(r)) for r in grid]
            keys = [None] * width
            for key, (i, _) in match.found.items():
                keys[i + values.origin_col] = key
            spec = match.spec
            sheets.append(
                Sheet(
                    ws.title,
                    above=grid[:h],
                    header=grid[h],
                    rows=grid[h + 1 :],
                    ids=[(ws.title, h + 2 + i) for i in range(len(grid) - h - 1)],
                    keys=keys,
                    types=[spec.column(k).type if k else None for k in keys],
                    table=spec.name,
                )
            )
    finally:
        reader.close()
    return Book(sheets)


def without(book: Book, records: set) -> Book:
    """The book without some records (the seeded violations: a clean table)."""
    out = book.copy()
    for s in out.tables():
        keep = [i for i, r in enumerate(s.ids) if r not in records]
        s.rows, s.ids = [s.rows[i] for i in keep], [s.ids[i] for i in keep]
    return out


def head(book: Book, n: int) -> Book:
    """Long tables cut to their first ``n`` rows (a generated table of the same layout)."""
    out = book.copy()
    for s in out.tables():
        if len(s.rows) > 80:
            s.rows, s.ids = s.rows[:n], s.ids[:n]
    return out


# Writing ----------------------------------------------------------------------------------


def render(book: Book, path: Path) -> dict:
    """Write ``book`` to ``path``; returns {(sheet, worksheet row): record id}."""
    wb = Workbook()
    wb.remove(wb.active)
    if book.date1904:
        wb.epoch = CALENDAR_MAC_1904
    where: dict = {}
    for s in book.sheets:
        ws = wb.create_sheet(s.name)
        r = 1
        for row in s.above:
            _write_row(ws, r, s.col0, row, book)
            r += 1
        if s.header is None:
            continue
        header_row = r
        _write_row(ws, r, s.col0, s.header, book)
        r += 1
        first = r
        for i, (row, rid) in enumerate(zip(s.rows, s.ids)):
            _write_row(ws, r, s.col0, row, book, rich={c for (j, c) in s.rich if j == i})
            if rid is not None:
                where[(s.name, r)] = rid
            if i in s.hidden_rows:
                ws.row_dimensions[r].hidden = True
            if i in s.outline_rows:
                ws.row_dimensions[r].outlineLevel = 1
                ws.row_dimensions[r].hidden = True
            r += 1
        last = max(r - 1, first)
        width = len(s.header)
        ref = (
            f"{get_column_letter(s.col0 + 1)}{header_row}:{get_column_letter(s.col0 + width)}{last}"
        )
        for c in s.hidden_cols:
            ws.column_dimensions[get_column_letter(s.col0 + c + 1)].hidden = True
        if "table" in s.features:
            name = "T" + str(abs(hash(s.name)) % 10**6)
            ws.add_table(ExcelTable(displayName=name, ref=ref))
        if "autofilter" in s.features and "table" not in s.features:
            ws.auto_filter.ref = ref
        for j1, j2, c in s.merged:
            ws.merge_cells(
                start_row=first + j1, start_column=s.col0 + c + 1,
                end_row=first + j2, end_column=s.col0 + c + 1,
            )  # fmt: skip
        if "styles" in s.features:
            _style(ws, s, first)
        if "freeze" in s.features:
            ws.freeze_panes = f"{get_column_letter(s.col0 + 2)}{header_row + 1}"
        if "protect" in s.features:
            ws.protection.sheet = True
            ws.protection.password = "1234"
        if s.merge_title and s.above and header_row > 1:
            row1 = next((i + 1 for i, row in enumerate(s.above) if any(row)), None)
            if row1:
                ws.merge_cells(
                    start_row=row1,
                    start_column=s.col0 + 1,
                    end_row=row1,
                    end_column=s.col0 + width,
                )
    if book.chartsheet:
        main = book.tables(main=True)[0]
        ws = wb[main.name]
        cs = wb.create_chartsheet("圖表")
        chart = BarChart()
        chart.add_data(Reference(ws, min_col=1, min_row=1, max_row=5))
        cs.add_chart(chart)
    wb.save(path)
    if book.storage & {"inline", "shared_formula"}:
        _rewrite_storage(path, book)
    return where


_FORMATS = {
    "number": ["#,##0.00", "0.00%", "[$¥-804]#,##0.00;[Red]-[$¥-804]#,##0.00", "@", "0"],
    "date": ['yyyy"年"m"月"d"日"', "m/d/yyyy", "dd-mmm-yy", "yyyy-mm-dd;@"],
    "datetime": ["yyyy/m/d h:mm", 'yyyy"年"m"月"d"日" hh:mm', "m/d/yy h:mm AM/PM"],
}


def _style(ws, s: Sheet, first: int) -> None:
    """Number formats of every kind, fonts and fills: what a team's styling does to cells."""
    from openpyxl.styles import Font, PatternFill

    rnd = random.Random(len(s.rows))
    for c, kind in enumerate(s.types):
        formats = _FORMATS.get(kind)
        fill = PatternFill("solid", fgColor=rnd.choice(["FFFF00", "C6EFCE", "FFC7CE"]))
        for j in range(len(s.rows)):
            cell = ws.cell(row=first + j, column=s.col0 + c + 1)
            if formats:
                cell.number_format = rnd.choice(formats)
            if rnd.random() < 0.2:
                cell.font, cell.fill = Font(bold=True, color="FF0000"), fill


def _write_row(ws, r: int, col0: int, row: list, book: Book, rich=()) -> None:
    for c, value in enumerate(row):
        if value is None:
            continue
        cell = ws.cell(row=r, column=col0 + c + 1)
        if isinstance(value, Serial):
            epoch = CALENDAR_MAC_1904 if book.date1904 else None
            cell.value = (
                to_excel(value.value, epoch) if epoch else to_excel(value.value)
            )  # a plain number: General format
            continue
        if c in rich and isinstance(value, str) and len(value) > 1:
            cut = len(value) // 2
            value = CellRichText(
                [
                    TextBlock(InlineFont(b=True), value[:cut]),
                    TextBlock(InlineFont(i=True), value[cut:]),
                ]
            )
        cell.value = value
        if isinstance(value, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm" if value.time() != dt.time() else "yyyy-mm-dd"


_SHARED_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?) t="s"([^>]*)><v>(\d+)</v></c>')
_NUMBER_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"((?: s="\d+")?)><v>([^<]*)</v></c>')


def _rewrite_storage(path: Path, book: Book) -> None:
    """Shared strings → inline strings; a numeric column → shared formulas with cached values."""
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    strings = []
    if "xl/sharedStrings.xml" in members:
        strings = re.findall(rb"<si>(.*?)</si>", members["xl/sharedStrings.xml"], re.S)
    for name in [n for n in members if n.startswith("xl/worksheets/sheet")]:
        xml = members[name]
        if "inline" in book.storage and strings:
            xml = _SHARED_CELL.sub(
                lambda m: (
                    b'<c r="%s%s"%s t="inlineStr"%s><is>%s</is></c>'
                    % (m[1], m[2], m[3], m[4], strings[int(m[5])])
                ),
                xml,
            )
        if "shared_formula" in book.storage:
            xml = _shared_formulas(xml)
        members[name] = xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in members.items():
            zf.writestr(n, data)


def _shared_formulas(xml: bytes) -> bytes:
    """The numbers of the column holding most numbers become one shared formula each
    (``<f t="shared" si="0">``), their values kept as the formulas' cached values."""
    cells = _NUMBER_CELL.findall(xml)
    if not cells:
        return xml
    column = Counter(c[0] for c in cells).most_common(1)[0][0]
    rows = [int(c[1]) for c in cells if c[0] == column]
    first, last = min(rows), max(rows)
    ref = b"%s%d:%s%d" % (column, first, column, last)

    def shared(m):
        if m[1] != column:
            return m[0]
        if int(m[2]) == first:
            f = b'<f t="shared" ref="%s" si="0">%s%d*1</f>' % (ref, column, first)
        else:
            f = b'<f t="shared" si="0"/>'
        return b'<c r="%s%s"%s>%s<v>%s</v></c>' % (m[1], m[2], m[3], f, m[4])

    return _NUMBER_CELL.sub(shared, xml)


# Comparing reports by record --------------------------------------------------------------


def signature(checked, where: dict, rows_exact: bool = True, split_log: bool = False) -> tuple:
    """What must not change: per violation its clause, rule, severity and the records it
    concerns; the summaries' titles, notes and numbers (rows in a canonical order).

    A log kept over several sheets shows a line whose records lie on two sheets once per
    sheet (opsbook.placing.place): with ``split_log`` the lines of one message are joined,
    on both sides of the comparison, before they are compared."""
    frame = checked.report.frame
    if split_log and len(frame):
        frame = (
            frame.assign(rows=[tuple(r or ()) for r in frame["rows"]])
            .groupby(["clause", "rule", "severity", "message_en"], sort=False, dropna=False)
            .agg(
                sheet=("sheet", "first"),
                row=("row", "first"),
                rows=("rows", lambda rs: _joined_rows(rs, frame, where)),
            )
            .reset_index()
        )

    def rid(sheet, row):
        if isinstance(row, tuple) and row[:1] == ("@",):  # already a record (_joined_rows)
            return row[1]
        if row is None or (isinstance(row, float) and row != row):
            return None
        return where.get((sheet, int(row)), ("not a record", sheet, int(row)))

    lines = Counter()
    for sheet, row, rows, clause, rule, severity in zip(
        frame["sheet"],
        frame["row"],
        frame["rows"],
        frame["clause"],
        frame["rule"],
        frame["severity"],
    ):
        concerned = (
            tuple(sorted(map(str, (rid(sheet, r) for r in rows or ())))) if rows_exact else None
        )
        # A line concerning several records (a customer's visits) is shown on the first of
        # them in sheet order: an address, which sorting changes.  Its records are compared.
        own = "several" if rows_exact and len(rows or ()) > 1 else str(rid(sheet, row))
        lines[(clause, rule, severity, own, concerned)] += 1
    summaries = []
    for sheet in checked.summaries or ():
        for block in sheet.blocks:
            f = block.frame
            text = (
                f.apply(lambda c: c.round(6) if c.dtype.kind == "f" else c)
                .astype(str)
                .apply(tuple, axis=1)
                .tolist()
                if len(f)
                else []
            )
            # Column labels compared folded: a summary names a column by its header as
            # written, which a header variant writes in the other script.
            columns = tuple(fold(c) for c in f.columns)
            summaries.append((sheet.name, block.title, block.note, columns, tuple(sorted(text))))
    files = checked.report.files[0]
    return dict(violations=lines, summaries=summaries, error=files.error, kind=files.kind)


def _joined_rows(rows, frame, where):
    """The rows of several lines as (sheet, row) pairs mapped to records, then back to one
    sheet's keys: the lines' records, whichever sheet each is on."""
    return tuple(
        ("@", where.get((sheet, int(r)), ("not a record", sheet, int(r))))
        for sheet, rs in zip(frame.loc[rows.index, "sheet"], rows)
        for r in rs
    )


def diff(a: dict, b: dict) -> str:
    out = []
    if a["error"] != b["error"] or a["kind"] != b["kind"]:
        out.append(f"file: {a['error'], a['kind']} vs {b['error'], b['kind']}")
    only_a, only_b = a["violations"] - b["violations"], b["violations"] - a["violations"]
    out += [f"- {k} ×{n}" for k, n in sorted(only_a.items(), key=str)[:15]]
    out += [f"+ {k} ×{n}" for k, n in sorted(only_b.items(), key=str)[:15]]
    if a["summaries"] != b["summaries"]:
        for x, y in zip(a["summaries"], b["summaries"]):
            if x != y:
                out.append(f"summary {x[0]} / {x[1]}:\n  {x}\n  {y}")
                break
        if len(a["summaries"]) != len(b["summaries"]):
            out.append(f"summaries: {len(a['summaries'])} vs {len(b['summaries'])} blocks")
    return "\n".join(out)


# The transformations ----------------------------------------------------------------------
# Each takes a Book and a random.Random and changes the Book in place, keeping every record's
# id on its row: the address map (``render``'s return) follows the records.


def _cols(s: Sheet, *types) -> list[int]:
    return [i for i, t in enumerate(s.types) if t in types]


def _insert_column(s: Sheet, at: int, header, values) -> None:
    s.header.insert(at, header)
    for row, v in zip(s.rows, values):
        row.insert(at, v)
    for row in s.above:
        row.insert(at, None) if len(row) > at else None
    s.keys.insert(at, None)
    s.types.insert(at, None)
    s.hidden_cols = {c + (c >= at) for c in s.hidden_cols}
    s.rich = {(j, c + (c >= at)) for j, c in s.rich}


def reorder_columns(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        order = list(range(len(s.header)))
        rnd.shuffle(order)
        s.header = [s.header[i] for i in order]
        s.rows = [[row[i] for i in order] for row in s.rows]
        s.keys = [s.keys[i] for i in order]
        s.types = [s.types[i] for i in order]
        s.hidden_cols = {order.index(c) for c in s.hidden_cols}
        s.rich = {(j, order.index(c)) for j, c in s.rich}


def team_columns(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        for name in ("組內備註", "跟進人"):
            at = rnd.randrange(len(s.header) + 1)
            _insert_column(
                s, at, name, [rnd.choice(["", "已閱", "待跟進", 3, None]) for _ in s.rows]
            )


def hide_column(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        s.hidden_cols.add(rnd.randrange(len(s.header)))


def offset(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        s.col0 = rnd.randint(1, 4)
        s.above = [[None] * len(s.header) for _ in range(rnd.randint(1, 5))] + s.above


def title_rows(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        width = len(s.header)
        title = [f"{s.name} 運營記錄表"] + [None] * (width - 1)
        units = [None] * width
        for i in _cols(s, "number"):
            units[i] = "（元）" if s.keys[i] in MONEY else "（單位）"
        notes = ["說明：本表每月5日前更新，紅色為待辦"] + [None] * (width - 1)
        extra = [title, [None] * width, notes]
        if _cols(s, "number"):
            extra.append(units)
        s.above = extra[: rnd.randint(1, len(extra))] + s.above
        s.merge_title = rnd.random() < 0.5


_PUNCT = str.maketrans({"(": "（", ")": "）", ":": "：", "/": "／"})


def header_variants(book: Book, rnd: random.Random) -> None:
    """Simplified/Traditional, full-width punctuation, trailing colons and spaces, units,
    a line break inside."""
    for s in book.tables():
        for i, h in enumerate(s.header):
            if not isinstance(h, str) or s.keys[i] is None:
                continue
            form = rnd.randrange(6)
            if form == 0:
                h = _T2S.convert(h)
            elif form == 1:
                h = _S2T.convert(h)
            elif form == 2:
                h = h + rnd.choice(["：", ":", " ", "： "])
            elif form == 3 and s.types[i] == "number":
                h = h + rnd.choice(["（元）", "(元)", "(單位)"])
            elif form == 4 and len(h) > 2:
                h = h[:2] + "\n" + h[2:]
            elif form == 5:
                h = ("*" + h).translate(_PUNCT)
            s.header[i] = h


_ENGLISH = {
    "platform": "Platform", "title": "Title", "published_at": "Published", "account": "Account",
    "name": "Name", "role": "Role", "customer_id": "Customer ID", "inspected_on": "Date",
    "inspector": "Inspector", "request_id": "Request No.", "department": "Department",
    "item": "Item", "actual_cost": "Cost", "budget": "Budget", "date": "Date",
}  # fmt: skip


def _english(s: Sheet, i: int) -> str:
    key = s.keys[i]
    return _ENGLISH.get(key) or (key or f"Note {i}").replace("_", " ").title()


def bilingual_header(book: Book, rnd: random.Random) -> None:
    """``姓名\\nName``: each line names the column (companion sheets too)."""
    for s in book.tables():
        for i, h in enumerate(s.header):
            if isinstance(h, str) and "\n" not in h and rnd.random() < 0.7:
                s.header[i] = f"{h}\n{_english(s, i)}"


def _insert_rows(s: Sheet, at: int, rows: list[list]) -> None:
    s.rows[at:at] = rows
    s.ids[at:at] = [None] * len(rows)
    s.hidden_rows = {j + len(rows) * (j >= at) for j in s.hidden_rows}
    s.outline_rows = {j + len(rows) * (j >= at) for j in s.outline_rows}
    s.rich = {(j + len(rows) * (j >= at), c) for j, c in s.rich}


def repeated_header(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        for _ in range(rnd.randint(1, 2)):
            _insert_rows(s, rnd.randrange(1, len(s.rows) + 1), [list(s.header)])


def translation_row(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        _insert_rows(s, 0, [[_english(s, i) for i in range(len(s.header))]])


def _first_text_column(s: Sheet) -> int:
    return 0


def note_rows(book: Book, rnd: random.Random) -> None:
    for s in book.tables(main=True):
        for _ in range(rnd.randint(1, 2)):
            note = [None] * len(s.header)
            note[0] = rnd.choice(["以下為十一月", "以下為2026年10月記錄", "十月份："])
            _insert_rows(s, rnd.randrange(len(s.rows) + 1), [note])


def blank_rows(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        for _ in range(rnd.randint(1, 3)):
            _insert_rows(s, rnd.randrange(len(s.rows) + 1), [[None] * len(s.header)])


def totals_under_header(book: Book, rnd: random.Random) -> None:
    for s in book.tables(main=True):
        row = [None] * len(s.header)
        for i in _cols(s, "number"):
            row[i] = sum(v for r in s.rows if isinstance((v := r[i]), (int, float)))
        row[0] = "合計"
        _insert_rows(s, 0, [row])


def footer(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        row = [None] * len(s.header)
        row[0] = f"共 {sum(i is not None for i in s.ids)} 條記錄"
        _insert_rows(s, len(s.rows), [row])


def date1904(book: Book, rnd: random.Random) -> None:
    """A workbook kept on a Mac: real dates and numbers that are dates count from 1904."""
    book.date1904 = True
    for s in book.tables():
        for row, i in _dates(s):
            if rnd.random() < 0.3:
                row[i] = Serial(row[i])


def _dates(s: Sheet):
    for i in _cols(s, "date", "datetime"):
        for row in s.rows:
            if isinstance(row[i], dt.datetime):
                yield row, i


def dates_serial(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        for row, i in _dates(s):
            if rnd.random() < 0.6:
                row[i] = Serial(row[i])


_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _date_text(d: dt.datetime, rnd: random.Random, year: bool = True) -> str:
    has_time = d.time() != dt.time()
    hm = f"{d.hour:02d}:{d.minute:02d}"
    if not year:
        text = f"{d.month}月{d.day}日"
        return text + (f" {hm}" if has_time else "")
    forms = [
        f"{d.year}.{d.month:02d}.{d.day:02d}" + (f" {hm}" if has_time else ""),
        f"{d.year}/{d.month}/{d.day}" + (f" {hm}" if has_time else ""),
        d.strftime("%Y-%m-%dT%H:%M:%S"),
        (f"{d.year}-{d.month:02d}-{d.day:02d}" + (f" {hm}" if has_time else "")).translate(_FULL),
        f"{d.year}年{d.month}月{d.day}"
        + rnd.choice(["日", "号", "號"])
        + (f" {hm}" if has_time else ""),
    ]
    return rnd.choice(forms)


def dates_text(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        for row, i in _dates(s):
            if rnd.random() < 0.7:
                row[i] = _date_text(row[i], rnd)


def split_by_month(book: Book, rnd: random.Random) -> None:
    """The main log kept as one sheet per month, named 2026年10月."""
    for s in list(book.tables(main=True)):
        date_col = next(iter(_cols(s, "date", "datetime")), None)
        if date_col is None:
            continue
        months: dict = {}
        current, pending = None, []
        for row, rid in zip(s.rows, s.ids):
            d = row[date_col]
            if isinstance(d, Serial):
                d = d.value
            if isinstance(d, dt.datetime):
                current = (d.year, d.month)
            if current is None:  # rows before the first date go with the first month
                pending.append((row, rid))
                continue
            months.setdefault(current, ([], []))
            for r, i in [*pending, (row, rid)]:
                months[current][0].append(r)
                months[current][1].append(i)
            pending = []
        if len(months) < 2:
            continue
        at = book.sheets.index(s)
        parts = []
        for (y, m), (rows, ids) in sorted(months.items()):
            part = copy.deepcopy(s)
            part.name, part.rows, part.ids = f"{y}年{m}月", rows, ids
            part.above, part.hidden_rows, part.outline_rows, part.rich = [], set(), set(), set()
            parts.append(part)
        book.sheets[at : at + 1] = parts
        book.split_log = True


def yearless_dates(book: Book, rnd: random.Random) -> None:
    """Dates typed from paper without a year: the year is in the sheet's name or title (one
    sheet per month), or in the neighbouring records (a date above with its year)."""
    for s in book.tables():
        for i in _cols(s, "date", "datetime"):
            years = {row[i].year for row in s.rows if isinstance(row[i], dt.datetime)}
            named = re.search(
                r"(\d{4})\s*年", s.name + "".join(str(c) for r in s.above for c in r if c)
            )
            if len(years) == 1 and named and int(named[1]) in years:
                for row in s.rows:
                    if isinstance(row[i], dt.datetime):
                        row[i] = _date_text(row[i], rnd, year=False)
                continue
            previous = None
            for row in s.rows:
                d = row[i]
                if isinstance(d, dt.datetime):
                    if previous is not None and previous.year == d.year and rnd.random() < 0.5:
                        row[i] = _date_text(d, rnd, year=False)
                    else:
                        previous = d
                elif d is not None:
                    previous = None  # an unreadable date between: the neighbour is unsure


_BOOLS = [
    ("✓", "✗"),
    ("√", "×"),
    ("Y", "N"),
    ("有", "無"),
    (True, False),
    (1, 0),
    ("TRUE", "FALSE"),
]


def bool_variants(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        for i in _cols(s, "bool"):
            yes, no = rnd.choice(_BOOLS)
            for row in s.rows:
                v = row[i]
                if isinstance(v, str) and fold(v) in YES_WORDS:
                    row[i] = yes
                elif isinstance(v, str) and fold(v) in NO_WORDS:
                    row[i] = no


def amount_forms(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        for i in _cols(s, "number"):
            money = s.keys[i] in MONEY
            for row in s.rows:
                v = row[i]
                if not isinstance(v, (int, float)) or isinstance(v, bool) or rnd.random() < 0.3:
                    continue
                forms = [f"{v:,}", f"{v}".translate(_FULL)]
                if money:
                    forms += [f"￥{v:,.2f}", f"{v:g}元", f"¥{v:,.2f}"]
                text = rnd.choice(forms)
                if v < 0:
                    text = "(" + text.replace("-", "") + ")"
                row[i] = text


_PLACEHOLDERS = ["/", "—", "-", "N/A", "不適用", "無"]


def placeholders(book: Book, rnd: random.Random) -> None:
    """Not-applicable marks in empty cells (not in 是/否 columns, where 無 means no)."""
    for s in book.tables():
        cols = [i for i, k in enumerate(s.keys) if k is not None and s.types[i] != "bool"]
        for j, row in enumerate(s.rows):
            if s.ids[j] is None or all(v is None for v in row):
                continue
            for i in cols:
                if row[i] is None and rnd.random() < 0.3:
                    row[i] = rnd.choice(_PLACEHOLDERS)


def inline_strings(book: Book, rnd: random.Random) -> None:
    book.storage.add("inline")


def rich_text(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        for j, row in enumerate(s.rows):
            for i, v in enumerate(row):
                if isinstance(v, str) and rnd.random() < 0.3:
                    s.rich.add((j, i))


def shared_formulas(book: Book, rnd: random.Random) -> None:
    book.storage.add("shared_formula")


def na_error(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        _insert_column(s, len(s.header), "查詢", [rnd.choice(["#N/A", "#REF!", 1]) for _ in s.rows])


def sorted_rows(book: Book, rnd: random.Random) -> None:
    """One sheet sorted by customer (a text column) or newest first."""
    for s in book.tables(main=True):
        records = [j for j, r in enumerate(s.ids) if r is not None and any(s.rows[j])]
        texts = _cols(s, "text")
        dates = _cols(s, "date", "datetime")
        if rnd.random() < 0.5 and texts:
            col, reverse = rnd.choice(texts), False
        elif dates:
            col, reverse = dates[0], True
        else:
            continue
        sort_key = {j: str(getattr(s.rows[j][col], "value", s.rows[j][col])) for j in records}
        order = sorted(records, key=sort_key.__getitem__, reverse=reverse)
        rest = [j for j in range(len(s.rows)) if j not in sort_key]
        new = order + rest
        s.rows, s.ids = [s.rows[j] for j in new], [s.ids[j] for j in new]
        s.hidden_rows = {new.index(j) for j in s.hidden_rows}
        s.outline_rows = {new.index(j) for j in s.outline_rows}
        s.rich = {(new.index(j), c) for j, c in s.rich}


def merges(book: Book, rnd: random.Random) -> None:
    """Runs of equal values in a column merged into one cell (the value in its top-left):
    the marks of a covered cell move to the merge's top-left cell, so the rows a line
    concerns are no longer compared exactly."""
    for s in book.tables():
        texts = [i for i in _cols(s, "text") if s.keys[i] is not None]
        if not texts:
            continue
        c = rnd.choice(texts)
        j = 0
        while j < len(s.rows):
            k = j
            v = s.rows[j][c]
            while (
                k + 1 < len(s.rows)
                and v not in (None, "")
                and s.rows[k + 1][c] == v
                and s.ids[k + 1] is not None
                and s.ids[j] is not None
            ):
                k += 1
            if k > j:
                s.merged.append((j, k, c))
                for m in range(j + 1, k + 1):
                    s.rows[m][c] = None
                book.rows_exact = False
            j = k + 1


def styles(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        s.features.add("styles")


def excel_table(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        texts = [h for h in s.header if h is not None]
        if all(isinstance(h, str) for h in s.header) and len(set(texts)) == len(texts):
            s.features.add("table")


def outline_groups(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        if s.rows:
            start = rnd.randrange(len(s.rows))
            s.outline_rows |= set(range(start, min(start + 5, len(s.rows))))


def autofilter_hidden(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        s.features.add("autofilter")
        s.hidden_rows |= {j for j in range(len(s.rows)) if rnd.random() < 0.2}


def frozen_panes(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        s.features.add("freeze")


def protected(book: Book, rnd: random.Random) -> None:
    for s in book.tables():
        s.features.add("protect")


def chartsheet(book: Book, rnd: random.Random) -> None:
    if book.tables(main=True):
        book.chartsheet = True


def pivot_beside(book: Book, rnd: random.Random) -> None:
    """A pivot-style count per month beside the log (its own sheet, as Excel puts one)."""
    main = book.tables(main=True)
    if not main:
        return
    s = main[0]
    date_col = next(iter(_cols(s, "date", "datetime")), None)
    if date_col is None:
        return
    counts = Counter(
        f"{d.month}月"
        for d in (getattr(r[date_col], "value", r[date_col]) for r in s.rows)
        if isinstance(d, dt.datetime)
    )
    rows = (
        [["列標籤", "計數"]]
        + [[m, n] for m, n in sorted(counts.items())]
        + [["總計", sum(counts.values())]]
    )
    book.sheets.append(Sheet("樞紐分析", above=[[s.header[date_col], None]] + rows))


TRANSFORMS = {
    f.__name__: f
    for f in (
        reorder_columns, team_columns, hide_column, offset, title_rows, header_variants,
        bilingual_header, repeated_header, translation_row, note_rows, blank_rows,
        totals_under_header, footer, date1904, dates_serial, dates_text, split_by_month,
        yearless_dates, bool_variants, amount_forms, placeholders, inline_strings, rich_text,
        shared_formulas, na_error, sorted_rows, merges, styles, excel_table, outline_groups,
        autofilter_hidden,
        frozen_panes, protected, chartsheet, pivot_beside,
    )
}  # fmt: skip
# Applied in this order when composed: what moves records between sheets and writes values
# (dates, amounts) before what moves rows and columns; storage and sheet features last.
ORDER = (
    "sorted_rows split_by_month title_rows yearless_dates dates_text dates_serial date1904 "
    "bool_variants amount_forms placeholders reorder_columns team_columns na_error hide_column "
    "header_variants bilingual_header offset repeated_header translation_row note_rows "
    "blank_rows totals_under_header footer rich_text inline_strings shared_formulas "
    "merges styles excel_table outline_groups autofilter_hidden frozen_panes protected "
    "chartsheet pivot_beside"
).split()
assert sorted(ORDER) == sorted(TRANSFORMS)


def apply(book: Book, names, seed: int) -> Book:
    out = book.copy()
    rnd = random.Random(seed)
    for name in sorted(names, key=ORDER.index):
        TRANSFORMS[name](out, rnd)
        out.applied.append(name)
    return out


def frame_of(checked) -> pd.DataFrame:
    return checked.report.frame
