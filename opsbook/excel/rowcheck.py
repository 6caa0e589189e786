"""Checks on one row or one value, for worksheet formulas (opsbook.excel.udfs wraps these).

Pure functions: they read their arguments and return text; nothing else is touched.
"""

from __future__ import annotations

import re

import pandas as pd

from .catalog import RowRule
from .config import load_config
from .engine import as_of_moment
from .kinds import all_rules
from .pipeline import check_book
from .workbook.reader import SheetValues
from .workcalendar import calendar_for

ROW_RULES = {r.id for r in all_rules() if isinstance(r, RowRule)}


def check_row(headers: list, values: list, as_of=None, kind: str | None = None,
              settings: dict | None = None) -> list[tuple[str, str]]:
    """(clause, short message) for every row rule the row breaks, in catalog order.

    Only row rules apply: a single row says nothing about weekly or yearly counts.
    Raises ValueError when the headers are no known table."""
    settings = settings or load_config()
    sheet = SheetValues("row", rows=[list(headers), list(values)])
    checked = check_book([sheet], "", settings, as_of_moment(as_of), kind=kind, summaries=False)
    if not checked.report.files[0].tables:
        raise ValueError("表頭不是可識別的表格")
    f = checked.report.frame
    f = f[f["rule"].isin(ROW_RULES) | f["rule"].str.startswith("read.")]
    return [(clause, short(message)) for clause, message in zip(f["clause"], f["message"])]


def short(message: str) -> str:
    """The part of a message before its details: 「檢查合格後須請用戶簽字確認」."""
    return re.split(r"[（：(]", message, maxsplit=1)[0].strip()


def workdays_after(day, n: int, region: str = "CN") -> pd.Timestamp:
    calendar = calendar_for(region)
    days = pd.Series([pd.Timestamp(day)])
    if not calendar.covers(days).iloc[0]:
        raise ValueError(f"{pd.Timestamp(day).year} 年不在工作日曆範圍內")
    return calendar.add_working_days(days, int(n)).iloc[0]


def is_workday(day, region: str = "CN") -> bool:
    calendar = calendar_for(region)
    days = pd.Series([pd.Timestamp(day)])
    if not calendar.covers(days).iloc[0]:
        raise ValueError(f"{pd.Timestamp(day).year} 年不在工作日曆範圍內")
    return bool(calendar.is_working_day(days).iloc[0])


def blacklisted_on(customer, ids: list, dates: list, as_of=None, months: int = 3) -> pd.Timestamp | None:
    """The day a customer went on the R2-1.2 blacklist (last purchase + months, clipped to
    the month's end), or None when they bought gas within the months before as-of."""
    from .coerce import parse_dates
    from .text import fold

    moment = as_of_moment(as_of)
    key = fold(customer)
    wanted = pd.Series([fold(i) if i is not None else None for i in ids]) == key
    parsed, _ = parse_dates(pd.Series(list(dates), dtype=object), moment.year)
    mine = parsed[wanted.values & parsed.notna().values]
    mine = mine[mine <= moment]
    if mine.empty:
        raise ValueError(f"用戶 {customer} 沒有購氣記錄")
    listed = mine.max().normalize() + pd.DateOffset(months=months)
    return listed if listed <= moment.normalize() else None
