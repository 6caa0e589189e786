"""OPS_CHECK_ROW's engine runs and their cache.

A row is checked by the engine and the catalog's row rules (nothing re-implemented here).
What makes a column of formulas fast is caching what does not change between calls: the
engine runs over a *block* of rows at once and every row's answer is kept under its
content, so the next formulas of the column are dictionary look-ups (the answer of a row
depends only on its own cells, the headers, the as-of day and the settings).
"""

from __future__ import annotations

import re
from collections import OrderedDict

import pandas as pd

from ..catalog import RowRule
from ..kinds import all_rules
from ..pipeline import check_book
from .serial import as_of_day
from .settings import settings_near

ROW_RULES = frozenset(r.id for r in all_rules() if isinstance(r, RowRule))
BLOCK_ROWS = 10_000  # rows checked together when a formula's row is not cached yet


# rows -----------------------------------------------------------------------------------------
def short(message: str) -> str:
    """The part of a message before its details: 「檢查合格後須請用戶簽字確認」."""
    return re.split(r"[（：(]", message, maxsplit=1)[0].strip()


def _key(values) -> tuple:
    return tuple(None if v == "" else v for v in values)


class RowAnswers:
    """Row answers under (headers, as-of, settings): content of a row → its findings."""

    def __init__(self, limit: int = 8):
        self.tables: OrderedDict[tuple, dict[tuple, list]] = OrderedDict()
        self.blocks: dict[tuple, set] = {}  # blocks of a sheet already checked, per table
        self.limit = limit

    def table(self, headers, as_of: pd.Timestamp, settings: dict) -> tuple[dict[tuple, list], set]:
        key = (_key(headers), as_of, id(settings))
        if key not in self.tables:
            self.tables[key] = {}
            self.blocks[key] = set()
            while len(self.tables) > self.limit:
                old, _ = self.tables.popitem(last=False)
                self.blocks.pop(old, None)
        self.tables.move_to_end(key)
        return self.tables[key], self.blocks[key]


ANSWERS = RowAnswers()


def check_rows(
    headers: list, rows: list[list], as_of: pd.Timestamp, settings: dict, kind: str | None = None
) -> list[list[tuple[str, str]]]:
    """(clause, short message) for every row rule each row breaks, in catalog order: one
    engine run for all the rows.  Raises ValueError when the headers are no known table."""
    width = len(headers)
    grid = [list(headers)] + [(list(r) + [None] * width)[:width] for r in rows]
    from ..workbook.reader import SheetValues

    checked = check_book(
        [SheetValues("row", rows=grid)], "", settings, as_of, kind=kind, summaries=False
    )
    if not checked.report.files[0].tables:
        raise ValueError("表頭不是可識別的表格")
    f = checked.report.frame
    f = f[f["rule"].isin(ROW_RULES) | f["rule"].str.startswith("read.")]
    out: list[list[tuple[str, str]]] = [[] for _ in rows]
    for row, clause, message in zip(f["row"], f["clause"], f["message"]):
        if row is not None and 2 <= int(row) <= len(rows) + 1:
            out[int(row) - 2].append((clause, short(message)))
    return out


def check_row(
    headers: list,
    values: list,
    as_of=None,
    kind: str | None = None,
    settings: dict | None = None,
    locate=None,
) -> list[tuple[str, str]]:
    """The findings of one row, from the cache when a row of the same content was checked.

    ``locate()``, given when Excel passed ranges and called only on a miss (each answer it
    needs is a call back into Excel): ``(sheet, fetch, row, header_row)`` — a name for the
    row's sheet, ``fetch(first, last)`` giving the rows ``first``..``last`` of that sheet
    (1-based), the row's number and the header row's.  On a miss the whole block of
    BLOCK_ROWS rows under the header that holds ``row`` is checked in one engine run, so a
    column of formulas costs one run per block whatever order Excel calculates it in.  A
    miss in a block already checked is a row just edited: only that row is checked.

    Without ``as_of`` the answer is as of the end of today (serial.as_of_day), and the cache
    is keyed on that day: a recalculation that crosses a second finds its answers."""
    settings = settings or settings_near()
    moment = as_of_day(as_of)
    known, blocks = ANSWERS.table(headers, moment, settings)
    key = _key(values)
    if key in known:
        return known[key]
    block = [list(values)]
    where = locate() if locate is not None else None
    if where is not None:
        sheet, fetch, row, header_row = where
        top = (header_row or row - 1) + 1
        first = top + (row - top) // BLOCK_ROWS * BLOCK_ROWS
        if (sheet, first) not in blocks:
            blocks.add((sheet, first))
            fetched = [
                list(r)
                for r in fetch(first, first + BLOCK_ROWS - 1) or []
                if any(v not in (None, "") for v in r)
            ]
            if any(_key(r) == key for r in fetched):
                block = fetched
    for values_, found in zip(block, check_rows(headers, block, moment, settings, kind)):
        known[_key(values_)] = found
    return known[key]
