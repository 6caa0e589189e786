"""`opsbook doctor`: what the Excel side needs, and what is missing."""

from __future__ import annotations

import csv
import os
import platform
import sys
from pathlib import Path

from .. import __version__

PINNED_XLWINGS = "0.37.8"  # the version whose RunPython the shipped macros call


def report_lines() -> tuple[list[str], bool]:
    ok = True
    lines = [f"opsbook  {__version__}", f"Python   {platform.python_version()} ({sys.executable})"]
    try:
        import xlwings

        lines.append(f"xlwings  {xlwings.__version__}" + ("" if xlwings.__version__ == PINNED_XLWINGS
                                                         else f"  ✗ opsbook's macros expect {PINNED_XLWINGS}"))
        ok &= xlwings.__version__ == PINNED_XLWINGS
        lines.append(f"xlwings PRO: {'on (not used by opsbook)' if xlwings.__pro__ else 'off (open-source only)'}")
    except ImportError:
        lines.append("xlwings  ✗ missing: pip install \"opsbook[excel]\"")
        ok = False
    conf = Path.home() / ".xlwings" / "xlwings.conf"
    key = "INTERPRETER_WIN" if sys.platform == "win32" else "INTERPRETER_MAC"
    interpreter = _conf_value(conf, key)
    lines.append(f"Excel's Python ({conf}): {interpreter or '(not set: Excel uses the default python)'}")
    if sys.platform not in ("win32", "darwin"):
        lines.append("Excel    ✗ not available on this system (buttons and formulas need Windows or macOS)")
    if "XLWINGS_LICENSE_KEY" in os.environ:
        lines.append("XLWINGS_LICENSE_KEY is set: opsbook does not need or use it")
    return lines, ok


def _conf_value(path: Path, key: str) -> str | None:
    """A value of xlwings.conf, whose lines are "KEY","VALUE" pairs."""
    if not path.exists():
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for row in csv.reader(lines):
        if len(row) >= 2 and row[0].strip().upper() == key:
            return row[1].strip()
    return None
