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


def formulas_values(path: Path, cells: dict) -> dict:
    """The helper cells computed by the ``formulas`` package."""
    import formulas

    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = model.calculate()
    book = path.name.upper()
    by_ref = {}
    for key, value in solution.items():
        ref = str(key).upper()
        if "!" in ref and ":" not in ref:
            by_ref[ref.split("]", 1)[-1]] = value
    out = {}
    for (sheet, rule), where in cells.items():
        got = {}
        for r, c in where.items():
            value = by_ref.get(f"{sheet.upper()}!{c}") or by_ref.get(f"'{sheet.upper()}'!{c}")
            got[r] = _bit(_scalar(value))
        out[(sheet, rule)] = got
    del book
    return out


def _scalar(value):
    try:
        v = value.value[0, 0]
    except (AttributeError, IndexError, TypeError):
        return value
    if type(v).__name__ in ("XlError", "Error"):
        return "#ERR"
    return v
