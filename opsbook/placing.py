"""Where a violation is shown: the engine's decisions about cells, worded for the report.

A log read over several sheets speaks in record ids; ``place`` puts each violation back on its
own sheet, row and cell.  A cell hidden under a merge is marked on the merge's top-left cell
(``anchor_merged``), and the message says so.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd

from .text import localize, python_values
from .workbook.cells import column_index, column_letter
from .workbook.logs import ROW_BASE
from .workbook.tables import Table


def place(frame: pd.DataFrame, table: Table, shown=lambda value: value) -> pd.DataFrame:
    """Violations of a log read over several sheets, put back on their own sheet and row.
    The rules speak in record ids; a line whose rows lie on two sheets (a week that starts
    in the September sheet and ends in the October one) becomes one line per sheet, each
    naming its own sheet, rows and cell (``shown`` turns its first cell's value into the
    report's form)."""
    if len(table.sheets) <= 1 or frame.empty:
        return frame
    f = frame.reset_index(drop=True)
    exploded = pd.DataFrame({"v": f.index, "id": f["rows"].values}).explode("id").dropna()
    if exploded.empty:
        return f
    ids = exploded["id"].to_numpy(dtype=np.int64)
    exploded = exploded.assign(n=ids // ROW_BASE, r=ids % ROW_BASE)
    pieces = exploded.groupby(["v", "n"], sort=True)["r"].agg(lambda r: tuple(sorted(r)))  # type: ignore[type-var]  # pandas-stubs: agg may return any object
    v = pieces.index.get_level_values("v").to_numpy()
    n = pieces.index.get_level_values("n").to_numpy()
    out = f.loc[v].reset_index(drop=True)
    own = pd.to_numeric(out["row"], errors="coerce")
    own_sheet = (own // ROW_BASE).to_numpy()
    rows = pd.Series(list(pieces.values), dtype=object)
    first = rows.map(lambda r: r[0]).to_numpy()  # one call per violation line, not per cell
    out["row"] = np.where(own_sheet == n, own.to_numpy() % ROW_BASE, first).astype(object)
    out["rows"] = rows.values
    out["sheet"] = np.asarray(table.sheets, dtype=object)[n]
    # The cell: the same column, by its letter on that sheet, on the line's row there.
    by_letter = {c.letter: k for k, c in table.columns.items()}
    letters = out["cell"].str.extract(r"^([A-Z]+)", expand=False)
    new_letters = [
        table.letters.get(sheet, {}).get(by_letter.get(letter, ""), letter)  # no key is ""
        if isinstance(letter, str)
        else None
        for sheet, letter in zip(out["sheet"], letters)
    ]
    out["cell"] = [f"{lt}{int(r)}" if lt else None for lt, r in zip(new_letters, out["row"])]
    moved = own_sheet != n  # a piece on another sheet than the line's own row: its first value
    if moved.any():
        keys = [by_letter.get(lt) for lt in letters[moved]]
        ids_moved = n[moved] * ROW_BASE + first[moved]
        out.loc[moved, "value"] = [
            shown(table.raw.at[int(i), k]) if k else None for i, k in zip(ids_moved, keys)
        ]
    lone = f.index.difference(pd.Index(np.unique(v)))  # lines with no rows (a day without posts)
    if len(lone):
        out = pd.concat([out, f.loc[lone]], ignore_index=True)
    return out


# Marks under merges --------------------------------------------------------------------


def anchor_merged(frame: pd.DataFrame, table: Table, language: str = "zh-Hant") -> pd.DataFrame:
    """Violations whose cell is hidden under a merge (not its top-left cell) are marked on
    the merge's top-left cell instead: ``cell`` and ``rows`` (what the writers mark) are
    moved, ``row`` stays the record's row and the message names it.  Vectorised: one
    sorted search per (sheet, column) over that column's merges."""
    if frame.empty or not table.merges:
        return frame
    tied = frame[frame["cell"].notna() & frame["sheet"].isin(list(table.merges))]
    if tied.empty:
        return frame
    letters = tied["cell"].str.extract(r"^([A-Z]+)", expand=False)
    marks = (
        pd.DataFrame(
            {
                "v": tied.index,
                "sheet": tied["sheet"].values,
                "letters": letters.values,
                "row": tied["rows"].values,
            }
        )
        .explode("row")
        .dropna(subset=["row"])
        .reset_index(drop=True)
    )
    if marks.empty:
        return frame
    marks["row"] = marks["row"].astype(np.int64)
    codes, uniques = pd.factorize(marks["letters"])
    marks["col"] = np.array([column_index(u) for u in python_values(uniques)], dtype=np.int64)[
        codes
    ]
    marks["to_row"], marks["to_col"] = marks["row"].to_numpy(), marks["col"].to_numpy()
    marks["range"] = None
    for (sheet, col), group in marks.groupby(["sheet", "col"], sort=False):
        m = table.merges.get(cast(str, sheet))
        if m is None:
            continue
        m = m[(m[:, 1] <= col) & (m[:, 3] >= col)]
        if not len(m):
            continue
        m = m[np.argsort(m[:, 0])]
        rows = group["row"].to_numpy()
        at = np.searchsorted(m[:, 0], rows, side="right") - 1
        hit = (at >= 0) & (rows <= m[np.clip(at, 0, None), 2])
        hidden = hit & ~((m[np.clip(at, 0, None), 0] == rows) & (m[np.clip(at, 0, None), 1] == col))
        if not hidden.any():
            continue
        tl = m[at[hidden]]
        sel = group.index[hidden]
        marks.loc[sel, "to_row"] = tl[:, 0]
        marks.loc[sel, "to_col"] = tl[:, 1]
        marks.loc[sel, "range"] = [
            f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}" for r1, c1, r2, c2 in tl.tolist()
        ]
    moved = marks[marks["range"].notna()]
    if moved.empty:
        return frame
    out = frame.copy()
    per_violation = marks.groupby("v", sort=False)
    new_rows = per_violation["to_row"].agg(lambda r: tuple(sorted(set(int(x) for x in r))))  # type: ignore[type-var]  # pandas-stubs: agg may return any object
    first = per_violation.first()
    changed = moved["v"].unique()
    out.loc[changed, "rows"] = pd.Series(list(new_rows[changed]), index=changed, dtype=object)
    out.loc[changed, "cell"] = [
        f"{column_letter(int(c))}{int(r)}"
        for c, r in zip(first.loc[changed, "to_col"], first.loc[changed, "to_row"])
    ]
    rng = moved.groupby("v", sort=False)["range"].first()
    single = out.loc[changed, "rows"].map(len).eq(1) & out.loc[changed, "row"].notna()
    zh, en = [], []
    for v in changed:
        row: Any = out.at[v, "row"]
        cell: Any = out.at[v, "cell"]
        if single[v]:
            zh.append(f"（第 {int(row)} 行；此格在合併儲存格 {rng[v]} 內，標記於 {cell}）")
            en.append(
                f" (row {int(row)}; the cell is inside the merged range {rng[v]}, marked on {cell})"
            )
        else:
            zh.append(f"（合併儲存格 {rng[v]} 等內的行標記於合併範圍的左上角儲存格）")
            en.append(
                f" (rows inside merged ranges such as {rng[v]} are marked on the range's top-left cell)"
            )
    zh = [localize(z, e, language) for z, e in zip(zh, en)]
    out.loc[changed, "message"] = out.loc[changed, "message"].astype(str) + pd.Series(
        zh, index=changed
    )
    out.loc[changed, "message_en"] = out.loc[changed, "message_en"].astype(str) + pd.Series(
        en, index=changed
    )
    return out
