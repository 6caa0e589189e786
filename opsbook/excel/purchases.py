"""OPS_PURCHASES / OPS_BLACKLISTED: a purchase log read once under a handle, and the
catalog's R2-1.2 blacklist of it computed once per as-of."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from decimal import Decimal
from functools import lru_cache

import pandas as pd

from ..workcalendar import calendar_for
from .serial import BlankInput, as_of_value
from .settings import settings_near


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
        purchases_header = find_header(purchases, (BY_NAME["purchases"],))
        visits_header = find_header(visits, (BY_NAME["inspections"],))
        assert purchases_header and visits_header  # the header rows written just above
        self.purchases = build_table(purchases, purchases_header, year)
        self.visits = build_table(visits, visits_header, year)
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
    # A session's handle: Python's hash of the two columns and the settings (a workbook's
    # opsbook.toml, e.g. blacklist_months, is part of what the handle answers) (this process only; after a
    # restart the handle is unknown and the formula asks for a recalculation).
    digest = f"{hash((len(ids), tuple(ids), tuple(dates), id(settings))) & 0xFFFFFFFFFFFF:012x}"
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
