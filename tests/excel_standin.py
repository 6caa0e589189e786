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
        self.fullname = str((folder or Path.cwd()) / name)
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

    def set_mock_caller(self):
        pass

    # inspection helpers for tests (not xlwings API; never counted)
    def names(self) -> list[str]:
        return [s._name for s in self._sheets]

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self._sheets if s._name == name)


class Sheets:
    def __init__(self, book: Book):
        self.book = book

    def __iter__(self):
        for s in list(self.book._sheets):
            self.book.excel.call()
            yield s

    def __len__(self):
        self.book.excel.call()
        return len(self.book._sheets)

    def __getitem__(self, key):
        self.book.excel.call()
        if isinstance(key, int):
            return self.book._sheets[key]
        for s in self.book._sheets:
            if s._name.lower() == key.lower():  # sheet names are case-insensitive in Excel
                return s
        raise KeyError(key)

    def add(self, name=None, before=None, after=None):
        self.book.excel.call()
        # xlwings main.py Sheets.add: "Creates a new Sheet and makes it the active sheet",
        # and refuses a name already present (case-insensitive).
        if name is not None and name.lower() in (s._name.lower() for s in self.book._sheets):
            raise ValueError(f"Sheet named '{name}' already present in workbook")
        if name is not None and (len(name) > 31 or re.search(r"[\\/?*\[\]:]", name)):
            raise ComError(f"invalid sheet name {name!r}")  # Excel's sheet-name rules
        index = self.book._sheets.index(after) + 1 if after is not None else None
        sheet = self.book._new_sheet(name or f"Sheet{len(self.book._sheets) + 1}", index)
        self.book.active = (sheet, 1, 1)  # a new sheet's active cell is A1
        return sheet


VISIBLE, HIDDEN, VERY_HIDDEN = -1, 0, 2  # XlSheetVisibility


class Sheet:
    def __init__(self, book: Book, name: str):
        self.book = book
        self._name = name
        self.cells: dict[tuple[int, int], object] = {}
        self.formats: dict[tuple[int, int], str] = {}
        self.notes_: dict[tuple[int, int], str] = {}
        self.rules: list[Rule] = []
        self.fills: dict[tuple[int, int], tuple | None] = {}
        self.bold: set[tuple[int, int]] = set()
        self.visibility = VISIBLE

    @property
    def name(self):
        self.book.excel.call()
        return self._name

    @name.setter
    def name(self, value):
        self.book.excel.call()
        self._name = value

    @property
    def visible(self):
        self.book.excel.call()
        return self.visibility == VISIBLE

    @visible.setter
    def visible(self, value):
        # xlwings _xlwindows.py Sheet.visible: COM Visible = value (True → -1, False → 0).
        self.book.excel.call()
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
        self.book.excel.call()
        for key in list(self.notes_):
            self.book.excel.call()
            yield Note(self, key)

    @property
    def used_range(self):
        self.book.excel.call()
        if not self.cells:
            return Range(self, 1, 1, 1, 1)
        rows = [r for r, _ in self.cells]
        cols = [c for _, c in self.cells]
        return Range(self, min(rows), min(cols), max(rows), max(cols))

    def range(self, a, b=None):
        self.book.excel.call()
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
        self.book.excel.call()
        if sum(1 for s in self.book._sheets if s.visibility == VISIBLE and s is not self) == 0:
            raise ComError("a workbook must contain at least one visible worksheet")
        self.book._sheets.remove(self)

    # inspection helpers (not counted) ----------------------------------------------------
    def value(self, ref: str):
        r, c = _parse_cell(ref)
        return self.cells.get((r, c))

    def coloured(self) -> dict[tuple[int, int], tuple]:
        """The fill Excel shows on each cell: conditional formats first (in priority
        order, the first true rule wins), then the cell's own fill."""
        out = {k: v for k, v in self.fills.items() if v is not None}
        for rule in reversed(self.rules):  # lowest priority first; higher ones overwrite
            for r in range(rule.r1, rule.r2 + 1):
                for c in range(rule.c1, rule.c2 + 1):
                    if rule.true_at(r, c):
                        out[(r, c)] = rule.fill
        return out


class SheetApi:
    """sheet.api: the COM Worksheet on Windows, an appscript reference on macOS."""

    def __init__(self, sheet: Sheet):
        object.__setattr__(self, "_s", sheet)

    def __setattr__(self, name, value):
        s = self._s
        s.book.excel.call()
        if s.book.excel.platform == "darwin":
            raise AttributeError(name)  # appscript references have no COM properties
        if name == "Visible":
            s.visibility = value
        else:
            raise AttributeError(name)

    @property
    def visible(self):
        s = self._s
        if s.book.excel.platform != "darwin":
            raise AttributeError("visible")

        class Prop:
            def set(_, value):  # noqa: N805 - `s` is the sheet; `_` is this stand-in
                s.book.excel.call()
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
        self.sheet = sheet
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2
        self.areas = areas or [(r1, c1, r2, c2)]
        self._ndim = ndim

    @property
    def _x(self) -> Excel:
        return self.sheet.book.excel

    def _cells(self):
        for r1, c1, r2, c2 in self.areas:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    yield r, c

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
        return Range(self.sheet, self.r1, self.c1, self.r2, self.c2, self.areas, ndim)

    # values ------------------------------------------------------------------------------
    def _read(self, r, c):
        v = self.sheet.cells.get((r, c))
        if isinstance(v, Formula):
            return None  # formulas are not evaluated here; opsbook never reads its own back
        fmt = self.sheet.formats.get((r, c), "")
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
                    self.sheet.cells.pop(key, None)
                elif isinstance(v, str):
                    self.sheet.cells[key] = typed(v, self.sheet.formats.get(key))
                else:
                    self.sheet.cells[key] = v

    @property
    def formula(self):
        self._x.call()
        v = self.sheet.cells.get((self.r1, self.c1))
        return v if isinstance(v, Formula) else ("" if v is None else str(v))

    @property
    def number_format(self):
        self._x.call()
        return self.sheet.formats.get((self.r1, self.c1), "General")

    @number_format.setter
    def number_format(self, fmt):
        self._x.call()
        for key in self._cells():
            self.sheet.formats[key] = fmt

    @property
    def color(self):
        self._x.call()
        return self.sheet.fills.get((self.r1, self.c1))

    @color.setter
    def color(self, value):
        self._x.call()
        if isinstance(value, str):
            value = tuple(int(value.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
        for key in self._cells():
            self.sheet.fills[key] = value

    @property
    def font(self):
        rng = self

        class Font:
            @property
            def bold(self):
                rng._x.call()
                return (rng.r1, rng.c1) in rng.sheet.bold

            @bold.setter
            def bold(self, value):
                rng._x.call()
                for key in rng._cells():
                    (rng.sheet.bold.add if value else rng.sheet.bold.discard)(key)

        return Font()

    # notes -------------------------------------------------------------------------------
    @property
    def note(self):
        self._x.call()
        key = (self.r1, self.c1)
        return Note(self.sheet, key) if key in self.sheet.notes_ else None

    def add_note(self, text):
        self._x.call()
        key = (self.r1, self.c1)
        # xlwings main.py Range.add_note: "ValueError … a cell that already has a note".
        if key in self.sheet.notes_:
            raise ValueError("This cell already has a note")
        self.sheet.notes_[key] = text
        return Note(self.sheet, key)

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
        self.sheet, self.key = sheet, key

    @property
    def text(self):
        self.sheet.book.excel.call()
        return self.sheet.notes_[self.key]

    @text.setter
    def text(self, value):
        self.sheet.book.excel.call()
        self.sheet.notes_[self.key] = value

    def delete(self):
        self.sheet.book.excel.call()
        del self.sheet.notes_[self.key]


class Rule:
    """One conditional-format rule: its formula as given, the range it applies to, and the
    cell that was active when it was added (FormatConditions.Add reads relative references
    relative to the active cell: Microsoft, "Conditional formatting may be set incorrectly
    when you use VBA in Excel", learn.microsoft.com/office/troubleshoot/excel/
    conditional-formatting-set-incorrectly)."""

    def __init__(self, sheet: Sheet, rng: Range, formula: str, fill, active):
        self.sheet, self.formula1, self.fill = sheet, formula, fill
        self.r1, self.c1, self.r2, self.c2 = rng.r1, rng.c1, rng.r2, rng.c2
        self.active = (active[1], active[2]) if active else (rng.r1, rng.c1)

    def true_at(self, r: int, c: int) -> bool:
        try:
            return bool(
                evaluate(
                    self.formula1,
                    self.sheet.book,
                    self.sheet,
                    (r - self.active[0], c - self.active[1]),
                    (r, c),
                )
            )
        except (LookupError, ComError, ZeroDivisionError, TypeError):
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
        self.rng.sheet.rules.remove(self.rule)


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
            for rule in r.sheet.rules
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
        if isinstance(fill_color, str):
            fill_color = tuple(int(fill_color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
        rule = Rule(self.rng.sheet, self.rng, formula, fill_color, self.rng.sheet.book.active)
        self.rng.sheet.rules.insert(0, rule)
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
                        rng.sheet.rules.remove(rule)

                return Com()

            def Add(self, Type, Formula1, **kw):  # noqa: N802, N803
                rng._x.call()
                rule = Rule(rng.sheet, rng, Formula1, None, rng.sheet.book.active)
                rng.sheet.rules.insert(0, rule)

                class Interior:
                    def __setattr__(self, name, value):  # BGR integer
                        rule.fill = (value & 255, value >> 8 & 255, value >> 16 & 255)

                class Com:
                    pass

                com = Com()
                com.Interior = Interior()
                return com

        return Collection()


# A small evaluator for the formulas opsbook puts in conditional formats: references
# (relative ones shifted by the offset of the formatted cell from the active cell, absolute
# ones as written), ROW(), COLUMN(), LOOKUP (approximate match: the largest value ≤ the
# lookup value in an ascending vector; #N/A below the first, Microsoft "LOOKUP function"),
# INDEX, MOD, arithmetic and comparisons.
_TOKEN = re.compile(
    r"""\s*(?:
    (?P<ref>(?:'(?P<q>(?:[^']|'')+)'|(?P<u>[A-Za-z_][\w.]*))!(?P<a1>\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)
      |(?P<local>\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)(?![\w(]))
    |(?P<func>[A-Z][A-Z0-9.]*)\(
    |(?P<num>\d+(?:\.\d+)?)
    |(?P<str>"(?:[^"]|"")*")
    |(?P<op><>|<=|>=|=|<|>|\+|-|\*|/|\(|\)|,|&)
)""",
    re.X,
)


def evaluate(
    formula: str, book: Book, sheet: Sheet, offset: tuple[int, int], cell: tuple[int, int]
):
    text = formula[1:] if formula.startswith("=") else formula
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ComError(f"cannot parse {text[pos:]!r}")
        pos = m.end()
        if m.group("ref") or m.group("local"):
            target = sheet
            if m.group("a1"):  # Sheet!A1; a bare A1 is on the rule's own sheet
                name = (m.group("q") or "").replace("''", "'") or m.group("u")
                target = book.sheet(name)
            a1 = m.group("a1") or m.group("local")
            out.append(f"_ref({_shifted(a1, offset)!r}, {target._name!r})")
        elif m.group("func"):
            out.append(f"_f_{m.group('func').replace('.', '_')}(")
        elif m.group("num"):
            out.append(m.group("num"))
        elif m.group("str"):
            out.append(repr(m.group("str")[1:-1].replace('""', '"')))
        else:
            out.append({"=": "==", "<>": "!=", "&": "+"}.get(m.group("op"), m.group("op")))
    py = " ".join(out)

    def _ref(a1, name):
        target = book.sheet(name)
        r1, c1, r2, c2 = _parse_area(a1)
        if (r1, c1) == (r2, c2):
            return target.cells.get((r1, c1), 0)
        return [target.cells.get((r, c), 0) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]

    def _f_LOOKUP(x, vector, result):  # noqa: N802
        found = None
        for i, v in enumerate(vector):
            if isinstance(v, (int, float)) and v <= x:
                found = i
            elif isinstance(v, (int, float)) and v > x:
                break
        if found is None:
            raise LookupError("#N/A")
        return result[found]

    env = {
        "_ref": _ref,
        "_f_ROW": lambda: cell[0],
        "_f_COLUMN": lambda: cell[1],
        "_f_LOOKUP": _f_LOOKUP,
        "_f_MOD": lambda a, b: a % b,
        "_f_INDEX": lambda arr, i, j=1: arr[int(i) - 1],
    }
    return eval(py, env)  # noqa: S307 - our own translation of a formula this module parsed


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
