"""Evaluate embedded rule formulas in real spreadsheet engines, row by row.

``helper_copy`` writes a copy of an embedded workbook with one helper column per rule on
its sheet: the rule's conditional-format formula, instantiated for each data row exactly as
the conditional format reads it (``$J§`` → ``$J7`` on row 7), wrapped as
``IF(formula,1,0)`` (a conditional format applies when its formula is TRUE; an error
applies nothing, so an error counts as 0).  Then:

- ``libreoffice_values``: every copy converted by ONE headless LibreOffice call
  (``soffice --convert-to xlsx``, which computes formula cells that have no cached value)
  and the computed helper cells read back;
- ``formulas_values``: the same cells computed by the ``formulas`` package (an independent
  Python implementation of Excel's grammar and functions; its parser refuses what Excel's
  grammar would not accept).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from opsbook.embed.formulas import at_row

HELPER_GAP = 3  # empty columns between the data and the helper columns


def helper_copy(embedded: Path, out: Path, plan, rows_by_sheet: dict[str, list[int]]) -> dict:
    """Write ``out`` and return {(sheet, rule): {row: cell}} of the helper cells."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(embedded)
    cells: dict[tuple[str, str], dict[int, str]] = {}
    for sheet, sp in plan.sheets.items():
        ws = wb[sheet]
        col = ws.max_column + HELPER_GAP
        for rule, (template, _first, _last) in sp.templates.items():
            letter = get_column_letter(col)
            ws[f"{letter}1"] = rule
            where = {}
            for r in rows_by_sheet.get(sheet, []):
                ws[f"{letter}{r}"] = f"=IF({at_row(template, r)},1,0)"
                where[r] = f"{letter}{r}"
            cells[(sheet, rule)] = where
            col += 1
    wb.save(out)
    return cells


def soffice_convert(files: list[Path], outdir: Path) -> list[Path]:
    """One LibreOffice run for all ``files`` (a private profile, so it runs beside others)."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    try:
        subprocess.run(
            [
                shutil.which("soffice") or "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--calc",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(outdir),
                *map(str, files),
            ],
            check=True,
            capture_output=True,
            timeout=600,
            env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"},
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return [outdir / f.name for f in files]


def computed(path: Path, cells: dict) -> dict:
    """{(sheet, rule): {row: 0|1|None}} read from a file with cached values."""
    wb = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for (sheet, rule), where in cells.items():
        ws = wb[sheet]
        out[(sheet, rule)] = {r: _bit(ws[c].value) for r, c in where.items()}
    return out


def _bit(value):
    if value in (1, True, "1"):
        return 1
    if value in (0, False, "0"):
        return 0
    return 0 if isinstance(value, str) and value.startswith("#") else value


def formulas_values(embedded: Path, plan, cells: dict) -> dict:
    """The same helper formulas computed by the ``formulas`` package, one compiled function
    per rule fed each row's cells and the defined names' ranges (read from the embedded
    workbook by python-calamine).  Its parser raises on a formula Excel's grammar refuses."""
    import formulas
    import numpy as np
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(embedded))
    grids = {
        n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in book.sheet_names
    }
    book.close()
    names = {n.upper(): _range_values(grids, ref) for n, ref in _defined_names(embedded).items()}
    out = {}
    for (sheet, rule), where in cells.items():
        template = plan.sheets[sheet].templates[rule][0]
        got = {}
        first = 1_000_000  # compiled once, for a row no table reaches; each row fills it in
        fn = formulas.Parser().ast("=IF(" + at_row(template, first) + ",1,0)")[1].compile()
        for r in where:
            args = []
            for name in fn.inputs:
                if name in names:
                    args.append(names[name])
                else:
                    args.append(_cell(grids[sheet], name.replace(str(first), str(r))))
            try:
                value = fn(*args)
                value = np.asarray(value).ravel()[0]
            except Exception:  # noqa: BLE001 - an error value: a conditional format applies nothing
                value = 0
            got[r] = 0 if type(value).__name__ == "XlError" else _bit(value)
        out[(sheet, rule)] = got
    return out


def _defined_names(path: Path) -> dict[str, str]:
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode("utf-8")
    return {
        m.group(1): m.group(2).replace("&amp;", "&")
        for m in re.finditer(r'<definedName name="([^"]+)"[^>]*>([^<]*)</definedName>', wb)
    }


def _serial(value):
    import datetime as dt

    if isinstance(value, dt.datetime):
        delta = value - dt.datetime(1899, 12, 30)
        return delta.days + delta.seconds / 86400
    if isinstance(value, dt.date):
        return (value - dt.date(1899, 12, 30)).days
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    return value


def _cell(grid, ref: str):
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    letters, row = coordinate_from_string(ref.replace("$", ""))
    col = column_index_from_string(letters) - 1
    if row - 1 < len(grid) and col < len(grid[row - 1]):
        return _serial(grid[row - 1][col])
    return ""


def _range_values(grids, ref: str):
    import numpy as np
    from openpyxl.utils.cell import range_boundaries

    if ref in ("TRUE", "FALSE"):
        return ref == "TRUE"
    sheet, _, cells = ref.rpartition("!")
    sheet = sheet.strip("'").replace("''", "'")
    c1, r1, c2, r2 = range_boundaries(cells.replace("$", ""))
    grid = grids[sheet]
    rows = []
    for r in range(r1, r2 + 1):
        row = grid[r - 1] if r - 1 < len(grid) else []
        rows.append([_serial(row[c - 1]) if c - 1 < len(row) else "" for c in range(c1, c2 + 1)])
    return np.array(rows, dtype=object)
