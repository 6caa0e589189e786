"""What the workbook's buttons run (through xlwings' RunPython; macros/opsbook.bas).

Each is short: Book.caller() → read the sheets → the same core as the batch command →
write back.  The settings are the ``opsbook.toml`` beside the workbook, as for ``opsbook
validate``, so a button and the command agree on the same file.  Run one from an IDE
with the workbook open: ``python -m opsbook.excel.buttons validate 發布日誌.xlsx`` (it
uses xlwings' set_mock_caller).  Errors end in a message box, never in a traceback.
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
from .settings import book_folder


def run_recorded(live: XlwingsBook, action):
    """Run ``action``; when it fails half-way (a protected sheet refusing a note or a rule),
    write down what it had written before passing the error on, so 清除標記 can undo it."""
    try:
        return action()
    except Exception:
        try:
            live.save()
        except Exception:  # noqa: BLE001 - the error to report is the first; clear still finds ours by name
            pass
        raise


def _run(action) -> None:
    book = xw.Book.caller()
    live = XlwingsBook(book)
    try:
        with live.quiet():
            run_recorded(live, lambda: action(live, book))
    except OpsbookError as exc:
        book.app.alert(str(exc), title="opsbook")
    except Exception as exc:  # noqa: BLE001 - a button must show something a person can act on
        book.app.alert(f"opsbook 未能完成：{type(exc).__name__}: {exc}", title="opsbook")


NO_FOLDER = "（活頁簿沒有可用的本機資料夾，例如從 OneDrive／SharePoint 開啟而未同步：已用預設設定檢查，不記錄歷史）"


def settings_for(book) -> dict:
    """The settings ``opsbook validate`` would use for this workbook: opsbook.toml in its
    folder; the defaults when it has none (settings.book_folder: never saved, or in the
    cloud without a local copy)."""
    return load_config(near=book_folder(book))


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
        book.app.alert("\n".join(filter(None, [message, since])), title="opsbook")

    _run(action)


def since_last_check(checked, book, settings) -> str | None:
    """How many were fixed and how many are new since the last 驗證 of this workbook, from
    the run history beside it (opsbook.history, the file `validate --history` uses by
    default).  A workbook with no local folder has no history, which the message says (a
    workbook never saved, or one in the cloud); a history that cannot be used costs one line
    of the message, never the run."""
    folder = book_folder(book)
    if folder is None:
        return NO_FOLDER
    from ..history import HistoryError, workbook_changes

    try:
        return workbook_changes(checked, folder / book.name).message(
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
        if book_folder(book) is None:
            book.app.alert(NO_FOLDER, title="opsbook")

    _run(action)


def clear() -> None:
    """清除標記: remove everything opsbook wrote into the workbook."""
    _run(lambda live, book: live.clear())


if __name__ == "__main__":  # python -m opsbook.excel.buttons validate BOOK.xlsx
    xw.Book(sys.argv[2]).set_mock_caller()
    {"validate": validate, "summarize": summarize, "clear": clear}[sys.argv[1]]()
