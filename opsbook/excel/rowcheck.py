"""What the worksheet formulas compute (opsbook.excel.udfs wraps these), without xlwings.

Every answer comes from the core: a row is checked by the engine and the catalog's row
rules, a blacklist date by the catalog's ``blacklist`` (R2-1.2); nothing is re-implemented
here.  What makes a column of formulas fast is caching what does not change between calls:

* the settings (read once per folder),
* OPS_CHECK_ROW: the engine runs over a *block* of rows at once and every row's answer is
  kept under its content, so the next formulas of the column are dictionary look-ups (the
  answer of a row depends only on its own cells, the headers, as-of and settings);
* OPS_BLACKLISTED: the catalog's blacklist of a purchase log is computed once per (log,
  as-of); OPS_PURCHASES gives the log a handle so each call does not even pass the log.

Excel hands dates to a formula as serial numbers when they come from DATE(), TODAY(),
A2+1 or a General-formatted cell (Microsoft, "DATE function": "Excel stores dates as
sequential serial numbers"; xlwings converts only cells formatted as dates, xlwings issue
#1588): ``excel_date`` reads both.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..catalog import RowRule
from ..config import load_config
from ..engine import as_of_moment
from ..kinds import all_rules
from ..pipeline import check_book
from ..workcalendar import calendar_for

ROW_RULES = frozenset(r.id for r in all_rules() if isinstance(r, RowRule))
_EPOCH = pd.Timestamp("1899-12-30")  # Excel's 1900 date system: serial 1 is 1900-01-01
_MAX_SERIAL = 2958465  # 9999-12-31
BLOCK_ROWS = 10_000  # rows checked together when a formula's row is not cached yet


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


def settings_near(folder: str | Path | None = None) -> dict:
    """The settings for a workbook in ``folder`` (opsbook.toml beside it), read once."""
    key = str(folder or "")
    if key not in _SETTINGS:
        path = Path(folder) if folder else None
        _SETTINGS[key] = load_config(near=path if path and path.is_dir() else None)
    return _SETTINGS[key]


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


# rows ----------------------------------------------------------------------------------------
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
    fetch=None,
    row: int | None = None,
    header_row: int | None = None,
) -> list[tuple[str, str]]:
    """The findings of one row, from the cache when a row of the same content was checked.

    ``fetch(first, last)``: the rows ``first``..``last`` of the row's sheet (1-based), given
    when Excel passed ranges: on a miss the whole block of BLOCK_ROWS rows under the header
    (``header_row``) that holds ``row`` is checked in one engine run, so a column of formulas
    costs one run per block whatever order Excel calculates it in.  A miss in a block already
    checked is a row just edited: only that row is checked."""
    settings = settings or settings_near()
    moment = as_of_value(as_of)
    known, blocks = ANSWERS.table(headers, moment, settings)
    key = _key(values)
    if key in known:
        return known[key]
    block = [list(values)]
    if fetch is not None and row is not None:
        top = (header_row or row - 1) + 1
        first = top + (row - top) // BLOCK_ROWS * BLOCK_ROWS
        if first not in blocks:
            blocks.add(first)
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


# the blacklist -------------------------------------------------------------------------------
class PurchaseLog:
    """A purchase log (ids, dates) as the catalog reads it, with its blacklist per as-of."""

    def __init__(self, ids: list, dates: list, settings: dict):
        from ..catalog.base import Context, folded
        from ..workbook.reader import SheetValues
        from ..workbook.specs import BY_NAME
        from ..workbook.tables import build_table, find_header

        if len(ids) != len(dates):
            raise ValueError("用戶編號與購氣日期的行數不同")
        self.settings = settings
        self._Context = Context
        year = dt.date.today().year
        purchases = SheetValues(
            "購氣記錄", rows=[["用戶編號", "購氣日期"]] + [[i, d] for i, d in zip(ids, dates)]
        )
        visits = SheetValues("入戶安檢記錄", rows=[["用戶編號", "檢查日期", "檢查員"]])
        self.purchases = build_table(
            purchases, find_header(purchases, (BY_NAME["purchases"],)), year
        )
        self.visits = build_table(visits, find_header(visits, (BY_NAME["inspections"],)), year)
        self.known = set(folded(self.purchases, "customer_id").dropna())
        self._listed: OrderedDict[pd.Timestamp, dict] = OrderedDict()

    def listed(self, as_of: pd.Timestamp) -> dict[str, pd.Timestamp]:
        """Folded id → the day the catalog's R2-1.2 blacklist lists the customer."""
        if as_of not in self._listed:
            from ..kinds.inspections.rules import blacklist

            ctx = self._Context(
                as_of=as_of,
                settings=self.settings,
                calendar=calendar_for(self.settings["general"]["calendar"]),
                tables={"purchases": self.purchases},
            )
            frame = blacklist(self.visits, ctx)
            self._listed[as_of] = dict(zip(frame.index, frame["listed_on"]))
            while len(self._listed) > 16:
                self._listed.popitem(last=False)
        return self._listed[as_of]

    def blacklisted_on(self, customer, as_of=None) -> pd.Timestamp | None:
        if customer is None or (isinstance(customer, str) and not customer.strip()):
            raise BlankInput("用戶編號為空")
        key = _folded_id(customer)
        if key not in self.known:
            raise ValueError(f"用戶 {_id_text(customer)} 沒有購氣記錄")
        return self.listed(_as_of_cached(as_of)).get(key)


@lru_cache(maxsize=65536)
def _folded_id(customer) -> str:
    from ..text import fold

    return fold(_id_text(customer))


def _as_of_cached(as_of) -> pd.Timestamp:
    """as_of_value, cached for a given date (not for "now", which moves)."""
    if as_of is None or (isinstance(as_of, str) and not as_of.strip()):
        return as_of_value(None)
    return _as_of_fixed(as_of)


@lru_cache(maxsize=1024)
def _as_of_fixed(as_of) -> pd.Timestamp:
    return as_of_value(as_of)


def _id_text(value) -> str:
    """An id as the text reader gives it: 1001.0 (a number cell) is "1001"."""
    if isinstance(value, (float, Decimal)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


LOGS: OrderedDict[str, PurchaseLog] = OrderedDict()
HANDLE = "購氣記錄#"


def purchase_log(ids: list, dates: list, settings: dict | None = None) -> str:
    """Read a purchase log once and give it a handle (its content's digest), so formulas
    that name the handle look it up instead of passing 100k cells each call."""
    settings = settings or settings_near()
    # A session's handle: Python's hash of the two columns (this process only; after a
    # restart the handle is unknown and the formula asks for a recalculation).
    digest = f"{hash((len(ids), tuple(ids), tuple(dates))) & 0xFFFFFFFFFFFF:012x}"
    handle = f"{HANDLE}{digest} ({len(ids)} 行)"
    if handle not in LOGS:
        LOGS[handle] = PurchaseLog(list(ids), list(dates), settings)
        while len(LOGS) > 8:
            LOGS.popitem(last=False)
    LOGS.move_to_end(handle)
    return handle


def log_for(ids, dates=None, settings: dict | None = None) -> PurchaseLog:
    """The log a formula names: a handle from OPS_PURCHASES, or the two columns."""
    if isinstance(ids, str) and ids.startswith(HANDLE):
        if ids not in LOGS:
            raise ValueError("購氣記錄已失效，請按 Ctrl+Alt+F9 重新計算")
        return LOGS[ids]
    if dates is None:
        raise BlankInput("缺少購氣日期欄")
    return LOGS[purchase_log(ids, dates, settings)]
