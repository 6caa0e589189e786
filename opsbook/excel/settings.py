"""The settings a formula or a button uses: the opsbook.toml beside its workbook, as for
``opsbook validate``; and the workbook's folder, which Excel may not be able to give."""

from __future__ import annotations

import re
import time
from pathlib import Path

from ..config import load_config
from ..workbook.cells import column_index

_SETTINGS: dict[str, dict] = {}


def book_folder(book) -> Path | None:
    """The folder of an xlwings Book, or None when there is none to use: a workbook never
    saved (its FullName is just its name), or one opened from OneDrive, SharePoint or Teams
    without a synced local copy.  For those xlwings 0.37.8 turns the https:// FullName into
    a local path and raises when it finds none (_xlwindows.py Book.fullname →
    utils.py fullname_url_to_local_path: "Couldn't find your local OneDrive for Business
    file"); a button must still check the workbook, with the default settings and no
    history, so reading the path never fails."""
    try:
        folder = Path(book.fullname).parent
    except Exception:  # noqa: BLE001 - XlwingsError, or a COM error from a closing workbook
        return None
    return folder if str(folder) not in ("", ".") and folder.is_dir() else None


def settings_near(folder: str | Path | None = None) -> dict:
    """The settings for a workbook in ``folder`` (opsbook.toml beside it), read once."""
    key = str(folder or "")
    if key not in _SETTINGS:
        path = Path(folder) if folder else None
        _SETTINGS[key] = load_config(near=path if path and path.is_dir() else None)
    return _SETTINGS[key]


# Formulas ---------------------------------------------------------------------------------
FOLDER_SECONDS = 30.0  # how long a workbook's folder is trusted without asking Excel again
_FOLDERS: dict[str, tuple[float, Path | None]] = {}
_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


def split_address(address: str) -> tuple[str, str, int, int]:
    """An external address, as xlwings' ``Range.get_address(external=True)`` gives it in one
    call ("[Book1.xlsx]Sheet1!$A$2:$F$2", quoted as '[My Book.xlsx]S 1'!$A$2 when a name
    needs it): (book name, book and sheet, first row, first column)."""
    where, _, cells = address.rpartition("!")
    if where.startswith("'") and where.endswith("'"):
        where = where[1:-1].replace("''", "'")
    book = where[1 : where.rfind("]")] if where.startswith("[") else ""
    found = _CELL.match(cells)
    if found is None:
        raise ValueError(f"not a cell address: {address}")
    return book, where, int(found.group(2)), column_index(found.group(1)) + 1


def formula_settings(caller) -> dict:
    """The settings of the workbook a formula is in: the opsbook.toml beside it, as the
    buttons and ``opsbook validate`` read.  ``caller`` is the calling cell, an xlwings Range
    (xlwings 0.37.8 udfs.py call_udf passes it to a parameter named ``caller``); None (a
    formula called from Python) gives the defaults.  Its external address names the book in
    one call; the book's folder (three calls: sheet, book, FullName) is asked once per book
    every FOLDER_SECONDS, not once per formula — Excel opens no two books of one name."""
    if caller is None or not hasattr(caller, "get_address"):
        return settings_near(None)
    book = split_address(caller.get_address(external=True))[0]
    now = time.monotonic()
    known = _FOLDERS.get(book)
    if known is None or now - known[0] > FOLDER_SECONDS:
        known = _FOLDERS[book] = (now, book_folder(caller.sheet.book))
    return settings_near(known[1])
