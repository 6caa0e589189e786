"""The one small interface between the core and a workbook being written: a file (the batch
command, opsbook.writers.annotate.FileBook) or a workbook open in Excel (the buttons,
opsbook.excel.live.XlwingsBook).  Both are driven by the same ``annotate``; the Excel layer
never decides a rule, the core never imports xlwings.
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from .report import Checked


class BookIO(Protocol):
    def sheet_names(self) -> list[str]: ...

    def mark(self, frame: pd.DataFrame) -> None:
        """Fill each violation's cell(s) by severity and note them (the violation frame)."""

    def write_violations(self, frame: pd.DataFrame, language: str = "zh-Hant") -> None:
        """Add (or replace) the 違規清單 sheet, its header row in ``language``."""

    def write_summary(self, summary) -> None:
        """Add (or replace) one summary sheet (月度結算, 月度彙總, 週報 …)."""


def annotate(book: BookIO, checked: Checked, marks: bool = True) -> None:
    """Everything a checked workbook gets written: marks and notes, the violations sheet and
    the summaries.  One report, one sequence, whichever book it is."""
    frame = checked.report.frame
    if marks:
        book.mark(frame)
        book.write_violations(frame, checked.language)
    for summary in checked.summaries:
        book.write_summary(summary)
