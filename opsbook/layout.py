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

from .text import localize, python_values
from .values import arrow_array, is_na

VIOLATIONS_SHEET = "違規清單"
SEVERITY_ZH = {"error": "錯誤", "warning": "警告"}
# (report field, header, column width) in the order the sheet shows them.
VIOLATION_COLUMNS = [
    ("sheet", "工作表", 14),
    ("cell", "儲存格", 8),
    ("row", "行", 6),
    ("column", "欄位", 14),
    ("clause", "條款", 10),
    ("rule", "規則", 34),
    ("severity", "嚴重程度", 8),
    ("message", "說明", 70),
    ("value", "值", 18),
]
VIOLATION_FIELDS = [f for f, _, _ in VIOLATION_COLUMNS]
VIOLATION_HEADERS = [h for _, h, _ in VIOLATION_COLUMNS]
# `--lang en`: the sheet keeps its name 違規清單 (how both writers and `clear` find it, and
# what the team knows it by); its header row and severities follow the run's language.
VIOLATION_HEADERS_EN = [
    "Sheet",
    "Cell",
    "Row",
    "Column",
    "Clause",
    "Rule",
    "Severity",
    "Message",
    "Value",
]
VIOLATION_WIDTHS = {i: w for i, (_, _, w) in enumerate(VIOLATION_COLUMNS)}
LINK_COLUMN = VIOLATION_FIELDS.index("cell")  # 儲存格 links to the marked cell

# Fill of a marked cell, by severity: Excel's own "light red fill" / "light yellow fill"
# presets, as ARGB hex (OOXML) and as the RGB triple xlwings' colour setters take.
FILL_COLOURS = {"error": "FFFFC7CE", "warning": "FFFFEB9C"}
FILL_RGB = {k: tuple(int(v[i : i + 2], 16) for i in (2, 4, 6)) for k, v in FILL_COLOURS.items()}
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
    return [localize(h, e, language) for h, e in zip(VIOLATION_HEADERS, VIOLATION_HEADERS_EN)]


def severity_names(language: str = "zh-Hant") -> dict[str, str]:
    """How the 違規清單 sheet names each severity in ``language``."""
    return {s: localize(n, s, language) for s, n in SEVERITY_ZH.items()}


def violation_rows(
    frame: pd.DataFrame, language: str = "zh-Hant"
) -> tuple[list[list], dict[int, str]]:
    """The 違規清單 sheet: header row first, then one row per violation, and for each row
    (0-based, header = 0) with a cell, the location its 儲存格 links to."""
    rows: list[list] = [violation_headers(language)]
    names = severity_names(language)
    links: dict[int, str] = {}
    # Columns as Python lists first: iterating Arrow-backed columns value by value is slow.
    columns = [python_values(frame[c]) for c in VIOLATION_FIELDS]
    severity = VIOLATION_FIELDS.index("severity")
    value = VIOLATION_FIELDS.index("value")
    for i, values in enumerate(zip(*columns), start=1):
        row = list(values)
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
    of 300,000 notes nobody sees was a Python loop over every mark.

    Sheets, column letters and note lines travel as integer codes (pd.factorize) until the
    end: de-duplicating and grouping 300,000 marks by their texts hashed every string."""
    tied = frame[frame["cell"].notna()]
    if tied.empty:
        return pd.DataFrame(columns=["sheet", "row", "letters", "ref", "severity", "note"])
    # Each violation once per row it concerns (an aggregate's rows are all marked), built
    # with NumPy rather than DataFrame.explode.
    rows = tied["rows"].tolist()
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    take = np.repeat(np.arange(len(tied)), lengths)
    sheet_codes, sheets = pd.factorize(tied["sheet"])
    letter_codes, letters = pd.factorize(_letters(tied["cell"]))
    line_codes, lines = pd.factorize(_joined(tied["clause"], tied["message"]))
    marks = pd.DataFrame(
        {
            "sheet": sheet_codes[take],
            "letters": letter_codes[take],
            "row": np.fromiter(
                itertools.chain.from_iterable(rows), dtype=np.int64, count=int(lengths.sum())
            ),
            "line": line_codes[take],
            "is_error": tied["severity"].eq("error").to_numpy(dtype=bool)[take],
        }
    )
    # Built-in aggregations only: a workbook with thousands of marked cells had a Python
    # lambda per cell here (1.2 s for 5,000 cells).
    marks = marks.drop_duplicates(
        ["sheet", "letters", "row", "line"]
    )  # the same line once per note
    out = marks.groupby(["sheet", "letters", "row"], sort=False)["is_error"].any().reset_index()
    noted = (
        out
        if notes_per_sheet is None
        else out[out.groupby("sheet", sort=False).cumcount() < notes_per_sheet]
    )
    if len(noted) < len(out):
        marks = marks.merge(noted[["sheet", "letters", "row"]], on=["sheet", "letters", "row"])
    # The lines of a note joined in plain Python: pandas' per-group join makes a Series a cell.
    line_texts = np.asarray(lines, dtype=object)
    notes: dict[tuple, str] = {}
    for key, line in zip(
        zip(marks["sheet"].tolist(), marks["letters"].tolist(), marks["row"].tolist()),
        line_texts[marks["line"].to_numpy()].tolist(),
    ):
        notes[key] = notes[key] + "\n" + line if key in notes else line
    keys = zip(out["sheet"].tolist(), out["letters"].tolist(), out["row"].tolist())
    letter_text = np.asarray(letters, dtype=object)[out["letters"].to_numpy()]
    return pd.DataFrame(
        {
            "sheet": np.asarray(sheets, dtype=object)[out["sheet"].to_numpy()],
            "ref": letter_text + out["row"].astype(str).to_numpy(dtype=object),
            "row": out["row"].to_numpy(),
            "letters": letter_text,
            "severity": np.where(out["is_error"].to_numpy(), "error", "warning").astype(object),
            "note": [notes.get(key) for key in keys],
        }
    )


def _letters(cells: pd.Series) -> np.ndarray:
    """The column letters of cell references ("AB12" → "AB"), trimmed in Arrow (every
    reference is distinct: 300,000 of them in a dense log)."""
    import pyarrow.compute as pc

    return pc.utf8_rtrim(arrow_array(cells.astype(str)), characters="0123456789").to_numpy(
        zero_copy_only=False
    )


def _joined(clauses: pd.Series, messages: pd.Series) -> pd.Series:
    """Each violation's note line, "clause message", joined per distinct pair."""
    clause_codes, clause_values = pd.factorize(clauses)
    message_codes, message_values = pd.factorize(messages)
    width = len(message_values) + 1
    codes, pairs = pd.factorize(clause_codes.astype(np.int64) * width + message_codes)
    clause_texts = np.asarray(clause_values, dtype=object)
    message_texts = np.asarray(message_values, dtype=object)
    text = np.array(
        [f"{clause_texts[p // width]} {message_texts[p % width]}" for p in pairs.tolist()],
        dtype=object,
    )
    return pd.Series(text[codes], index=clauses.index)
