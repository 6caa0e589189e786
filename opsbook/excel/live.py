"""A workbook open in Excel, through xlwings: the live side of opsbook.bookio.BookIO.

Round trips to Excel are the cost, so a run takes a number of calls bounded by the number
of sheets, whatever the number of violations (tests/test_excel.py counts them):

* Marks.  The marked cells of a sheet are listed in a very hidden helper sheet, one row
  each, in one write: a formula giving the cell's key (=ROW(cell)*16384+COLUMN(cell)) and
  its severity.  The key is computed from a *reference* to the cell, so it follows the cell
  when the user inserts or deletes rows or columns (Excel adjusts references; a deleted
  cell's key becomes #REF!, which LOOKUP skips).  A sort moves values, not references: after
  sorting, the colours stay where the marked cells were (the notes go with their cells) —
  press 驗證 again.  One conditional-format rule per severity colours the listed cells; its
  formula is a sheet-level name of the helper sheet ('_opsbook_0'!opsbook_mark_2, see
  ``mark_name_formula``) and nothing else: FormatConditions.Add reads a formula in the
  user's list separator and reference style (";" in much of Europe, R1C1 users), while a
  name's RefersTo is always English and A1 (Microsoft, Names.Add), so the rule reads the
  same in every Excel.  No relative reference either: Excel reads those in a rule added
  through FormatConditions.Add relative to the *active cell* (Microsoft, "Conditional
  formatting may be set incorrectly when you use VBA in Excel"), and adding a sheet
  activates it (xlwings main.py Sheets.add).  Users' own fills stay untouched underneath.
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
  清除標記 button undoes ``opsbook validate --write``.  The buttons write it even when a run
  fails half-way (buttons.run_recorded), and clear also finds opsbook's own by name (the
  ``_opsbook_N`` sheets and the rules that read them) when nothing was recorded.  Each
  sheet is recorded with its code name too (``codename`` rows, which the file writer's
  reader ignores), so a sheet renamed since is still found.
"""

from __future__ import annotations

import contextlib
import re
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


MARK_NAME = "opsbook_mark_"  # + severity code: the helper sheet's names the rules use
CODENAME = "codename"  # state rows: where=sheet name, ref=its code name
LEFTOVER_RULE = re.compile(re.escape(HELPER_PREFIX) + r"\d+(?: \(\d+\))?'?!")


def key_formulas(sheet: str, refs: list[str], codes: list[int]) -> list[list[str]]:
    """The helper sheet's rows, in English and A1 (Range.Formula): the cell's key computed
    from a reference to it (so it follows the cell), and key × 4 + its severity code."""
    where = quote_sheet(sheet)
    return [
        [f"=ROW({where}!{ref})*{KEY_ROW}+COLUMN({where}!{ref})", f"=A{i}*4+{code}"]
        for i, (ref, code) in enumerate(zip(refs, codes), start=1)
    ]


def mark_name_formula(helper: str, rows: int, code: int) -> str:
    """What the helper sheet's name opsbook_mark_<code> refers to: true on the cells the
    helper lists with ``code``.

    ROW() and COLUMN() are those of the cell being formatted (a name is evaluated where it is
    used; Microsoft's banded-rows rule is =MOD(ROW(),2)=0); the helper ranges are absolute.
    LOOKUP finds the largest key ≤ this cell's key in the ascending list (an insertion or
    deletion shifts keys but keeps their order; a deleted cell's #REF! is skipped); column
    B holds key × 4 + code, equal to this cell's key × 4 + code only when the cell is listed
    with that code (an unlisted cell before the first key gives #N/A: not formatted)."""
    sheet = quote_sheet(helper)
    key = f"(ROW()*{KEY_ROW}+COLUMN())"
    return f"=LOOKUP({key},{sheet}!$A$1:$A${rows},{sheet}!$B$1:$B${rows})={key}*4+{code}"


def rule_formula(helper: str, code: int) -> str:
    """The rule's formula: the helper's name and nothing a locale could read otherwise (no
    list separator, no function, no reference)."""
    return f"={quote_sheet(helper)}!{MARK_NAME}{code}"


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
        codes = {str(r[1]): str(r[2]) for r in values[1:] if r and r[0] == CODENAME}
        if codes and not set(codes) <= set(self.sheet_names()):
            self._follow_renames(state, codes)
        # The live writer before issue 13 wrote a two-column state ("kind", "where") that
        # named neither its helper sheets nor its rules and notes.
        self._legacy = bool(values) and [
            str(v).strip() for v in values[0] if v not in (None, "")
        ] == ["kind", "where"]
        return state

    def _follow_renames(self, state: RunState, codes: dict[str, str]) -> None:
        """Sheets renamed since the run: their records follow them, by code name."""
        now = {}
        for sheet in self.book.sheets:
            try:
                now[sheet.api.CodeName] = sheet.name
            except AttributeError:
                return
        renamed = {old: now[code] for old, code in codes.items() if code in now}

        def moved(name):
            return renamed.get(name, name)

        state.notes = [(moved(s), *rest) for s, *rest in state.notes]
        state.rules = [(moved(s), *rest) for s, *rest in state.rules]
        state.marks = [(moved(s), *rest) for s, *rest in state.marks]
        state.fills = {(moved(s), ref): fill for (s, ref), fill in state.fills.items()}

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
            # Only the marked cells, in key order: one write, len(marks) rows.  (Keys are
            # computed by Excel: no Python int past 2**31 goes through pywin32.)
            refs = m["ref"].to_numpy()[order]
            helper.range("A1").formula = key_formulas(
                sheet_name, list(refs), [int(c) for c in codes[order]]
            )
            target = sheet.range(
                (int(rows.min()), int(cols.min())), (int(rows.max()), int(cols.max()))
            )
            # recorded before the rules go in: a run failing from here on is still undone
            self.run.rules.append((sheet_name, target.address, helper_name))
            rules = target.conditional_formats
            for severity in reversed(SEVERITY_ORDER):  # each new rule goes first: error ends on top
                if (codes == CODES[severity]).any():
                    code = CODES[severity]
                    helper.names.add(
                        f"{MARK_NAME}{code}", mark_name_formula(helper_name, len(keys), code)
                    )
                    rules.add_custom(rule_formula(helper_name, code), fill_color=FILL_RGB[severity])
            self._add_notes(sheet, sheet_name, m.head(self.notes_cap))

    def _add_notes(self, sheet, sheet_name: str, m: pd.DataFrame) -> None:
        for ref, text in zip(m["ref"], m["note"]):
            cell = sheet.range(ref)
            note = cell.note
            body = f"{NOTE_MARK}\n{text}"
            if note is None:
                self.run.notes.append((sheet_name, ref, "new"))  # recorded first (see mark)
                cell.add_note(body)
                continue
            # A user's note keeps its text; ours follows the marker.  A note already holding
            # the marker is a run nothing recorded: its old part goes, never doubled.
            text = note.text or ""
            keep = text[: text.find(NOTE_MARK)].rstrip("\n") if NOTE_MARK in text else text
            self.run.notes.append((sheet_name, ref, "appended" if keep.strip() else "new"))
            note.text = f"{keep}\n{body}" if keep.strip() else body

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
        rows = self.run.rows() + self._codename_rows()
        state.range("A1").value = [[as_text(v) for v in row] for row in rows]

    def _codename_rows(self) -> list[list]:
        """The code name of each sheet the run touched: Worksheet.CodeName stays when the
        user renames a sheet (Microsoft, Worksheet.CodeName).  Not on a Mac (AppleScript has
        no code name; there a renamed sheet's marks are found by name only)."""
        if self.platform == "darwin":
            return []
        touched = dict.fromkeys(
            [s for s, *_ in self.run.notes]
            + [s for s, *_ in self.run.rules]
            + [s for s, *_ in self.run.marks]
        )
        out = []
        for name in touched:
            if name in self.sheet_names():
                code = self.book.sheets[name].api.CodeName
                if code:  # Excel leaves it empty for a sheet added since the project compiled
                    out.append([CODENAME, name, code] + [""] * 4)
        return out

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
        self._clear_leftovers(state)
        if state is not None:
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

    def _clear_leftovers(self, state: RunState | None) -> None:
        """opsbook's own, found by name whether or not the state recorded them: every rule
        on a sheet's used range that reads an ``_opsbook_N`` helper sheet (rows inserted or
        deleted since move a rule off the range recorded for it), then the helper sheets."""
        helpers = [n for n in self.sheet_names() if n.startswith(HELPER_PREFIX)]
        recorded = {s for s, *_ in state.rules} if state is not None else set()
        if not helpers and not recorded:
            return
        for name in self.sheet_names():
            if name in helpers or name == STATE_SHEET:
                continue
            if state is not None and name in state.sheets:
                continue
            self._delete_rules(self.book.sheets[name].used_range, None)
        for name in helpers:
            self._delete_sheet(name)

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
    def _delete_rules(rng, helper: str | None) -> None:
        """The rules on ``rng`` that read ``helper`` (None: any ``_opsbook_N`` helper)."""
        rules = list(rng.conditional_formats)
        # From the last: on macOS a rule is an index into the range's format conditions
        # (_xlmac.py ConditionalFormat(parent, key)), which shift as rules go.
        for rule in reversed(rules):
            formula = rule.formula or "" if rule.type == "custom" else ""
            if helper is None:
                ours = bool(LEFTOVER_RULE.search(formula))
            else:
                ours = f"{helper}'!" in formula or f"{helper}!" in formula
            if ours:
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
