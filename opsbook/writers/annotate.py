"""The file writer: a checked report becomes marks, notes and opsbook's sheets in a workbook.

Every part the marks do not need is copied unchanged; see WRITEBACK.md for why the
package is patched rather than loaded and saved through an object model.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..engine import Checked
from .newsheet import SheetContent, add_sheet, render
from .notes import add_notes
from .package import Package
from .save import save_package
from .sheetxml import restyle_cells
from .styles import Styles
from .summary_sheet import write_summary

VIOLATIONS_SHEET = "違規清單"
SEVERITY_ZH = {"error": "錯誤", "warning": "警告"}
VIOLATION_HEADERS = ["工作表", "儲存格", "行", "欄位", "條款", "規則", "嚴重程度", "說明", "值"]
MAX_NOTES_PER_SHEET = 10_000  # past this the violations sheet carries the rest (fills stay)


def annotated_path(source: Path, output: Path, several: bool) -> Path:
    """Where the annotated copy of ``source`` goes: ``output`` itself when it names a
    workbook, else a file of the same name inside the folder ``output``."""
    if several or output.is_dir() or output.suffix.lower() not in (".xlsx", ".xlsm"):
        output.mkdir(parents=True, exist_ok=True)
        return output / source.name
    return output


def cell_marks(frame: pd.DataFrame) -> pd.DataFrame:
    """One line per marked cell: sheet, row, col, ref, severity (error wins), note text."""
    tied = frame[frame["cell"].notna()]
    if tied.empty:
        return pd.DataFrame(columns=["sheet", "row", "letters", "ref", "severity", "note"])
    marks = pd.DataFrame({
        "sheet": tied["sheet"], "rows": tied["rows"],
        "letters": tied["cell"].str.extract(r"^([A-Z]+)", expand=False),
        "severity": tied["severity"],
        "line": tied["clause"] + " " + tied["message"],
    }).explode("rows").rename(columns={"rows": "row"})
    marks["row"] = marks["row"].astype(int)
    marks["ref"] = marks["letters"] + marks["row"].astype(str)
    grouped = marks.groupby(["sheet", "ref"], sort=False)
    out = grouped.agg(row=("row", "first"), letters=("letters", "first"),
                      severity=("severity", lambda s: "error" if (s == "error").any() else "warning"),
                      note=("line", lambda s: "\n".join(dict.fromkeys(s))))
    return out.reset_index()


def violations_content(frame: pd.DataFrame, styles: Styles) -> SheetContent:
    rows: list[list] = [VIOLATION_HEADERS]
    links = {}
    for i, v in enumerate(frame.itertuples(index=False), start=1):
        rows.append([v.sheet, v.cell, v.row, v.column, v.clause, v.rule,
                     SEVERITY_ZH.get(v.severity, v.severity), v.message, _shown(v.value)])
        if v.cell:
            links[(i, 1)] = f"'{v.sheet.replace(chr(39), chr(39) * 2)}'!{v.cell}"
    return SheetContent(
        rows=rows, links=links, row_styles={0: styles.bold()},
        widths={0: 14, 1: 8, 2: 6, 3: 14, 4: 10, 5: 34, 6: 8, 7: 70, 8: 18},
    )


def _shown(value):
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value


def write_annotated(source: Path, target: Path, checked: Checked, settings: dict) -> None:
    """Write ``source`` with the report's marks, notes and violations sheet to ``target``
    (which may be ``source`` itself)."""
    pkg = Package(source)
    try:
        styles = Styles(pkg)
        frame = checked.report.frame
        marks = cell_marks(frame)
        for sheet_name, sheet_marks in marks.groupby("sheet", sort=False):
            entry = pkg.sheet(sheet_name)
            by_row: dict[int, dict[int, str]] = {}
            from ..workbook.cells import column_index

            for row, letters, severity in zip(sheet_marks["row"], sheet_marks["letters"], sheet_marks["severity"]):
                by_row.setdefault(int(row), {})[column_index(letters)] = severity
            xml, _changes = restyle_cells(pkg.read(entry.part), by_row, styles.marked)
            notes = dict(zip(sheet_marks["ref"][:MAX_NOTES_PER_SHEET], sheet_marks["note"][:MAX_NOTES_PER_SHEET]))
            xml = add_notes(pkg, entry.part, xml, notes)
            pkg.put(entry.part, xml)
        content = violations_content(frame, styles)
        name = _free_sheet_name(pkg, VIOLATIONS_SHEET)
        add_sheet(pkg, name, render(content, pkg.rel_ns))
        for summary in checked.summaries:
            write_summary(pkg, styles, summary, _free_sheet_name(pkg, summary.name))
        styles.save()
        save_package(pkg, target)
    finally:
        pkg.close()


def _free_sheet_name(pkg: Package, name: str) -> str:
    taken = {s.name.lower() for s in pkg.sheets}
    if name.lower() not in taken:
        return name
    n = 2
    while f"{name} ({n})".lower() in taken:
        n += 1
    return f"{name} ({n})"


def write_summaries_only(source: Path, target: Path, checked: Checked) -> None:
    """Add only ``checked.summaries`` as sheets (no marks, no violations sheet)."""
    pkg = Package(source)
    try:
        styles = Styles(pkg)
        for summary in checked.summaries:
            write_summary(pkg, styles, summary, _free_sheet_name(pkg, summary.name))
        styles.save()
        save_package(pkg, target)
    finally:
        pkg.close()
