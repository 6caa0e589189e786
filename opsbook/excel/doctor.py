"""`opsbook doctor`: what the Excel side needs, and what is missing, on one screen."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from .. import __version__
from .addin import xlconf

PINNED_XLWINGS = "0.37.8"  # the version whose RunPython the shipped macros call


def report_lines() -> tuple[list[str], bool]:
    ok = True
    lines = [f"opsbook  {__version__}", f"Python   {platform.python_version()} ({sys.executable})"]
    try:
        import xlwings

        lines.append(
            f"xlwings  {xlwings.__version__}"
            + (
                ""
                if xlwings.__version__ == PINNED_XLWINGS
                else f"  ✗ opsbook's macros expect {PINNED_XLWINGS}"
            )
        )
        ok &= xlwings.__version__ == PINNED_XLWINGS
        lines.append(
            f"xlwings PRO: {'on (not used by opsbook)' if xlwings.__pro__ else 'off (open-source only)'}"
        )
    except ImportError:
        lines.append('xlwings  ✗ missing: pip install "opsbook[excel]"')
        ok = False
    interpreter_lines, interpreter_ok = interpreter_report()
    lines += interpreter_lines
    addin_lines, addin_ok = addin_report()
    lines += addin_lines
    if sys.platform == "win32":
        dll_lines, dll_ok = dll_report(
            xlconf.read_value(Path(xlconf.user_config_file()), xlconf.interpreter_key())
        )
        lines += dll_lines
        ok &= interpreter_ok and addin_ok and dll_ok
    elif sys.platform == "darwin":
        lines.append(
            "Excel for Mac: the add-in is not installed by opsbook (untried); use `opsbook validate`"
        )
    else:
        lines.append(
            "Excel    ✗ not available on this system (buttons and formulas need Excel on Windows); "
            "`opsbook validate` works here"
        )
    if "XLWINGS_LICENSE_KEY" in os.environ:
        lines.append("XLWINGS_LICENSE_KEY is set: opsbook does not need or use it")
    # Something missing is a failure, whatever the platform: a script or a support person
    # reads the exit code (Excel missing off Windows included: buttons and formulas cannot run)
    return lines, ok and not any("✗" in line for line in lines)


def dll_folders(interpreter: str) -> list[Path]:
    """Where xlwings.bas (0.37.8, XLPyDLLActivate) loads xlwings64/32-<version>.dll from, for
    the formulas: the folder of the interpreter (a standard install: pip puts the DLL,
    xlwings' data file, in sys.prefix beside python.exe) and the one above it (a virtualenv,
    python.exe in Scripts).  `pip install --user` puts it elsewhere, and every formula fails."""
    here = Path(interpreter).parent
    return [here, here.parent]


def dll_report(interpreter: str | None, version: str = PINNED_XLWINGS) -> tuple[list[str], bool]:
    if not interpreter:
        return [], True  # interpreter_report already says what is missing
    names = [f"xlwings64-{version}.dll", f"xlwings32-{version}.dll"]
    folders = dll_folders(interpreter)
    for folder in folders:
        for name in names:
            if (folder / name).is_file():
                return [f"formulas: {folder / name}  ✓"], True
    return [
        f"formulas: ✗ {names[0]} is in neither {folders[0]} nor {folders[1]}, where Excel looks "
        "for it (xlwings.bas): every worksheet function would fail. Install xlwings into that "
        'Python without --user (pip install "opsbook[excel]"), then `opsbook excel addin install`'
    ], False


def interpreter_report() -> tuple[list[str], bool]:
    """Which Python Excel's RunPython will start (xlwings.bas: INTERPRETER_WIN/MAC of the user
    config, else "python" from PATH), and whether it can import opsbook."""
    conf = Path(xlconf.user_config_file())
    key = xlconf.interpreter_key()
    interpreter = xlconf.read_value(conf, key)
    if not interpreter:
        found = shutil.which("python")
        lines = [
            f"Excel's Python: {key} not set in {conf}; Excel runs `python` from PATH "
            f"({found or 'none found'})  ✗ run `opsbook excel addin install`"
        ]
        return lines, False
    lines = [f"Excel's Python: {interpreter} ({key} in {conf})"]
    if not Path(interpreter).exists():
        lines.append(
            "  ✗ that file does not exist: run `opsbook excel addin install` from the Python to use"
        )
        return lines, False
    if Path(interpreter).resolve() == Path(sys.executable).resolve():
        lines.append("  ✓ this Python")
        return lines, True
    probe = subprocess.run(
        [interpreter, "-c", "import opsbook, xlwings; print(xlwings.__version__)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if probe.returncode:
        lines.append(
            '  ✗ it cannot import opsbook and xlwings: pip install "opsbook[excel]" there, or run '
            "`opsbook excel addin install` from this Python"
        )
        return lines, False
    lines.append(f"  ✓ it has opsbook and xlwings {probe.stdout.strip()}")
    return lines, True


def installed_addin() -> Path | None:
    """Where `opsbook excel addin install` put opsbook.xlam: Excel's per-user XLSTART folder
    (asked of a running Excel; else the default %APPDATA%\\Microsoft\\Excel\\XLSTART).  Doctor
    never starts Excel itself."""
    if sys.platform != "win32":
        return None
    folder = None
    try:
        import xlwings as xw

        if xw.apps:
            folder = Path(xw.apps.active.startup_path)
    except Exception:  # noqa: BLE001 - no Excel to ask: the default folder
        folder = None
    if folder is None:
        folder = Path(os.environ.get("APPDATA", "")) / "Microsoft" / "Excel" / "XLSTART"
    return folder / "opsbook.xlam"


def addin_report() -> tuple[list[str], bool]:
    path = installed_addin()
    if path is None:
        return [], True
    if not path.exists():
        return [f"add-in   ✗ not installed ({path}): run `opsbook excel addin install`"], False
    try:
        from .addin.build import vba_project_bin

        with zipfile.ZipFile(path) as zf:
            current = zf.read("xl/vbaProject.bin") == vba_project_bin(["Sheet1"], formulas=True)
    except Exception as exc:  # noqa: BLE001 - a damaged or foreign file: say so, do not crash
        return [
            f"add-in   ✗ {path} cannot be read ({type(exc).__name__}): run `opsbook excel addin install`"
        ], False
    if not current:
        return [
            f"add-in   ✗ {path} is from another opsbook/xlwings version: run `opsbook excel addin install`"
        ], False
    from .addin.build import has_formulas

    formulas = (
        "with the worksheet functions"
        if has_formulas(path)
        else "✗ without the worksheet functions"
    )
    return [f"add-in   ✓ installed ({path}), {formulas}"], True
