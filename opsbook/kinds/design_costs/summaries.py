"""月度結算 (R3-3.12): the monthly settlement of design and production costs.

An item belongs to the month it was ordered for production (下單日期): that is the month it
was "made" in, whose items the regulation settles early the next month.  Returned requests
and items never ordered are not in the settlement.
"""

from __future__ import annotations

import pandas as pd

from ...catalog.base import blank
from ...summaries.base import Block, Chart, SummarySheet
from .rules import budget_use, ordered

# The clauses these summaries serve, for the coverage matrix.
OUTPUTS: dict[str, str] = {
    "R3-3.12": "`月度結算` sheet / `opsbook settle`: per month by department and vendor, with a chart",
    "R3-2.3.1": "`月度結算` block 年度預算執行: spend against each department's yearly budget",
}

SHEET = "月度結算"
MONEY = "#,##0.00"
COUNT = "#,##0"


def items(t) -> pd.DataFrame:
    """One line per ordered item with what the settlement needs."""
    d = t.data
    mask = ordered(t)
    col = lambda key: d[key][mask] if t.has(key) else pd.Series(pd.NA, index=d.index[mask])  # noqa: E731
    settled = col("settled_on").notna()
    actual = col("actual_cost").astype("float64").fillna(0.0)
    unsigned = pd.Series(False, index=d.index[mask])
    for key in ("settlement_head_signed", "settlement_gm_approved"):
        unsigned |= blank(t, key)[mask] if t.has(key) else True
    paid = col("paid_on")
    return pd.DataFrame(
        {
            "month": d["ordered_on"][mask].dt.to_period("M").astype(str),
            "department": col("department").fillna("（未填）"),
            "vendor": col("vendor").fillna("（未填）"),
            "budget": col("budget").astype("float64").fillna(0.0),
            "actual": actual,
            "settled": settled,
            "unsigned": unsigned,
            "paid": paid.notna(),
            "paid_on": pd.to_datetime(paid),
        }
    )


def _group(frame: pd.DataFrame, by: str, label: str) -> pd.DataFrame:
    g = frame.groupby(by, sort=True)
    out = pd.DataFrame(
        {
            label: g.size().index,
            "物料數": g.size().values,
            "預算合計": g["budget"].sum().values,
            "實際費用合計": g["actual"].sum().values,
        }
    )
    out["差額（實際－預算）"] = out["實際費用合計"] - out["預算合計"]
    out["已結算數"] = g["settled"].sum().values.astype(int)
    out["已結算金額"] = g.apply(
        lambda x: x.loc[x["settled"], "actual"].sum(), include_groups=False
    ).values
    out["未結算數"] = out["物料數"] - out["已結算數"]
    out["未結算金額"] = out["實際費用合計"] - out["已結算金額"]
    out["簽字/審核缺失"] = g["unsigned"].sum().values.astype(int)
    out["已付款金額"] = g.apply(
        lambda x: x.loc[x["paid"], "actual"].sum(), include_groups=False
    ).values
    out["付款日期"] = g["paid_on"].agg(lambda s: _range(s.dropna())).values
    return out


def _range(days: pd.Series) -> str:
    if days.empty:
        return ""
    first, last = days.min().strftime("%Y-%m-%d"), days.max().strftime("%Y-%m-%d")
    return first if first == last else f"{first}～{last}"


FORMATS = {
    "物料數": COUNT,
    "預算合計": MONEY,
    "實際費用合計": MONEY,
    "差額（實際－預算）": MONEY,
    "已結算數": COUNT,
    "已結算金額": MONEY,
    "未結算數": COUNT,
    "未結算金額": MONEY,
    "簽字/審核缺失": COUNT,
    "已付款金額": MONEY,
}


def settlement(t, ctx, month: str | None = None) -> SummarySheet:
    frame = items(t)
    bad = t.unreadable[t.unreadable["key"].isin(["actual_cost", "budget"])]["row"]
    unreadable_in = frame.loc[frame.index.intersection(bad), "month"].value_counts()
    months = sorted(frame["month"].unique()) if month is None else [month]
    blocks: list[Block] = []
    for m in months:
        of_month = frame[frame["month"] == m]
        if of_month.empty:
            blocks.append(
                Block(f"{m} 月度結算", pd.DataFrame({"部門": []}), note=f"{m} 沒有下單製作的物料")
            )
            continue
        note = (
            f"另有 {unreadable_in[m]} 項金額無法讀取，未計入（見違規清單）"
            if m in unreadable_in
            else None
        )
        blocks.append(
            Block(
                f"{m} 月度結算：按部門",
                _group(of_month, "department", "部門"),
                FORMATS,
                total=f"{m} 合計",
                note=note,
            )
        )
        blocks.append(
            Block(
                f"{m} 月度結算：按供應商",
                _group(of_month, "vendor", "供應商"),
                FORMATS,
                total=f"{m} 合計",
            )
        )
    charts = []
    if month is None and not frame.empty:
        pivot = frame.pivot_table(
            index="month", columns="department", values="actual", aggfunc="sum", fill_value=0.0
        )
        pivot = pivot.reset_index().rename(columns={"month": "月份"})
        pivot.columns.name = None
        blocks.append(
            Block("各月各部門實際費用", pivot, {c: MONEY for c in pivot.columns[1:]}, total="合計")
        )
        charts.append(
            Chart("bar", "各月各部門實際費用", len(blocks) - 1, "月份", list(pivot.columns[1:]))
        )
    if "budgets" in ctx.tables and t.has("department", "ordered_on", "actual_cost"):
        use = budget_use(t, ctx)
        warn = ctx.cfg("design_costs", "budget_warn_ratio")
        table = pd.DataFrame(
            {
                "部門": use["shown"],
                "年度": use["year"],
                "年度預算": use["budget"],
                "已用": use["spent"],
                "使用比例": use["ratio"],
                "狀態": [
                    "超出預算" if r > 1 else f"達 {warn:.0%} 以上" if r >= warn else "正常"
                    for r in use["ratio"]
                ],
            }
        )
        blocks.append(
            Block(
                "年度預算執行（R3-2.3.1）",
                table,
                {"年度預算": MONEY, "已用": MONEY, "使用比例": "0%"},
            )
        )
    return SummarySheet(SHEET, "R3-3.12", blocks, charts)


def build(tables, ctx) -> list[SummarySheet]:
    for t in tables.get("design_costs", []):
        if t.has("ordered_on"):
            return [settlement(t, ctx)]
    return []
