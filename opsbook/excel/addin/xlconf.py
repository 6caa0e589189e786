"""xlwings.conf, the user-level settings file RunPython reads (xlwings.bas GetConfig, "User
Config": %USERPROFILE%\\.xlwings\\xlwings.conf on Windows; on a Mac
~/Library/Containers/com.microsoft.Excel/Data/xlwings.conf, i.e. xlwings.USER_CONFIG_FILE).

Its lines are "KEY","VALUE".  xlwings writes it with Python's default encoding (cli.py
update_user_config: ``open(xw.USER_CONFIG_FILE, "w")``), which on Windows is the ANSI code page
(GBK on a Simplified-Chinese Windows), and VBA reads it back in that code page (Line Input) —
so this module writes it in the ANSI code page too, and reads whatever it finds without failing.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path


def user_config_file() -> str:
    """xlwings.USER_CONFIG_FILE, computed the same way when xlwings is not installed."""
    try:
        import xlwings

        return xlwings.USER_CONFIG_FILE
    except ImportError:
        if sys.platform == "darwin":
            return os.path.join(
                os.path.expanduser("~"),
                "Library",
                "Containers",
                "com.microsoft.Excel",
                "Data",
                "xlwings.conf",
            )
        return os.path.join(os.path.expanduser("~"), ".xlwings", "xlwings.conf")


def interpreter_key() -> str:
    return "INTERPRETER_MAC" if sys.platform == "darwin" else "INTERPRETER_WIN"


def ansi_encoding() -> str:
    """The encoding VBA reads the file in: Windows' ANSI code page ("mbcs") there."""
    return "mbcs" if sys.platform == "win32" else "utf-8"


def decode(raw: bytes) -> tuple[str, str]:
    """The file's text and the encoding that read it: UTF-8, else the ANSI code page, else
    GB18030 (a superset of GBK), else Latin-1 (which reads any bytes)."""
    for encoding in dict.fromkeys(["utf-8", ansi_encoding(), "gb18030", "latin-1"]):
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    raise AssertionError("latin-1 decodes every byte string")


def read_values(path: Path) -> dict[str, str]:
    try:
        text, _ = decode(Path(path).read_bytes())
    except OSError:
        return {}
    values = {}
    for row in csv.reader(text.splitlines()):
        if len(row) >= 2:
            values[row[0].strip().upper()] = row[1].strip()
    return values


def read_value(path: Path, key: str) -> str | None:
    return read_values(path).get(key.upper())


def interpreter_settings(interpreter: str) -> dict[str, str]:
    """The settings `xlwings config create` writes (cli.py config_create): the interpreter, and
    for a conda environment on Windows its CONDA PATH/ENV (RunPython activates it)."""
    settings = {interpreter_key(): interpreter}
    conda_env, conda_exe = os.environ.get("CONDA_DEFAULT_ENV"), os.environ.get("CONDA_EXE")
    if sys.platform == "win32" and conda_env and conda_exe:
        settings["CONDA PATH"] = os.sep.join(conda_exe.split(os.sep)[:-2])
        settings["CONDA ENV"] = conda_env
    return settings


def set_values(path: Path, values: dict[str, str], encoding: str | None = None) -> None:
    """Replace these keys' lines, keep every other line as it was."""
    path = Path(path)
    keep = []
    if path.exists():
        text, _ = decode(path.read_bytes())
        upper = {k.upper() for k in values}
        for line in text.splitlines():
            row = next(csv.reader([line]), [])
            if line.strip() and not (row and row[0].strip().upper() in upper):
                keep.append(line)
    keep += [f'"{key}","{value}"' for key, value in values.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    # CRLF on Windows, as Python's text mode writes it there: VBA's Line Input ends a line at CR
    newline = "\r\n" if sys.platform == "win32" else "\n"
    path.write_bytes((newline.join(keep) + newline).encode(encoding or ansi_encoding()))
