"""週報 and 月報 (R1-6.8, R1-6.9): each platform's numbers for a week or month against the one
before, for the Monday 14:30 and 1st-of-month meetings.

The 平台數據 sheet may hold daily rows (a date), weekly rows (`2026-W43`, `2026年第43週`) or
monthly rows (`2026-10`, `2026年10月`).  Daily rows are rolled up to ISO weeks and calendar
months; weekly rows are used as they are for the weekly report and monthly rows for the
monthly one (a week that spans two months is not split).  Flows (new followers, reads,
interactions, inquiries) are summed; followers, a stock, is the last value in the period.
A platform or period without data says so instead of showing 0.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from ...catalog.base import folded
from ...coerce import parse_dates
from ...summaries.base import Block, Chart, SummarySheet

# The clauses these summaries serve, for the coverage matrix.
OUTPUTS: dict[str, str] = {
    "R1-6.8": "`週報` sheet / `opsbook report weekly`: each platform's week against the week before",
    "R1-6.9": "`月報` sheet / `opsbook report monthly`: each platform's month against the month before",
}

FLOWS = {
    "new_followers": "新增粉絲",
    "reads": "閱讀量",
    "interactions": "互動量",
    "inquiries": "諮詢量",
}
STOCK = {"followers": "粉絲數"}
_WEEK = re.compile(r"^\s*(\d{4})\s*[-年]?\s*(?:W|第)\s*(\d{1,2})\s*[週周]?\s*$", re.I)
_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")
GRAINS = {"week": ("週報", "R1-6.8", "週", 8), "month": ("月報", "R1-6.9", "月", 12)}


def period_start(day: pd.Series, grain: str) -> pd.Series:
    if grain == "week":
        return day.dt.normalize() - pd.to_timedelta(day.dt.day_of_week, unit="D")
    return day.dt.to_period("M").dt.start_time


def label(start: pd.Timestamp, grain: str) -> str:
    if grain == "week":
        iso = start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return start.strftime("%Y-%m")


def parse_period(text: str, grain: str) -> pd.Timestamp:
    """ "2026-W43" → its Monday; "2026-10" → its first day."""
    if grain == "week":
        m = _WEEK.match(text)
        if not m:
            raise ValueError(f"not an ISO week: {text!r} (use 2026-W43)")
        return pd.Timestamp(dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1))
    m = _MONTH.match(text)
    if not m:
        raise ValueError(f"not a month: {text!r} (use 2026-10)")
    return pd.Timestamp(int(m.group(1)), int(m.group(2)), 1)


def default_period(as_of: pd.Timestamp, grain: str) -> pd.Timestamp:
    """The last complete week/month before as-of: on a Monday, last week."""
    current = period_start(pd.Series([as_of]), grain).iloc[0]
    return (
        current - pd.Timedelta(days=7)
        if grain == "week"
        else (current - pd.Timedelta(days=1)).replace(day=1)
    )


def shift(start: pd.Timestamp, grain: str, n: int) -> pd.Timestamp:
    return start + pd.Timedelta(days=7 * n) if grain == "week" else start + pd.DateOffset(months=n)


def metric_rows(t, default_year: int) -> pd.DataFrame:
    """Each metrics row with its grain (day/week/month) and period start."""
    raw = t.raw["date"]
    text = raw.map(lambda v: v.strip() if isinstance(v, str) else None)
    weeks = text.map(lambda v: _iso_monday(v) if v else None)
    months = text.map(lambda v: _month_start(v) if v else None)
    days, _ = parse_dates(raw.where(weeks.isna() & months.isna(), None), default_year)
    is_week, is_month, is_day = weeks.notna(), months.notna() & weeks.isna(), days.notna()
    frame = pd.DataFrame(
        {
            "grain": pd.Series(None, index=raw.index, dtype=object)
            .mask(is_day, "day")
            .mask(is_month, "month")
            .mask(is_week, "week"),
            "start": pd.to_datetime(days)
            .mask(is_month, pd.to_datetime(months))
            .mask(is_week, pd.to_datetime(weeks)),
            "platform": folded(t, "platform"),
            "shown": t.data["platform"],
        },
        index=t.data.index,
    )
    for key in list(FLOWS) + list(STOCK):
        frame[key] = t.data[key] if t.has(key) else float("nan")
    frame["start"] = pd.to_datetime(frame["start"])
    return frame.dropna(subset=["grain", "platform", "start"])


def _iso_monday(text: str):
    m = _WEEK.match(text)
    if not m:
        return None
    try:
        return pd.Timestamp(dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1))
    except ValueError:
        return None


def _month_start(text: str):
    m = _MONTH.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return pd.Timestamp(int(m.group(1)), int(m.group(2)), 1)


def rollup(rows: pd.DataFrame, grain: str) -> pd.DataFrame:
    """(period start, platform) → metrics, from the daily rows and the rows of this grain."""
    daily = rows[rows["grain"] == "day"].copy()
    daily["period"] = period_start(daily["start"], grain)
    own = rows[rows["grain"] == grain].copy()
    own["period"] = own["start"]
    both = pd.concat([daily, own]).sort_values("start")
    agg = {k: "sum" for k in FLOWS} | {k: "last" for k in STOCK}
    rolled = both.groupby(["period", "platform"]).agg({**agg, "shown": "first", "start": "max"})
    metrics = list(FLOWS) + list(STOCK)
    counts = both.groupby(["period", "platform"])[metrics].count()
    rolled[metrics] = rolled[metrics].where(
        counts > 0
    )  # a metric never recorded stays empty, not 0
    return rolled.rename(columns={"start": "last_day"})


def _posts(tables, ctx, grain: str) -> pd.Series:
    posts = tables.get("posts", [])
    if not posts or not posts[0].has("platform", "published_at"):
        return pd.Series(dtype=float)
    t = posts[0]
    frame = pd.DataFrame(
        {"period": period_start(t.data["published_at"], grain), "platform": folded(t, "platform")}
    )
    return frame.dropna().groupby(["period", "platform"]).size()


def _inquiry_stats(ctx, grain: str, starts: list[pd.Timestamp]) -> pd.DataFrame | None:
    t = ctx.tables.get("inquiries")
    if t is None:
        return None
    hours = ctx.cfg("posts", "inquiry_reply_hours")
    received = t.data["received_at"]
    replied = t.data["replied_at"] if t.has("replied_at") else pd.Series(pd.NaT, index=t.data.index)
    frame = pd.DataFrame(
        {
            "period": period_start(received, grain),
            "platform": t.data["platform"].fillna("（未填）") if t.has("platform") else "（全部）",
            "delay": (replied - received).dt.total_seconds() / 3600,
            "answered": replied.notna() if t.has("replied_at") else False,
        }
    ).dropna(subset=["period"])
    out = []
    for start in starts:
        of = frame[frame["period"] == start]
        for platform, g in of.groupby("platform"):
            within = int((g["delay"] <= hours).sum())
            out.append(
                {
                    "期間": label(start, grain),
                    "平台": platform,
                    "諮詢數": len(g),
                    f"{hours}小時內回覆": within,
                    f"{hours}小時內回覆率": within / len(g) if len(g) else None,
                    "回覆時間中位數（小時）": round(float(g["delay"].median()), 1)
                    if g["delay"].notna().any()
                    else None,
                    "未回覆": int((~g["answered"]).sum()),
                }
            )
    return pd.DataFrame(out)


def platform_report(
    tables, ctx, grain: str, start: pd.Timestamp | None = None
) -> SummarySheet | None:
    metrics = ctx.tables.get("metrics")
    if metrics is None:
        return None
    sheet, clause, unit, trend_n = GRAINS[grain]
    start = start or default_period(ctx.as_of, grain)
    previous = shift(start, grain, -1)
    rolled = rollup(metric_rows(metrics, ctx.as_of.year), grain)
    posts = _posts(tables, ctx, grain)
    platforms = sorted(
        set(rolled.index.get_level_values("platform"))
        | set(posts.index.get_level_values("platform") if len(posts) else [])
    )
    shown = (
        rolled["shown"].groupby(level="platform").first()
        if len(rolled)
        else pd.Series(dtype=object)
    )
    drop = ctx.cfg("reports", "drop_alert_pct")
    lines = []
    for platform in platforms:
        name = shown.get(platform, platform)
        for key, title in {**STOCK, **FLOWS, "posts": "發文數"}.items():
            if key == "posts":
                now, before = posts.get((start, platform)), posts.get((previous, platform))
                now = (
                    0
                    if now is None and (start, platform) not in posts and _has_period(posts, start)
                    else now
                )
                before = 0 if before is None and _has_period(posts, previous) else before
            else:
                now = _value(rolled, start, platform, key)
                before = _value(rolled, previous, platform, key)
            change = now - before if now is not None and before is not None else None
            pct = change / before if change is not None and before not in (None, 0) else None
            if now is None and before is None:
                note = "兩期均無資料"
            elif now is None:
                note = f"本{unit}無資料"
            elif before is None:
                note = f"上{unit}無資料"
            elif before == 0:
                note = "上期為 0，無法計算變化率" if now else ""
            elif pct is not None and pct <= -drop / 100:
                note = f"下降 {abs(pct):.0%}（超過 {drop}%）"
            else:
                note = ""
            lines.append(
                {
                    "平台": name,
                    "指標": title,
                    f"本{unit}": now,
                    f"上{unit}": before,
                    "變化": change,
                    "變化率": pct,
                    "提示": note,
                }
            )
    compare = pd.DataFrame(
        lines, columns=["平台", "指標", f"本{unit}", f"上{unit}", "變化", "變化率", "提示"]
    )
    fmt = {
        f"本{unit}": "#,##0",
        f"上{unit}": "#,##0",
        "變化": "+#,##0;-#,##0;0",
        "變化率": "+0%;-0%;0%",
    }
    title = (
        f"{label(start, grain)}（{start:%Y-%m-%d}～{(shift(start, grain, 1) - pd.Timedelta(days=1)):%Y-%m-%d}）"
        f"對比 {label(previous, grain)}"
    )
    end = shift(start, grain, 1) - pd.Timedelta(days=1)
    in_period = rolled[rolled.index.get_level_values("period") == start]
    last_day = in_period["last_day"].max() if len(in_period) else None
    if not len(compare):
        note = "平台數據表中沒有這兩期的資料"
    elif last_day is not None and last_day < end:
        note = f"注意：本{unit}的平台數據只到 {last_day:%Y-%m-%d}，不是完整的一{unit}"
    else:
        note = None
    blocks = [Block(f"{sheet}：{title}", compare, fmt, note=note)]
    inquiries = _inquiry_stats(ctx, grain, [start, previous])
    if inquiries is not None:
        hours = ctx.cfg("posts", "inquiry_reply_hours")
        blocks.append(
            Block(
                "留言諮詢回覆（R1-6.7）",
                inquiries,
                {f"{hours}小時內回覆率": "0%", "回覆時間中位數（小時）": "0.0"},
                note=None if len(inquiries) else "這兩期沒有留言記錄",
            )
        )
    trend_starts = [shift(start, grain, -i) for i in range(trend_n - 1, -1, -1)]
    trend = pd.DataFrame({unit: [label(s, grain) for s in trend_starts]})
    for platform in platforms:
        trend[shown.get(platform, platform)] = [
            _value(rolled, s, platform, "reads") for s in trend_starts
        ]
    blocks.append(
        Block(f"近 {trend_n} {unit}閱讀量", trend, {c: "#,##0" for c in trend.columns[1:]})
    )
    charts = (
        [
            Chart(
                "line",
                f"近 {trend_n} {unit}各平台閱讀量",
                len(blocks) - 1,
                unit,
                list(trend.columns[1:]),
            )
        ]
        if len(trend.columns) > 1
        else []
    )
    summary = SummarySheet(sheet, clause, blocks, charts)
    summary.alerts = [(0, i) for i, n in enumerate(compare["提示"]) if str(n).startswith("下降")]
    return summary


def _has_period(posts: pd.Series, start) -> bool:
    return len(posts) > 0 and start in set(posts.index.get_level_values("period"))


def _value(rolled: pd.DataFrame, start, platform, key):
    try:
        value = rolled.at[(start, platform), key]
    except KeyError:
        return None
    return None if pd.isna(value) else float(value)


def build(tables, ctx) -> list[SummarySheet]:
    out = []
    for grain in ("week", "month"):
        report = platform_report(tables, ctx, grain)
        if report is not None:
            out.append(report)
    return out
