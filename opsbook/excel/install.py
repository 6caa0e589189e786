"""`opsbook excel install BOOK`: wire a workbook's buttons on a machine with Excel."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import OpsbookError

MACROS = Path(__file__).resolve().parents[2] / "macros" / "opsbook.bas"


def install(book_path: Path) -> str:
    if sys.platform not in ("win32", "darwin"):
        raise OpsbookError("installing macros needs Microsoft Excel (Windows or macOS); "
                           "import macros/opsbook.bas by hand where Excel runs")
    import xlwings as xw

    xlwings_bas = Path(xw.__file__).parent / "xlwings.bas"
    try:
        book = xw.Book(str(book_path))
        components = book.api.VBProject.VBComponents
    except Exception as exc:
        raise OpsbookError(f"{book_path}: Excel refused access to the VBA project ({exc}); enable "
                           "File → Options → Trust Center → Trust access to the VBA project object model") from exc
    names = {components.Item(i).Name for i in range(1, components.Count + 1)}
    for bas, name in ((xlwings_bas, "xlwings"), (MACROS, "opsbook")):
        if name not in names:
            components.Import(str(bas))
    book.save()
    return f"{book_path}: macros OpsValidate, OpsSummarize, OpsClear installed"
