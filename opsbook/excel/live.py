"""A workbook open in Excel, through xlwings: the live side of opsbook.bookio.BookIO.

Round trips to Excel are the cost, so a run takes a number of calls bounded by the number
of sheets, whatever the number of violations (tests/test_excel.py counts them):

* Marks.  The marked cells of a sheet go, as a sorted list of keys (row × 16384 + column)
  with their severity, into a very hidden helper sheet in one write, and one
  conditional-format rule per severity colours the cells the list names.  The rule's
  formula has no relative reference (see ``rule_formula``): Excel reads relative
  references in a rule added through FormatConditions.Add relative to the *active cell*
  (Microsoft, "Conditional formatting may be set incorrectly when you use VBA in Excel",
  learn.microsoft.com/office/troubleshoot/excel/conditional-formatting-set-incorrectly),
  and adding a sheet activates it (xlwings main.py Sheets.add: "makes it the active
  sheet").  Users' own fills stay untouched underneath.
* Rules are added and deleted through open-source xlwings' ``Range.conditional_formats``
  (``add_custom`` / ``ConditionalFormat.delete``, new in 0.37.5; _xlwindows.py
  ConditionalFormats.add_custom calls FormatConditions.Add(Type=xlExpression); _xlmac.py
  ConditionalFormats.add_custom makes an AppleScript format condition), so the same code
  runs on Windows and macOS.
* Notes only for the first ``notes_cap`` marked cells of a sheet; 違規清單 lists every one.
* Text is written as text: Excel parses a string written into a General cell as if typed
  (a leading "=" makes a formula, "2/16" a date, "00123" the number 123); a leading
  apostrophe stores the rest as text (Microsoft, "Format numbers as text").
* Everything written is remembered in the ``_opsbook`` state sheet, in the format the file
  writer uses (opsbook.ooxml.state), so ``opsbook clear`` undoes a button's run and the
  清除標記 button undoes ``opsbook validate --write``.
"""

from __future__ import annotations

import contextlib
import sys
from collections import defaultdict
from decimal import Decimal
from typing import cast

import numpy as np
import pandas as pd

from ..layout import (
    FILL_RGB,
    LINK_COLUMN,
    NOTE_MARK,
    SEVERITY_ORDER,
    VIOLATION_HEADERS,
    VIOLATIONS_SHEET,
    cell_marks,
    free_sheet_name,
    violation_rows,
)
from ..ooxml.state import STATE_SHEET, RunState
from ..summaries.base import totals
from ..values import plain
from ..workbook.cells import column_index, quote_sheet
from ..workbook.reader import SheetValues

HELPER_PREFIX = "_opsbook_"
CODES = {"warning": 1, "error": 2}
KEY_ROW = 16384  # Excel's column count: row * 16384 + column is unique per cell
XL_SHEET_VERY_HIDDEN = 2  # XlSheetVisibility.xlSheetVeryHidden (xlwings constants.py)
MAX_ADDRESS = 250  # Range("A1,B2,…"): Excel refuses an address text over 255 characters


def rule_formula(helper: str, rows: int, code: int) -> str:
    """A conditional-format formula true on the cells the helper sheet lists with ``code``.

    ROW() and COLUMN() in a rule are those of the cell being formatted (Microsoft's own
    banded-rows rule is =MOD(ROW(),2)=0, "Apply color to alternate rows or columns"); the
    helper ranges are absolute.  So the rule means the same whatever cell is active when it
    is added.  LOOKUP finds the largest key ≤ this cell's key in the sorted list; column B
    holds key × 4 + code, so it equals this cell's key × 4 + code only when the cell is listed
    with that code (an unlisted cell before the first key gives #N/A: not formatted)."""
    sheet = quote_sheet(helper)
    key = f"(ROW()*{KEY_ROW}+COLUMN())"
    return f"=LOOKUP({key},{sheet}!$A$1:$A${rows},{sheet}!$B$1:$B${rows})={key}*4+{code}"


def as_text(value):
    """A value as Excel should store it: text stays text (see the module docstring)."""
    if isinstance(value, str):
        return "'" + value if value else None
    if isinstance(value, Decimal):  # read from a Currency cell; written back as Decimal it
        return float(value)  # would turn the cell into Currency (xlwings issue #2634)
    return value


class XlwingsBook:
    def __init__(self, book, notes_cap: int = 30, platform: str = sys.platform):
        self.book = book
        self.notes_cap = notes_cap
        self.platform = platform
        self.run = RunState(writer="live")
        self._names: list[str] | None = None
        self._legacy = False

    # reading ---------------------------------------------------------------------------
    def sheet_names(self) -> list[str]:
        if self._names is None:
            self._names = [s.name for s in self.book.sheets]
        return list(self._names)

    def read_sheet(self, name: str) -> SheetValues:
        """One call for the used range's values (2-D), one each for its position."""
        sheet = self.book.sheets[name]
        used = sheet.used_range
        rows = used.options(ndim=2).value
        return SheetValues(
            name,
            rows=rows,
            origin_row=used.row - 1,
            origin_col=used.column - 1,
            visible=bool(sheet.visible),
        )

    def read_all(self) -> list[SheetValues]:
        state = self.state()
        skip = {STATE_SHEET, *(state.sheets if state else [])}
        return [
            self.read_sheet(n)
            for n in self.sheet_names()
            if n not in skip and not n.startswith(HELPER_PREFIX)
        ]

    def state(self) -> RunState | None:
        """What the last run wrote (either writer), or None."""
        if STATE_SHEET not in self.sheet_names():
            return None
        values = self.book.sheets[STATE_SHEET].used_range.options(ndim=2).value or []
        state = RunState.from_rows(values)
        # The live writer before issue 13 wrote a two-column state ("kind", "where") that
        # named neither its helper sheets nor its rules and notes.
        self._legacy = bool(values) and [
            str(v).strip() for v in values[0] if v not in (None, "")
        ] == ["kind", "where"]
        return state

    # writing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def quiet(self):
        """Screen updating and calculation off while opsbook writes; afterwards exactly
        what was there before (a user in Manual calculation stays in Manual)."""
        app = self.book.app
        updating, calculation = app.screen_updating, app.calculation
        try:
            app.screen_updating = False
            app.calculation = "manual"
            yield
        finally:
            app.calculation = calculation
            app.screen_updating = updating

    def mark(self, frame: pd.DataFrame) -> None:
        marks = cell_marks(frame)
        for index, (group_key, m) in enumerate(marks.groupby("sheet", sort=False)):
            sheet_name = cast(str, group_key)  # pandas-stubs type a group's key as any scalar
            sheet = self.book.sheets[sheet_name]
            rows = m["row"].to_numpy(dtype=np.int64)
            cols = np.array([column_index(x) + 1 for x in m["letters"]], dtype=np.int64)
            keys = rows * KEY_ROW + cols
            codes = m["severity"].map(CODES).to_numpy(dtype=np.int64)
            order = np.argsort(keys, kind="stable")
            helper_name = self._free_name(f"{HELPER_PREFIX}{index}")
            helper = self._add_sheet(helper_name, very_hidden=True)
            # Only the marked cells, as (key, key*4+code) pairs: one write, len(marks) rows.
            # As floats: a key passes 2**31 from row 131,072 on, and pywin32 sends a Python int
            # that large as a 64-bit integer (VT_I8), not a type a cell holds (a cell's number
            # is a double); a double holds every key exactly (< 2**53).
            pairs = np.column_stack([keys[order], keys[order] * 4 + codes[order]]).astype(
                np.float64
            )
            helper.range("A1").value = pairs.tolist()
            target = sheet.range(
                (int(rows.min()), int(cols.min())), (int(rows.max()), int(cols.max()))
            )
            rules = target.conditional_formats
            for severity in reversed(SEVERITY_ORDER):  # each new rule goes first: error ends on top
                if (codes == CODES[severity]).any():
                    rules.add_custom(
                        rule_formula(helper_name, len(keys), CODES[severity]),
                        fill_color=FILL_RGB[severity],
                    )
            self.run.rules.append((sheet_name, target.address, helper_name))
            self._add_notes(sheet, sheet_name, m.head(self.notes_cap))

    def _add_notes(self, sheet, sheet_name: str, m: pd.DataFrame) -> None:
        for ref, text in zip(m["ref"], m["note"]):
            cell = sheet.range(ref)
            note = cell.note
            body = f"{NOTE_MARK}\n{text}"
            if note is None:
                cell.add_note(body)
                self.run.notes.append((sheet_name, ref, "new"))
            else:  # a user's note keeps its text; ours follows the marker
                note.text = f"{note.text}\n{body}"
                self.run.notes.append((sheet_name, ref, "appended"))

    def write_violations(self, frame: pd.DataFrame, language: str = "zh-Hant") -> None:
        rows, links = violation_rows(frame, language)
        out = [[as_text(v) for v in row] for row in rows]
        for i, where in links.items():  # a link to the cell, as the file writer's hyperlink
            shown = rows[i][LINK_COLUMN].replace('"', '""')
            out[i][LINK_COLUMN] = f'=HYPERLINK("#{where.replace(chr(34), chr(34) * 2)}","{shown}")'
        sheet = self._add_sheet(self._free_name(VIOLATIONS_SHEET))
        sheet.range("A1").value = out
        sheet.range((1, 1), (1, len(VIOLATION_HEADERS))).font.bold = True

    def write_summary(self, summary) -> None:
        rows: list[list] = []
        for block in summary.blocks:
            if rows:
                rows.append([])
            if block.title:
                rows.append([block.title])
            rows.append(list(block.frame.columns))
            rows += [
                [plain(v, dates="python") for v in r] for r in block.frame.itertuples(index=False)
            ]
            if block.total and len(block.frame):
                rows.append([plain(v, dates="python") for v in totals(block).values()])
            if block.note:
                rows.append([block.note])
        width = max(len(r) for r in rows)
        sheet = self._add_sheet(self._free_name(summary.name))
        sheet.range("A1").value = [
            [as_text(v) for v in r] + [None] * (width - len(r)) for r in rows
        ]

    def save(self) -> None:
        """Record what this run wrote in the very hidden _opsbook sheet (state.py's format)."""
        if STATE_SHEET in self.sheet_names():
            self._delete_sheet(STATE_SHEET)
        state = self._add_sheet(STATE_SHEET, very_hidden=True, ours=False)
        state.range("A1").value = [[as_text(v) for v in row] for row in self.run.rows()]

    def resume(self) -> None:
        """Carry on from the last run (月結 after 驗證): its records stay and the summaries it
        wrote are replaced, so 清除標記 afterwards still finds everything."""
        state = self.state() or RunState(writer="live")
        keep = [s for s in state.sheets if s.startswith((VIOLATIONS_SHEET, HELPER_PREFIX))]
        for name in state.sheets:
            if name not in keep and name in self.sheet_names():
                self._delete_sheet(name)
        state.sheets = keep
        state.writer = "live"
        self.run = state

    # clearing --------------------------------------------------------------------------
    def clear(self) -> None:
        """Undo what the last run wrote, whichever writer it was; nothing of the user's."""
        state = self.state()
        if state is not None and self._legacy:
            self._clear_legacy(state)
        if state is not None:
            for sheet_name, where, helper in state.rules:
                if sheet_name in self.sheet_names():
                    self._delete_rules(self.book.sheets[sheet_name].range(where), helper)
            if state.marks:
                self._restore_fills(state)
            for sheet_name, ref, how in state.notes:
                if sheet_name in self.sheet_names():
                    self._remove_note(self.book.sheets[sheet_name].range(ref), how)
            for name in state.sheets:
                if name in self.sheet_names():
                    self._delete_sheet(name)
            self._delete_sheet(STATE_SHEET)
        self.run = RunState(writer="live")

    def _clear_legacy(self, state: RunState) -> None:
        """A workbook marked by the live writer before issue 13: its helper sheets are the
        ``_opsbook_N`` sheets, its rules those whose formula reads one, its notes those that
        start with the marker.  Found by looking (once: the next run records everything)."""
        helpers = [n for n in self.sheet_names() if n.startswith(HELPER_PREFIX)]
        for name in self.sheet_names():
            if name in helpers or name == STATE_SHEET or name in state.sheets:
                continue
            sheet = self.book.sheets[name]
            for helper in helpers:
                self._delete_rules(sheet.used_range, helper)
            for note in list(sheet.notes):
                if (note.text or "").startswith(NOTE_MARK):
                    note.delete()
        state.sheets += [h for h in helpers if h not in state.sheets]

    @staticmethod
    def _delete_rules(rng, helper: str) -> None:
        rules = list(rng.conditional_formats)
        # From the last: on macOS a rule is an index into the range's format conditions
        # (_xlmac.py ConditionalFormat(parent, key)), which shift as rules go.
        for rule in reversed(rules):
            formula = rule.formula or "" if rule.type == "custom" else ""
            if f"{helper}'!" in formula or f"{helper}!" in formula:
                rule.delete()

    def _restore_fills(self, state: RunState) -> None:
        """Give the cells the file writer filled their fill back (state.py ``mark`` rows
        carry it): one call per group of cells that share a fill, not one per cell."""
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for sheet_name, ref, _before, _after, _base in state.marks:
            fill = state.fills.get((sheet_name, ref), "none")
            if fill != "?":  # no plain solid fill: Excel's object model cannot give it back exactly
                groups[(sheet_name, fill)].append(ref)
        for (sheet_name, fill), refs in groups.items():
            if sheet_name not in self.sheet_names():
                continue
            sheet = self.book.sheets[sheet_name]
            colour = None if fill == "none" else fill
            for address in _addresses(refs):
                sheet.range(address).color = colour

    @staticmethod
    def _remove_note(cell, how: str) -> None:
        note = cell.note
        if note is None:
            return
        text = note.text or ""
        at = text.find(NOTE_MARK)
        if at < 0:
            return  # not ours (any more)
        keep = text[:at].rstrip("\n")
        if how == "new" or not keep.strip():
            note.delete()
        else:
            note.text = keep

    # sheets ----------------------------------------------------------------------------
    def _free_name(self, name: str) -> str:
        """``name``, or ``name (2)`` … when a sheet of the user's has it (as the file writer)."""
        return free_sheet_name(name, self.sheet_names())

    def _add_sheet(self, name: str, very_hidden: bool = False, ours: bool = True):
        sheet = self.book.sheets.add(name, after=self.book.sheets[-1])
        self._names = self.sheet_names() + [name]
        if very_hidden:
            self._very_hide(sheet)
        if ours:
            self.run.sheets.append(name)
        return sheet

    def _very_hide(self, sheet) -> None:
        """Hidden so that it is not even in Unhide (Microsoft, XlSheetVisibility)."""
        if self.platform == "darwin":  # AppleScript: the sheet's visible property, by keyword
            from appscript import k  # xlwings' own Mac dependency (_xlmac.py imports it as kw)

            sheet.api.visible.set(k.sheet_very_hidden)  # mac_dict.py: sheet_very_hidden
        else:  # _xlwindows.py Sheet.visible sets COM Visible to what it is given
            sheet.api.Visible = XL_SHEET_VERY_HIDDEN

    def _delete_sheet(self, name: str) -> None:
        if name not in self.sheet_names():
            return
        sheet = self.book.sheets[name]
        sheet.visible = True  # a very hidden sheet is made visible before it goes
        sheet.delete()  # _xlwindows.py Sheet.delete turns DisplayAlerts off around Delete
        self._names = [n for n in self.sheet_names() if n != name]


def _addresses(refs: list[str]) -> list[str]:
    """Cell references joined into Range addresses of at most MAX_ADDRESS characters."""
    out, current = [], ""
    for ref in refs:
        if current and len(current) + 1 + len(ref) > MAX_ADDRESS:
            out.append(current)
            current = ""
        current = f"{current},{ref}" if current else ref
    if current:
        out.append(current)
    return out
