"""What the workbook's buttons run (through xlwings' RunPython; macros/opsbook.bas).

Each is short: Book.caller() → read the sheets → the same core as the batch command →
write back.  Run one from an IDE with the workbook open: ``python -m opsbook.excel.buttons
validate 發布日誌.xlsx`` (it uses xlwings' set_mock_caller).  Errors end in a message box,
never in a traceback.
"""

from __future__ import annotations

import sys

import xlwings as xw

from ..bookio import annotate
from ..config import load_config
from ..engine import as_of_moment
from ..errors import OpsbookError
from ..pipeline import check_book
from .live import XlwingsBook


def _run(action) -> None:
    book = xw.Book.caller()
    live = XlwingsBook(book)
    try:
        with live.quiet():
            action(live, book)
    except OpsbookError as exc:
        book.app.alert(str(exc), title="opsbook")
    except Exception as exc:  # a button must show something a person can act on
        book.app.alert(f"opsbook 未能完成：{type(exc).__name__}: {exc}", title="opsbook")


def _check(live: XlwingsBook, book):
    settings = load_config(near=None)
    return check_book(live.read_all(), book.name, settings, as_of_moment(None)), settings


def validate() -> None:
    """驗證: mark every violation in the open workbook and list them in 違規清單."""
    def action(live, book):
        live.clear()
        checked, _ = _check(live, book)
        annotate(live, checked)
        live.save()
        report = checked.report
        book.app.alert(f"{report.errors} 個錯誤，{report.warnings} 個警告（見「違規清單」）", title="opsbook")
    _run(action)


def summarize() -> None:
    """月結/彙總: write the summaries of this kind of workbook (月度結算, 月度彙總, 週報 …)."""
    def action(live, book):
        checked, _ = _check(live, book)
        annotate(live, checked, marks=False)
        live.save()
    _run(action)


def clear() -> None:
    """清除標記: remove everything opsbook wrote into the workbook."""
    _run(lambda live, book: live.clear())


if __name__ == "__main__":  # python -m opsbook.excel.buttons validate BOOK.xlsx
    xw.Book(sys.argv[2]).set_mock_caller()
    {"validate": validate, "summarize": summarize, "clear": clear}[sys.argv[1]]()
