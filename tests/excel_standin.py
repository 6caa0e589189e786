"""A recording stand-in for the xlwings objects opsbook's Excel side uses (App, Book,
Sheets, Sheet, Range, Note, ConditionalFormats), behaving as Excel and xlwings 0.37.8 are
documented to behave.  No Excel runs here: this file is the contract the live writer and
the buttons are tested against.  Each behaviour cites its source.

Every property read or write and every method call on these objects counts as one round
trip to Excel (``Excel.calls``), so a test can bound the calls of a run.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path


class ComError(Exception):
    """What pywin32 raises when Excel refuses a call (pywintypes.com_error)."""


class XlwingsError(Exception):
    """xlwings.XlwingsError (xlwings/__init__.py)."""


class Excel:
    """The application: call counter, calculation and screen-updating state, alerts."""

    def __init__(self, platform: str = "win32"):
        self.platform = platform
        self.calls = 0
        self.calculation = "automatic"
        self.screen_updating = True
        self.display_alerts = True
        self.alerts: list[str] = []  # message boxes shown (App.alert) and prompts Excel raised
        self.recalculations = 0
        self.history: list[tuple[str, object]] = []  # (property, value) assignments, in order
        # The user's regional list separator and reference style: FormatConditions.Add reads
        # Formula1 in them (simpleexcelvba.com, "List separator in conditional formatting":
        # Formula1 "must be consistent with your regional settings … In other case You will
        # get the error"), unlike Range.Formula and Names.Add's RefersTo, which are English
        # and A1 (Microsoft, Range.Formula; Names.Add: "in English, using A1-style notation").
        self.list_separator = ","
        self.reference_style = "A1"

    def call(self) -> None:
        self.calls += 1


class App:
    def __init__(self, excel: Excel):
        self._x = excel

    def _get(self, name):
        self._x.call()
        return getattr(self._x, name)

    def _set(self, name, value):
        self._x.call()
        self._x.history.append((name, value))
        if name == "calculation" and value == "automatic" and self._x.calculation != "automatic":
            # Switching to automatic recalculates every open workbook (Microsoft,
            # Application.Calculation: "xlCalculationAutomatic … Excel controls recalculation").
            self._x.recalculations += 1
        setattr(self._x, name, value)

    calculation = property(lambda s: s._get("calculation"), lambda s, v: s._set("calculation", v))
    screen_updating = property(
        lambda s: s._get("screen_updating"), lambda s, v: s._set("screen_updating", v)
    )
    display_alerts = property(
        lambda s: s._get("display_alerts"), lambda s, v: s._set("display_alerts", v)
    )

    def alert(self, prompt, title=None, **kw):
        self._x.call()
        self._x.alerts.append(prompt)


class Book:
    def __init__(
        self, name: str = "Book1.xlsx", folder: Path | None = None, platform: str = "win32"
    ):
        self.excel = Excel(platform)
        self.app = App(self.excel)
        self.name = name
        self.path = str((folder or Path.cwd()) / name)
        self.url = None  # an https:// FullName: opened from OneDrive/SharePoint/Teams
        self._sheets: list[Sheet] = []
        self.sheets = Sheets(self)
        self.active = None  # (sheet, row, col): the active cell of the book's window
        self.saved = 0

    @classmethod
    def from_file(
        cls, path: Path, platform: str = "win32", currency_columns: dict | None = None
    ) -> Book:
        """A workbook as Excel would show it: openpyxl's cached values and number formats.
        ``currency_columns``: {sheet: {header: number format}} to format as currency, as a
        team's ledger with ¥ columns is."""
        from openpyxl import load_workbook

        wb = load_workbook(path, data_only=True)
        book = cls(Path(path).name, Path(path).parent, platform)
        for ws in wb.worksheets:
            sheet = book._new_sheet(ws.title)
            formats = (currency_columns or {}).get(ws.title, {})
            wanted_cols = set()
            for row in ws.iter_rows():
                for c in row:
                    if c.value is not None:
                        sheet.cells[(c.row, c.column)] = c.value
                        if c.value in formats:
                            wanted_cols.add((c.column, formats[c.value]))
                    if c.number_format and c.number_format != "General":
                        sheet.formats[(c.row, c.column)] = c.number_format
            for col, fmt in wanted_cols:
                for (r, cc), v in list(sheet.cells.items()):
                    if cc == col and isinstance(v, (int, float)) and not isinstance(v, bool):
                        sheet.formats[(r, cc)] = fmt
        book.active = (book._sheets[0], 1, 1)
        return book

    def _new_sheet(self, name: str, index: int | None = None) -> Sheet:
        sheet = Sheet(self, name)
        self._sheets.insert(len(self._sheets) if index is None else index, sheet)
        return sheet

    def save(self, path=None):
        # xlwings main.py Book.save wraps the save in app.properties(display_alerts=False):
        # no "replace the file?" prompt; with alerts on, Excel would ask.
        self.excel.call()
        if self.excel.display_alerts and path is not None:
            self.excel.alerts.append("replace existing file?")
        self.saved += 1

    @property
    def fullname(self):
        # xlwings 0.37.8 _xlwindows.py Book.fullname: an https:// FullName (AutoSave on
        # OneDrive/SharePoint) goes through utils.py fullname_url_to_local_path, which raises
        # XlwingsError when no synced local copy is found.
        self.excel.call()
        if self.url:
            raise XlwingsError(
                "Couldn't find your local OneDrive for Business file, see: xlwings.org/error"
            )
        return self.path

    def set_mock_caller(self):
        pass

    def _retarget(self, move) -> None:
        """Rewrite every reference in the book's formulas and defined names: ``move(sheet,
        row, col)`` gives the new (sheet, row, col), or None for a cell that is gone
        (#REF!)."""
        for sheet in self._sheets:
            for key, v in list(sheet.cells.items()):
                if isinstance(v, Formula):
                    sheet.cells[key] = Formula(_rewrite(v, sheet._name, move))
            for name, text in list(sheet.defined.items()):
                sheet.defined[name] = _rewrite(text, sheet._name, move)

    # inspection helpers for tests (not xlwings API; never counted)
    def names(self) -> list[str]:
        return [s._name for s in self._sheets]

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self._sheets if s._name == name)


class Sheets:
    def __init__(self, book: Book):
        self._book = book

    def __iter__(self):
        for s in list(self._book._sheets):
            self._book.excel.call()
            yield s

    def __len__(self):
        self._book.excel.call()
        return len(self._book._sheets)

    def __getitem__(self, key):
        self._book.excel.call()
        if isinstance(key, int):
            return self._book._sheets[key]
        for s in self._book._sheets:
            if s._name.lower() == key.lower():  # sheet names are case-insensitive in Excel
                return s
        raise KeyError(key)

    def add(self, name=None, before=None, after=None):
        self._book.excel.call()
        # xlwings main.py Sheets.add: "Creates a new Sheet and makes it the active sheet",
        # and refuses a name already present (case-insensitive).
        if name is not None and name.lower() in (s._name.lower() for s in self._book._sheets):
            raise ValueError(f"Sheet named '{name}' already present in workbook")
        if name is not None and (len(name) > 31 or re.search(r"[\\/?*\[\]:]", name)):
            raise ComError(f"invalid sheet name {name!r}")  # Excel's sheet-name rules
        index = self._book._sheets.index(after) + 1 if after is not None else None
        sheet = self._book._new_sheet(name or f"Sheet{len(self._book._sheets) + 1}", index)
        self._book.active = (sheet, 1, 1)  # a new sheet's active cell is A1
        return sheet


VISIBLE, HIDDEN, VERY_HIDDEN = -1, 0, 2  # XlSheetVisibility


class Sheet:
    def __init__(self, book: Book, name: str):
        self._book = book
        self._name = name
        self._code_name = f"Sheet{len(book._sheets) + 1}"  # Excel's default CodeName
        self.cells: dict[tuple[int, int], object] = {}
        self.formats: dict[tuple[int, int], str] = {}
        self.notes_: dict[tuple[int, int], str] = {}
        self.rules: list[Rule] = []
        self.fills: dict[tuple[int, int], tuple | None] = {}
        self.bold: set[tuple[int, int]] = set()
        self.visibility = VISIBLE
        self.defined: dict[str, str] = {}  # sheet-level defined names → RefersTo (English, A1)

    @property
    def name(self):
        self._book.excel.call()
        return self._name

    @property
    def book(self):
        # xlwings _xlwindows.py Sheet.book: Book(xl=self.xl.Parent), a COM property read
        self._book.excel.call()
        return self._book

    @property
    def code_name(self):
        # Worksheet.CodeName (read-only to COM; set by the VBA project, stays on a rename)
        self._book.excel.call()
        return self._code_name

    @name.setter
    def name(self, value):
        # Renaming a sheet: Excel rewrites every formula and defined name that refers to it
        # (a reference names its sheet; Microsoft, "Rename a worksheet": formulas update).
        self._book.excel.call()
        old, self._name = self._name, value
        self._book._retarget(lambda sheet, r, c: (value if sheet == old else sheet, r, c))

    def rename(self, value):
        """The user renames the sheet (not counted: not opsbook's call)."""
        old, self._name = self._name, value
        self._book._retarget(lambda sheet, r, c: (value if sheet == old else sheet, r, c))

    @property
    def visible(self):
        self._book.excel.call()
        return self.visibility == VISIBLE

    @visible.setter
    def visible(self, value):
        # xlwings _xlwindows.py Sheet.visible: COM Visible = value (True → -1, False → 0).
        self._book.excel.call()
        self.visibility = (
            VISIBLE
            if value is True or value == VISIBLE
            else (VERY_HIDDEN if value == 2 else HIDDEN)
        )

    @property
    def api(self):
        return SheetApi(self)

    @property
    def notes(self):
        """xlwings main.py Notes: every note of the sheet (one call per note)."""
        self._book.excel.call()
        for key in list(self.notes_):
            self._book.excel.call()
            yield Note(self, key)

    @property
    def names(self):
        """xlwings main.py Sheet.names: the sheet-level names (Worksheet.Names on Windows;
        _xlmac.py makes a named_item at the sheet).  Add takes RefersTo in English, A1."""
        self._book.excel.call()
        return SheetNames(self)

    # user actions in Excel (not opsbook's calls; not counted) ---------------------------
    def insert_rows(self, at: int, count: int = 1) -> None:
        """Insert ``count`` rows before row ``at``: cells, notes, fills and formats move down;
        every reference to a moved cell and each rule's applies-to range follow (Microsoft,
        "Insert or delete rows and columns": references adjust)."""
        self._shift_rows(lambda r: r + count if r >= at else r)

    def delete_rows(self, at: int, count: int = 1) -> None:
        """Delete rows ``at``..``at+count-1``: what was there goes (a reference to it becomes
        #REF!), what was below moves up."""
        self._shift_rows(
            lambda r: None if at <= r < at + count else (r - count if r >= at + count else r)
        )

    def _shift_rows(self, move) -> None:
        for store in (self.cells, self.formats, self.notes_, self.fills):
            moved = {}
            for (r, c), v in store.items():
                if move(r) is not None:
                    moved[(move(r), c)] = v
            store.clear()
            store.update(moved)
        self.bold = {(move(r), c) for r, c in self.bold if move(r) is not None}
        for rule in list(self.rules):
            rows = [move(r) for r in range(rule.r1, rule.r2 + 1)]
            rows = [r for r in rows if r is not None]
            if not rows:
                self.rules.remove(rule)  # every cell it applied to deleted: the rule goes
            else:
                rule.r1, rule.r2 = min(rows), max(rows)
        name = self._name
        self._book._retarget(
            lambda sheet, r, c: (
                (sheet, r, c)
                if sheet != name
                else (None if move(r) is None else (sheet, move(r), c))
            )
        )

    @property
    def used_range(self):
        self._book.excel.call()
        if not self.cells:
            return Range(self, 1, 1, 1, 1)
        rows = [r for r, _ in self.cells]
        cols = [c for _, c in self.cells]
        return Range(self, min(rows), min(cols), max(rows), max(cols))

    def range(self, a, b=None):
        self._book.excel.call()
        if isinstance(a, tuple):
            (r1, c1), (r2, c2) = a, (b or a)
            return Range(self, r1, c1, r2, c2)
        areas = [_parse_area(part) for part in a.replace("$", "").split(",")]
        if len(areas) == 1:
            return Range(self, *areas[0])
        return Range(self, *areas[0], areas=areas)

    def delete(self):
        # xlwings _xlwindows.py Sheet.delete turns DisplayAlerts off around Worksheet.Delete
        # (else Excel asks "permanently delete this sheet?").
        self._book.excel.call()
        if sum(1 for s in self._book._sheets if s.visibility == VISIBLE and s is not self) == 0:
            raise ComError("a workbook must contain at least one visible worksheet")
        self._book._sheets.remove(self)

    # inspection helpers (not counted) ----------------------------------------------------
    def value(self, ref: str):
        r, c = _parse_cell(ref)
        return self.cells.get((r, c))

    def coloured(self) -> dict[tuple[int, int], tuple]:
        """The fill Excel shows on each cell: conditional formats first (in priority
        order, the first true rule wins), then the cell's own fill."""
        global _VALUES
        _VALUES = {}  # nothing changes while the colours are read: formula cells once each
        try:
            return self._coloured()
        finally:
            _VALUES = None

    def _coloured(self) -> dict[tuple[int, int], tuple]:
        out = {k: v for k, v in self.fills.items() if v is not None}
        for rule in reversed(self.rules):  # lowest priority first; higher ones overwrite
            for r in range(rule.r1, rule.r2 + 1):
                for c in range(rule.c1, rule.c2 + 1):
                    if rule.true_at(r, c):
                        out[(r, c)] = rule.fill
        return out


class SheetNames:
    def __init__(self, sheet: Sheet):
        self.sheet = sheet

    def add(self, name, refers_to):
        self.sheet._book.excel.call()
        if not re.fullmatch(r"[A-Za-z_\\][\w.]*", name) or re.fullmatch(r"[A-Za-z]{1,3}\d+", name):
            raise ComError(f"invalid name {name!r}")  # Excel's rules for names
        self.sheet.defined[name] = refers_to

    def __iter__(self):
        self.sheet._book.excel.call()
        for name in list(self.sheet.defined):
            self.sheet._book.excel.call()
            yield SheetName(self.sheet, name)

    def __len__(self):
        self.sheet._book.excel.call()
        return len(self.sheet.defined)


class SheetName:
    def __init__(self, sheet: Sheet, name: str):
        self.sheet, self._n = sheet, name

    @property
    def name(self):
        # a sheet-level name reads back qualified, as Excel's Name.Name gives it
        self.sheet._book.excel.call()
        return f"{self.sheet._name}!{self._n}"

    @property
    def refers_to(self):
        self.sheet._book.excel.call()
        return self.sheet.defined[self._n]

    def delete(self):
        self.sheet._book.excel.call()
        del self.sheet.defined[self._n]


class SheetApi:
    """sheet.api: the COM Worksheet on Windows, an appscript reference on macOS."""

    def __init__(self, sheet: Sheet):
        object.__setattr__(self, "_s", sheet)

    def __setattr__(self, name, value):
        s = self._s
        s._book.excel.call()
        if s._book.excel.platform == "darwin":
            raise AttributeError(name)  # appscript references have no COM properties
        if name == "Visible":
            s.visibility = value
        else:
            raise AttributeError(name)

    @property
    def CodeName(self):  # noqa: N802 (COM name)
        """Worksheet.CodeName: the name the VBA project knows the sheet by; a rename of the
        sheet leaves it (Microsoft, Worksheet.CodeName: "If you change the sheet name, the
        code name does not change")."""
        s = self._s
        s._book.excel.call()
        if s._book.excel.platform == "darwin":
            raise AttributeError("CodeName")
        return s._code_name

    @property
    def visible(self):
        s = self._s
        if s._book.excel.platform != "darwin":
            raise AttributeError("visible")

        class Prop:
            def set(_, value):  # noqa: N805 - `s` is the sheet; `_` is this stand-in
                s._book.excel.call()
                # mac_dict.py: sheet_very_hidden / sheet_hidden / sheet_visible keywords
                s.visibility = {"sheet_very_hidden": VERY_HIDDEN, "sheet_hidden": HIDDEN}.get(
                    getattr(value, "AS_name", str(value)), VISIBLE
                )

        return Prop()


def _parse_cell(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d+)", ref.strip())
    if not m:
        raise ComError(f"bad reference {ref!r}")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def _parse_area(text: str) -> tuple[int, int, int, int]:
    first, _, last = text.partition(":")
    r1, c1 = _parse_cell(first)
    r2, c2 = _parse_cell(last) if last else (r1, c1)
    return r1, c1, r2, c2


def letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


class Formula(str):
    """A cell holding a formula (its text)."""


# Excel's parsing of a string written into a General cell, as if typed (Microsoft,
# "Format numbers as text": numbers typed are stored as numbers, leading zeros dropped;
# "Stop automatically changing numbers to dates": 2/16 becomes a date; a leading = makes a
# formula).  A leading apostrophe, or a cell formatted as Text ("@"), stores text as is.
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d*)?([eE][+-]?\d+)?$")
_DATE = re.compile(r"^(?:(\d{4})[/-])?(\d{1,2})[/-](\d{1,2})$")


def typed(value: str, fmt: str | None):
    if value.startswith("'"):
        return value[1:]
    if fmt == "@":
        return value
    if value.startswith(("=", "+")) and len(value) > 1:
        body = value[1:] if value.startswith("=") else value
        # "+86 138…" is typed as the formula =+86 138…, which is no formula: Excel refuses
        # the assignment (COM error 0x800A03EC).
        if re.search(r"\d\s+\d", body) or body.count("(") != body.count(")"):
            raise ComError(f"Excel refused the formula {value!r}")
        return Formula("=" + body.lstrip("="))
    if _NUMBER.match(value.strip()):
        return float(value.replace(",", ""))
    m = _DATE.match(value.strip())
    if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
        year = int(m.group(1) or dt.date.today().year)
        return dt.datetime(year, int(m.group(2)), int(m.group(3)))
    return value


_CURRENCY = re.compile(r"[¥￥$€£]|\[\$")


class Range:
    def __init__(self, sheet: Sheet, r1, c1, r2, c2, areas=None, ndim=None):
        self._sheet = sheet
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2
        self.areas = areas or [(r1, c1, r2, c2)]
        self._ndim = ndim

    @property
    def _x(self) -> Excel:
        return self._sheet._book.excel

    def _cells(self):
        for r1, c1, r2, c2 in self.areas:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    yield r, c

    @property
    def sheet(self):
        # xlwings _xlwindows.py Range.sheet: Sheet(xl=self.xl.Worksheet), a COM property read
        self._x.call()
        return self._sheet

    def get_address(
        self, row_absolute=True, column_absolute=True, include_sheetname=False, external=False
    ):
        # xlwings main.py Range.get_address → Range.GetAddress / Address(External:=True), one
        # call: "[Book1.xlsx]Sheet1!$A$1", quoted when a name needs it ('[My Book.xlsx]S 1'!$A$1)
        self._x.call()
        cells = ",".join(
            f"${letters(c1)}${r1}" + ("" if (r1, c1) == (r2, c2) else f":${letters(c2)}${r2}")
            for r1, c1, r2, c2 in self.areas
        )
        if not (external or include_sheetname):
            return cells
        where = (f"[{self._sheet._book.name}]" if external else "") + self._sheet._name
        if re.search(r"[^\w.\[\]]", where):
            where = "'" + where.replace("'", "''") + "'"
        return f"{where}!{cells}"

    @property
    def row(self):
        self._x.call()
        return self.r1

    @property
    def column(self):
        self._x.call()
        return self.c1

    @property
    def address(self):
        self._x.call()
        return ",".join(
            f"${letters(c1)}${r1}" + ("" if (r1, c1) == (r2, c2) else f":${letters(c2)}${r2}")
            for r1, c1, r2, c2 in self.areas
        )

    def options(self, ndim=None, **kw):
        return Range(self._sheet, self.r1, self.c1, self.r2, self.c2, self.areas, ndim)

    # values ------------------------------------------------------------------------------
    def _read(self, r, c):
        v = self._sheet.cells.get((r, c))
        if isinstance(v, Formula):
            return None  # formulas are not evaluated here; opsbook never reads its own back
        fmt = self._sheet.formats.get((r, c), "")
        if (
            isinstance(v, (int, float))
            and not isinstance(v, bool)
            and _CURRENCY.search(fmt)
            and self._x.platform == "win32"
        ):
            # Range.Value gives a Currency-formatted cell as the COM Currency type, which
            # pywin32 turns into Decimal, four decimals (Microsoft, Range.Value2: "the only
            # difference … Value2 doesn't use the Currency and Date data types"; xlwings
            # issues #65 "On Windows, it's returned as decimal format, on Mac as float" and
            # #640 for the Accounting format).
            return Decimal(str(round(float(v), 4)))
        if isinstance(v, bool):
            return v
        if isinstance(v, int):
            return float(v)  # Excel numbers are doubles; xlwings hands back float
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return dt.datetime(v.year, v.month, v.day)
        return v

    @property
    def value(self):
        self._x.call()
        rows = [
            [self._read(r, c) for c in range(self.c1, self.c2 + 1)]
            for r in range(self.r1, self.r2 + 1)
        ]
        if self._ndim == 2:
            return rows
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        if len(rows) == 1 or all(len(r) == 1 for r in rows):
            return [v for r in rows for v in r]
        return rows

    @value.setter
    def value(self, data):
        self._x.call()
        if not isinstance(data, (list, tuple)):
            data = [[data]]
        elif data and not isinstance(data[0], (list, tuple)):
            data = [list(data)]
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                key = (self.r1 + i, self.c1 + j)
                if v is None or v == "":
                    self._sheet.cells.pop(key, None)
                elif isinstance(v, str):
                    self._sheet.cells[key] = typed(v, self._sheet.formats.get(key))
                else:
                    self._sheet.cells[key] = v

    @property
    def formula(self):
        self._x.call()
        v = self._sheet.cells.get((self.r1, self.c1))
        return v if isinstance(v, Formula) else ("" if v is None else str(v))

    @formula.setter
    def formula(self, data):
        # xlwings 0.37.8 main.py Range.formula setter: "Same conversions, options, and shape
        # handling as `.value`" (a 2-D list fills the range from its first cell); the backend
        # sets COM Range.Formula, which is English and A1 whatever the user's locale.
        self._x.call()
        if not isinstance(data, (list, tuple)):
            data = [[data]]
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                key = (self.r1 + i, self.c1 + j)
                if isinstance(v, str) and v.startswith("="):
                    self._sheet.cells[key] = Formula(v)
                elif v is None or v == "":
                    self._sheet.cells.pop(key, None)
                else:
                    self._sheet.cells[key] = v

    @property
    def number_format(self):
        self._x.call()
        return self._sheet.formats.get((self.r1, self.c1), "General")

    @number_format.setter
    def number_format(self, fmt):
        self._x.call()
        for key in self._cells():
            self._sheet.formats[key] = fmt

    @property
    def color(self):
        self._x.call()
        return self._sheet.fills.get((self.r1, self.c1))

    @color.setter
    def color(self, value):
        self._x.call()
        if isinstance(value, str):
            value = tuple(int(value.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
        for key in self._cells():
            self._sheet.fills[key] = value

    @property
    def font(self):
        rng = self

        class Font:
            @property
            def bold(self):
                rng._x.call()
                return (rng.r1, rng.c1) in rng._sheet.bold

            @bold.setter
            def bold(self, value):
                rng._x.call()
                for key in rng._cells():
                    (rng._sheet.bold.add if value else rng._sheet.bold.discard)(key)

        return Font()

    # notes -------------------------------------------------------------------------------
    @property
    def note(self):
        self._x.call()
        key = (self.r1, self.c1)
        return Note(self._sheet, key) if key in self._sheet.notes_ else None

    def add_note(self, text):
        self._x.call()
        key = (self.r1, self.c1)
        # xlwings main.py Range.add_note: "ValueError … a cell that already has a note".
        if key in self._sheet.notes_:
            raise ValueError("This cell already has a note")
        self._sheet.notes_[key] = text
        return Note(self._sheet, key)

    # conditional formats -----------------------------------------------------------------
    @property
    def conditional_formats(self):
        self._x.call()
        return ConditionalFormats(self)

    @property
    def api(self):
        return RangeApi(self)


class Note:
    def __init__(self, sheet: Sheet, key):
        self._sheet, self.key = sheet, key

    @property
    def text(self):
        self._sheet._book.excel.call()
        return self._sheet.notes_[self.key]

    @text.setter
    def text(self, value):
        self._sheet._book.excel.call()
        self._sheet.notes_[self.key] = value

    def delete(self):
        self._sheet._book.excel.call()
        del self._sheet.notes_[self.key]


class Rule:
    """One conditional-format rule: its formula as given, the range it applies to, and the
    cell that was active when it was added (FormatConditions.Add reads relative references
    relative to the active cell: Microsoft, "Conditional formatting may be set incorrectly
    when you use VBA in Excel", learn.microsoft.com/office/troubleshoot/excel/
    conditional-formatting-set-incorrectly)."""

    def __init__(self, sheet: Sheet, rng: Range, formula: str, fill, active):
        self._sheet, self.formula1, self.fill = sheet, formula, fill
        self.r1, self.c1, self.r2, self.c2 = rng.r1, rng.c1, rng.r2, rng.c2
        self.active = (active[1], active[2]) if active else (rng.r1, rng.c1)

    def true_at(self, r: int, c: int) -> bool:
        try:
            return bool(
                evaluate(
                    self.formula1,
                    self._sheet._book,
                    self._sheet,
                    (r - self.active[0], c - self.active[1]),
                    (r, c),
                )
            )
        except (LookupError, ComError, ExcelError, ZeroDivisionError, TypeError):
            return False  # an error value is not TRUE: the cell is not formatted


class ConditionalFormat:
    def __init__(self, rng: Range, rule: Rule):
        self.rng, self.rule = rng, rule

    @property
    def type(self):
        self.rng._x.call()
        return "custom"

    @property
    def formula(self):
        self.rng._x.call()
        return self.rule.formula1

    def delete(self):
        self.rng._x.call()
        self.rng._sheet.rules.remove(self.rule)


class ConditionalFormats:
    """xlwings 0.37.8 main.py ConditionalFormats (open source since 0.37.5): the rules that
    apply to the range; add_custom puts the new rule first (_xlwindows.py
    ConditionalFormats._finish_add calls SetFirstPriority; _xlmac.py set_first_priority)."""

    def __init__(self, rng: Range):
        self.rng = rng

    def _mine(self):
        r = self.rng
        return [
            rule
            for rule in r._sheet.rules
            if not (rule.r2 < r.r1 or rule.r1 > r.r2 or rule.c2 < r.c1 or rule.c1 > r.c2)
        ]

    def __iter__(self):
        for rule in self._mine():
            self.rng._x.call()
            yield ConditionalFormat(self.rng, rule)

    def __len__(self):
        self.rng._x.call()
        return len(self._mine())

    def add_custom(
        self,
        formula,
        *,
        fill_color=None,
        font_color=None,
        font_bold=None,
        font_italic=None,
        stop_if_true=False,
    ):
        self.rng._x.call()
        # main.py _conditional_format_formula: "formula must be a non-empty A1 formula
        # starting with '='".
        if not (isinstance(formula, str) and formula.startswith("=") and len(formula) > 1):
            raise ValueError("formula must be a non-empty A1 formula starting with '='.")
        _check_locale(formula, self.rng._x)  # _xlwindows.py: FormatConditions.Add(Formula1=…)
        if isinstance(fill_color, str):
            fill_color = tuple(int(fill_color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
        rule = Rule(self.rng._sheet, self.rng, formula, fill_color, self.rng._sheet._book.active)
        self.rng._sheet.rules.insert(0, rule)
        return ConditionalFormat(self.rng, rule)


class RangeApi:
    """range.api: pywin32's COM Range on Windows; on macOS an appscript reference, which
    has no FormatConditions (xlwings _xlmac.py uses ``format_conditions`` through its own
    ConditionalFormats instead)."""

    def __init__(self, rng: Range):
        self.rng = rng

    @property
    def FormatConditions(self):  # noqa: N802 (COM name)
        self.rng._x.call()
        if self.rng._x.platform == "darwin":
            raise AttributeError("FormatConditions")
        rng = self.rng

        class Collection:
            @property
            def Count(self):  # noqa: N802
                return len(ConditionalFormats(rng)._mine())

            def Item(self, i):  # noqa: N802
                rule = ConditionalFormats(rng)._mine()[i - 1]

                class Com:
                    Formula1 = rule.formula1

                    def Delete(self):  # noqa: N802
                        rng._sheet.rules.remove(rule)

                return Com()

            def Add(self, Type, Formula1, **kw):  # noqa: N802, N803
                rng._x.call()
                _check_locale(Formula1, rng._x)
                rule = Rule(rng._sheet, rng, Formula1, None, rng._sheet._book.active)
                rng._sheet.rules.insert(0, rule)

                class Interior:
                    def __setattr__(self, name, value):  # BGR integer
                        rule.fill = (value & 255, value >> 8 & 255, value >> 16 & 255)

                class Com:
                    pass

                com = Com()
                com.Interior = Interior()
                return com

        return Collection()


# A small evaluator for the formulas opsbook puts in conditional formats and helper sheets:
# references (relative ones shifted by the offset of the formatted cell from the active
# cell, absolute ones as written), sheet-level defined names (Sheet!name, evaluated in the
# context of the cell that uses them: ROW() there is that cell's row), ROW() and COLUMN()
# with or without a reference, LOOKUP (approximate match: the largest value ≤ the lookup
# value in an ascending vector, error values skipped — the documented idiom
# =LOOKUP(2,1/(A:A<>""),A:A) for "the last value" relies on it; #N/A below the first,
# Microsoft "LOOKUP function"), INDEX, MOD, arithmetic and comparisons.  A cell holding a
# formula is evaluated when read; #REF! (a reference to a deleted cell) is an error value.
_A1 = r"\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?"
_SHEET = r"(?:'(?P<q>(?:[^']|'')+)'|(?P<u>[A-Za-z_][\w.]*))!"
_TOKEN = re.compile(
    rf"""\s*(?:
    (?P<err>\#REF!)
    |(?P<ref>{_SHEET}(?P<a1>{_A1}))(?![\w(])
    |(?P<qname>(?:'(?P<nq>(?:[^']|'')+)'|(?P<nu>[A-Za-z_][\w.]*))!(?P<name>[A-Za-z_][\w.]*))
    |(?P<local>{_A1})(?![\w(])
    |(?P<func>[A-Z][A-Z0-9.]*)\(
    |(?P<num>\d+(?:\.\d+)?)
    |(?P<str>"(?:[^"]|"")*")
    |(?P<op><>|<=|>=|=|<|>|\+|-|\*|/|\(|\)|,|&)
)""",
    re.X,
)


_VALUES: dict | None = None  # formula cells' values while Sheet.coloured reads them


class ExcelError(Exception):
    """An error value (#REF!, #N/A …) met while evaluating."""


class Ref:
    """A reference, kept as such so ROW()/COLUMN() can read its position."""

    def __init__(self, book, sheet_name, r1, c1, r2, c2):
        self.book, self.sheet_name = book, sheet_name
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2

    def cell(self, r, c):
        v = self.book.sheet(self.sheet_name).cells.get((r, c), 0)
        if isinstance(v, Formula) and _VALUES is not None:
            key = (id(self.book), self.sheet_name, r, c)
            if key not in _VALUES:
                _VALUES[key] = self._evaluated(v, r, c)
            return _VALUES[key]
        if isinstance(v, Formula):
            return self._evaluated(v, r, c)
        return v

    def _evaluated(self, v, r, c):
        try:
            return evaluate(v, self.book, self.book.sheet(self.sheet_name), (0, 0), (r, c))
        except ExcelError as error:
            return error
        except (LookupError, ComError, ZeroDivisionError, TypeError):
            return ExcelError("#VALUE!")

    def values(self):
        return [
            self.cell(r, c)
            for r in range(self.r1, self.r2 + 1)
            for c in range(self.c1, self.c2 + 1)
        ]

    # arithmetic and comparisons read the referenced cell's value
    def __add__(self, o):
        return _value(self) + _value(o)

    def __radd__(self, o):
        return _value(o) + _value(self)

    def __sub__(self, o):
        return _value(self) - _value(o)

    def __rsub__(self, o):
        return _value(o) - _value(self)

    def __mul__(self, o):
        return _value(self) * _value(o)

    def __rmul__(self, o):
        return _value(o) * _value(self)

    def __truediv__(self, o):
        return _value(self) / _value(o)

    def __eq__(self, o):
        return _value(self) == _value(o)

    def __ne__(self, o):
        return _value(self) != _value(o)

    def __lt__(self, o):
        return _value(self) < _value(o)

    def __gt__(self, o):
        return _value(self) > _value(o)

    def __le__(self, o):
        return _value(self) <= _value(o)

    def __ge__(self, o):
        return _value(self) >= _value(o)

    __hash__ = None


def _value(x):
    if isinstance(x, Ref):
        if (x.r1, x.c1) != (x.r2, x.c2):
            raise ExcelError("#VALUE!")
        x = x.cell(x.r1, x.c1)
    if isinstance(x, ExcelError):
        raise x
    return x


def _check_locale(formula: str, excel: Excel) -> None:
    """FormatConditions.Add reads Formula1 in the user's list separator and reference style."""
    bare = re.sub(r'"(?:[^"]|"")*"', '""', formula)  # text literals aside
    bare = re.sub(r"'(?:[^']|'')+'!", "S!", bare)  # and quoted sheet names
    if excel.list_separator != "," and "," in bare:
        raise ComError(f"Formula1 {formula!r}: ',' is no list separator in this locale")
    if excel.reference_style == "R1C1" and re.search(
        r"(?<![\w$])\$?[A-Z]{1,3}\$?\d+(?![\w(])", bare
    ):
        raise ComError(f"Formula1 {formula!r}: an A1 reference where R1C1 is expected")


def evaluate(
    formula: str, book: Book, sheet: Sheet, offset: tuple[int, int], cell: tuple[int, int]
):
    key = (str(formula), sheet._name, offset)
    py = _TRANSLATED.get(key)
    if py is None:
        py = _TRANSLATED[key] = _translate(formula, book, sheet, offset)
    return _run(py, book, sheet, offset, cell)


_TRANSLATED: dict[tuple, str] = {}


def _translate(formula: str, book: Book, sheet: Sheet, offset: tuple[int, int]) -> str:
    text = formula[1:] if formula.startswith("=") else formula
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ComError(f"cannot parse {text[pos:]!r}")
        pos = m.end()
        if m.group("err"):
            out.append("_err()")
        elif m.group("ref") or m.group("local"):
            target = sheet
            if m.group("ref"):  # Sheet!A1; a bare A1 is on the rule's own sheet
                name = (m.group("q") or "").replace("''", "'") or m.group("u")
                target = book.sheet(name)
            a1 = m.group("a1") or m.group("local")
            out.append(f"_ref({_shifted(a1, offset)!r}, {target._name!r})")
        elif m.group("qname"):
            owner = (m.group("nq") or "").replace("''", "'") or m.group("nu")
            out.append(f"_name({owner!r}, {m.group('name')!r})")
        elif m.group("func"):
            out.append(f"_f_{m.group('func').replace('.', '_')}(")
        elif m.group("num"):
            out.append(m.group("num"))
        elif m.group("str"):
            out.append(repr(m.group("str")[1:-1].replace('""', '"')))
        else:
            out.append({"=": "==", "<>": "!=", "&": "+"}.get(m.group("op"), m.group("op")))
    return " ".join(out)


def _run(py: str, book: Book, sheet: Sheet, offset: tuple[int, int], cell: tuple[int, int]):
    def _ref(a1, name):
        r1, c1, r2, c2 = _parse_area(a1)
        return Ref(book, name, r1, c1, r2, c2)

    def _err():
        raise ExcelError("#REF!")

    def _name(owner, name):
        refers_to = book.sheet(owner).defined[name]
        return evaluate(refers_to, book, sheet, offset, cell)

    def _f_LOOKUP(x, vector, result):  # noqa: N802
        x = _value(x)
        found = None
        for i, v in enumerate(vector.values()):
            if isinstance(v, ExcelError):
                continue  # error values are skipped
            if isinstance(v, (int, float)) and v <= x:
                found = i
            elif isinstance(v, (int, float)) and v > x:
                break
        if found is None:
            raise LookupError("#N/A")
        return _value(result.values()[found])

    env = {
        "_ref": _ref,
        "_v": _value,
        "_err": _err,
        "_name": _name,
        "_f_ROW": lambda ref=None: cell[0] if ref is None else ref.r1,
        "_f_COLUMN": lambda ref=None: cell[1] if ref is None else ref.c1,
        "_f_LOOKUP": _f_LOOKUP,
        "_f_MOD": lambda a, b: _value(a) % _value(b),
        "_f_INDEX": lambda arr, i, j=1: arr.values()[int(i) - 1],
    }
    result = eval(py, env)  # noqa: S307 - our own translation of a formula this module parsed
    return _value(result)


def _rewrite(formula: str, own: str, move) -> str:
    """``formula`` (on sheet ``own``) with each reference moved by ``move(sheet, row, col)``
    (None: the cell is gone, the reference becomes #REF!); sheet names renamed alike."""

    def one(m: re.Match) -> str:
        if m.group("str"):
            return m.group(0)
        named = (m.group("q") or "").replace("''", "'") or m.group("u")
        sheet = named or own
        parts = []
        for part in m.group("a1").split(":"):
            cm = re.fullmatch(r"(\$?)([A-Z]{1,3})(\$?)(\d+)", part)
            r, c = int(cm.group(4)), _parse_cell(cm.group(2) + "1")[1]
            moved = move(sheet, r, c)
            if moved is None:
                return "#REF!"
            sheet_to, r, c = moved
            parts.append(f"{cm.group(1)}{letters(c)}{cm.group(3)}{r}")
            new_sheet = sheet_to
        prefix = ""
        if named:
            prefix = (
                ("'" + new_sheet.replace("'", "''") + "'!") if m.group("q") else new_sheet + "!"
            )
            if m.group("u") and not re.fullmatch(r"[A-Za-z_][\w.]*", new_sheet):
                prefix = "'" + new_sheet.replace("'", "''") + "'!"
        return prefix + ":".join(parts)

    pattern = re.compile(rf'(?P<str>"(?:[^"]|"")*")|(?:{_SHEET})?(?P<a1>{_A1})(?![\w(!])')
    return pattern.sub(one, formula)


def _shifted(a1: str, offset: tuple[int, int]) -> str:
    """A reference as it reads from a formatted cell: relative parts shifted by offset."""

    def one(ref: str) -> str:
        m = re.fullmatch(r"(\$?)([A-Z]{1,3})(\$?)(\d+)", ref)
        col_abs, col, row_abs, row = m.groups()
        c = _parse_cell(col + "1")[1]
        r = int(row)
        c = c if col_abs else c + offset[1]
        r = r if row_abs else r + offset[0]
        if r < 1 or c < 1:
            raise ComError("#REF!")
        return f"{letters(c)}{r}"

    return ":".join(one(p) for p in a1.split(":"))


# VBA's reserved identifiers (MS-VBAL §3.3.5.2 "Reserved Identifiers and IDENTIFIER"): none may
# name a parameter of the VBA functions xlwings generates for the formulas, or the module
# does not compile and Import Functions fails for all of them (xlwings issue #563: "currency
# is a reserved name in VBA and can therefore not be used").
VBA_RESERVED = set(
    """
Call Case Close Const Declare DefBool DefByte DefCur DefDate DefDbl DefInt DefLng DefLngLng DefLngPtr DefObj
DefSng DefStr DefVar Dim Do Else ElseIf End EndIf Enum Erase Event Exit For Friend Function Get Global GoSub
GoTo If Implements Input Let Lock Loop LSet Next On Open Option Print Private Public Put RaiseEvent ReDim
Resume Return RSet Seek Select Set Static Stop Sub Type Unlock Wend While With Write Rem Any As ByRef ByVal
Each In New Shared Until WithEvents Optional ParamArray Preserve Spc Tab Then To AddressOf And Eqv Imp Is
Like Mod Not Or TypeOf Xor Abs CBool CByte CCur CDate CDbl CDec CInt CLng CLngLng CLngPtr CSng CStr CVar CVErr
Date Debug DoEvents Fix Int Len LenB Me PSet Scale Sgn String Array Circle InputB LBound UBound Boolean Byte
Currency Double Integer Long LongLong LongPtr Single Variant True False Nothing Empty Null Attribute
LINEINPUT CDecl Decimal DefDec
""".lower().split()
)


class StandInDriver:
    """The Excel of `opsbook excel selftest` (opsbook/excel/selftest.py), stood in: the same
    steps, the same button code (opsbook.excel.buttons through a mocked Book.caller, as
    xlwings' set_mock_caller does), Excel's side played by this module.  What only a real
    Excel can do is said, not faked: compiling VBA becomes reading the project back and
    finding what OpsAddinCheck returns; there is no screen to take a picture of."""

    def __init__(self, list_separator: str = ",", reference_style: str = "A1"):
        self.list_separator, self.reference_style = list_separator, reference_style

    def info(self) -> dict:
        return {
            "excel": "stand-in (tests/excel_standin.py)",
            "list_separator": self.list_separator,
            "reference_style": self.reference_style,
        }

    def open(self, path):
        book = Book.from_file(Path(path))
        book.excel.list_separator = self.list_separator
        book.excel.reference_style = self.reference_style
        return book

    def close(self, book) -> None:
        pass

    def compile_check(self, path) -> str:
        import zipfile

        from oletools.olevba import VBA_Parser

        with zipfile.ZipFile(path) as zf:
            zf.read("xl/vbaProject.bin")
        code = {s.split("/")[-1]: c for _, s, _, c in VBA_Parser(str(path)).extract_macros()}
        check = re.search(r'OpsAddinCheck = "(.*?)" & XLWINGS_VERSION', code.get("opsbook", ""))
        version = re.search(r'XLWINGS_VERSION As String = "(.*?)"', code.get("xlwings", ""))
        return (check.group(1) + version.group(1)) if check and version else "not found"

    def press(self, book, button: str) -> list[str]:
        import xlwings as xw

        from opsbook.excel import buttons

        seen = len(book.excel.alerts)
        real = xw.Book.__dict__.get("caller")
        xw.Book.caller = staticmethod(lambda: book)
        try:
            getattr(buttons, button)()
        finally:
            xw.Book.caller = real
        return book.excel.alerts[seen:]

    def run_macro(self, book, addin_path, macro: str) -> None:
        """What RunPython does for a macro of the add-in (xlwings.bas 0.37.8 RunPython →
        ExecuteWindows: Python runs the macro's command with Book.caller() the workbook named
        by --wb=ThisWorkbook.Name, i.e. the add-in; set_mock_caller then redirects it)."""
        import xlwings as xw

        from opsbook.excel.addin.sources import resource_text

        body = resource_text("opsbook.bas").split(f"Sub {macro}()", 1)[1].split("End Sub")[0]
        command = re.search(r'RunPython "(.*)"', body).group(1)
        addin = Book("opsbook.xlam")
        addin.app.books = type("Books", (), {"active": book})()
        mocked = {}
        real_caller, real_mock = xw.Book.__dict__.get("caller"), Book.set_mock_caller
        xw.Book.caller = staticmethod(lambda: mocked.get("book", addin))
        Book.set_mock_caller = lambda self: mocked.__setitem__("book", self)
        try:
            exec(command, {})
        finally:
            xw.Book.caller, Book.set_mock_caller = real_caller, real_mock

    def snapshot(self, book) -> dict:
        return {
            (s._name, "state"): (dict(s.cells), dict(s.notes_), s.coloured(), s.visibility)
            for s in book._sheets
        }

    def shown_marks(self, book) -> dict:
        from opsbook.excel.selftest import COLOURS

        return {
            (s._name, r, c): COLOURS[rgb]
            for s in book._sheets
            if s.visibility == VISIBLE
            for (r, c), rgb in s.coloured().items()
            if rgb in COLOURS
        }

    def insert_row(self, book, sheet: str, row: int) -> None:
        book.sheet(sheet).insert_rows(row)

    def delete_row(self, book, sheet: str, row: int) -> None:
        book.sheet(sheet).delete_rows(row)

    def rename(self, book, sheet: str, name: str) -> None:
        book.sheet(sheet).rename(name)

    def formula(self, name: str, text: str):
        """The function of the formula, called as Excel would (DATE(y,m,d) → a date)."""
        import time

        from opsbook.excel import udfs

        args = [
            dt.datetime(*map(int, d.split(","))) if d else float(n)
            for d, n in re.findall(r"DATE\((\d+,\d+,\d+)\)|(?<=[(,])(\d+)(?=[),])", text)
        ]
        calls = 200
        start = time.perf_counter()
        for _ in range(calls):
            value = getattr(udfs, name)(*args)
        return value, (time.perf_counter() - start) / calls

    def check_rows(self, path):
        import time

        from opsbook.excel import rowcache, udfs
        from opsbook.excel.selftest import expected_answers, header_row

        book = self.open(path)
        sheet = book._sheets[0]
        values = sheet.used_range.options(ndim=2).value  # the sample's table starts in A
        top, width, rows = header_row(values), len(values[0]), len(values)
        header = sheet.range((top + 1, 1), (top + 1, width))
        rowcache.ANSWERS.tables.clear()
        start = time.perf_counter()
        answers = [
            udfs.OPS_CHECK_ROW(
                sheet.range((r, 1), (r, width)), header, None, caller=sheet.range((r, width + 2))
            )
            for r in range(top + 2, rows + 1)
        ]
        seconds = (time.perf_counter() - start) / max(len(answers), 1)
        return answers, seconds, expected_answers(values[top], values[top + 1 :])

    def screenshot(self, path):
        raise RuntimeError("no screen to capture: Excel is stood in")
