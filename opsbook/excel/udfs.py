"""Worksheet formulas.  Import this module in the xlwings add-in's UDF Modules (or run
`xlwings.import_udfs`): each function below becomes an Excel function, its docstring and
argument docs shown in Excel's function wizard.  All are pure (they never write other
cells) and answer bad input with a short text starting with #OPS, never a traceback.
UDFs work on Windows only in open-source xlwings.
"""

from __future__ import annotations

import datetime as dt

import xlwings as xw

from .. import rowcheck


def _fail(exc: Exception) -> str:
    return f"#OPS: {exc}"[:120]


@xw.func
@xw.arg("date", doc="起始日期 (start date)")
@xw.arg("n", numbers=int, doc="工作日數 (working days, 1 or more)")
@xw.ret(date_format="yyyy-mm-dd")
def OPS_WORKDAYS_AFTER(date, n):
    """第 n 個工作日（中國大陸法定節假日及調休補班）。The n-th mainland-China working day after date."""
    try:
        return rowcheck.workdays_after(date, n).to_pydatetime()
    except Exception as exc:
        return _fail(exc)


@xw.func
@xw.arg("date", doc="日期 (date)")
def OPS_IS_WORKDAY(date):
    """是否為工作日（含調休補班）。TRUE when the date is a mainland-China working day."""
    try:
        return rowcheck.is_workday(date)
    except Exception as exc:
        return _fail(exc)


@xw.func
@xw.arg("row", ndim=2, doc="要檢查的一行 (the row to check), e.g. A2:T2")
@xw.arg("headers", ndim=2, doc="表頭行 (its header row), e.g. A$1:T$1")
@xw.arg("as_of", doc="檢查日期，可省略 (as-of date, optional)")
def OPS_CHECK_ROW(row, headers, as_of=None):
    """按規章檢查一行，回傳違反的條款，例如「R2-2.7: 檢查合格後須請用戶簽字確認」；沒有違規回傳 ✓。"""
    try:
        values, names = row[0], headers[0]
        if len(values) != len(names):
            return "#OPS: 行與表頭的欄數不同"
        found = rowcheck.check_row(names, values, as_of=as_of if isinstance(as_of, (dt.date, dt.datetime)) else None)
        return "; ".join(f"{clause}: {text}" for clause, text in found) or "✓"
    except Exception as exc:
        return _fail(exc)


@xw.func
@xw.arg("customer", doc="用戶編號 (customer id)")
@xw.arg("ids", ndim=1, doc="購氣記錄的用戶編號欄 (purchase log ids)")
@xw.arg("dates", ndim=1, doc="購氣記錄的購氣日期欄 (purchase dates)")
@xw.arg("as_of", doc="檢查日期，可省略 (as-of date, optional)")
def OPS_BLACKLISTED(customer, ids, dates, as_of=None):
    """逾 3 個月未購氣列入黑名單的日期；未列入回傳「否」（R2-1.2）。"""
    try:
        listed = rowcheck.blacklisted_on(customer, ids, dates, as_of=as_of)
        return "否" if listed is None else listed.to_pydatetime()
    except Exception as exc:
        return _fail(exc)
