"""月度彙總 (monthly inspection totals) and 黑名單 (the R2-1.2 blacklist) for inspections."""

from __future__ import annotations

import pandas as pd

from ...catalog.base import blank, folded, no, yes
from ...summaries.base import Block, Chart, SummarySheet
from .rules import ALL_HAZARDS, blacklist, entered, passed, residential_customers

# The clauses these summaries serve, for the coverage matrix.
OUTPUTS: dict[str, str] = {
    "R2-2.1": "`月度彙總` sheet: monthly totals per inspector, residential customers short of two visits",
    "R2-1.2": "`黑名單` sheet: the blacklist with each customer's follow-up visit",
}

MONTHLY, BLACKLIST = "月度彙總", "黑名單"
TOP_REASONS = 6  # not-entered reasons shown as their own columns; the rest are 其他


def monthly_summary(t, ctx) -> SummarySheet:
    data = t.data
    month = data["inspected_on"].dt.to_period("M")
    ok = month.notna()
    frame = pd.DataFrame(
        {"月份": month.astype(str), "檢查員": data["inspector"].fillna("（未填）")}
    )[ok]
    has = t.has
    frame["檢查次數"] = 1
    frame["入戶"] = entered(t)[ok].astype(int) if has("entered") else 1
    not_entered = no(t, "entered")[ok] if has("entered") else pd.Series(False, index=frame.index)
    frame["未入戶"] = not_entered.astype(int)
    if has("not_entered_reason"):
        reasons = data["not_entered_reason"][ok].where(not_entered).fillna("")
        reasons = reasons.where(reasons.str.strip() != "", "（未填原因）").where(not_entered, "")
        top = reasons[reasons != ""].value_counts().index[:TOP_REASONS]
        for reason in top:
            frame[f"未入戶：{reason}"] = (reasons == reason).astype(int)
        other = (reasons != "") & ~reasons.isin(top)
        if other.any():
            frame["未入戶：其他"] = other.astype(int)
    if has("result"):
        frame["合格"] = passed(t)[ok].astype(int)
        frame["不合格"] = (~passed(t) & ~blank(t, "result"))[ok].astype(int)
    for key in ALL_HAZARDS + ("leak", "theft_found", "equipment_damaged"):
        if has(key):
            frame[f"隱患：{t.header(key)}"] = yes(t, key)[ok].astype(int)
    if has("rectification"):
        frame["開具整改"] = (~blank(t, "rectification"))[ok].astype(int)
    if has("seal_fitted"):
        frame["加裝防盜封"] = yes(t, "seal_fitted")[ok].astype(int)
    if has("reported"):
        frame["上報"] = yes(t, "reported")[ok].astype(int)
    if has("fee_charged"):
        frame["收取費用（應為0）"] = data["fee_charged"][ok].fillna(0)
    by_inspector = frame.groupby(["月份", "檢查員"], sort=True).sum().reset_index()
    counts = [c for c in by_inspector.columns if c not in ("月份", "檢查員")]
    formats = {c: "#,##0" for c in counts}
    if "收取費用（應為0）" in formats:
        formats["收取費用（應為0）"] = "#,##0.00"

    per_month = frame.groupby("月份")["檢查次數"].sum().rename("檢查次數").reset_index()
    short = _short_of_two(t, ctx)
    per_month = per_month.merge(short, on="月份", how="outer").fillna(0).sort_values("月份")
    for col in per_month.columns[1:]:
        per_month[col] = per_month[col].astype(int)
    blocks = [
        Block("各月各檢查員安檢統計", by_inspector, formats, total="合計"),
        Block(
            "各月檢查次數及未達每年兩次入戶檢查的民用戶",
            per_month,
            {c: "#,##0" for c in per_month.columns[1:]},
            note=f"民用戶「未達兩次」：截至該月底，當年入戶檢查少於 {ctx.cfg('inspections', 'min_yearly_visits')} 次的戶數",
        ),
    ]
    return SummarySheet(
        MONTHLY, "R2-2.1", blocks, [Chart("bar", "每月檢查次數", 1, "月份", ["檢查次數"])]
    )


def _short_of_two(t, ctx) -> pd.DataFrame:
    """Per month: residential customers and how many had fewer than the yearly minimum of
    entered inspections by that month's end (the count restarts every January)."""
    minimum = ctx.cfg("inspections", "min_yearly_visits")
    customers = residential_customers(t, ctx)
    ids = folded(t, "customer_id")
    visits = pd.DataFrame(
        {
            "id": ids,
            "m": t.data["inspected_on"].dt.to_period("M"),
            "in": entered(t) if t.has("entered") else True,
        }
    ).dropna()
    if visits.empty or customers.empty:
        return pd.DataFrame(columns=["月份", "民用戶數", "未達兩次"])
    months = pd.period_range(
        visits["m"].min(), min(visits["m"].max(), ctx.as_of.to_period("M")), freq="M"
    )
    # Membership through a hash index: Series.isin on Arrow strings converts each of tens of
    # thousands of customer ids to an Arrow scalar first (0.16 s at 100k rows).
    known = pd.Index(customers["id"].unique()).get_indexer(visits["id"]) >= 0
    per = visits[visits["in"] & known].groupby(["id", "m"]).size()
    matrix = per.unstack("m").reindex(index=customers["id"], columns=months).fillna(0)
    # Cumulative within each calendar year: the count restarts in January.
    years = pd.Index([m.year for m in months])
    cumulative = matrix.T.groupby(years.values).cumsum().T
    short = (cumulative < minimum).sum(axis=0)
    return pd.DataFrame(
        {"月份": [str(m) for m in months], "民用戶數": len(customers), "未達兩次": short.values}
    )


def blacklist_sheet(t, ctx) -> SummarySheet:
    listed = blacklist(t, ctx)
    frame = pd.DataFrame(
        {
            "用戶編號": listed["shown"].values,
            "最後購氣日期": listed["last_purchase"].values,
            "列入黑名單日期": listed["listed_on"].values,
            "跟進安檢日期": listed["followed_up_on"].values,
            "跟進": ["已跟進" if pd.notna(d) else "無" for d in listed["followed_up_on"]],
        }
    )
    fmt = {
        "最後購氣日期": "yyyy-mm-dd",
        "列入黑名單日期": "yyyy-mm-dd",
        "跟進安檢日期": "yyyy-mm-dd",
    }
    note = (
        f"逾 {ctx.cfg('inspections', 'blacklist_months')} 個月未購氣即列入黑名單（截至 "
        f"{ctx.as_of:%Y-%m-%d}）"
        if len(frame)
        else "截至檢查日沒有逾期未購氣的用戶"
    )
    return SummarySheet(
        BLACKLIST, "R2-1.2", [Block("黑名單（逾期未購氣用戶）", frame, fmt, note=note)]
    )


def build(tables, ctx) -> list[SummarySheet]:
    out = []
    for t in tables.get("inspections", []):
        if t.has("inspected_on"):
            out.append(monthly_summary(t, ctx))
        if "purchases" in ctx.tables and t.has("customer_id", "inspected_on"):
            out.append(blacklist_sheet(t, ctx))
        break  # one summary per workbook: the first inspection sheet
    return out
