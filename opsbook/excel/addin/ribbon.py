"""What the opsbook ribbon tab and the templates' buttons run (opsbook.bas → RunPython).

xlwings' RunPython names ThisWorkbook as the caller (xlwings.bas 0.37.8, ExecuteWindows:
``--wb=ThisWorkbook.Name``; ExecuteMac passes ThisWorkbook.Name too).  For a macro in
opsbook.xlam that is the add-in, not the workbook the user is looking at; so each entry point
below points ``Book.caller()`` at Excel's active workbook with xlwings' own
``Book.set_mock_caller()`` (main.py: ``caller()`` returns the mock first) and then runs the
public button functions of opsbook.excel.buttons unchanged.  In a template the active workbook
is the one whose button was clicked, so the same macros serve both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import xlwings as xw

from ..settings import book_folder
from . import help_text


def active_book() -> xw.Book:
    """The workbook the user is looking at, made the caller the buttons module will see.
    (An add-in is never Excel's ActiveWorkbook; opsbook.bas refuses to run without one.)"""
    caller = xw.Book.caller()
    book = caller.app.books.active
    book.set_mock_caller()
    return book


def validate() -> None:
    from .. import buttons

    active_book()
    buttons.validate()


def summarize() -> None:
    from .. import buttons

    active_book()
    buttons.summarize()


def clear() -> None:
    from .. import buttons

    active_book()
    buttons.clear()


def settings() -> None:
    """設定: open opsbook.toml in the workbook's folder, writing the defaults there first if
    there is none (the file `opsbook validate` and the buttons read)."""
    from ...config import CONFIG_NAME, dump_config, load_config

    book = active_book()
    folder = book_folder(book)  # never raises: a cloud workbook without a local copy is None
    if folder is None:
        book.app.alert(
            "活頁簿沒有可用的本機資料夾（尚未儲存，或從 OneDrive／SharePoint 開啟而未同步）："
            "請先儲存到本機或已同步的資料夾，設定檔 opsbook.toml 放在同一資料夾。",
            title="opsbook",
        )
        return
    path = folder / CONFIG_NAME
    try:
        if not path.exists():
            path.write_text(dump_config(load_config(near=folder)), encoding="utf-8")
        _open(path)
    except Exception as exc:  # noqa: BLE001 - a button shows something a person can act on
        book.app.alert(f"opsbook 設定：{path}\n{type(exc).__name__}: {exc}", title="opsbook")


def help() -> None:  # noqa: A001 - the name the 說明 button calls
    caller = xw.Book.caller()
    caller.app.alert(help_text.TEXT, title="opsbook 說明")


def _open(path: Path) -> None:
    """The user's program for .toml; Notepad when there is none.  A stock Windows has no
    program for .toml: ShellExecute fails with ERROR_NO_ASSOCIATION (WinError 1155, "No
    application is associated with the specified file for this operation", Microsoft,
    System Error Codes 1000-1299), which os.startfile raises as OSError."""
    if sys.platform == "win32":
        try:
            os.startfile(path)  # noqa: S606 - the user's default editor for .toml
        except OSError:
            subprocess.Popen(["notepad.exe", str(path)])  # every Windows has Notepad
    else:
        subprocess.run(["open", str(path)], check=False)
