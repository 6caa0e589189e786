"""Installing the Excel side.

* ``opsbook excel addin install`` / ``uninstall``: opsbook.xlam in Excel's per-user startup
  folder, the way ``xlwings addin install`` installs xlwings.xlam (xlwings 0.37.8 cli.py,
  ``get_addin_dir``/``_addin_install``: the folder is ``App.startup_path``, i.e. XLSTART, whose
  workbooks Excel opens at every start; open add-ins are closed first and the new one is
  opened in each running Excel), plus xlwings.conf's interpreter setting (cli.py
  ``config_create``/``update_user_config``), which RunPython reads (xlwings.bas GetConfig).
* ``opsbook excel install BOOK``: opsbook's and xlwings' modules imported into one .xlsm.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import OpsbookError
from .addin import xlconf

ADDIN_NAME = "opsbook.xlam"
MAC_REFUSAL = (
    "opsbook excel addin {command} works on Windows only. Excel for Mac has not been tried: "
    "build the add-in with `opsbook excel addin build --output opsbook.xlam`, then in Excel "
    "Tools → Excel Add-ins → Browse… pick it, run `xlwings runpython install` once and put "
    '"INTERPRETER_MAC","<this python>" into ~/Library/Containers/com.microsoft.Excel/Data/'
    "xlwings.conf; or check workbooks with `opsbook validate` (see docs/in-excel.md)"
)
OTHER_REFUSAL = (
    "opsbook excel addin {command} needs Microsoft Excel on Windows; on this system "
    "check workbooks with `opsbook validate`, or build the add-in file with "
    "`opsbook excel addin build --output opsbook.xlam` and copy it to a Windows PC"
)

UNINSTALL_REFUSAL = (
    "opsbook excel addin {command}: opsbook installs its add-in on Windows only, so there is "
    "nothing of it to remove here (an add-in added by hand: Excel → Tools → Excel Add-ins, "
    "untick opsbook)"
)


def _refuse_off_windows(command: str = "install") -> None:
    """Each command names itself: `addin uninstall` said "addin install works on Windows
    only" before issue 25."""
    if sys.platform == "darwin":
        raise OpsbookError(
            (MAC_REFUSAL if command == "install" else UNINSTALL_REFUSAL).format(command=command)
        )
    if sys.platform != "win32":
        raise OpsbookError(
            (OTHER_REFUSAL if command == "install" else UNINSTALL_REFUSAL).format(command=command)
        )


def startup_dir() -> Path:
    """Excel's per-user XLSTART folder, asked of a running Excel or of a hidden one (as
    xlwings' get_addin_dir does)."""
    import xlwings as xw

    try:
        if xw.apps.active is not None:  # an Excel is running: ask it
            return Path(xw.apps.active.startup_path)
        with xw.App(visible=False) as app:
            return Path(app.startup_path)
    except Exception as exc:
        raise OpsbookError(
            f"could not ask Excel for its startup folder ({exc}); is Excel installed?"
        ) from exc


def _close_open_addin() -> None:
    import xlwings as xw

    for app in xw.apps:
        try:
            app.books[ADDIN_NAME].close()
        except Exception:  # noqa: BLE001 - not open in this Excel
            pass


def install_addin() -> list[str]:
    _refuse_off_windows()
    _close_open_addin()
    folder = startup_dir()
    lines = install_into(folder, Path(xlconf.user_config_file()), sys.executable)
    import xlwings as xw

    opened = False
    for app in xw.apps:  # as xlwings' _addin_install: load it in every running Excel
        try:
            app.books.open(str(folder / ADDIN_NAME))
            opened = True
        except Exception:  # noqa: BLE001 - that Excel loads it at its next start
            pass
    lines.append(
        "已在執行中的 Excel 載入 opsbook 分頁。"
        if opened
        else "啟動 Excel（已開啟的請先關閉再開），功能區會出現 opsbook 分頁。"
    )
    return lines


def install_into(
    folder: Path, conf: Path, interpreter: str, encoding: str | None = None
) -> list[str]:
    """Write opsbook.xlam into `folder` and point xlwings.conf at `interpreter`."""
    from .addin.build import build_addin

    folder.mkdir(parents=True, exist_ok=True)
    target = build_addin(folder / ADDIN_NAME)
    previous = xlconf.read_value(conf, xlconf.interpreter_key())
    try:
        xlconf.set_values(conf, xlconf.interpreter_settings(interpreter), encoding=encoding)
    except UnicodeEncodeError:
        raise OpsbookError(
            f"{interpreter}: this path cannot be written in Windows' ANSI code page, "
            "which xlwings.conf uses; install Python in a folder with such a name"
        ) from None
    lines = [f"installed {target}", f"{conf}: {xlconf.interpreter_key()} = {interpreter}"]
    if previous and previous != interpreter:
        lines.append(f"  (was {previous}; xlwings' own add-in reads the same setting)")
    return lines


def uninstall_addin() -> list[str]:
    _refuse_off_windows("uninstall")
    _close_open_addin()
    target = startup_dir() / ADDIN_NAME
    try:
        target.unlink()
    except FileNotFoundError:
        return [f"opsbook.xlam is not installed ({target} not found)"]
    except PermissionError as exc:
        raise OpsbookError(
            f"{target}: Excel still has it open; quit Excel and try again ({exc})"
        ) from exc
    return [
        f"removed {target}",
        f"{xlconf.user_config_file()} is left as it is (xlwings' own add-in reads it too)",
    ]


# --- one workbook -----------------------------------------------------------------------

TRUST_HINT = (
    "Excel refused access to the workbook's VBA project. Turn on File → Options → "
    'Trust Center → Trust Center Settings → Macro Settings → "Trust access to the VBA '
    'project object model", then run this again (or use the add-in: '
    "opsbook excel addin install)"
)
XL_MACRO_ENABLED = 52  # XlFileFormat.xlOpenXMLWorkbookMacroEnabled (Excel VBA reference)
VBEXT_STD_MODULE, VBEXT_CLASS_MODULE = 1, 2  # vbext_ComponentType (VBIDE reference)


def check_book_path(book_path: Path) -> None:
    """The refusals that need no Excel: only an .xlsm keeps macros."""
    suffix = book_path.suffix.lower()
    if suffix == ".xlsx":
        raise OpsbookError(
            f"{book_path}: an .xlsx cannot keep macros; save it as .xlsm first, or use "
            "the add-in (opsbook excel addin install), which needs no macros in the file"
        )
    if suffix != ".xlsm":
        raise OpsbookError(f"{book_path}: give an .xlsm workbook")


def install(book_path: Path) -> str:
    """Import opsbook's and xlwings' modules into BOOK.xlsm and save it as .xlsm (52)."""
    check_book_path(book_path)
    if sys.platform == "darwin":
        raise OpsbookError(
            "Excel for Mac gives no access to a workbook's VBA project; use a template "
            "(opsbook excel template KIND), which carries the macros already"
        )
    if sys.platform != "win32":
        raise OpsbookError(
            "installing macros needs Microsoft Excel (Windows); build a ready workbook "
            "with `opsbook excel template KIND` instead"
        )
    import xlwings as xw

    from .addin.sources import opsbook_module, xlwings_modules

    book = xw.Book(str(book_path))
    try:
        components = book.api.VBProject.VBComponents
    except Exception as exc:
        raise OpsbookError(f"{book_path}: {TRUST_HINT} ({exc})") from exc
    existing = {components.Item(i).Name: components.Item(i) for i in range(1, components.Count + 1)}
    for module in [opsbook_module(), *xlwings_modules()]:
        component = existing.get(module.name)
        if component is None:
            component = components.Add(
                VBEXT_CLASS_MODULE if module.kind == "class" else VBEXT_STD_MODULE
            )
            component.Name = module.name
        code = component.CodeModule
        if code.CountOfLines:
            code.DeleteLines(1, code.CountOfLines)
        # AddFromString takes code, not the Attribute lines of an exported file
        code.AddFromString(
            "\r\n".join(
                line for line in module.source.split("\r\n") if not line.startswith("Attribute ")
            )
        )
    alerts = book.app.display_alerts
    book.app.display_alerts = False
    try:
        book.api.SaveAs(os.fspath(Path(book_path).resolve()), XL_MACRO_ENABLED)
    finally:
        book.app.display_alerts = alerts
    return (
        f"{book_path}: macros OpsValidate, OpsSummarize, OpsClear, OpsSettings, OpsHelp installed"
    )
