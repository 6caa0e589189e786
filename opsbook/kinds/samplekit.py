"""What a kind's sample workbook is built with (each kind's ``sample.py``): the ``Seed`` a
builder returns for every violation it plants, and ``write_table``, which writes a sample
sheet the way teams lay theirs out: a merged title, a blank row, the header, data with a
blank row in the middle, a 合計 row at the end."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet


@dataclass(frozen=True)
class Seed:
    """A violation a sample builder planted: the tests expect it found there, and nothing else."""

    sheet: str
    row: int | None  # worksheet row, None for a violation with no row (a missing day)
    clause: str
    rule: str
    note: str = ""


def write_table(
    ws: Worksheet,
    title: str | None,
    headers: list[str],
    rows: list[list],
    blank_after: int | None = None,
    totals: bool | list = False,
) -> list[int]:
    """Write the table; returns the worksheet row of each data row."""
    r = 1
    if title:
        ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(headers), 2))
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
        r = 3
    for c, header in enumerate(headers, start=1):
        cell = ws.cell(row=r, column=c, value=header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFDDEBF7")
    positions = []
    r += 1
    for i, row in enumerate(rows):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, dt.datetime):
                cell.number_format = (
                    "yyyy-mm-dd hh:mm" if value.time() != dt.time(0) else "yyyy-mm-dd"
                )
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
        positions.append(r)
        r += 1
        if blank_after is not None and i == blank_after:
            r += 1  # a blank row in the middle, as teams leave them
    if isinstance(totals, list):  # a totals row as the team types it (合計 + sums)
        for c, value in enumerate(totals, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    elif totals:
        ws.cell(row=r, column=1, value="合計")
        ws.cell(row=r, column=2, value=len(rows))
    from openpyxl.utils import get_column_letter

    for c, header in enumerate(headers, start=1):
        sample = [row[c - 1] for row in rows[:50] if len(row) >= c and row[c - 1] is not None]
        longest = max(
            [len(str(header)) * 2]
            + [len(str(v)) * (2 if isinstance(v, str) else 1) for v in sample]
        )
        ws.column_dimensions[get_column_letter(c)].width = min(max(10, longest + 2), 40)
    ws.freeze_panes = ws.cell(row=(4 if title else 2), column=1)
    return positions
