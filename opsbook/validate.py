"""Checking files: the batch command's entry point (one file in, one report out)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .engine import Checked, check_sheets
from .errors import UnreadableWorkbook
from .report import FileResult, Report
from .workbook.reader import WORKBOOK_SUFFIXES, FileReader, SheetValues

MAX_ROWS = 1_048_576  # Excel's own limit; a sheet filled to it is skipped with a message


def workbook_files(paths: list[Path]) -> list[Path]:
    """Files to check: those named, plus the workbooks inside named folders (not recursive,
    skipping Excel's ~$ lock files and opsbook's own backups)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p for p in path.iterdir()
                if p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith(("~$", "."))
                and ".opsbook-backup" not in p.name
            )
        else:
            files.append(path)
    return files


def check_file(
    path: Path, settings: dict, as_of: pd.Timestamp, kind: str | None = None,
    period=(None, None), max_rows: int = MAX_ROWS - 1,
) -> Checked:
    """Check one workbook file.  A file that cannot be read gives a report whose FileResult
    carries the one-line reason; nothing is raised."""
    label = str(path)
    try:
        reader = FileReader(path)
    except UnreadableWorkbook as exc:
        return Checked(report=Report(as_of=as_of, files=[FileResult(file=label, error=str(exc))]))
    skipped: list[dict[str, str]] = []
    ours = _own_sheets(path, reader.sheet_names())

    def sheets():
        for name in reader.sheet_names():
            if name in ours:
                continue  # opsbook's own sheets from an earlier run are not data
            height, _ = reader.dimensions(name)
            if height > max_rows:
                skipped.append({"sheet": name, "reason": f"{height:,} 行，超過上限 {max_rows:,} 行 (sheet too large)"})
                continue
            yield reader.read(name)

    try:
        checked = check_sheets(sheets(), label, settings, as_of, kind, period)
    except UnreadableWorkbook as exc:
        return Checked(report=Report(as_of=as_of, files=[FileResult(file=label, error=str(exc))]))
    finally:
        reader.close()
    checked.report.files[0].skipped_sheets += skipped
    return checked


def read_sheets(path: Path) -> list[SheetValues]:
    reader = FileReader(path)
    try:
        return [reader.read(n) for n in reader.sheet_names()]
    finally:
        reader.close()


def _own_sheets(path: Path, names: list[str]) -> set[str]:
    """Sheets an earlier opsbook run wrote (listed in its _opsbook state sheet), read by the
    same parser that clearing uses."""
    from .writers.state import STATE_SHEET, read_state

    if STATE_SHEET not in names:
        return set()
    state = read_state(Path(path))
    return {STATE_SHEET, *(state.sheets if state else [])}
