"""What opsbook writes into a workbook, whichever writer writes it: the 違規清單 sheet's
columns and headers, which cells a report marks (and with what note), the severity colours
and the note marker.

The file writer (opsbook.writers.annotate) and the live writer (opsbook.excel.live) both
take their layout from here, so a workbook looks the same after ``opsbook validate --write``
and after the 驗證 button.  Pure pandas; no writer is imported.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .text import python_values, to_simplified
from .values import is_na

VIOLATIONS_SHEET = "違規清單"
SEVERITY_ZH = {"error": "錯誤", "warning": "警告"}
# (report field, header, column width) in the order the sheet shows them.
VIOLATION_COLUMNS = [
    ("sheet", "工作表", 14), ("cell", "儲存格", 8), ("row", "行", 6), ("column", "欄位", 14),
    ("clause", "條款", 10), ("rule", "規則", 34), ("severity", "嚴重程度", 8), ("message", "說明", 70),
    ("value", "值", 18),
]
VIOLATION_FIELDS = [f for f, _, _ in VIOLATION_COLUMNS]
VIOLATION_HEADERS = [h for _, h, _ in VIOLATION_COLUMNS]
# `--lang en`: the sheet keeps its name 違規清單 (how both writers and `clear` find it, and
# what the team knows it by); its header row and severities follow the run's language.
VIOLATION_HEADERS_EN = ["Sheet", "Cell", "Row", "Column", "Clause", "Rule", "Severity", "Message", "Value"]
VIOLATION_WIDTHS = {i: w for i, (_, _, w) in enumerate(VIOLATION_COLUMNS)}
LINK_COLUMN = VIOLATION_FIELDS.index("cell")  # 儲存格 links to the marked cell

# Fill of a marked cell, by severity: Excel's own "light red fill" / "light yellow fill"
# presets, as ARGB hex (OOXML) and as the RGB triple xlwings' colour setters take.
FILL_COLOURS = {"error": "FFFFC7CE", "warning": "FFFFEB9C"}
FILL_RGB = {k: tuple(int(v[i:i + 2], 16) for i in (2, 4, 6)) for k, v in FILL_COLOURS.items()}
SEVERITY_ORDER = ("error", "warning")  # an error wins a cell that also has a warning

NOTE_MARK = "【opsbook】"  # opsbook's text in a note starts here (a user's text stays before it)


def free_sheet_name(name: str, taken) -> str:
    """``name``, or ``name (2)`` … when a sheet of the user's already has it (compared
    case-insensitively, as Excel does): opsbook never replaces a sheet it did not make."""
    taken = {n.lower() for n in taken}
    if name.lower() not in taken:
        return name
    n = 2
    while f"{name} ({n})".lower() in taken:
        n += 1
    return f"{name} ({n})"


def sheet_ref(sheet: str, cell: str) -> str:
    """``'Sheet name'!E2``: the sheet name quoted, its quotes doubled."""
    return f"'{sheet.replace(chr(39), chr(39) * 2)}'!{cell}"


def violation_headers(language: str = "zh-Hant") -> list[str]:
    """The 違規清單 header row in ``language`` (zh-Hant, zh-Hans or en)."""
    if language == "en":
        return list(VIOLATION_HEADERS_EN)
    return [to_simplified(h) for h in VIOLATION_HEADERS] if language == "zh-Hans" else list(VIOLATION_HEADERS)


def severity_names(language: str = "zh-Hant") -> dict[str, str]:
    """How the 違規清單 sheet names each severity in ``language``."""
    if language == "en":
        return {s: s for s in SEVERITY_ZH}
    return {s: to_simplified(n) for s, n in SEVERITY_ZH.items()} if language == "zh-Hans" else dict(SEVERITY_ZH)


def violation_rows(frame: pd.DataFrame, language: str = "zh-Hant") -> tuple[list[list], dict[int, str]]:
    """The 違規清單 sheet: header row first, then one row per violation, and for each row
    (0-based, header = 0) with a cell, the location its 儲存格 links to."""
    rows: list[list] = [violation_headers(language)]
    names = severity_names(language)
    links: dict[int, str] = {}
    # Columns as Python lists first: iterating Arrow-backed columns value by value is slow.
    columns = [python_values(frame[c]) for c in VIOLATION_FIELDS]
    severity = VIOLATION_FIELDS.index("severity")
    value = VIOLATION_FIELDS.index("value")
    for i, row in enumerate(zip(*columns), start=1):
        row = list(row)
        row[severity] = names.get(row[severity], row[severity])
        row[value] = shown(row[value])
        row[LINK_COLUMN] = shown(row[LINK_COLUMN])
        rows.append(row)
        if isinstance(row[LINK_COLUMN], str) and row[LINK_COLUMN]:
            links[i] = sheet_ref(row[0], row[LINK_COLUMN])
    return rows, links


def shown(value):
    """A cell's value as the sheet shows it: None for a blank (opsbook.values.is_na)."""
    return None if is_na(value) else value


def cell_marks(frame: pd.DataFrame, notes_per_sheet: int | None = None) -> pd.DataFrame:
    """One line per marked cell: sheet, row, letters, ref, severity (error wins), note text.
    With ``notes_per_sheet``, only the first that many cells of each sheet get their note
    text (the others' is None): the writer notes no more than that, and joining the lines
    of 300,000 notes nobody sees was a Python loop over every mark."""
    tied = frame[frame["cell"].notna()]
    if tied.empty:
        return pd.DataFrame(columns=["sheet", "row", "letters", "ref", "severity", "note"])
    # Each violation once per row it concerns (an aggregate's rows are all marked), built
    # with NumPy rather than DataFrame.explode.
    rows = tied["rows"].tolist()
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    take = np.repeat(np.arange(len(tied)), lengths)
    letters = tied["cell"].str.extract(r"^([A-Z]+)", expand=False)
    marks = pd.DataFrame({
        "sheet": tied["sheet"].to_numpy(dtype=object)[take],
        "row": np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=int(lengths.sum())),
        "letters": letters.to_numpy(dtype=object)[take],
        "severity": tied["severity"].to_numpy(dtype=object)[take],
        "line": (tied["clause"] + " " + tied["message"]).to_numpy(dtype=object)[take],
    })
    marks["ref"] = marks["letters"] + marks["row"].astype(str)
    # Built-in aggregations only: a workbook with thousands of marked cells had a Python
    # lambda per cell here (1.2 s for 5,000 cells).
    marks = marks.drop_duplicates(["sheet", "ref", "line"])  # the same line once per note
    marks["is_error"] = marks["severity"].eq("error")
    grouped = marks.groupby(["sheet", "ref"], sort=False)
    out = grouped.agg(row=("row", "first"), letters=("letters", "first"), is_error=("is_error", "any"))
    out["severity"] = np.where(out.pop("is_error"), "error", "warning")
    out = out.reset_index()
    noted = out if notes_per_sheet is None else out[out.groupby("sheet", sort=False).cumcount() < notes_per_sheet]
    if len(noted) < len(out):
        wanted = pd.MultiIndex.from_frame(noted[["sheet", "ref"]])
        marks = marks[pd.MultiIndex.from_frame(marks[["sheet", "ref"]]).isin(wanted)]
    # The lines of a note joined in plain Python: pandas' per-group join makes a Series a cell.
    notes: dict[tuple, str] = {}
    for key, line in zip(zip(python_values(marks["sheet"]), python_values(marks["ref"])), python_values(marks["line"])):
        notes[key] = notes[key] + "\n" + line if key in notes else line
    out["note"] = [notes.get(key) for key in zip(python_values(out["sheet"]), python_values(out["ref"]))]
    return out[["sheet", "ref", "row", "letters", "severity", "note"]]
