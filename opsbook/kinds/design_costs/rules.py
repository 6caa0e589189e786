"""運營規章制度3 §三 (graphic design requests and costs) and §二.3(1) (the yearly budget).

The workflow of one request, in the order the regulation gives it: the requesting head signs
(3.1); an incomplete form is returned, a complete one gets a designer (3.2); design starts
from the signed form (3.4); the production budget is signed (3.5); delivery keeps to the
design-cycle table (3.6); the head approves, then the GM confirms (3.7); production is
ordered only after that (3.8); received items are warehoused (3.9/3.10); last month's items
are settled early in the month, signed, approved and only then paid (3.12).

An item's month (for settlement and the 月度結算 summary) is the month it was ordered for
production (下單日期); an item never ordered was not made and is not settled.
"""

from __future__ import annotations

import pandas as pd

from ...catalog.base import (
    ERROR,
    WARNING,
    AggregateRule,
    Context,
    RowRule,
    blank,
    folded,
    in_words,
    no_rows,
)

T = "design_costs"


RETURNED_WORDS = ["退回", "已退回", "returned"]
RETURNED = f"one_of(status, {RETURNED_WORDS})"  # the request was returned (3.2)
ACTIVE = f"not {RETURNED}"  # requests that go ahead
ORDERED = f"known(ordered_on) and {ACTIVE}"  # ordered for production (the item's month)


def returned(t) -> pd.Series:
    return (
        in_words(t, "status", RETURNED_WORDS)
        if t.has("status")
        else pd.Series(False, index=t.data.index)
    )


def active(t) -> pd.Series:
    """Requests that go ahead (not returned)."""
    return ~returned(t)


def ordered(t) -> pd.Series:
    return t.data["ordered_on"].notna() & active(t)


def due_dates(t, ctx: Context) -> pd.Series:
    """计划完成日期 as written, else design start (or request date) + the cycle table's days
    for the item type."""
    due = t.data["due_on"] if t.has("due_on") else pd.Series(pd.NaT, index=t.data.index)
    cycle = ctx.tables.get("cycle")
    if cycle is None or not t.has("item_type"):
        return due
    days = pd.Series(cycle.data["days"].values, index=folded(cycle, "item_type"))
    days = days[~days.index.duplicated()]
    item_days = folded(t, "item_type").map(days)
    start = (
        t.data["design_started_on"]
        if t.has("design_started_on")
        else pd.Series(pd.NaT, index=t.data.index)
    )
    if t.has("requested_on"):
        start = start.fillna(t.data["requested_on"])
    computed = pd.Series(pd.NaT, index=t.data.index, dtype="datetime64[ns]")
    for n in item_days.dropna().unique():  # a few distinct cycle lengths, each vectorised
        rows = item_days == n
        if ctx.cfg("design_costs", "cycle_in_working_days"):
            computed[rows] = ctx.calendar.add_working_days(start[rows], int(n))
        else:
            computed[rows] = start[rows].dt.normalize() + pd.Timedelta(days=int(n))
    return due.fillna(computed)


def settlement_deadline(t, ctx: Context) -> pd.Series:
    """The n-th working day of the month after the item's month."""
    month_after = (t.data["ordered_on"].dt.to_period("M") + 1).dt.start_time
    return ctx.calendar.nth_working_day_of_month(
        month_after, ctx.cfg("design_costs", "settlement_working_day")
    )


def _fmt_days(series: pd.Series) -> pd.Series:
    return series.dt.strftime("%Y-%m-%d").fillna("（無）")


WHY_DUE = (
    "the due date is the written one, else the design-cycle table's days for the item type "
    "(a join on a companion table) counted from design start or request, in working days "
    "when design_costs.cycle_in_working_days says so"
)
WHY_SETTLE = (
    "the deadline is the n-th working day of the month after the order's month: month "
    "arithmetic on the calendar the vocabulary has no word for yet"
)

ROW_RULES = [
    RowRule(
        id="design_costs.head_signature",
        clause="R3-3.1",
        table=T,
        title="request form signed by the requesting department's head",
        message="《產品設計申請單》須由需求部門負責人簽字後移交運營部（部門負責人簽字空白）",
        message_en="the design request form is not signed by the requesting department's head",
        target="head_signed",
        fails_if="blank(head_signed)",
    ),
    RowRule(
        id="design_costs.incomplete_not_returned",
        clause="R3-3.2",
        table=T,
        title="an incomplete form is returned (狀態 退回)",
        message="申請單未填寫完整，須嚴格退回（狀態：{value}）",
        message_en="an incomplete request form must be returned (status: {value})",
        needs=("form_complete",),
        target="status",
        fails_if=f"no(form_complete) and {ACTIVE}",
    ),
    RowRule(
        id="design_costs.returned_but_worked_on",
        clause="R3-3.2",
        table=T,
        title="a returned request is not designed",
        message="申請單已退回，卻安排了設計（設計人員：{value}）",
        message_en="the request was returned but a designer worked on it ({value})",
        needs=("status",),
        target="designer",
        fails_if=f"{RETURNED} and filled(designer)",
    ),
    RowRule(
        id="design_costs.designer_missing",
        clause="R3-3.2",
        table=T,
        title="a complete request has a designer assigned",
        message="申請單填寫完整，須安排設計人員跟進（設計人員空白）",
        message_en="a complete request must have a designer assigned",
        target="designer",
        fails_if=f"{ACTIVE} and blank(designer) and not no(form_complete)",
    ),
    RowRule(
        id="design_costs.design_before_request",
        clause="R3-3.4",
        table=T,
        title="design starts from the signed request, not before it",
        message="開始設計日期 {design_started_on} 早於申請日期 {requested_on}：設計人員須憑簽字後的申請表設計",
        message_en="design started {design_started_on}, before the request of {requested_on}",
        needs=("requested_on",),
        target="design_started_on",
        fails_if="later_than(requested_on, design_started_on)",
    ),
    RowRule(
        id="design_costs.design_without_signature",
        clause="R3-3.4",
        table=T,
        title="no design on an unsigned request",
        message="申請單未經部門負責人簽字即開始設計：須憑簽過字的申請表設計",
        message_en="design started on a request the head has not signed",
        needs=("head_signed",),
        target="design_started_on",
        fails_if="known(design_started_on) and blank(head_signed)",
    ),
    RowRule(
        id="design_costs.budget_missing",
        clause="R3-3.5",
        table=T,
        title="the production budget is filled in before ordering",
        message="已下單製作，但未填寫打樣製作費用預算",
        message_en="production was ordered without a budget",
        needs=("ordered_on",),
        target="budget",
        fails_if=f"{ORDERED} and blank(budget)",
    ),
    RowRule(
        id="design_costs.budget_unsigned",
        clause="R3-3.5",
        table=T,
        title="the production budget is signed by the department head",
        message="打樣製作費用預算須交部門負責人簽字（預算簽字空白）",
        message_en="the production budget is not signed by the department head",
        needs=("budget",),
        target="budget_signed",
        fails_if=f"{ACTIVE} and filled(budget) and blank(budget_signed)",
    ),
    RowRule(
        id="design_costs.over_budget",
        clause="R3-3.5",
        table=T,
        severity=WARNING,
        title="actual cost within the signed budget",
        message="實際費用 {actual_cost} 超出預算 {budget}",
        message_en="actual cost {actual_cost} exceeds the budget {budget}",
        needs=("budget",),
        target="actual_cost",
        fails_if="exceeds(actual_cost, budget)",
    ),
    RowRule(
        id="design_costs.delivered_late",
        clause="R3-3.6",
        table=T,
        title="delivery keeps to the design-cycle table unless an extension was asked in time",
        message="實際完成 {delivered_on} 晚於計劃完成 {due}，且未在到期前提出延期申請（延期申請：{extension}）",
        message_en="delivered {delivered_on}, after the due date {due}, with no extension asked in time",
        needs=("delivered_on",),
        target="delivered_on",
        fails=lambda t, ctx: active(t) & _late(t, ctx, t.data["delivered_on"]),
        why_python=WHY_DUE,
        params=lambda t, ctx, rows: pd.DataFrame(
            {
                "due": _fmt_days(due_dates(t, ctx)[rows]),
                "extension": _fmt_days(
                    t.data["extension_requested_on"][rows]
                    if t.has("extension_requested_on")
                    else pd.Series(pd.NaT, index=rows)
                ),
            },
            index=rows,
        ),
    ),
    RowRule(
        id="design_costs.overdue",
        clause="R3-3.6",
        table=T,
        title="an undelivered design is not past its due date without an extension",
        message="計劃 {due} 完成，至 {as_of} 仍未完成，且未在到期前提出延期申請",
        message_en="due {due}, still not delivered at {as_of}, and no extension asked in time",
        needs=("delivered_on", "design_started_on"),
        target="delivered_on",
        fails=lambda t, ctx: (
            active(t)
            & t.data["design_started_on"].notna()
            & t.data["delivered_on"].isna()
            & _late(t, ctx, pd.Series(ctx.as_of.normalize(), index=t.data.index))
        ),
        why_python=WHY_DUE,
        params=lambda t, ctx, rows: pd.DataFrame(
            {"due": _fmt_days(due_dates(t, ctx)[rows]), "as_of": ctx.as_of.strftime("%Y-%m-%d")},
            index=rows,
        ),
    ),
    RowRule(
        id="design_costs.gm_without_head_approval",
        clause="R3-3.7",
        table=T,
        title="the GM confirms only after the department head approved the design",
        message="總經理已於 {gm_confirmed_on} 確認，但部門負責人未審核：須先經部門負責人審核再交總經理確認",
        message_en="the GM confirmed on {gm_confirmed_on} but the department head has not approved the design",
        needs=("gm_confirmed_on",),
        target="design_approved_by",
        fails_if="known(gm_confirmed_on) and blank(design_approved_by)",
    ),
    RowRule(
        id="design_costs.gm_before_design_done",
        clause="R3-3.7",
        table=T,
        title="the GM confirms the finished design",
        message="總經理確認日期 {gm_confirmed_on} 早於設計完成日期 {delivered_on}：須設計完成並經審核後再交總經理確認",
        message_en="GM confirmation on {gm_confirmed_on} precedes the design's completion on {delivered_on}",
        needs=("delivered_on",),
        target="gm_confirmed_on",
        fails_if="later_than(delivered_on, gm_confirmed_on)",
    ),
    RowRule(
        id="design_costs.ordered_without_gm",
        clause="R3-3.8",
        table=T,
        title="production is ordered only on or after the GM's confirmation",
        message="下單日期 {ordered_on}，總經理確認日期 {gm_confirmed_on}：須憑總經理簽字確認單方可下單製作",
        message_en="ordered on {ordered_on} without (or before) the GM's confirmation ({gm_confirmed_on})",
        needs=("ordered_on", "gm_confirmed_on"),
        target="ordered_on",
        fails_if=f"{ORDERED} and (unknown(gm_confirmed_on) "
        "or later_than(gm_confirmed_on, ordered_on))",
    ),
    RowRule(
        id="design_costs.received_before_order",
        clause="R3-3.9",
        table=T,
        severity=WARNING,
        title="the delivery record follows the order",
        message="到貨日期 {received_on} 早於下單日期 {ordered_on}，請核對跟進記錄",
        message_en="received on {received_on}, before the order of {ordered_on}",
        needs=("ordered_on",),
        target="received_on",
        fails_if="later_than(ordered_on, received_on)",
    ),
    RowRule(
        id="design_costs.not_warehoused",
        clause="R3-3.10",
        table=T,
        title="received items are warehoused",
        message="物品已於 {received_on} 到貨，未辦理入庫（入庫日期空白）",
        message_en="received on {received_on} but not warehoused",
        needs=("received_on",),
        target="warehoused_on",
        fails_if="known(received_on) and blank(warehoused_on)",
    ),
    RowRule(
        id="design_costs.settled_late",
        clause="R3-3.12",
        table=T,
        title="items of month M are settled by the configured working day of month M+1",
        message="{month} 的物料須在 {deadline}（次月第 {n} 個工作日）前結算，實際結算 {settled_on}",
        message_en="items of {month} must be settled by {deadline}; settled {settled_on}",
        needs=("ordered_on",),
        target="settled_on",
        fails=lambda t, ctx: (
            ordered(t)
            & (t.data["settled_on"].dt.normalize() > settlement_deadline(t, ctx))
            .fillna(False)
            .astype(bool)
        ),
        why_python=WHY_SETTLE,
        params=lambda t, ctx, rows: _settle_params(t, ctx, rows),
    ),
    RowRule(
        id="design_costs.unsettled",
        clause="R3-3.12",
        table=T,
        title="no item of a past month left unsettled",
        message="{month} 的物料至 {as_of} 仍未結算（結算期限 {deadline}，次月第 {n} 個工作日）",
        message_en="items of {month} still unsettled at {as_of} (due {deadline})",
        needs=("ordered_on",),
        target="settled_on",
        fails=lambda t, ctx: (
            ordered(t)
            & blank(t, "settled_on")
            & (settlement_deadline(t, ctx) < ctx.as_of.normalize()).fillna(False).astype(bool)
        ),
        why_python=WHY_SETTLE,
        params=lambda t, ctx, rows: _settle_params(t, ctx, rows),
    ),
    RowRule(
        id="design_costs.settlement_head_unsigned",
        clause="R3-3.12",
        table=T,
        title="a settlement is signed by the department head",
        message="已結算，但結算未經部門負責人簽字",
        message_en="settled without the department head's signature",
        needs=("settled_on",),
        target="settlement_head_signed",
        fails_if="known(settled_on) and blank(settlement_head_signed)",
    ),
    RowRule(
        id="design_costs.settlement_gm_unapproved",
        clause="R3-3.12",
        table=T,
        title="a settlement is approved by the GM",
        message="已結算，但未經總經理審核確認",
        message_en="settled without the GM's approval",
        needs=("settled_on",),
        target="settlement_gm_approved",
        fails_if="known(settled_on) and blank(settlement_gm_approved)",
    ),
    RowRule(
        id="design_costs.paid_before_approval",
        clause="R3-3.12",
        table=T,
        title="finance pays only after the settlement is approved",
        message="已於 {paid_on} 付款，但結算未經總經理審核或付款早於結算（結算日期 {settled_on}）",
        message_en="paid on {paid_on} before the settlement ({settled_on}) was approved",
        needs=("paid_on", "settlement_gm_approved"),
        target="paid_on",
        fails_if="known(paid_on) and (blank(settlement_gm_approved) "
        "or later_than(settled_on, paid_on) or unknown(settled_on))",
    ),
]


def _late(t, ctx, finished: pd.Series) -> pd.Series:
    due = due_dates(t, ctx)
    asked = (
        t.data["extension_requested_on"]
        if t.has("extension_requested_on")
        else pd.Series(pd.NaT, index=t.data.index)
    )
    extended = (asked.dt.normalize() <= due).fillna(False)
    return ((finished.dt.normalize() > due).fillna(False) & ~extended).astype(bool)


def _settle_params(t, ctx, rows) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": t.data["ordered_on"][rows].dt.strftime("%Y-%m"),
            "deadline": settlement_deadline(t, ctx)[rows].dt.strftime("%Y-%m-%d"),
            "n": ctx.cfg("design_costs", "settlement_working_day"),
            "as_of": ctx.as_of.strftime("%Y-%m-%d"),
        },
        index=rows,
    )


def budget_use(t, ctx: Context) -> pd.DataFrame:
    """Spend per department and year (by order date) against the 年度預算 sheet."""
    budgets = ctx.tables["budgets"]
    key = folded(budgets, "department")
    plan = pd.DataFrame(
        {
            "dept": key,
            "shown": budgets.data["department"],
            "year": budgets.data["year"],
            "budget": budgets.data["budget"],
        }
    ).dropna(subset=["dept", "year"])
    plan["year"] = plan["year"].astype(int)
    spend = (
        pd.DataFrame(
            {
                "dept": folded(t, "department"),
                "year": t.data["ordered_on"].dt.year,
                "day": t.data["ordered_on"],
                "cost": t.data["actual_cost"].fillna(0) if t.has("actual_cost") else 0.0,
            }
        )[ordered(t)]
        .dropna(subset=["dept", "year"])
        .sort_values("day")
    )
    spend["year"] = spend["year"].astype(int)
    spend["cumulative"] = spend.groupby(["dept", "year"])["cost"].cumsum()
    merged = spend.reset_index().merge(plan, on=["dept", "year"])
    totals = (
        merged.groupby(["dept", "year"])
        .agg(shown=("shown", "first"), budget=("budget", "first"), spent=("cost", "sum"))
        .reset_index()
    )
    totals["ratio"] = totals["spent"] / totals["budget"]
    warn = ctx.cfg("design_costs", "budget_warn_ratio")
    crossings = {}
    for limit in (warn, 1.0):
        crossed = (
            merged[merged["cumulative"] > merged["budget"] * limit]
            if limit == 1.0
            else merged[merged["cumulative"] >= merged["budget"] * limit]
        )
        crossings[limit] = crossed.groupby(["dept", "year"])["row"].first()
    totals["row_warn"] = [
        crossings[warn].get((d, y)) for d, y in zip(totals["dept"], totals["year"])
    ]
    totals["row_over"] = [
        crossings[1.0].get((d, y)) for d, y in zip(totals["dept"], totals["year"])
    ]
    return totals


def _budget_rule(t, ctx: Context) -> pd.DataFrame:
    totals = budget_use(t, ctx)
    warn = ctx.cfg("design_costs", "budget_warn_ratio")
    bad = totals[totals["ratio"] >= warn]
    if bad.empty:
        return no_rows()
    over = bad["ratio"] > 1.0
    rows = [[int(r)] if pd.notna(r) else [] for r in bad["row_over"].where(over, bad["row_warn"])]
    return pd.DataFrame(
        {
            "rows": rows,
            "key": "actual_cost",
            "department": bad["shown"].values,
            "year": bad["year"].values,
            "spent": bad["spent"].map(lambda v: f"{v:,.2f}").values,
            "budget": bad["budget"].map(lambda v: f"{v:,.2f}").values,
            "ratio": bad["ratio"].map(lambda v: f"{v:.0%}").values,
            "status": ["已超出年度預算" if o else f"已達年度預算 {warn:.0%} 以上" for o in over],
            "severity": [ERROR if o else WARNING for o in over],
        }
    )


AGGREGATES = [
    AggregateRule(
        id="design_costs.yearly_budget",
        clause="R3-2.3.1",
        table=T,
        companions=("budgets",),
        title="department spend within its approved yearly budget (warning from 90%)",
        message="{department} {year} 年設計製作費用 {spent}，年度預算 {budget}（{ratio}），{status}",
        message_en="{department} spent {spent} in {year} against a budget of {budget} ({ratio})",
        needs=("department", "ordered_on", "actual_cost"),
        run=_budget_rule,
    ),
]

RULES = ROW_RULES + AGGREGATES
