"""A workbook open in Excel, through xlwings: the live side of opsbook.bookio.BookIO.

Round trips to Excel are the cost, so marking takes a fixed number of calls per sheet,
whatever the number of violations: the severity of every marked cell goes into a hidden
helper sheet in one 2-D write, and two conditional-format rules per sheet (error, warning)
colour the cells whose helper cell says so.  Users' own fills stay untouched underneath and
clearing is deleting the rules and the helper sheet.  Notes are added only for the first
``notes_cap`` violations of a sheet; the 違規清單 sheet carries every one.
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np
import pandas as pd

from ..summaries.base import plain, totals
from ..workbook.cells import column_index, column_letter, quote_sheet
from ..workbook.reader import SheetValues
from ..writers.annotate import SEVERITY_ZH, VIOLATION_HEADERS, VIOLATIONS_SHEET, cell_marks
from ..writers.notes import MARK
from ..writers.state import STATE_SHEET

HELPER_PREFIX = "_opsbook_"
CODES = {"warning": 1, "error": 2}
COLOURS = {2: 0xCEC7FF, 1: 0x9CEBFF}  # BGR for Excel's COM: light red, light yellow
XL_EXPRESSION = 2  # xlExpression


class XlwingsBook:
    def __init__(self, book, notes_cap: int = 30):
        self.book = book
        self.notes_cap = notes_cap
        self.ours: list[str] = []

    # reading ---------------------------------------------------------------------------
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def read_sheet(self, name: str) -> SheetValues:
        """One call for the used range's values (2-D), one each for its position."""
        used = self.book.sheets[name].used_range
        rows = used.options(ndim=2).value
        return SheetValues(name, rows=rows, origin_row=used.row - 1, origin_col=used.column - 1)

    def read_all(self) -> list[SheetValues]:
        skip = set(self._our_sheets()) | {STATE_SHEET}
        return [self.read_sheet(n) for n in self.sheet_names() if n not in skip and not n.startswith(HELPER_PREFIX)]

    # writing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def quiet(self):
        """Screen updating and calculation off while opsbook writes."""
        app = self.book.app
        app.screen_updating = False
        app.calculation = "manual"
        try:
            yield
        finally:
            app.calculation = "automatic"
            app.screen_updating = True

    def mark(self, frame: pd.DataFrame) -> None:
        marks = cell_marks(frame)
        for index, (sheet_name, m) in enumerate(marks.groupby("sheet", sort=False)):
            sheet = self.book.sheets[sheet_name]
            rows = m["row"].to_numpy(dtype=int)
            cols = np.array([column_index(x) for x in m["letters"]])
            r0, c0 = rows.min(), cols.min()
            grid = np.zeros((rows.max() - r0 + 1, cols.max() - c0 + 1), dtype=int)
            grid[rows - r0, cols - c0] = m["severity"].map(CODES).to_numpy()
            helper_name = f"{HELPER_PREFIX}{index}"
            helper = self._fresh_sheet(helper_name, visible=False)
            helper.range((r0, c0 + 1)).value = grid.tolist()
            target = sheet.range((r0, c0 + 1), (rows.max(), cols.max() + 1))
            first = f"{quote_sheet(helper_name)}!{column_letter(c0)}{r0}"
            for code in (2, 1):
                self._add_rule(target, f"={first}={code}", COLOURS[code])
            for ref, text in list(zip(m["ref"], m["note"]))[: self.notes_cap]:
                cell = sheet.range(ref)
                if cell.note is None:  # a user's own note is never replaced
                    cell.add_note(f"{MARK}\n{text}")

    def _add_rule(self, target, formula: str, colour: int) -> None:
        if sys.platform == "darwin":  # AppleScript's object model: format conditions by name
            rule = target.api.format_conditions.make(new="format_condition",
                                                      with_properties={"type": 2, "formula1": formula})
            rule.interior_object.color.set(colour)
            return
        rule = target.api.FormatConditions.Add(Type=XL_EXPRESSION, Formula1=formula)
        rule.Interior.Color = colour

    def write_violations(self, frame: pd.DataFrame) -> None:
        rows = [VIOLATION_HEADERS] + [
            [v.sheet, v.cell, v.row, v.column, v.clause, v.rule, SEVERITY_ZH.get(v.severity, v.severity),
             v.message, v.value] for v in frame.itertuples(index=False)]
        sheet = self._fresh_sheet(VIOLATIONS_SHEET)
        sheet.range("A1").value = rows
        sheet.range((1, 1), (1, len(VIOLATION_HEADERS))).font.bold = True

    def write_summary(self, summary) -> None:
        rows: list[list] = []
        for block in summary.blocks:
            if rows:
                rows.append([])
            if block.title:
                rows.append([block.title])
            rows.append(list(block.frame.columns))
            rows += [[plain(v, dates="python") for v in r] for r in block.frame.itertuples(index=False)]
            if block.total and len(block.frame):
                rows.append([plain(v, dates="python") for v in totals(block).values()])
            if block.note:
                rows.append([block.note])
        width = max(len(r) for r in rows)
        sheet = self._fresh_sheet(summary.name)
        sheet.range("A1").value = [r + [None] * (width - len(r)) for r in rows]

    def save(self) -> None:
        """Record opsbook's sheets (so clear finds them) in the hidden _opsbook sheet."""
        state = self._fresh_sheet(STATE_SHEET, visible=False)
        state.range("A1").value = [["kind", "where"]] + [["sheet", n] for n in self.ours]

    # clearing --------------------------------------------------------------------------
    def clear(self) -> None:
        """Delete opsbook's rules, notes and sheets; nothing of the user's."""
        helpers = [n for n in self.sheet_names() if n.startswith(HELPER_PREFIX)]
        for sheet in self.book.sheets:
            if sheet.name in helpers or sheet.name == STATE_SHEET:
                continue
            self._delete_rules(sheet.used_range)
            for note in list(sheet.notes):
                if note.text.startswith(MARK):
                    note.delete()
        for name in helpers + self._our_sheets() + [STATE_SHEET]:
            if name in self.sheet_names():
                self.book.sheets[name].delete()

    def _delete_rules(self, rng) -> None:
        conditions = rng.api.FormatConditions
        for i in range(conditions.Count, 0, -1):  # a few rules per sheet; ours name the helper
            rule = conditions.Item(i)
            if HELPER_PREFIX in str(getattr(rule, "Formula1", "")):
                rule.Delete()

    def _our_sheets(self) -> list[str]:
        if STATE_SHEET not in self.sheet_names():
            return []
        values = self.book.sheets[STATE_SHEET].used_range.options(ndim=2).value
        return [str(r[1]) for r in values[1:] if r and r[0] == "sheet"]

    def _fresh_sheet(self, name: str, visible: bool = True):
        if name in self.sheet_names():
            self.book.sheets[name].delete()
        sheet = self.book.sheets.add(name, after=self.book.sheets[-1])
        if not visible:
            sheet.visible = False
        if name != STATE_SHEET and not name.startswith(HELPER_PREFIX):
            self.ours.append(name)
        return sheet
