"""Dates as Excel hands them to a worksheet formula, and the calendar formulas.

Excel hands dates to a formula as serial numbers when they come from DATE(), TODAY(),
A2+1 or a General-formatted cell (Microsoft, "DATE function": "Excel stores dates as
sequential serial numbers"; xlwings converts only cells formatted as dates, xlwings issue
#1588): ``excel_date`` reads both.  No xlwings here (opsbook.excel.udfs wraps these).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

import pandas as pd

from ..engine import as_of_moment
from ..workcalendar import calendar_for

_EPOCH = pd.Timestamp("1899-12-30")  # Excel's 1900 date system: serial 1 is 1900-01-01
_MAX_SERIAL = 2958465  # 9999-12-31


class BlankInput(ValueError):
    """An argument cell is empty: the formula answers a short text, not an error trace."""


def excel_date(value, what: str = "日期") -> pd.Timestamp:
    """A date as Excel passes it to a formula: a datetime (date-formatted cell), a serial
    number (DATE(), TODAY(), A2+1, a General cell), or text such as 2026/3/2."""
    if (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and value != value)
    ):
        raise BlankInput(f"{what}為空")
    if isinstance(value, bool):
        raise ValueError(f"{what}不是日期：{value}")
    if isinstance(value, (int, float, Decimal)):
        serial = float(value)
        if not 1 <= serial <= _MAX_SERIAL:
            raise ValueError(f"{what}不是日期：{value}")
        return (_EPOCH + pd.Timedelta(days=serial)).round("s")
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return pd.Timestamp(value)
    from ..coerce import parse_dates

    parsed, bad = parse_dates(pd.Series([value], dtype=object), dt.date.today().year)
    if bad.iloc[0] or pd.isna(parsed.iloc[0]):
        raise ValueError(f"{what}無法讀取：{value}")
    return parsed.iloc[0]


def as_of_value(value) -> pd.Timestamp:
    """The as-of argument: omitted or blank → now; a date or serial → the end of that day
    (a serial with a time part, e.g. NOW(), is that moment)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return as_of_moment(None)
    stamp = excel_date(value, "檢查日期")
    if isinstance(value, (int, float, Decimal)) and float(value) != int(float(value)):
        return stamp
    return as_of_moment(stamp.to_pydatetime() if stamp != stamp.normalize() else stamp.date())


_SETTINGS: dict[str, dict] = {}


def as_of_day(value) -> pd.Timestamp:
    """The as-of a row's answer depends on: a given date, or, when omitted, the end of today
    (the rules' finest unit of "now" is the day: a recalculation that crosses a second, or
    an hour, must find the answers already computed today)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return as_of_moment(dt.date.today())
    return as_of_value(value)


# calendar ----------------------------------------------------------------------------------
def workdays_after(day, n, region: str = "CN") -> pd.Timestamp:
    start = excel_date(day)
    if n is None or (isinstance(n, str) and not n.strip()):
        raise BlankInput("工作日數為空")
    return _workdays_after(start, int(n), region)


def is_workday(day, region: str = "CN") -> bool:
    return _is_workday(excel_date(day).normalize(), region)


@lru_cache(maxsize=65536)  # the calendar does not change: a day's answer is computed once
def _workdays_after(start: pd.Timestamp, n: int, region: str) -> pd.Timestamp:
    calendar = _covering(start, region)
    return calendar.add_working_days(pd.Series([start]), n).iloc[0]


@lru_cache(maxsize=65536)
def _is_workday(day: pd.Timestamp, region: str) -> bool:
    calendar = _covering(day, region)
    return bool(calendar.is_working_day(pd.Series([day])).iloc[0])


def _covering(day: pd.Timestamp, region: str):
    calendar = calendar_for(region)
    if not calendar.covers(pd.Series([day])).iloc[0]:
        raise ValueError(f"{day.year} 年不在工作日曆範圍內")
    return calendar
