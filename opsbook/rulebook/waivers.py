"""Approved exceptions (例外) kept as data: a sheet 例外 in the rulebook or in the checked
workbook, one row per waiver.

A waiver names a rule id or a clause, the records it covers (a sheet and row, or a key: the
value of the record's 用戶編號 / 設計項目 / 申請單號 / 標題), its approver, reason, approval day,
and either a last day it is valid (有效至) or a new due date (新到期日, a deadline extension).

- A violation it covers, while it is valid on the as-of day, leaves the violations and is
  listed as 已豁免 with its approver, rule, clause, cell and the waiver's own cell (the JSON
  report's ``summaries.waived`` and the annotated copy's sheet 已豁免).  An expired waiver
  waives nothing.
- A waiver with a new due date waives a lateness violation only when the record was done
  (or, still open, is judged) on or before that date: late past it is a violation again,
  and its message says the extension it broke.
- A waiver without an approver waives nothing and is itself a finding (``waiver.no_approver``,
  on its cell in the workbook's 例外 sheet; in a rulebook, ``rules check`` refuses it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..text import fold

SHEET_NAMES = ("例外", "豁免", "例外清單", "waivers")
HEADERS = {
    "rule": ("規則", "條文", "規則/條文", "規則或條文", "rule"),
    "sheet": ("工作表", "sheet"),
    "row": ("列", "行", "列號", "row"),
    "key": ("鍵", "記錄", "用戶編號", "設計項目", "申請單號", "key"),
    "approver": ("核准人", "批准人", "approver"),
    "reason": ("理由", "原因", "reason"),
    "approved_on": ("核准日期", "批准日期", "approved_on"),
    "valid_until": ("有效至", "有效期至", "valid_until"),
    "new_due": ("新到期日", "延期至", "new_due"),
}
# The columns a waiver's key is looked for in, by table (the record's own identity).
KEY_COLUMNS = ("customer_id", "item", "request_id", "title")
# The records' "done" date a new due date is compared with, by rule (R3-3.6's lateness).
DONE = {"design_costs.delivered_late": "delivered_on", "design_costs.overdue": None}
NO_APPROVER = "waiver.no_approver"
NO_APPROVER_TEXT = (
    "例外（{what}）未填核准人：未經核准的例外不生效",
    "the waiver ({what}) has no approver: an unapproved waiver waives nothing",
)


@dataclass(frozen=True)
class Waiver:
    rule: str
    sheet: str = ""
    row: int | None = None
    key: str = ""
    approver: str = ""
    reason: str = ""
    approved_on: dt.date | None = None
    valid_until: dt.date | None = None
    new_due: dt.date | None = None
    where: str = ""  # the waiver's own place: "例外!E3"
    sheet_of: str = ""  # the sheet the waiver is written on (例外)
    row_of: int | None = None
    approver_cell: str = ""


def _date(v) -> dt.date | None:
    if v is None or v == "" or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, int | float):  # an Excel serial read as a number
        return (pd.Timestamp("1899-12-30") + pd.Timedelta(days=float(v))).date()
    try:
        return pd.Timestamp(str(v).strip().replace("/", "-")).date()
    except ValueError:
        return None


def _text(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def from_rows(rows: list[list], sheet: str, origin_row: int = 0) -> list[Waiver]:
    """Waivers from a sheet's rows: the first row naming 核准人 and 規則/條文 is the header."""
    at: dict[str, int] = {}
    start = None
    for i, row in enumerate(rows[:20]):
        names = [fold(_text(v)) for v in row]
        found = {
            f: names.index(fold(h)) for f, hs in HEADERS.items() for h in hs if fold(h) in names
        }
        if "rule" in found and "approver" in found:
            at, start = found, i
            break
    if start is None:
        return []
    from openpyxl.utils import get_column_letter

    out = []
    for i, row in enumerate(rows[start + 1 :], start=start + 1):
        cell = {f: (row[c] if c < len(row) else None) for f, c in at.items()}
        if not _text(cell.get("rule")):
            continue
        r = origin_row + i + 1
        raw_row = _text(cell.get("row"))
        out.append(
            Waiver(
                rule=_text(cell["rule"]),
                sheet=_text(cell.get("sheet")),
                row=int(float(raw_row)) if raw_row.replace(".", "", 1).isdigit() else None,
                key=_text(cell.get("key")),
                approver=_text(cell.get("approver")),
                reason=_text(cell.get("reason")),
                approved_on=_date(cell.get("approved_on")),
                valid_until=_date(cell.get("valid_until")),
                new_due=_date(cell.get("new_due")),
                where=f"{sheet}!A{r}",
                sheet_of=sheet,
                row_of=r,
                approver_cell=f"{get_column_letter(at['approver'] + 1)}{r}",
            )
        )
    return out


def _record_places(tables: dict) -> pd.DataFrame:
    """Every record of the main tables: its sheet, worksheet row, folded keys and dates."""
    from ..workbook.logs import ROW_BASE

    parts = []
    for ts in tables.values():
        for t in ts:
            if not t.spec.main:
                continue
            idx = t.data.index.to_numpy()
            if len(t.sheets) > 1:
                sheets = pd.Series(t.sheets, dtype=object).to_numpy()[idx // ROW_BASE]
                rows = idx % ROW_BASE
            else:
                sheets, rows = t.sheet, idx
            part = pd.DataFrame({"sheet": sheets, "row": rows}, index=t.data.index)
            for k in KEY_COLUMNS:
                if t.has(k):
                    part["key_" + k] = t.data[k].map(lambda v: fold(_text(v)))
            for k in set(v for v in DONE.values() if v):
                if t.has(k):
                    part[k] = t.data[k]
            parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["sheet", "row"])


def apply(frame: pd.DataFrame, waivers: list[Waiver], tables: dict, as_of: pd.Timestamp, file: str):
    """(violations still standing, waived lines for the report, findings about the waivers).
    Each waiver is one vectorised mask over the violations."""
    from ..report import VIOLATION_DATA, empty_violations

    today = as_of.date()
    waived = pd.Series(False, index=frame.index)
    who = pd.Series("", index=frame.index, dtype=object)
    broken = pd.Series("", index=frame.index, dtype=object)
    lines, findings = [], []
    records = _record_places(tables)
    keyed = records.set_index(["sheet", "row"]) if len(records) else records
    frame_rows = pd.to_numeric(frame["row"], errors="coerce")
    for w in waivers:
        if not w.approver:
            what = (
                w.rule
                + (f" {w.sheet}" if w.sheet else "")
                + (f" 第{w.row}列" if w.row else "")
                + (f" {w.key}" if w.key else "")
            )
            findings.append(_finding(w, file, what))
            continue
        if w.valid_until is not None and w.valid_until < today:
            continue  # expired: waives nothing
        hit = frame["rule"].eq(w.rule) | frame["clause"].eq(w.rule)
        if w.sheet:
            hit &= frame["sheet"].eq(w.sheet)
        if w.row is not None:
            hit &= frame_rows.eq(w.row)
        if w.key:
            cols = [c for c in records.columns if c.startswith("key_")]
            mine = (
                # pandas-stubs: DataFrame.eq refuses a str, which pandas compares with each cell
                records[records[cols].eq(fold(w.key)).any(axis=1)]  # type: ignore[arg-type]
                if cols
                else records.iloc[:0]
            )
            places = pd.MultiIndex.from_arrays([mine["sheet"], mine["row"].astype(float)])
            at = pd.MultiIndex.from_arrays([frame["sheet"], frame_rows.astype(float)])
            hit &= at.isin(places)
        if w.new_due is not None:
            # An extension: waived only while the record was done (or is judged) by the new date.
            done = _done_days(frame[hit], keyed, today)
            late = done > pd.Timestamp(w.new_due)
            broken[late[late].index] = w.new_due.isoformat()
            hit &= ~late.reindex(frame.index, fill_value=False)
        newly = hit & ~waived
        waived |= newly
        who[newly] = w.approver
        for i in frame.index[newly]:
            lines.append(
                {
                    "file": file,
                    "sheet": frame.at[i, "sheet"],
                    "row": frame.at[i, "row"],
                    "cell": frame.at[i, "cell"],
                    "clause": frame.at[i, "clause"],
                    "rule": frame.at[i, "rule"],
                    "approver": w.approver,
                    "reason": w.reason,
                    "approved_on": w.approved_on.isoformat() if w.approved_on else None,
                    "valid_until": w.valid_until.isoformat() if w.valid_until else None,
                    "new_due": w.new_due.isoformat() if w.new_due else None,
                    "waiver": w.where,
                }
            )
    kept = frame[~waived].copy()
    ext = broken[~waived]
    if (ext != "").any():
        on = ext != ""
        kept.loc[on, "template"] = kept.loc[on, "template"] + "（已延期至 " + ext[on] + "，仍逾期）"
        kept.loc[on, "template_en"] = (
            kept.loc[on, "template_en"] + " (extended to " + ext[on] + ", still late)"
        )
    found = (
        pd.DataFrame(findings, columns=VIOLATION_DATA)
        if findings
        else empty_violations(VIOLATION_DATA)
    )
    return kept.reset_index(drop=True), lines, found


def _done_days(hits: pd.DataFrame, keyed: pd.DataFrame, today: dt.date) -> pd.Series:
    """The day each lateness violation's record was done (its DONE column), or today."""
    out = pd.Series(pd.Timestamp(today), index=hits.index)
    # Any: pandas-stubs type .at as a union of every scalar, which dict.get and int() refuse.
    hit_at: Any = hits.at
    keyed_at: Any = keyed.at
    for i in hits.index:
        col = DONE.get(hit_at[i, "rule"])
        if col and col in keyed.columns:
            try:
                v = keyed_at[(hit_at[i, "sheet"], int(hit_at[i, "row"])), col]
            except (KeyError, TypeError, ValueError):
                continue
            if pd.notna(v):
                out[i] = pd.Timestamp(v).normalize()
    return out


def _finding(w: Waiver, file: str, what: str) -> dict:
    from .. import kinds, regulations

    clause = w.rule if w.rule in regulations.CLAUSES else ""
    if not clause:
        clause = next((r.clause for r in kinds.all_rules() if r.id == w.rule), w.rule)
    return {
        "file": file,
        "sheet": w.sheet_of,
        "row": w.row_of,
        "column": "核准人",
        "cell": w.approver_cell,
        "clause": clause,
        "rule": NO_APPROVER,
        "severity": "error",
        "value": None,
        "rows": (w.row_of,),
        "template": NO_APPROVER_TEXT[0],
        "template_en": NO_APPROVER_TEXT[1],
        "param_names": ("what",),
        "params": (what,),
    }


def workbook_waivers(sheet) -> list[Waiver] | None:
    """The waivers of a checked workbook's 例外 sheet (None: not such a sheet)."""
    if sheet.name not in SHEET_NAMES:
        return None
    grid = sheet.grid()
    rows = grid.where(grid.notna(), None).values.tolist()
    return from_rows(rows, sheet.name, sheet.origin_row)


def engine_hook(frame, waivers, tables, report, file):
    """Apply the waivers to a workbook's violations (the engine calls this only when any)."""
    kept, lines, found = apply(frame, waivers, tables, report.as_of, file)
    report.summaries["waived"] = lines
    return pd.concat([kept, found], ignore_index=True) if len(found) else kept


WAIVED_COLUMNS = {
    "sheet": "工作表",
    "cell": "儲存格",
    "clause": "條文",
    "rule": "規則",
    "approver": "核准人",
    "reason": "理由",
    "approved_on": "核准日期",
    "valid_until": "有效至",
    "new_due": "新到期日",
    "waiver": "例外所在",
}


def waived_sheet(lines: list[dict]):
    """The sheet 已豁免 of the annotated workbook: each waived violation with its approver,
    apart from the violations (not an error, not marked)."""
    from ..summaries.base import Block, SummarySheet

    frame = pd.DataFrame(lines, columns=list(WAIVED_COLUMNS)).rename(columns=WAIVED_COLUMNS)
    return SummarySheet("已豁免", "", [Block("已豁免的違規（例外）", frame)])
