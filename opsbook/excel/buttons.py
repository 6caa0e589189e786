"""What the workbook's buttons run (through xlwings' RunPython; macros/opsbook.bas).

Each is short: Book.caller() → read the sheets → the same core as the batch command →
write back.  The settings are the ``opsbook.toml`` beside the workbook, as for ``opsbook
validate``, so a button and the command agree on the same file.  Run one from an IDE
with the workbook open: ``python -m opsbook.excel.buttons validate 發布日誌.xlsx`` (it
uses xlwings' set_mock_caller).  Errors end in a message box, never in a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

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
    except Exception as exc:  # noqa: BLE001 - a button must show something a person can act on
        book.app.alert(f"opsbook 未能完成：{type(exc).__name__}: {exc}", title="opsbook")


def settings_for(book) -> dict:
    """The settings ``opsbook validate`` would use for this workbook: opsbook.toml in its
    folder.  A workbook never saved has no folder (its fullname is just its name)."""
    folder = Path(book.fullname).parent
    return load_config(near=folder if str(folder) not in ("", ".") and folder.is_dir() else None)


def _check(live: XlwingsBook, book):
    settings = settings_for(book)
    return check_book(live.read_all(), book.name, settings, as_of_moment(None)), settings


def validate() -> None:
    """驗證: mark every violation in the open workbook and list them in 違規清單."""

    def action(live, book):
        live.clear()
        checked, settings = _check(live, book)
        annotate(live, checked)
        live.save()
        report = checked.report
        message = f"{report.errors} 個錯誤，{report.warnings} 個警告（見「違規清單」）"
        since = since_last_check(checked, book, settings)
        book.app.alert(f"{message}\n{since}" if since else message, title="opsbook")

    _run(action)


def since_last_check(checked, book, settings) -> str | None:
    """How many were fixed and how many are new since the last 驗證 of this workbook, from
    the run history beside it (opsbook.history, the file `validate --history` uses by
    default).  A workbook never saved has no folder and so no history; a history that
    cannot be used costs one line of the message, never the run."""
    folder = Path(book.fullname).parent
    if str(folder) in ("", ".") or not folder.is_dir():
        return None
    from ..history import HistoryError, workbook_changes

    try:
        return workbook_changes(checked, Path(book.fullname)).message(
            settings["general"]["language"]
        )
    except HistoryError as exc:
        return f"（未能記錄本次檢查：{exc}）"


def summarize() -> None:
    """月結/彙總: write the summaries of this kind of workbook (月度結算, 月度彙總, 週報 …),
    replacing the summaries of an earlier press and keeping 驗證's marks."""

    def action(live, book):
        live.resume()
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
