"""The rulebook as a workbook the department edits in Excel or WPS (openpyxl: opsbook's own
file, never the user's checked workbook).

One sheet per kind (named by its title, 發布日誌 …), one row per rule version or setting
version; dropdowns (Data Validation) on the type, table, target column, predicate, severity
and 啟用 cells, their lists on the hidden sheet 清單; the sheet 說明 explains the columns and
the vocabulary in Chinese, one example per predicate, generated from the predicate registry.
Rules that stay Python are greyed: only their severity, messages, dates, 啟用 and the settings
they read are edited (``rules check`` refuses an edited expression on them).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .model import (
    AGGREGATE,
    PYTHON,
    RULE,
    SETTING,
    SEVERITY_ZH,
    TYPE_ZH,
    ZH_SEVERITY,
    ZH_TYPE,
    Entry,
    Rulebook,
    RulebookError,
)

# (header, field): the columns of a kind's sheet, in order.
COLUMNS = [
    ("類型", "type"),
    ("編號", "id"),
    ("條文", "clause"),
    ("表", "table"),
    ("條件", "when"),
    ("違規條件", "fails_if"),
    ("標註欄", "target"),
    ("嚴重度", "severity"),
    ("訊息", "message"),
    ("message_en", "message_en"),
    ("值", "value"),
    ("生效日", "since"),
    ("失效日", "until"),
    ("啟用", "enabled"),
    ("說明", "title"),
]
FIELD_HEADER = {f: h for h, f in COLUMNS}
HEADER_FIELD = {h: f for h, f in COLUMNS}
LETTER = {f: chr(ord("A") + i) for i, (_, f) in enumerate(COLUMNS)}
HELP, LISTS, WAIVERS = "說明", "清單", "例外"
WIDTHS = {"id": 40, "when": 40, "fails_if": 50, "message": 50, "message_en": 40, "title": 40}


def sheet_name(kind) -> str:
    return kind.title[:31]


def write_xlsx(book: Rulebook, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from .. import kinds
    from ..catalog.vocabulary import PREDICATES
    from .help import help_rows, predicate_examples

    wb = Workbook()
    help_ws = wb.active
    assert help_ws is not None  # a new workbook has its one sheet
    help_ws.title = HELP
    for row in help_rows():
        help_ws.append(row)
    help_ws.column_dimensions["A"].width = 28
    help_ws.column_dimensions["B"].width = 60
    help_ws.column_dimensions["C"].width = 70
    lists = wb.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    grey = PatternFill("solid", fgColor="DDDDDD")
    bold = Font(bold=True)
    examples = predicate_examples()
    col = 1
    for name in book.kinds():
        kind = kinds.get(name)
        ws = wb.create_sheet(sheet_name(kind))
        ws.append([h for h, _ in COLUMNS])
        for cell in ws[1]:
            cell.font = bold
        for e in book.of_kind(name):
            ws.append([_cell(e, f) for _, f in COLUMNS])
            if e.type in (PYTHON, AGGREGATE):
                for f in ("when", "fails_if", "target", "table", "title"):
                    ws[f"{LETTER[f]}{ws.max_row}"].fill = grey
        ws.freeze_panes = "C2"
        for f, width in WIDTHS.items():
            ws.column_dimensions[LETTER[f]].width = width
        # The dropdown lists of this kind on the hidden sheet, one column each.
        values = {
            "type": [TYPE_ZH[t] for t in (RULE, PYTHON, AGGREGATE, SETTING)],
            "table": [t.name for t in kind.tables],
            "target": sorted({c.key for t in kind.tables for c in t.columns}),
            "predicate": [examples[p] for p in PREDICATES],
            "severity": list(SEVERITY_ZH.values()),
            "enabled": ["是", "否"],
        }
        last = max(ws.max_row, 2) + 500  # room for the rows the department adds
        for what, items in values.items():
            letter = _col_letter(col)
            for i, item in enumerate(items, start=1):
                lists.cell(row=i, column=col, value=item)
            ref = f"'{LISTS}'!${letter}$1:${letter}${len(items)}"
            # A predicate cell holds an expression: the list suggests, it does not refuse.
            strict = what != "predicate"
            dv = DataValidation(
                type="list", formula1=ref, allow_blank=True, showErrorMessage=strict
            )
            ws.add_data_validation(dv)
            for f in ("when", "fails_if") if what == "predicate" else (what,):
                dv.add(f"{LETTER[f]}2:{LETTER[f]}{last}")
            col += 1
    _waiver_sheet(wb.create_sheet(WAIVERS), book.waivers, bold)
    wb.save(path)


WAIVER_COLUMNS = [
    ("規則或條文", "rule"),
    ("工作表", "sheet"),
    ("列", "row"),
    ("鍵", "key"),
    ("核准人", "approver"),
    ("理由", "reason"),
    ("核准日期", "approved_on"),
    ("有效至", "valid_until"),
    ("新到期日", "new_due"),
]


def _waiver_sheet(ws, waivers, bold) -> None:
    ws.append([h for h, _ in WAIVER_COLUMNS])
    for cell in ws[1]:
        cell.font = bold
    for w in waivers:
        ws.append(
            [getattr(w, f) if getattr(w, f) not in ("",) else None for _, f in WAIVER_COLUMNS]
        )
    ws.column_dimensions["A"].width = 36


def _col_letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def _cell(e: Entry, f: str):
    v = getattr(e, f)
    if f == "type":
        return TYPE_ZH[v]
    if f == "severity":
        return SEVERITY_ZH.get(v, v)
    if f == "enabled":
        return "是" if v else "否"
    if f == "value":
        if e.type != SETTING:
            return None
        # A number stays a number cell; anything else is JSON text (a list, a word, true).
        return (
            v
            if isinstance(v, int | float) and not isinstance(v, bool)
            else json.dumps(v, ensure_ascii=False)
        )
    return v if v not in ("",) else None


def read_xlsx(path: Path) -> Rulebook:
    from openpyxl import load_workbook

    from .. import kinds

    try:
        wb = load_workbook(path, data_only=True, read_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one line
        raise RulebookError([f"{path}: cannot read the rulebook: {exc}"]) from None
    by_title = {sheet_name(k): k.name for k in kinds.kinds()} | {
        k.name: k.name for k in kinds.kinds()
    }
    entries, cells, errors = [], [], []
    waivers = []
    for ws in wb.worksheets:
        if ws.title == WAIVERS:
            from .waivers import from_rows

            waivers = from_rows([list(r) for r in ws.iter_rows(values_only=True)], ws.title)
            continue
        if ws.title in (HELP, LISTS):
            continue
        kind = by_title.get(ws.title)
        if kind is None:
            errors.append(f"{path} {ws.title}: not a workbook kind's sheet ({', '.join(by_title)})")
            continue
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None) or ()
        at = {}
        for i, h in enumerate(header):
            if h is None:
                continue
            name = HEADER_FIELD.get(str(h).strip())
            if name is None:
                errors.append(f"{path} {ws.title}!{_col_letter(i + 1)}1: unknown column {h!r}")
            else:
                at[name] = i
        for r, values in enumerate(rows, start=2):
            if not any(v not in (None, "") for v in values):
                continue
            where = {f: f"{ws.title}!{_col_letter(i + 1)}{r}" for f, i in at.items()}
            row = {f: values[i] if i < len(values) else None for f, i in at.items()}
            entry, wrong = _entry(kind, row, where, path)
            errors += wrong
            if entry is not None:
                entries.append(entry)
                cells.append(where)
    wb.close()
    if errors:
        raise RulebookError(errors)
    return Rulebook(entries, str(path), cells, waivers)


def _entry(kind: str, row: dict, where: dict, path) -> tuple[Entry | None, list[str]]:
    errors = []

    def bad(f: str, why: str) -> None:
        errors.append(f"{path} {where.get(f, f)}: {why}")

    def text(f: str) -> str:
        v = row.get(f)
        return "" if v is None else str(v).strip()

    type_ = ZH_TYPE.get(text("type"), text("type") or RULE)
    if type_ not in ZH_TYPE.values():
        bad("type", f"unknown type {text('type')!r} ({', '.join(TYPE_ZH.values())})")
        return None, errors
    severity = text("severity")
    severity = ZH_SEVERITY.get(severity, severity)
    if type_ != SETTING and severity not in ("error", "warning"):
        bad("severity", f"嚴重度 {text('severity')!r} is not 錯誤 or 警告")
    enabled = text("enabled") or "是"
    if enabled not in ("是", "否", "True", "False"):
        bad("enabled", f"啟用 {enabled!r} is not 是 or 否")
    if not text("id"):
        bad("id", "編號 is empty")
    dates = {}
    for f in ("since", "until"):
        v = row.get(f)
        if isinstance(v, dt.datetime):
            v = v.date()
        elif isinstance(v, str) and v.strip():
            try:
                v = dt.date.fromisoformat(v.strip())
            except ValueError:
                bad(f, f"{FIELD_HEADER[f]} {v!r} is not a date (YYYY-MM-DD)")
                v = None
        elif v in ("", None):
            v = None
        elif not isinstance(v, dt.date):
            bad(f, f"{FIELD_HEADER[f]} {v!r} is not a date")
            v = None
        dates[f] = v
    value = row.get("value")
    if type_ == SETTING:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                pass  # a bare word (R3) is the text itself
    else:
        value = None
    entry = Entry(
        kind=kind,
        type=type_,
        id=text("id"),
        clause=text("clause"),
        table=text("table"),
        when=text("when"),
        fails_if=text("fails_if"),
        target=text("target"),
        severity=severity if type_ != SETTING else "",
        message=text("message"),
        message_en=text("message_en"),
        value=value,
        since=dates["since"],
        until=dates["until"],
        enabled=enabled in ("是", "True"),
        title=text("title"),
    )
    return entry, errors
