"""What ``opsbook embed`` will put into a workbook, decided from the tables the engine
recognised: the data validation of each column, one conditional format per row rule a
formula can express, the defined names they read, and the 說明 lines for every rule."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .. import kinds
from ..catalog import AggregateRule, RowRule
from ..engine import _why_not
from ..report import Checked
from ..workbook.tables import Table
from ..workcalendar import calendar_for
from . import formulas as f
from . import mapping, vocab
from .parts import Format, Validation, box, overlaps

CALENDAR_SHEET = "_opsbook_日曆"
LEGEND_SHEET = "檢查說明"
EXTRA_ROWS = 1000  # empty rows below the last record that the checks cover
ERROR_STYLES = {"stop": "stop", "warning": "warning", "information": "information"}


@dataclass
class Check:
    """One embedded piece, for the state sheet and the legend."""

    sheet: str
    sqref: str
    what: str  # dv | cf
    rule: str
    clause: str


@dataclass
class SheetPlan:
    sheet: str
    validations: list[Validation] = field(default_factory=list)
    formats: list[Format] = field(default_factory=list)
    templates: dict[str, tuple[str, int, int]] = field(
        default_factory=dict
    )  # rule → (formula with §, first, last row)


@dataclass
class Plan:
    sheets: dict[str, SheetPlan] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    names: dict[str, tuple[str, bool]] = field(default_factory=dict)
    legend: list[list] = field(default_factory=list)  # rows under LEGEND_HEADER
    kept: list[str] = field(
        default_factory=list
    )  # "sheet!range (header)": the team's own list kept
    years: tuple[int, int] = (2020, 2027)
    lookups: set[tuple[str, str]] = field(default_factory=set)  # companion columns read
    compiled_from: dict[str, str] = field(default_factory=dict)  # rule → vocabulary|mapping

    def sheet(self, name: str) -> SheetPlan:
        return self.sheets.setdefault(name, SheetPlan(name))


LEGEND_HEADER = ["狀態", "規則", "條款", "說明", "工作表", "範圍", "原因"]
LIVE, NEEDS_RUN = "已嵌入（即時檢查）", "須執行「驗證」"


def sheet_ref(sheet: str, ref: str) -> str:
    return "'" + sheet.replace("'", "''") + "'!" + ref


def _rows(table: Table, extra: int) -> tuple[int, int]:
    first = table.header_row + 1
    last = int(table.data.index.max()) if len(table.data) else first
    return first, max(last, first) + extra


def _letters(table: Table) -> dict[str, str]:
    return {key: col.letter for key, col in table.columns.items()}


def build_plan(
    checked: Checked,
    settings: dict,
    extra_rows: int = EXTRA_ROWS,
    error_style: str = "warning",
    existing: dict[str, list] | None = None,
) -> Plan:
    """``existing``: sheet → the team's own validation boxes (parts.existing_validations)."""
    plan = Plan()
    existing = existing or {}
    tables = {name: ts[0] for name, ts in checked.tables.items() if ts}
    ctx = checked.context
    calendar = calendar_for(settings.get("general", {}).get("calendar", "CN"))
    covered = calendar.covered_through
    plan.years = _years(tables, covered)
    _companion_names(plan, tables, extra_rows)
    builders = mapping.builders(covered)
    kind = kinds.get(checked.kind) if checked.kind in kinds.names() else None
    for table in tables.values():
        first, last = _rows(table, extra_rows)
        cols = f.Columns(table.spec, _letters(table))
        rules = kinds.rules_for({table.name}, settings)
        _validations(plan, table, cols, rules, kind, first, last, error_style, existing, settings)
        for rule in rules:
            _rule_line(plan, table, cols, rule, ctx, builders, settings, first, last, tables)
    for table_name, column in sorted(plan.lookups):
        t = tables.get(table_name)
        if t is not None and t.has(column):
            t_first, t_last = _rows(t, extra_rows)
            letter = t.columns[column].letter
            plan.names[vocab.table_name(table_name, column)] = (
                sheet_ref(t.sheet, f"${letter}${t_first}:${letter}${t_last}"),
                True,
            )
    return plan


def _years(tables: dict[str, Table], covered: int) -> tuple[int, int]:
    years = [dt.date.today().year]
    for t in tables.values():
        for key in t.columns:
            if t.spec.column(key).type in ("date", "datetime"):
                y = t.data[key].dropna().dt.year
                if len(y):
                    years += [int(y.min()), int(y.max())]
    return max(min(years), 1990), max(max(years), covered) + 1


def _companion_names(plan: Plan, tables: dict[str, Table], extra: int) -> None:
    for table_name, pairs in (
        ("roster", (("name", mapping.ROSTER_NAME), ("role", mapping.ROSTER_ROLE))),
        (
            "accounts",
            (("platform", mapping.ACCOUNT_PLATFORM), ("account", mapping.ACCOUNT_NAME)),
        ),
    ):
        t = tables.get(table_name)
        if t is None:
            continue
        first, last = _rows(t, extra)
        for key, name in pairs:
            if t.has(key):
                letter = t.columns[key].letter
                plan.names[name] = (sheet_ref(t.sheet, f"${letter}${first}:${letter}${last}"), True)


def _clauses(rules, key: str) -> str:
    found = sorted(
        {
            r.clause
            for r in rules
            if key in r.needs
            or key in r.needs_any
            or key == getattr(r, "target", None)
            or (isinstance(getattr(r, "target", None), tuple) and key in r.target)
        }
    )
    return "、".join(found)


_ROLES_KEY = {"reviewer": "manager_roles", "gm_confirmed_by": "gm_roles"}


def _validations(plan, table, cols, rules, kind, first, last, style, existing, settings) -> None:
    sp = plan.sheet(table.sheet)
    for key, col in table.columns.items():
        spec = table.spec.column(key)
        letter = col.letter
        sqref = f"{letter}{first}:{letter}{last}"
        header = col.header
        clauses = _clauses(rules, key)
        cite = f"（依據 {clauses}）" if clauses else ""
        choices = kind.choices.get(key) if kind and table.spec.main else None
        if spec.type == "bool":
            v = Validation(
                sqref,
                "list",
                '"是,否"',
                None,
                clauses or "是/否",
                f"請選擇 是 / 否{cite}",
                f"「{header}」請填 是 或 否{cite}",
            )
        elif choices and len(",".join(choices)) < 250:
            v = Validation(
                sqref,
                "list",
                f.quoted(",".join(choices)),
                None,
                clauses or header,
                f"請從清單選擇{cite}",
                f"「{header}」不在清單中{cite}",
            )
        elif key == "account" and table.name == "posts" and mapping.ACCOUNT_NAME in plan.names:
            v = Validation(
                sqref,
                "list",
                mapping.ACCOUNT_NAME,
                None,
                clauses or "賬號清單",
                f"請從賬號清單選擇{cite}",
                f"「{header}」不在賬號清單中{cite}",
            )
        elif key in ("reviewer", "gm_confirmed_by") and mapping.ROSTER_NAME in plan.names:
            roles = settings["posts"][_ROLES_KEY[key]]
            formula = f.at_row(
                f.any_of(
                    f.blank(cols.ref(key)),
                    f.in_roster(cols.ref(key), mapping.ROSTER_NAME, mapping.ROSTER_ROLE, roles),
                ),
                first,
            )
            v = Validation(
                sqref,
                "custom",
                formula,
                None,
                clauses or "人員表",
                f"須為人員表中的{'運營經理' if key == 'reviewer' else '總經理'}{cite}",
                f"「{header}」不是人員表中的相應職位{cite}",
            )
        elif spec.type in ("date", "datetime"):
            v = Validation(
                sqref,
                "date",
                "DATE(1990,1,1)",
                "greaterThanOrEqual",
                clauses or "日期",
                f"請輸入日期{cite}",
                f"「{header}」須為日期（不是文字）{cite}",
            )
        elif spec.type == "number":
            v = Validation(
                sqref,
                "decimal",
                "0",
                "greaterThanOrEqual",
                clauses or "數字",
                f"請輸入不小於 0 的數字{cite}",
                f"「{header}」須為不小於 0 的數字{cite}",
            )
        else:
            continue
        v.style = ERROR_STYLES.get(style, "warning")
        mine = box(sqref)
        if any(overlaps(mine, theirs) for theirs in existing.get(table.sheet, [])):
            plan.kept.append(f"{table.sheet}!{sqref}（{header}）")
            continue
        sp.validations.append(v)
        plan.checks.append(Check(table.sheet, sqref, "dv", f"input.{table.name}.{key}", clauses))


def _rule_line(plan, table, cols, rule, ctx, builders, settings, first, last, tables) -> None:
    base = [rule.id, rule.clause, re.sub(r"\{[^{}]*\}", "…", rule.message)]  # no row here
    if isinstance(rule, AggregateRule):
        plan.legend.append([NEEDS_RUN, *base, table.sheet, "", mapping.AGGREGATE[1]])
        return
    if not isinstance(rule, RowRule):
        return
    if rule.id in mapping.NOT_EMBEDDED:
        plan.legend.append([NEEDS_RUN, *base, table.sheet, "", mapping.NOT_EMBEDDED[rule.id][1]])
        return
    why = _why_not(rule, table, ctx) if ctx is not None else None
    if why is not None:
        plan.legend.append(
            [NEEDS_RUN, *base, table.sheet, "", f"工作簿缺少所需的欄或表（{why[0].value}）"]
        )
        return
    if getattr(rule, "declared", False):  # issue 22's vocabulary: walk the tree
        needed: set[tuple[str, str]] = set()
        try:
            condition = vocab.Compiler(cols, rule.env(table, ctx), needed)(rule.expression)
        except vocab.NotAFormula as why:
            plan.legend.append([NEEDS_RUN, *base, table.sheet, "", f"無法寫成公式：{why}"])
            return
        missing = [t for t, _c in needed if t not in tables]
        if missing:
            plan.legend.append([NEEDS_RUN, *base, table.sheet, "", f"缺少表：{missing[0]}"])
            return
        plan.lookups |= needed
        plan.compiled_from[rule.id] = "vocabulary"
    else:  # still Python: the mapping table
        build = builders.get(rule.id)
        if build is None:
            plan.legend.append([NEEDS_RUN, *base, table.sheet, "", "尚未編譯為公式"])
            return
        condition = build(cols, settings)
        plan.compiled_from[rule.id] = "mapping"
    template = f.live(condition)
    target = rule.target_key(table)
    letter = table.columns[target].letter
    sqref = f"{letter}{first}:{letter}{last}"
    sp = plan.sheet(table.sheet)
    sp.formats.append(Format(sqref, f.at_row(template, first), rule.severity))
    sp.templates[rule.id] = (template, first, last)
    plan.checks.append(Check(table.sheet, sqref, "cf", rule.id, rule.clause))
    plan.legend.append([LIVE, *base, table.sheet, sqref, ""])
