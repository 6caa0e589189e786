"""What a run changed, remembered inside the workbook so ``clear`` can undo it and a second
run can replace the first instead of stacking on it.

It lives in a very hidden sheet, ``_opsbook``: Excel keeps sheets when it saves a workbook
(it drops package parts it does not know), and the sheet is read back with the same value
reader as everything else, whatever Excel did to its strings.

ONE format for both writers: the file writer (``opsbook validate --write``) and the live
writer (the workbook's buttons, opsbook.excel.live) write the same rows and each clears
what the other wrote, whichever wrote last.  What each kind of row means:

  version  where=opsbook version, ref=writer ("file" or "live")
  sheet    where=a sheet opsbook added (違規清單, a summary, a live helper sheet)
  mark     where=sheet, ref=cell, a=style before (empty: the cell was created), b=style
           opsbook gave, c=base style of a created cell, d=the fill before as the live side
           can restore it ("none", an RRGGBB hex, or "?" when it is no plain solid fill)
  note     where=sheet, ref=cell, a="new" (opsbook's note) or "appended" (the user's note,
           opsbook's text after the 【opsbook】 marker)
  rule     where=sheet, ref=the range a conditional-format rule applies to, a=the helper
           sheet its formula reads (live writer: the rule goes with it)
  part, legacy, style   package parts, legacy drawings and style counts (file writer)
  embed    what ``opsbook embed`` put in (opsbook.embed): where=sheet (or defined name),
           ref=the range, a=what ("dv", "cf", "sheet", "name", "dxfs"), b=the rule id (the
           style count before, for "dxfs"), c=its clause.  A later validate run keeps these
           rows (the checks stay live); ``clear`` removes them with everything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .. import __version__

STATE_SHEET = "_opsbook"
HEADER = ["kind", "where", "ref", "a", "b", "c", "d"]
WIDTH = len(HEADER)


@dataclass
class RunState:
    sheets: list[str] = field(default_factory=list)  # opsbook's own sheets
    marks: list[tuple[str, str, int | None, int, int]] = field(
        default_factory=list
    )  # sheet, ref, before, after, base
    fills: dict[tuple[str, str], str] = field(
        default_factory=dict
    )  # (sheet, ref) → fill before: none|RRGGBB|?
    rules: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # sheet, applies-to range, helper sheet
    writer: str = "file"
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # sheet, ref, new|appended
    parts: list[str] = field(default_factory=list)  # parts created (comments, VML, rels files)
    legacy: list[tuple[str, str]] = field(
        default_factory=list
    )  # (sheet, rel id) of inserted legacyDrawing
    styles: dict[str, int] = field(default_factory=dict)  # collection → count before the run
    # opsbook embed's rows (see the module docstring), as written: where, ref, a, b, c
    embedded: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    @property
    def embedded_sheets(self) -> list[str]:
        return [where for where, _ref, what, _b, _c in self.embedded if what == "sheet"]

    def rows(self) -> list[list]:
        """The state sheet row by row, header first (the live writer writes it this way)."""
        return [HEADER, *(list(row) for row in zip(*self.columns()))]

    def columns(self, fill_of_style: dict[int, str] | None = None, blank="") -> list[list]:
        """``rows()`` less its header, as its seven columns; the marks (one row each, 137k in
        a busy run) are turned column-wise without a list per mark.  ``fill_of_style``: the
        fill before of each style a mark had (or was created with), instead of ``fills``.
        ``blank``: a created cell's empty style before (None writes the same empty cell as "",
        and keeps that column whole numbers for Arrow)."""

        def pad(rows):
            return [(r + [blank] * WIDTH)[:WIDTH] for r in rows]

        embedded_sheets = set(self.embedded_sheets)  # written as embed rows
        before = pad(
            [["version", __version__, self.writer]]
            + [["sheet", name] for name in self.sheets if name not in embedded_sheets]
        )
        after = pad(
            [["note", s, ref, how] for s, ref, how in self.notes]
            + [["rule", s, where, helper] for s, where, helper in self.rules]
            + [["part", p] for p in self.parts]
            + [["legacy", s, rid] for s, rid in self.legacy]
            + [["style", name, "", count] for name, count in self.styles.items()]
            + [["embed", *row] for row in self.embedded]
        )
        columns = [list(c) for c in zip(*before)]
        if self.marks:
            sheets, refs, befores, afters, bases = (list(c) for c in zip(*self.marks))
            if fill_of_style is not None:
                fills = [fill_of_style[base if b is None else b] for b, base in zip(befores, bases)]
            else:
                fills = [self.fills.get(key, "?") for key in zip(sheets, refs)]
            marks = [
                ["mark"] * len(refs),
                sheets,
                refs,
                befores if blank is None else [blank if b is None else b for b in befores],
                afters,
                bases,
                fills,
            ]
            columns = [c + m for c, m in zip(columns, marks)]
        if after:
            columns = [c + list(a) for c, a in zip(columns, zip(*after))]
        return columns

    @classmethod
    def from_rows(cls, rows: list[list]) -> RunState:
        state = cls()
        for row in rows[1:]:
            row = [_plain(v) for v in (list(row) + [""] * WIDTH)[:WIDTH]]
            kind, where, ref, a, b, c, d = row
            if kind == "version":
                state.writer = str(ref or "file")
            elif kind == "sheet":
                state.sheets.append(str(where))
            elif kind == "mark":
                try:
                    mark = (
                        str(where),
                        str(ref),
                        None if a in ("", None) else int(a),
                        int(b),
                        int(c or 0),
                    )
                except (TypeError, ValueError):  # a row edited by hand: that cell is not restored
                    continue
                state.marks.append(mark)
                if d not in ("", None):
                    state.fills[(str(where), str(ref))] = str(d)
            elif kind == "note":
                state.notes.append((str(where), str(ref), str(a)))
            elif kind == "rule":
                state.rules.append((str(where), str(ref), str(a)))
            elif kind == "part":
                state.parts.append(str(where))
            elif kind == "legacy":
                state.legacy.append((str(where), str(ref)))
            elif kind == "embed":
                state.embedded.append((str(where), str(ref), str(a), str(b), str(c)))
                if a == "sheet":  # one of opsbook's sheets: never read as data
                    state.sheets.append(str(where))
            elif kind == "style":
                try:
                    state.styles[str(where)] = int(a)
                except (TypeError, ValueError):
                    continue
        return state


def read_state(path: Path) -> RunState | None:
    """The state of the last run in ``path``, or None when opsbook never wrote into it."""
    import python_calamine

    from .encoding import calamine_readable

    with calamine_readable(path) as source:  # UTF-8 parts for calamine (ooxml.encoding)
        book = python_calamine.CalamineWorkbook.from_path(str(source))
        try:
            if STATE_SHEET not in book.sheet_names:
                return None
            rows = book.get_sheet_by_name(STATE_SHEET).to_python(skip_empty_area=False)
        finally:
            book.close()
    return RunState.from_rows(rows)


def _plain(value):
    """A state cell as written: Excel and the readers hand numbers back as floats (or, for
    a currency-formatted cell on Windows, Decimal) and blanks as None."""
    if value is None:
        return ""
    if isinstance(value, (float, Decimal)) and value == int(value):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+\.0", value):
        return int(float(value))
    return value
