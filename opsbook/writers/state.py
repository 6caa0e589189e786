"""What a run changed, remembered inside the workbook so ``clear`` can undo it and a second
run can replace the first instead of stacking on it.

It lives in a very hidden sheet, ``_opsbook``: Excel keeps sheets when it saves a workbook
(it drops package parts it does not know), and the sheet is read back with the same value
reader as everything else, whatever Excel did to its strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__

STATE_SHEET = "_opsbook"
HEADER = ["kind", "where", "ref", "a", "b", "c"]


@dataclass
class RunState:
    sheets: list[str] = field(default_factory=list)  # opsbook's own sheets
    marks: list[tuple[str, str, int | None, int, int]] = field(default_factory=list)  # sheet, ref, before, after, base
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # sheet, ref, new|appended
    parts: list[str] = field(default_factory=list)  # parts created (comments, VML, rels files)
    legacy: list[tuple[str, str]] = field(default_factory=list)  # (sheet, rel id) of inserted legacyDrawing
    styles: dict[str, int] = field(default_factory=dict)  # collection → count before the run

    def rows(self) -> list[list]:
        out: list[list] = [HEADER, ["version", __version__, "", "", "", ""]]
        out += [["sheet", name, "", "", "", ""] for name in self.sheets]
        out += [["mark", s, ref, "" if b is None else b, a, base] for s, ref, b, a, base in self.marks]
        out += [["note", s, ref, how, "", ""] for s, ref, how in self.notes]
        out += [["part", p, "", "", "", ""] for p in self.parts]
        out += [["legacy", s, rid, "", "", ""] for s, rid in self.legacy]
        out += [["style", name, "", count, "", ""] for name, count in self.styles.items()]
        return out

    @classmethod
    def from_rows(cls, rows: list[list]) -> RunState:
        state = cls()
        for row in rows[1:]:
            row = (list(row) + [""] * 6)[:6]
            kind, where, ref, a, b, c = row
            if kind == "sheet":
                state.sheets.append(str(where))
            elif kind == "mark":
                state.marks.append((str(where), str(ref), None if a in ("", None) else int(a), int(b), int(c or 0)))
            elif kind == "note":
                state.notes.append((str(where), str(ref), str(a)))
            elif kind == "part":
                state.parts.append(str(where))
            elif kind == "legacy":
                state.legacy.append((str(where), str(ref)))
            elif kind == "style":
                state.styles[str(where)] = int(a)
        return state


def read_state(path: Path) -> RunState | None:
    """The state of the last run in ``path``, or None when opsbook never wrote into it."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        if STATE_SHEET not in book.sheet_names:
            return None
        rows = book.get_sheet_by_name(STATE_SHEET).to_python(skip_empty_area=False)
    finally:
        book.close()
    return RunState.from_rows([[_plain(v) for v in r] for r in rows])


def _plain(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
