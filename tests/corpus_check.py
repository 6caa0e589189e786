"""Annotate one workbook with a few marks, notes and sheets, then prove nothing was lost and
that clear undoes it.  Used by tests/test_corpus.py and `python tests/corpus_check.py DIR`."""

from __future__ import annotations

import shutil
import sys
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import python_calamine
from lxml import etree

from opsbook.ooxml.package import Package, rels_part
from opsbook.report import VIOLATION_FIELDS, Checked, FileResult, Report
from opsbook.workbook.cells import column_letter
from opsbook.writers.annotate import clear_file, write_annotated

SETTINGS = {"general": {"backup": False}}


def values(path: Path) -> dict[str, list] | None:
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001 - unreadable by calamine: compared as such
        return None
    out = {}
    for name in book.sheet_names:
        try:
            out[name] = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception:  # noqa: BLE001 - a sheet calamine cannot read, compared as such
            out[name] = "unreadable"
    return out


def formulas(path: Path) -> dict[str, dict] | None:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, rich_text=True)
    except Exception:  # noqa: BLE001 - unreadable by openpyxl: compared as such
        return None
    # The stored cells only: iterating the grid of a sheet with a note at XFD1048576 would
    # visit every cell in between.
    return {
        ws.title: {
            c.coordinate: _formula_text(c.value) for c in ws._cells.values() if c.value is not None
        }
        for ws in wb.worksheets
    }


def _formula_text(value):
    """openpyxl gives array formulas as objects without equality; compare their text and ref."""
    if type(value).__name__ == "ArrayFormula":
        return ("array", value.ref, value.text)
    if type(value).__name__ == "CellRichText":
        return str(value)
    return value


def pick_cells(grid: dict[str, list], pkg: Package) -> tuple[str, list[str]] | None:
    worksheets = {
        e.name
        for e in pkg.sheets
        if "worksheet" in pkg.read(e.part)[:600].decode("utf-8", "ignore")
    }
    for name, rows in grid.items():
        if name not in worksheets or rows == "unreadable":
            continue
        cells = [
            f"{column_letter(c)}{r + 1}"
            for r, row in enumerate(rows)
            for c, v in enumerate(row)
            if v not in ("", None)
        ]
        if cells:
            return name, cells[:3]
    return None


def fake_report(path: Path, sheet: str, cells: list[str]) -> Checked:
    lines = [
        {
            "file": str(path),
            "sheet": sheet,
            "row": int("".join(ch for ch in cell if ch.isdigit())),
            "column": "x",
            "cell": cell,
            "clause": "R1-4.2.3",
            "rule": "test.mark",
            "severity": ["error", "warning"][i % 2],
            "message": f"測試標記 {i}",
            "message_en": "test",
            "value": None,
            "rows": (int("".join(ch for ch in cell if ch.isdigit())),),
        }
        for i, cell in enumerate(cells)
    ]
    report = Report(
        as_of=pd.Timestamp("2026-11-26"),
        files=[FileResult(str(path))],
        frame=pd.DataFrame(lines, columns=VIOLATION_FIELDS),
    )
    return Checked(report=report)


def canonical(data: bytes) -> bytes:
    return etree.tostring(
        etree.fromstring(data, etree.XMLParser(remove_blank_text=False)), method="c14n"
    )


def check_one(original: Path, work: Path) -> list[str]:
    """Problems found with one corpus file ([] when all is well)."""
    src = work / original.name
    shutil.copy(original, src)
    out = work / f"annotated-{original.name}"
    before_values, before_formulas = values(src), formulas(src)
    if before_values is None:
        return []  # not readable as a workbook by the value reader: nothing to annotate
    pkg = Package(src)
    try:
        picked = pick_cells(before_values, pkg)
        if picked is None:
            return []
        sheet, cells = picked
        entry = pkg.sheet(sheet)
        rels = pkg.relationships(entry.part)
        allowed = {
            "[Content_Types].xml",
            pkg.workbook_part,
            rels_part(pkg.workbook_part),
            pkg.styles_part(),
            entry.part,
            rels_part(entry.part),
        }
        allowed |= {
            r.target for r in rels.values() if r.type.endswith(("/comments", "/vmlDrawing"))
        }
    finally:
        pkg.close()
    write_annotated(src, out, fake_report(src, sheet, cells), SETTINGS)
    problems = []
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        b_names = set(b.namelist())
        for info in a.infolist():
            if info.filename not in b_names:
                problems.append(f"lost {info.filename}")
            elif info.filename not in allowed and a.read(info.filename) != b.read(info.filename):
                problems.append(f"changed {info.filename}")
        if b.testzip() is not None:
            problems.append("bad zip")
    after_values = values(out)
    if after_values is None:
        return problems + ["output unreadable by calamine"]
    for name, grid in before_values.items():
        if after_values.get(name) != grid:
            problems.append(f"values changed in {name}")
    if "違規清單" not in after_values:
        problems.append("no violations sheet")
    if before_formulas is not None:
        after_formulas = formulas(out)
        if after_formulas is None:
            problems.append("output unreadable by openpyxl")
        else:
            for name, cells_before in before_formulas.items():
                if after_formulas.get(name) != cells_before:
                    problems.append(f"openpyxl values/formulas changed in {name}")
    # clear: the sheet and workbook XML come back byte for byte; machine parts equivalent.
    cleared = work / f"cleared-{original.name}"
    clear_file(out, cleared, backup=False)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(cleared) as c:
        if set(a.namelist()) != set(c.namelist()):
            problems.append(f"clear left parts {sorted(set(a.namelist()) ^ set(c.namelist()))[:3]}")
        for name in a.namelist():
            if name not in c.namelist():
                continue
            x, y = a.read(name), c.read(name)
            if x == y:
                continue
            if name.endswith((".xml", ".rels")) and name not in (entry.part, pkg.workbook_part):
                try:
                    if canonical(x) == canonical(y):
                        continue
                except etree.XMLSyntaxError:
                    pass
            problems.append(f"clear did not restore {name}")
    if values(cleared) != before_values:
        problems.append("clear changed values")
    return problems


if __name__ == "__main__":
    import tempfile

    folder = Path(sys.argv[1])
    bad = 0
    files = sorted(p for p in folder.iterdir() if p.suffix in (".xlsx", ".xlsm"))
    for path in files:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                problems = check_one(path, Path(tmp))
            except Exception as exc:  # noqa: BLE001 - report and go on: this is a survey
                problems = [f"{type(exc).__name__}: {exc}"]
        if problems:
            bad += 1
            print(path.name, problems[:4])
    print(f"{len(files) - bad} of {len(files)} files lossless")
