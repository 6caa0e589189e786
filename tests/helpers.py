"""Small in-line tables for rule tests, run through the same pipeline as real files."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from opsbook.config import DEFAULTS
from opsbook.engine import as_of_moment
from opsbook.pipeline import check_book
from opsbook.workbook.reader import SheetValues

AS_OF = "2026-11-26"


def settings(**overrides) -> dict:
    s = copy.deepcopy(DEFAULTS)
    for dotted, value in overrides.items():
        section, key = dotted.split("__")
        s[section][key] = value
    return s


def check(
    sheets: dict[str, list[list]], as_of: str = AS_OF, cfg: dict | None = None, period=(None, None)
):
    """Run the engine over {sheet name: [header row, *rows]}; returns the Checked result."""
    values = [SheetValues(name, rows) for name, rows in sheets.items()]
    return check_book(values, "test.xlsx", cfg or settings(), as_of_moment(as_of), period=period)


def found(checked, rule_prefix: str = "") -> set[tuple[int | None, str]]:
    """(row, clause) pairs of the violations whose rule id starts with ``rule_prefix``."""
    f = checked.report.frame
    f = f[f["rule"].str.startswith(rule_prefix)] if rule_prefix else f
    return {(None if pd.isna(r) else int(r), c) for r, c in zip(f["row"], f["clause"])}


def rules_hit(checked) -> set[str]:
    return set(checked.report.frame["rule"])


def write_xlsx(path: Path, sheets: dict[str, list[list]], date1904: bool = False) -> Path:
    """A workbook of {sheet name: rows}; ``date1904``: kept on a Mac (dates count from 1904)."""
    wb = Workbook()
    wb.remove(wb.active)
    if date1904:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904

        wb.epoch = CALENDAR_MAC_1904
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path
