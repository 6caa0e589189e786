"""The file writer: a checked report becomes marks, notes and opsbook's sheets in a workbook.

Every part the marks do not need is copied unchanged; see WRITEBACK.md for why the package
is patched rather than loaded and saved through an object model.  A workbook opsbook wrote
into before is first cleared of that run (from the state kept in its ``_opsbook`` sheet), so
running again replaces the marks and sheets instead of stacking them.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import RefusedToPatch, WorkbookLocked
from ..ooxml.package import Package
from ..report import Checked
from ..text import python_values
from ..values import is_na
from ..workbook.cells import column_index
from .clear import clear_package
from .newsheet import SheetContent, add_sheet, render
from .notes import add_notes
from .save import save_package
from .sheetxml import SheetSplicer, find_legacy_drawing, rewrite_sheet
from .state import STATE_SHEET, RunState, read_state
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


def backup_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.opsbook-backup{path.suffix}")


def check_writable(path: Path) -> None:
    """Refuse to write a workbook Excel holds open (its ~$ lock file) or that is read-only."""
    for lock in {path.with_name("~$" + path.name), path.with_name("~$" + path.name[2:])}:
        if lock.exists():
            raise WorkbookLocked(f"{path}: the workbook is open in Excel ({lock.name} exists); close it and run again")
    # The mode bits too: root may write anything, but a file marked read-only stays so.
    if path.exists() and (not os.access(path, os.W_OK) or not path.stat().st_mode & stat.S_IWUSR):
        raise WorkbookLocked(f"{path}: the file is read-only; nothing was written")


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
    # Built-in aggregations only: a workbook with thousands of marked cells had a Python
    # lambda per cell here (1.2 s for 5,000 cells).
    marks = marks.drop_duplicates(["sheet", "ref", "line"])  # the same line once per note
    marks["is_error"] = marks["severity"].eq("error")
    grouped = marks.groupby(["sheet", "ref"], sort=False)
    out = grouped.agg(row=("row", "first"), letters=("letters", "first"), is_error=("is_error", "any"))
    out["severity"] = np.where(out.pop("is_error"), "error", "warning")
    # The lines of a note joined in plain Python: pandas' per-group join makes a Series a cell.
    notes: dict[tuple, str] = {}
    for key, line in zip(zip(python_values(marks["sheet"]), python_values(marks["ref"])), python_values(marks["line"])):
        notes[key] = notes[key] + "\n" + line if key in notes else line
    out["note"] = [notes[key] for key in out.index]
    return out.reset_index()


def violations_content(frame: pd.DataFrame, styles: Styles) -> SheetContent:
    rows: list[list] = [VIOLATION_HEADERS]
    links = {}
    # Columns as Python lists first: iterating Arrow-backed columns value by value is slow.
    columns = [python_values(frame[c]) for c in ("sheet", "cell", "row", "column", "clause", "rule",
                                                  "severity", "message", "value")]
    for i, (sheet, cell, row, column, clause, rule, severity, message, value) in enumerate(zip(*columns), start=1):
        rows.append([sheet, cell, row, column, clause, rule, SEVERITY_ZH.get(severity, severity), message,
                     None if is_na(value) else value])
        if cell:
            links[(i, 1)] = f"'{sheet.replace(chr(39), chr(39) * 2)}'!{cell}"
    return SheetContent(
        rows=rows, links=links, row_styles={0: styles.bold()},
        widths={0: 14, 1: 8, 2: 6, 3: 14, 4: 10, 5: 34, 6: 8, 7: 70, 8: 18},
    )


def _open_cleared(source: Path) -> tuple[Package, bool]:
    """The package with any earlier opsbook run undone (in memory), and whether there was
    one.  A state sheet whose content cannot be read still goes (with nothing else), so a
    new run never finds a second one."""
    pkg = Package(source)
    try:
        if not any(s.name == STATE_SHEET for s in pkg.sheets):
            return pkg, False
        clear_package(pkg, read_state(source) or RunState())
    except BaseException:
        pkg.close()
        raise
    return pkg, True


def _save(pkg: Package, source: Path, target: Path, backup: bool) -> None:
    if Path(target).resolve() == Path(source).resolve():
        check_writable(source)
        if backup:
            shutil.copy2(source, backup_path(source))
    save_package(pkg, target)


class FileBook:
    """The workbook-file side of opsbook.bookio.BookIO: opened with any earlier opsbook run
    undone (in memory), edited through the package patcher, saved atomically."""

    def __init__(self, source: Path):
        self.source = Path(source)
        self.pkg, _ = _open_cleared(self.source)
        self.styles = Styles(self.pkg)
        self.run = RunState(styles=dict(self.styles.original_counts))

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.pkg.sheets]

    def mark(self, frame: pd.DataFrame) -> None:
        _mark(self.pkg, self.styles, frame, self.run)

    def write_violations(self, frame: pd.DataFrame) -> None:
        name = _free_sheet_name(self.pkg, VIOLATIONS_SHEET)
        add_sheet(self.pkg, name, render(violations_content(frame, self.styles), self.pkg.rel_ns))
        self.run.sheets.append(name)

    def write_summary(self, summary) -> None:
        name = _free_sheet_name(self.pkg, summary.name)
        write_summary(self.pkg, self.styles, summary, name)
        self.run.sheets.append(name)

    def save(self, target: Path | None = None, backup: bool = True) -> None:
        add_sheet(self.pkg, STATE_SHEET, render(SheetContent(rows=self.run.rows(), freeze_header=False,
                                                             autofilter=False), self.pkg.rel_ns), state="veryHidden")
        self.styles.save()
        _save(self.pkg, self.source, Path(target or self.source), backup)

    def close(self) -> None:
        self.pkg.close()


def write_annotated(source: Path, target: Path, checked: Checked, settings: dict,
                    marks: bool = True, backup: bool | None = None) -> None:
    """Write ``source`` with the report's marks, notes, violations sheet and summaries to
    ``target`` (which may be ``source`` itself: then it is replaced atomically, after a
    backup copy when ``general.backup`` is on)."""
    from ..bookio import annotate

    backup = settings["general"].get("backup", True) if backup is None else backup
    limit = settings["general"].get("max_patch_mb", 300)
    size_mb = Path(source).stat().st_size / 1024 / 1024
    if size_mb > limit:
        raise RefusedToPatch(f"{source}: {size_mb:.0f} MB is over the {limit} MB limit for writing into a workbook "
                             "(general.max_patch_mb); use --report for the results")
    book = FileBook(source)
    try:
        if book.pkg.shared_with_revisions:
            checked.report.files[0].warnings.append(
                "共用工作簿帶有修訂記錄：opsbook 的標記不會記入修訂記錄 (shared workbook with a revision log)")
        annotate(book, checked, marks=marks)
        book.save(target, backup)
    finally:
        book.close()


def _mark(pkg: Package, styles: Styles, frame: pd.DataFrame, run: RunState) -> None:
    marks = cell_marks(frame)
    for sheet_name, sheet_marks in marks.groupby("sheet", sort=False):
        entry = pkg.sheet(sheet_name)
        by_row: dict[int, dict[int, str]] = {}
        for row, letters, severity in zip(*(python_values(sheet_marks[c]) for c in ("row", "letters", "severity"))):
            by_row.setdefault(int(row), {})[column_index(letters)] = severity
        head = sheet_marks.head(MAX_NOTES_PER_SHEET)
        notes = dict(zip(python_values(head["ref"]), python_values(head["note"])))
        _mark_sheet(pkg, styles, entry.part, sheet_name, by_row, notes, run)


def _mark_sheet(pkg: Package, styles: Styles, part: str, sheet_name: str, by_row, notes, run: RunState) -> None:
    """Restyle the marked cells and add the notes of one sheet.  The sheet part streams from
    the package through the splicer into a deflating spool: a sheet of hundreds of
    thousands of rows is never whole in memory (issue 8: memory bounded by the chunk)."""
    splicer = SheetSplicer(by_row, styles.marked)

    def add_notes_to(skeleton: bytes) -> bytes:  # the part without its rows
        run.marks += [(sheet_name, c.ref, c.before, c.after, c.base) for c in splicer.changes]
        had_legacy = find_legacy_drawing(skeleton) is not None
        existing = _existing_notes(pkg, part)
        created: list[str] = []
        skeleton = add_notes(pkg, part, skeleton, notes, created)
        run.parts += created
        run.notes += [(sheet_name, ref, "appended" if ref in existing else "new") for ref in notes]
        if not had_legacy and find_legacy_drawing(skeleton) is not None:
            run.legacy.append((sheet_name, find_legacy_drawing(skeleton).decode()))
        return skeleton

    rewrite_sheet(pkg, part, splicer, add_notes_to)


def _existing_notes(pkg: Package, sheet_part: str) -> set[str]:
    from ..ooxml.package import parse_xml

    rel = next((r for r in pkg.relationships(sheet_part).values() if r.type.endswith("/comments")), None)
    if rel is None or not pkg.has(rel.target):
        return set()
    root = parse_xml(pkg.read(rel.target), rel.target)
    return {el.get("ref") for el in root.iter() if el.get("ref")}


def write_summaries_only(source: Path, target: Path, checked: Checked) -> None:
    """Add only ``checked.summaries`` as sheets (no marks, no violations sheet)."""
    write_annotated(source, target, checked, {"general": {"backup": True}}, marks=False)


def clear_file(path: Path, target: Path | None = None, backup: bool = True) -> bool:
    """Undo opsbook's last run in ``path`` (into ``target``, default in place).  False when
    opsbook never wrote into it."""
    pkg, had_run = _open_cleared(path)
    try:
        if had_run:
            _save(pkg, path, target or path, backup)
        return had_run
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
