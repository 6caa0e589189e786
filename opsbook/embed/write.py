"""``opsbook embed``: the plan written into the team's own workbook, losslessly.

An earlier embed is removed first (re-running replaces, never stacks); a validate run's
marks in the same workbook stay, and so do their rows of the state sheet.  Everything
added is listed in the state sheet (``embed`` rows, opsbook.ooxml.state), so ``opsbook
clear`` and the 清除標記 button remove it and nothing else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import OpsbookError
from ..layout import free_sheet_name
from ..ooxml.package import Package
from ..ooxml.state import HEADER as STATE_HEADER
from ..ooxml.state import STATE_SHEET, RunState, read_state
from ..writers.annotate import backup_path, check_writable
from ..writers.clear import remove_sheet
from ..writers.columnsheet import spool_columns
from ..writers.newsheet import SheetContent, add_sheet, render
from ..writers.save import save_package, write_lock
from ..writers.styles import Styles
from . import formulas as f
from .parts import (
    add_checks,
    add_dxfs,
    add_names,
    clear_embedded,
    edit_sheet,
    existing_validations,
)
from .plan import CALENDAR_SHEET, LEGEND_HEADER, LEGEND_SHEET, Plan, build_plan, sheet_ref

_EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass
class Embedded:
    output: Path
    plan: Plan
    cleared_before: bool = False
    notes: list[str] = field(default_factory=list)


def calendar_rows(years: tuple[int, int], region: str = "CN") -> list[list]:
    """Each date of ``years`` (inclusive) as an Excel serial, its workday flag (1/0) and the
    running count of working days, from the engine's own calendar (make-up days included);
    then the 是/否 word lists (opsbook.coerce) in both scripts."""
    from ..coerce import NO_WORDS, YES_WORDS
    from ..workcalendar import calendar_for

    first, last = years
    days = pd.Series(pd.date_range(f"{first}-01-01", f"{last}-12-31", freq="D"))
    working = calendar_for(region).is_working_day(days).to_numpy()
    # pandas-stubs have no date - date on a Series; pandas gives timedeltas (object dtype)
    serial = (days.dt.date - _EXCEL_EPOCH).map(lambda d: d.days).to_numpy()  # type: ignore[operator]
    count = np.cumsum(working.astype(int))
    yes_words, no_words = f.forms(sorted(YES_WORDS)), f.forms(sorted(NO_WORDS))
    height = max(len(days), len(yes_words), len(no_words))
    rows: list[list] = [["日期", "工作日", "累計工作日", "", "是", "否"]]
    for i in range(height):
        row: list = (
            [int(serial[i]), int(working[i]), int(count[i])] if i < len(days) else ["", "", ""]
        )
        row += [
            "",
            yes_words[i] if i < len(yes_words) else "",
            no_words[i] if i < len(no_words) else "",
        ]
        rows.append(row)
    return rows


def _calendar_names(sheet: str, rows: list[list]) -> dict[str, tuple[str, bool]]:
    days = sum(1 for r in rows[1:] if r[0] != "")
    yes_n = sum(1 for r in rows[1:] if r[4] != "")
    no_n = sum(1 for r in rows[1:] if r[5] != "")
    return {
        f.NAME_ON: ("TRUE", False),
        f.NAME_CAL_DATE: (sheet_ref(sheet, f"$A$2:$A${days + 1}"), True),
        f.NAME_CAL_COUNT: (sheet_ref(sheet, f"$C$2:$C${days + 1}"), True),
        f.NAME_YES: (sheet_ref(sheet, f"$E$2:$E${yes_n + 1}"), True),
        f.NAME_NO: (sheet_ref(sheet, f"$F$2:$F${no_n + 1}"), True),
    }


def embed_into(pkg: Package, plan: Plan, state: RunState) -> None:
    """Write ``plan`` into ``pkg`` and list every piece in ``state.embedded``."""
    styles = Styles(pkg)
    if not state.styles:  # the legend's bold header is a cell style clear takes back
        state.styles = dict(styles.original_counts)
    dxf, before = add_dxfs(styles)
    state.embedded.append(("dxfs", "", "dxfs", str(before), ""))
    taken = [s.name for s in pkg.sheets]
    calendar = free_sheet_name(CALENDAR_SHEET, taken)
    rows = calendar_rows(plan.years)
    add_sheet(
        pkg,
        calendar,
        render(
            SheetContent(rows, widths={0: 12, 1: 8, 2: 12, 4: 10, 5: 10}, autofilter=False),
            pkg.rel_ns,
        ),
        state="veryHidden",
    )
    legend = free_sheet_name(LEGEND_SHEET, taken + [calendar])
    header = styles.bold()
    content = SheetContent(
        [LEGEND_HEADER, *plan.legend, [], *_legend_notes(plan)],
        widths={0: 18, 1: 42, 2: 12, 3: 60, 4: 14, 5: 14, 6: 60},
        row_styles={0: header},
    )
    add_sheet(pkg, legend, render(content, pkg.rel_ns))
    for name in (calendar, legend):
        state.embedded.append((name, "", "sheet", "", ""))
        state.sheets.append(name)
    names = {**_calendar_names(calendar, rows), **plan.names}
    how = add_names(pkg, names)
    state.embedded += [(name, "", "name", how, "") for name in names]
    for entry in pkg.sheets:
        sp = plan.sheets.get(entry.name)
        if sp is None or not (sp.validations or sp.formats):
            continue
        edit_sheet(
            pkg,
            entry.part,
            lambda skeleton, sp=sp: add_checks(skeleton, sp.validations, sp.formats, dxf),
        )
    state.embedded += [(c.sheet, c.sqref, c.what, c.rule, c.clause) for c in plan.checks]
    styles.save()


def _legend_notes(plan: Plan) -> list[list]:
    notes = [
        [
            "說明",
            "已嵌入的規則以條件格式即時標示（淺色底、彩色字，與「驗證」的標記區分）；"
            "資料驗證在輸入時提示。把名稱 _opsbook_on 改為 FALSE 可暫停全部即時檢查。",
        ],
        [
            "說明",
            "「須執行驗證」的規則跨列彙總或依檢查時刻判定，工作簿公式無法表達，請按「驗證」或執行 opsbook validate。",
        ],
        ["清除", "opsbook clear 或「清除標記」移除本表、日曆及所有嵌入的檢查，不動其他內容。"],
    ]
    notes += [["保留", f"團隊自己的資料驗證：{k}"] for k in plan.kept]
    return notes


def _existing(pkg: Package, plan_sheets) -> dict[str, list]:
    found = {}
    for entry in pkg.sheets:
        if entry.name not in plan_sheets or not pkg.has(entry.part):
            continue
        data = pkg.read(entry.part)
        at = data.rfind(b"sheetData")
        found[entry.name] = existing_validations(data[max(at, 0) :])
    return found


def embed_file(
    source: Path,
    target: Path | None = None,
    kind: str | None = None,
    settings: dict | None = None,
    extra_rows: int | None = None,
    error_style: str = "warning",
    backup: bool = True,
) -> Embedded:
    """Embed the checks of the workbook ``source`` into ``target`` (default: in place,
    after a backup)."""
    from ..config import load_config
    from ..engine import as_of_moment
    from ..pipeline import check_file
    from .plan import EXTRA_ROWS

    source = Path(source)
    target = Path(target or source)
    settings = settings or load_config(None, near=source)
    checked = check_file(source, settings, as_of_moment(None), kind, summaries=False)
    error = checked.report.files[0].error
    if error:
        raise OpsbookError(error)
    if not checked.tables:
        raise OpsbookError(f"{source}: no table opsbook recognises; nothing embedded")
    in_place = os.path.realpath(target) == os.path.realpath(source)
    lock = write_lock(source) if in_place else contextlib.nullcontext()
    with lock:
        pkg = Package(source)
        try:
            state, cleared = _state_without_embed(pkg, source)
            sheets = {t[0].sheet for t in checked.tables.values() if t}
            plan = build_plan(
                checked,
                settings,
                EXTRA_ROWS if extra_rows is None else extra_rows,
                error_style,
                _existing(pkg, sheets),
            )
            embed_into(pkg, plan, state)
            columns = state.columns()
            add_sheet(
                pkg,
                STATE_SHEET,
                spool_columns(
                    STATE_HEADER, columns, pkg.rel_ns, freeze_header=False, autofilter=False
                ),
                state="veryHidden",
            )
            if in_place:
                check_writable(target)
                written = save_package(pkg, target, backup_path(target) if backup else None)
            else:
                written = save_package(pkg, target)
        finally:
            pkg.close()
    return Embedded(written, plan, cleared)


def _state_without_embed(pkg: Package, source: Path) -> tuple[RunState, bool]:
    """The workbook's state less an earlier embed (which is removed from ``pkg``); the
    state sheet itself goes too, to be written again."""
    if not any(s.name == STATE_SHEET for s in pkg.sheets):
        return RunState(), False
    try:
        state = read_state(source) or RunState()
    except (ValueError, TypeError):
        state = RunState()
    had = bool(state.embedded)
    if had:
        clear_embedded(pkg, state)
        for name in state.embedded_sheets:
            if any(s.name == name for s in pkg.sheets):
                remove_sheet(pkg, name)
        state.sheets = [s for s in state.sheets if s not in state.embedded_sheets]
        state.embedded = []
    remove_sheet(pkg, STATE_SHEET)
    return state, had
