"""Worksheet formulas, carried by opsbook.xlam (built on Windows, where xlwings generates
their VBA module).  Their docstrings and argument docs are what Insert Function shows: the
add-in registers them with Application.MacroOptions when it opens (the generated module
OpsbookText, opsbook/excel/addin/sources.py text_module), as xlwings' own import_udfs does.
Each takes xlwings' reserved ``caller`` argument (the calling cell; not an Excel argument)
to read the opsbook.toml beside its workbook, as the buttons do.  All are pure (they never write other
cells) and answer bad or blank input with a short text starting with #OPS, never a
traceback.  UDFs work on Windows only in open-source xlwings.

Names: xlwings copies the Python parameter names into the VBA module it generates
(xlwings udfs.py generate_vba_wrapper), and a VBA reserved word there (Date, Currency,
String …, MS-VBAL §3.3.5.2) stops the whole module compiling (xlwings issue #563), so no
parameter is named like one (tests/test_excel.py checks the generated VBA).

Dates: a date argument may be a date cell or a serial number (DATE(), TODAY(), A2+1, a
General cell); see serial.excel_date.  A date answer is a real Excel date (a serial
number): format the cell as a date.  ``@xw.ret(date_format=…)`` is not used: it formats
nothing in a formula's cell on Windows (xlwings cannot format the calling cell).

Today: without ``as_of`` the answer depends on today's date, but Excel recalculates a
formula only when its arguments change (these functions are not volatile, so a column
of them does not recompute on every edit).  Pass TODAY() as ``as_of`` to have the answer
follow the date: TODAY() is volatile and recalculates every day.
"""

from __future__ import annotations

import xlwings as xw

from . import purchases, rowcache, serial
from .settings import formula_settings, split_address


def _fail(exc: Exception) -> str:
    if isinstance(exc, serial.BlankInput):
        return f"#OPS: {exc}"[:60]
    return f"#OPS: {exc}"[:120]


@xw.func
@xw.arg("start_date", doc="起始日期，可為日期或序列值 (start date or its serial number)")
@xw.arg("n", doc="工作日數 (working days, 1 or more)")
def OPS_WORKDAYS_AFTER(start_date, n):  # noqa: N802 - the name Excel users type
    """第 n 個工作日（中國大陸法定節假日及調休補班）。The n-th mainland-China working day after start_date."""
    try:
        return serial.workdays_after(start_date, n).to_pydatetime()
    except Exception as exc:  # noqa: BLE001 - a formula shows #OPS: …, never a traceback
        return _fail(exc)


@xw.func
@xw.arg("check_date", doc="日期，可為日期或序列值 (a date or its serial number)")
def OPS_IS_WORKDAY(check_date):  # noqa: N802 - the name Excel users type
    """是否為工作日（含調休補班）。TRUE when the date is a mainland-China working day."""
    try:
        return serial.is_workday(check_date)
    except Exception as exc:  # noqa: BLE001 - a formula shows #OPS: …, never a traceback
        return _fail(exc)


def _values(rng) -> list:
    """A one-row range's values, whether Excel passed the range or its values."""
    if hasattr(rng, "options"):  # an xlwings Range (the @xw.arg converters below)
        return list(rng.options(ndim=2).value[0])
    return list(rng[0] if rng and isinstance(rng[0], (list, tuple)) else rng)


@xw.func
@xw.arg("row", xw.Range, doc="要檢查的一行 (the row to check), e.g. A2:T2")
@xw.arg("headers", xw.Range, doc="表頭行 (its header row), e.g. A$1:T$1")
@xw.arg(
    "as_of", doc="檢查日期，可省略；填 TODAY() 則每天重算 (as-of date; TODAY() to follow the date)"
)
def OPS_CHECK_ROW(row, headers, as_of=None, caller=None):  # noqa: N802 - the name Excel users type
    """按規章檢查一行，回傳違反的條款，例如「R2-2.7: 檢查合格後須請用戶簽字確認」；沒有違規回傳 ✓。"""
    try:
        values, names = _values(row), _values(headers)
        if len(values) != len(names):
            return "#OPS: 行與表頭的欄數不同"
        if all(v in (None, "") for v in values):
            return "#OPS: 空行"
        found = rowcache.check_row(
            names,
            values,
            as_of=as_of,
            settings=formula_settings(caller),
            locate=_locator(row, headers, len(values)) if hasattr(row, "options") else None,
        )
        return "; ".join(f"{clause}: {text}" for clause, text in found) or "✓"
    except Exception as exc:  # noqa: BLE001 - a formula shows #OPS: …, never a traceback
        return _fail(exc)


def _locator(row, headers, width: int):
    """Where the row is, asked of Excel only when its answer is not cached (rowcache.check_row):
    its external address (sheet, row, column in one call), the header row's, and the sheet
    for reading the block.  A header row on another sheet is not used to bound the block."""

    def locate():
        _, where, number, column = split_address(row.get_address(external=True))
        header_row = None
        if hasattr(headers, "get_address"):
            _, header_where, top, _ = split_address(headers.get_address(external=True))
            header_row = top if header_where == where else None
        sheet = row.sheet

        def fetch(first, last):
            return sheet.range((first, column), (last, column + width - 1)).options(ndim=2).value

        return where, fetch, number, header_row

    return locate


@xw.func
@xw.arg("ids", ndim=1, doc="購氣記錄的用戶編號欄 (purchase log ids), e.g. 購氣記錄!A2:A5000")
@xw.arg("dates", ndim=1, doc="購氣記錄的購氣日期欄 (purchase dates), e.g. 購氣記錄!C2:C5000")
def OPS_PURCHASES(ids, dates, caller=None):  # noqa: N802 - the name Excel users type
    """讀入購氣記錄一次，回傳其代號；OPS_BLACKLISTED 以此代號查詢，不必每格重讀整欄。"""
    try:
        return purchases.purchase_log(ids, dates, formula_settings(caller))
    except Exception as exc:  # noqa: BLE001 - a formula shows #OPS: …, never a traceback
        return _fail(exc)


@xw.func
@xw.arg("customer", doc="用戶編號 (customer id)")
@xw.arg(
    "ids",
    doc="OPS_PURCHASES 的代號，或購氣記錄的用戶編號欄 (a handle from OPS_PURCHASES, or the ids)",
)
@xw.arg("dates", ndim=1, doc="購氣日期欄；用代號時省略 (purchase dates; omit with a handle)")
@xw.arg(
    "as_of", doc="檢查日期，可省略；填 TODAY() 則每天重算 (as-of date; TODAY() to follow the date)"
)
def OPS_BLACKLISTED(customer, ids, dates=None, as_of=None, caller=None):  # noqa: N802 - the name Excel users type
    """逾 3 個月未購氣列入黑名單的日期；未列入回傳「否」（R2-1.2）。"""
    try:
        if not isinstance(ids, str):
            ids = [i for row in ids for i in (row if isinstance(row, (list, tuple)) else [row])]
        # a handle carries the settings of the workbook whose OPS_PURCHASES read the log
        settings = None if isinstance(ids, str) else formula_settings(caller)
        listed = purchases.log_for(ids, dates, settings).blacklisted_on(customer, as_of)
        return "否" if listed is None else listed.to_pydatetime()
    except Exception as exc:  # noqa: BLE001 - a formula shows #OPS: …, never a traceback
        return _fail(exc)
