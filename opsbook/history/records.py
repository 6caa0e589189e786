"""What a violation concerns: the month of its record and a stable fingerprint of it.

Both come from the checked tables (the row's own values), so they are computed where the
tables are, in the process that checked the workbook, and travel with the report as two
extra columns of its violation frame (``month``, ``fingerprint``); the JSON report's
violation records are unchanged.

The fingerprint identifies a violation across runs: a hash of the workbook's file name, the
sheet, the rule, the marked column and the *key columns* of the row it concerns (the table's
required columns, e.g. platform + title + publication time of a post, customer + date +
inspector of a visit, request number + department + item of a design request), less the
marked column itself.  A row that moves down (rows inserted above it) keeps its fingerprint;
a violation fixed by editing the marked cell disappears.  A violation with no row (a week
without posts) is identified by its English message, which names the period and platform.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePath, PureWindowsPath

import pandas as pd

# The date that places a record in a month, per table (first present, non-empty wins; then
# any date column of the table in spec order).
MONTH_COLUMNS = {
    "posts": ("published_at",),
    "inquiries": ("received_at",),
    "inspections": ("inspected_on",),
    "purchases": ("purchased_on",),
    "design_costs": ("ordered_on", "requested_on"),
}
NO_MONTH = ""  # a violation not tied to a dated record


def file_name(label: str) -> str:
    """The file name of a report's file label, whichever separator it was written with."""
    return PureWindowsPath(label).name if "\\" in label else PurePath(label).name


def enrich(checked) -> pd.DataFrame:
    """Add ``month`` (YYYY-MM of the record, "" when none) and ``fingerprint`` to the
    checked report's violation frame, in place; returns the frame."""
    frame = checked.report.frame
    if not len(frame):
        frame["month"] = pd.Series(dtype=object)
        frame["fingerprint"] = pd.Series(dtype=object)
        return frame
    by_sheet = {t.sheet: t for tables in checked.tables.values() for t in tables}
    months = pd.Series(NO_MONTH, index=frame.index, dtype=object)
    keys = pd.Series("", index=frame.index, dtype=object)
    for (sheet, column), group in frame.groupby(["sheet", frame["column"].fillna("")], sort=False):
        table = by_sheet.get(sheet)
        rows = pd.to_numeric(group["row"], errors="coerce")
        if table is None:
            continue
        known = rows.isin(table.data.index)
        if not known.any():
            continue
        at = rows[known].astype(int)
        month = _month_series(table)
        if month is not None:
            months.loc[at.index] = month.reindex(at.values).fillna(NO_MONTH).values
        keys.loc[at.index] = _key_series(table, column).reindex(at.values).values
    without = keys == ""
    keys[without] = "msg\x1f" + frame.loc[without, "message_en"].astype(str)
    names = frame["file"].astype(str).map(file_name)
    text = (names + "\x1f" + frame["sheet"].astype(str) + "\x1f" + frame["rule"].astype(str) + "\x1f"
            + frame["column"].fillna("").astype(str) + "\x1f" + keys)
    frame["month"] = months.values
    frame["fingerprint"] = [hashlib.sha1(t.encode("utf-8")).hexdigest()[:20] for t in text]
    return frame


def _month_series(table) -> pd.Series | None:
    candidates = [k for k in MONTH_COLUMNS.get(table.name, ()) if k in table.data]
    candidates += [c.key for c in table.spec.columns
                   if c.type in ("date", "datetime") and c.key in table.data and c.key not in candidates]
    if not candidates:
        return None
    stamp = None
    for key in candidates:
        values = pd.to_datetime(table.data[key], errors="coerce")
        stamp = values if stamp is None else stamp.fillna(values)
    return stamp.dt.strftime("%Y-%m").where(stamp.notna(), NO_MONTH)


def _key_series(table, marked_header: str) -> pd.Series:
    """Each row's key text: the table's required columns as read, less the marked one."""
    keys = [k for k in table.spec.required if k in table.raw and table.header(k) != marked_header]
    if not keys:
        keys = [k for k in table.raw.columns if table.header(k) != marked_header][:3]
    if not keys:
        return pd.Series("row", index=table.raw.index, dtype=object)
    parts = [table.raw[k].astype(object).where(table.raw[k].notna(), "").astype(str) for k in keys]
    text = parts[0]
    for part in parts[1:]:
        text = text + "\x1e" + part
    return "key\x1f" + text
