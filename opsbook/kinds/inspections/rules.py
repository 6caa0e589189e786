"""運營規章制度2: household gas-inspection sheets.

Row rules put each violation on the cell to fix (the blank signature, the badge 否).  Hazard
columns (私改管道, 銹蝕 …) left blank mean "not found": inspectors tick what they find.  The
cross-row rules count per customer: two entered inspections a year (R2-2.1), the blacklist
follow-up (R2-1.2) and the optional minimum for key customers (R2-1.6).
"""

from __future__ import annotations

import numpy as np
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
    yes,
)

T = "inspections"


def entered(t) -> pd.Series:
    return yes(t, "entered")


PASSED_WORDS = ["合格", "通過", "pass", "passed"]
PASSED = f"one_of(result, {PASSED_WORDS})"  # the result says the inspection passed


def passed(t) -> pd.Series:
    return in_words(t, "result", PASSED_WORDS)


def _any(t, keys) -> pd.Series:
    present = [k for k in keys if t.has(k)]
    out = pd.Series(False, index=t.data.index)
    for k in present:
        out |= yes(t, k)
    return out


def _found_names(t, keys, rows) -> pd.Series:
    present = [k for k in keys if t.has(k)]
    names = pd.Series("", index=rows, dtype=object)
    for k in present:
        hit = yes(t, k)[rows]
        names[hit] = names[hit] + "、" + t.header(k)
    return names.str.lstrip("、")


# Hazards grouped by the clause that governs them.  Any hazard needs a rectification note
# and cannot be 合格 (R2-2.3 says rectification is advised and supervised).
HAZARDS = [
    ("pipe_altered", "R2-1.4.2", ("pipe_altered",)),
    (
        "pipe_hazard",
        "R2-2.3",
        ("pipe_as_earth", "corrosion", "load_hung", "hose_overlength", "hose_damaged"),
    ),
    ("appliance", "R2-2.4", ("appliance_noncompliant",)),
    ("private_heater", "R2-1.4.3", ("private_heater",)),
    ("occupation", "R2-1.5", ("occupation",)),
]
ALL_HAZARDS = tuple(k for _, _, keys in HAZARDS for k in keys)


# The hazard rules' ids, written out (one pair per hazard group): (no rectification, passed).
HAZARD_RULE_IDS = {
    "pipe_altered": (
        "inspections.pipe_altered.no_rectification",
        "inspections.pipe_altered.passed",
    ),
    "pipe_hazard": ("inspections.pipe_hazard.no_rectification", "inspections.pipe_hazard.passed"),
    "appliance": ("inspections.appliance.no_rectification", "inspections.appliance.passed"),
    "private_heater": (
        "inspections.private_heater.no_rectification",
        "inspections.private_heater.passed",
    ),
    "occupation": ("inspections.occupation.no_rectification", "inspections.occupation.passed"),
}


def _hazard_rules() -> list:
    rules = []
    for name, clause, keys in HAZARDS:
        no_rectification_id, passed_id = HAZARD_RULE_IDS[name]

        found = " or ".join(f"yes({k})" for k in keys)

        def names(t, ctx, rows, keys=keys):
            return pd.DataFrame({"hazards": _found_names(t, keys, rows)}, index=rows)

        # A private heater may be reported to the authorities instead (R2-1.4.3).
        no_remedy = "blank(rectification)" + (
            " and not yes(reported)" if name == "private_heater" else ""
        )
        rules += [
            RowRule(
                id=no_rectification_id,
                clause=clause,
                table=T,
                when=found,
                title=f"{name}: a rectification note is issued",
                message="發現{hazards}，未填整改意見：須向用戶提出整改意見並監督整改"
                + ("（或上報有關部門）" if name == "private_heater" else ""),
                message_en="hazard found ({hazards}) without a rectification note",
                needs_any=keys,
                target="rectification",
                fails_if=no_remedy,
                params=names,
            ),
            RowRule(
                id=passed_id,
                clause=clause,
                table=T,
                when=found,
                title=f"{name}: an inspection with this hazard is not 合格",
                message="發現{hazards}，檢查結果卻為「{value}」：存在隱患不能判定合格",
                message_en="hazard found ({hazards}) but the result is '{value}'",
                needs_any=keys,
                target="result",
                fails_if=PASSED,
                params=names,
            ),
        ]
    return rules


def _row_rules() -> list:
    return [
        RowRule(
            id="inspections.uniform",
            clause="R2-2.1",
            table=T,
            title="inspector in uniform",
            message="入戶檢查須統一著裝（統一著裝：{value}）",
            message_en="the inspector must wear the uniform (uniform: {value})",
            target="uniform",
            fails_if="not yes(uniform)",
        ),
        RowRule(
            id="inspections.badge",
            clause="R2-3.2",
            table=T,
            title="inspector wears the work badge (also R2-2.1)",
            message="工作人員上崗必須佩戴工作牌（佩戴工作牌：{value}）",
            message_en="the inspector must wear the work badge (badge: {value})",
            target="badge",
            fails_if="not yes(badge)",
        ),
        RowRule(
            id="inspections.not_entered_reason",
            clause="R2-2.7",
            table=T,
            title="a visit that did not enter states why",
            message="未能入戶檢查，須詳細說明原因（未入戶原因空白）",
            message_en="the visit did not enter: the reason must be stated",
            needs=("entered",),
            target="not_entered_reason",
            fails_if="no(entered) and blank(not_entered_reason)",
        ),
        *[
            RowRule(
                id=rule_id,
                clause="R2-2.5",
                table=T,
                when="yes(entered)",
                title=f"an entered visit records {what}",
                message=f"入戶檢查須檢查{zh}，「{{header}}」未填",
                message_en=f"an entered inspection must record {what}",
                needs=("entered",),
                target=key,
                fails_if=f"blank({key})",
            )
            for rule_id, key, zh, what in [
                ("inspections.leak_recorded", "leak", "有無燃氣洩漏", "the leak check"),
                (
                    "inspections.stove_pressure_ok_recorded",
                    "stove_pressure_ok",
                    "灶前壓力",
                    "the stove pressure",
                ),
                ("inspections.meter_ok_recorded", "meter_ok", "氣表運行", "the meter"),
            ]
        ],
        RowRule(
            id="inspections.leak_passed",
            clause="R2-2.5",
            table=T,
            title="an inspection that found a leak is not 合格",
            message="發現燃氣洩漏，檢查結果卻為「{value}」",
            message_en="a gas leak was found but the result is '{value}'",
            needs=("leak",),
            target="result",
            fails_if=f"yes(leak) and {PASSED}",
        ),
        RowRule(
            id="inspections.signature",
            clause="R2-2.7",
            table=T,
            title="a passed inspection is signed by the customer",
            message="檢查合格後須請用戶簽字確認（用戶簽字空白）",
            message_en="a passed inspection must be signed by the customer",
            needs=("result",),
            target="signature",
            fails_if=f"{PASSED} and blank(signature)",
        ),
        RowRule(
            id="inspections.seal_fitted",
            clause="R2-1.4",
            table=T,
            title="a missing anti-theft seal is fitted during the visit",
            message="防盜封缺失，安檢時須加裝（加裝防盜封：{value}）",
            message_en="the anti-theft seal is missing and was not fitted (fitted: {value})",
            needs=("seal",),
            target="seal_fitted",
            fails_if='one_of(seal, ["缺失", "無", "沒有", "missing"]) and not yes(seal_fitted)',
        ),
        RowRule(
            id="inspections.seal_damaged_reported",
            clause="R2-1.4.1",
            table=T,
            title="a damaged seal is reported",
            message="表封損壞，須及時向公司領導反映（已上報：{value}）",
            message_en="the seal is damaged and was not reported (reported: {value})",
            needs=("seal",),
            target="reported",
            fails_if='one_of(seal, ["損壞", "破損", "damaged"]) and not yes(reported)',
        ),
        RowRule(
            id="inspections.equipment_damage_reported",
            clause="R2-2.2",
            table=T,
            title="damaged equipment is reported",
            message="發現設備損壞，須上報公司有關部門處理（已上報：{value}）",
            message_en="damaged equipment was not reported (reported: {value})",
            needs=("equipment_damaged",),
            target="reported",
            fails_if="yes(equipment_damaged) and not yes(reported)",
        ),
        RowRule(
            id="inspections.theft_supply_stopped",
            clause="R2-1.3",
            table=T,
            title="gas theft found → supply stopped",
            message="發現盜氣，須責令終止並停止供氣（停止供氣：{value}）",
            message_en="gas theft found but supply not stopped (stopped: {value})",
            needs=("theft_found",),
            target="supply_stopped",
            fails_if="yes(theft_found) and not yes(supply_stopped)",
        ),
        RowRule(
            id="inspections.certificate",
            clause="R2-2.8",
            table=T,
            when="yes(entered)",
            title="the gas-use certificate is filled in after an entered inspection",
            message="入戶檢查後須填寫「用戶使用證」（{header}：{value}）",
            message_en="the customer's gas-use certificate was not filled in ({value})",
            needs=("entered",),
            target="certificate_filled",
            fails_if="not yes(certificate_filled)",
        ),
        RowRule(
            id="inspections.fee_charged",
            clause="R2-3.6",
            table=T,
            title="no fee is collected",
            message="不準擅自向用戶收取額外費用（收取費用：{value}）",
            message_en="no extra fee may be collected (fee: {value})",
            target="fee_charged",
            fails_if="nonzero(fee_charged)",
        ),
        RowRule(
            id="inspections.unapproved_work",
            clause="R2-3.8",
            table=T,
            title="no unapproved installation or alteration",
            message="未經審批不得私自為用戶安裝和改裝燃氣設施（{header}：{value}）",
            message_en="gas facilities installed or altered without approval",
            target="unapproved_work",
            fails_if="yes(unapproved_work)",
        ),
    ]


# Cross-row rules ---------------------------------------------------------------------------


def _customer_frame(t) -> pd.DataFrame:
    ids = folded(t, "customer_id")
    return pd.DataFrame(
        {
            "id": ids,
            "shown": t.data["customer_id"],
            "day": t.data["inspected_on"].dt.normalize(),
            "entered": entered(t) if t.has("entered") else True,
        }
    )


def residential_customers(t, ctx: Context) -> pd.DataFrame:
    """The customers R2-2.1 counts: the 用戶清單 roster when present, else those inspected;
    residential only when a 用戶類型 column says so."""
    key = ("residential", t.sheet)  # the twice-a-year rule and the monthly summary share it
    if key not in ctx.cache:
        ctx.cache[key] = _residential_customers(t, ctx)
    return ctx.cache[key]


def _residential_customers(t, ctx: Context) -> pd.DataFrame:
    types = ctx.cfg("inspections", "residential_types")
    roster = ctx.tables.get("customers")
    source = roster if roster is not None else t
    ids = folded(source, "customer_id")
    keep = ids.notna()
    if source.has("customer_type"):
        typed = ~blank(source, "customer_type")
        keep &= in_words(source, "customer_type", types) | ~typed
    frame = pd.DataFrame({"id": ids[keep], "shown": source.data["customer_id"][keep]})
    if roster is None and t.has("customer_type"):
        # Without a roster a customer is residential unless one of its rows says otherwise.
        non_res = frame.index[
            ~in_words(t, "customer_type", types)[frame.index]
            & ~blank(t, "customer_type")[frame.index]
        ]
        frame = frame[~frame["id"].isin(set(frame.loc[non_res, "id"]))]
    return frame.drop_duplicates("id")


def shortfalls(
    visits: pd.DataFrame, customers: pd.DataFrame, periods, minimum: int
) -> pd.DataFrame:
    """Every (customer, period) with fewer than ``minimum`` counted visits.  ``visits`` has
    columns id, p (the period), counted (bool) and the worksheet row as index."""
    counts = visits[visits["counted"]].groupby(["id", "p"]).size()
    grid = pd.MultiIndex.from_product([customers["id"], list(periods)], names=["id", "p"])
    frame = grid.to_frame(index=False)
    frame["count"] = counts.reindex(grid).fillna(0).astype(int).values
    short = frame[frame["count"] < minimum].copy()
    short["rows"] = rows_for(visits, short, ["id", "p"])
    short["customer"] = short["id"].map(customers.set_index("id")["shown"])
    return short


def rows_for(visits: pd.DataFrame, wanted: pd.DataFrame, keys: list[str]) -> list[list[int]]:
    """The worksheet rows of each wanted group, in the visits' order (only those: building
    row lists for every customer of a 100k-row sheet would be the slowest step); a wanted
    group without rows gets an empty list.  Vectorised: the groups numbered once over both
    frames, the visits' rows sorted by group, each wanted group's rows one slice of that
    array (a pandas ``groupby().agg(list)`` calls Python per group: 1.9 s for 58,810
    twice-a-year shortfalls)."""
    if wanted.empty:
        return []
    both = pd.concat([wanted[keys], visits[keys]], ignore_index=True)
    codes = both.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    wanted_codes, visit_codes = codes[: len(wanted)], codes[len(wanted) :]
    order = np.argsort(visit_codes, kind="stable")  # stable: rows stay in the visits' order
    sorted_codes = visit_codes[order]
    rows = visits.index.to_numpy()[order]
    starts = np.searchsorted(sorted_codes, wanted_codes, side="left")
    ends = np.searchsorted(sorted_codes, wanted_codes, side="right")
    return [rows[a:b].tolist() for a, b in zip(starts.tolist(), ends.tolist())]


def judged_span(ctx: Context, days: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The span a calendar-period rule judges: --from/--to where given, else the log's first
    and last record (never past as-of).  A log of 2023 checked in 2026 is judged for 2023,
    not for every year up to 2026; the period in progress at as-of is judged only when the
    log (or --to) reaches into it."""
    days = days.dropna()
    days = days[days <= ctx.as_of]
    if days.empty and (ctx.period_from is None or ctx.period_to is None):
        return None
    start = ctx.period_from if ctx.period_from is not None else days.min()
    end = ctx.period_to if ctx.period_to is not None else days.max()
    end = min(end, ctx.as_of)
    return (start, end) if start <= end else None


def _twice_a_year(t, ctx: Context) -> pd.DataFrame:
    minimum = ctx.cfg("inspections", "min_yearly_visits")
    visits = _customer_frame(t).dropna(subset=["id", "day"])
    customers = residential_customers(t, ctx)
    span = judged_span(ctx, visits["day"])
    if customers.empty or visits.empty or span is None:
        return no_rows()
    visits = visits[visits["day"] <= ctx.as_of]
    visits = visits.assign(p=visits["day"].dt.year, counted=visits["entered"])
    short = shortfalls(visits, customers, range(span[0].year, span[1].year + 1), minimum)
    if short.empty:
        return no_rows()
    in_progress = short["p"].eq(ctx.as_of.year)
    due = (minimum - short["count"]).astype(str)
    return pd.DataFrame(
        {
            "rows": short["rows"],
            "key": "customer_id",
            "customer": short["customer"],
            "year": short["p"],
            "count": short["count"],
            "minimum": minimum,
            "status": ("尚需 " + due + " 次").where(in_progress, "全年不足"),
            "severity": np.where(in_progress, WARNING, ERROR),
        }
    )


def blacklist(t, ctx: Context) -> pd.DataFrame:
    """R2-1.2: customers whose last purchase is more than N months before as-of, the day
    they crossed N months (a last purchase on 11-30 crosses 3 months on the last day of
    February), and their first inspection visit on or after that day."""
    key = ("blacklist", t.sheet)
    if key in ctx.cache:
        return ctx.cache[key]
    purchases = ctx.tables["purchases"]
    months = ctx.cfg("inspections", "blacklist_months")
    ids = folded(purchases, "customer_id")
    bought = pd.DataFrame(
        {
            "id": ids,
            "shown": purchases.data["customer_id"],
            "day": purchases.data["purchased_on"].dt.normalize(),
        }
    ).dropna(subset=["id", "day"])
    bought = bought[bought["day"] <= ctx.as_of]
    last = bought.groupby("id").agg(shown=("shown", "first"), last_purchase=("day", "max"))
    # Month arithmetic clipped to the month's end (11-30 + 3 months = the last day of February).
    last["listed_on"] = (
        (
            last["last_purchase"].dt.to_period("D").dt.to_timestamp()
            + pd.offsets.DateOffset(months=months)
        )
        if len(last)
        else last["last_purchase"]
    )
    listed = last[last["listed_on"] <= ctx.as_of.normalize()].copy()
    visits = _customer_frame(t).dropna(subset=["id", "day"]).reset_index()
    # On a column, not right_index: with empty tables (a fresh template) the merged frame
    # kept an index named "id" beside the column and groupby("id") refused it.
    merged = visits.merge(listed[["listed_on"]].reset_index(), on="id")
    after = merged[merged["day"] >= merged["listed_on"]].sort_values("day")
    first_visit = after.groupby("id").agg(
        followed_up_on=("day", "first"), followed_row=("row", "first")
    )
    listed = listed.join(first_visit)
    listed["rows"] = (
        rows_for(visits.set_index("row"), listed.reset_index()[["id"]], ["id"])
        if len(listed)
        else []
    )
    ctx.cache[key] = listed.sort_values("listed_on")
    return ctx.cache[key]


def _blacklist_follow_up(t, ctx: Context) -> pd.DataFrame:
    listed = blacklist(t, ctx)
    limit = ctx.cfg("inspections", "blacklist_followup_days")
    if listed.empty:
        return no_rows()
    deadline = listed["listed_on"] + pd.Timedelta(days=limit) if limit else None
    if limit:
        late = listed["followed_up_on"] > deadline
        missing = listed["followed_up_on"].isna() & (deadline < ctx.as_of.normalize())
        bad = listed[late | missing].copy()
        bad["severity"] = ERROR
        bad["deadline"] = "（期限 " + deadline[bad.index].dt.strftime("%Y-%m-%d") + "）"
        bad["deadline_en"] = " (due " + deadline[bad.index].dt.strftime("%Y-%m-%d") + ")"
    else:
        bad = listed[listed["followed_up_on"].isna()].copy()
        bad["severity"] = WARNING  # no deadline set: not late, but still owed
        bad["deadline"] = bad["deadline_en"] = ""
    if bad.empty:
        return no_rows()
    return pd.DataFrame(
        {
            "rows": bad["rows"].values,
            "key": "customer_id",
            "customer": bad["shown"].values,
            "last_purchase": bad["last_purchase"].dt.strftime("%Y-%m-%d").values,
            "listed_on": bad["listed_on"].dt.strftime("%Y-%m-%d").values,
            "visit": [
                d.strftime("%Y-%m-%d") if pd.notna(d) else "無" for d in bad["followed_up_on"]
            ],
            "deadline": bad["deadline"].values,
            "deadline_en": bad["deadline_en"].values,
            "months": ctx.cfg("inspections", "blacklist_months"),
            "severity": bad["severity"].values,
        }
    )


def _key_customers(t, ctx: Context) -> pd.DataFrame:
    minimum = ctx.cfg("inspections", "key_customer_min_visits")
    period = {"month": "M", "quarter": "Q", "year": "Y"}[
        ctx.cfg("inspections", "key_customer_period")
    ]
    roster = ctx.tables.get("customers")
    source = roster if roster is not None and roster.has("customer_type") else t
    ids = folded(source, "customer_id")
    keyed = in_words(source, "customer_type", ctx.cfg("inspections", "key_customer_types"))
    customers = pd.DataFrame(
        {"id": ids[keyed], "shown": source.data["customer_id"][keyed]}
    ).drop_duplicates("id")
    visits = _customer_frame(t).dropna(subset=["id", "day"])
    if customers.empty or visits.empty:
        return no_rows()
    span = judged_span(ctx, visits["day"])
    if span is None:
        return no_rows()
    # Closed periods only (a quarter in progress is not yet short), within the judged span.
    last = min(span[1].to_period(period), ctx.as_of.normalize().to_period(period) - 1)
    closed = (
        pd.period_range(span[0].to_period(period), last, freq=period)
        if span[0].to_period(period) <= last
        else pd.PeriodIndex([], freq=period)
    )
    visits = visits.assign(p=visits["day"].dt.to_period(period), counted=True)
    short = shortfalls(visits, customers, closed, minimum)
    if short.empty:
        return no_rows()
    return pd.DataFrame(
        {
            "rows": short["rows"],
            "key": "customer_id",
            "customer": short["customer"],
            "period": short["p"].astype(str),
            "count": short["count"],
            "minimum": minimum,
        }
    )


AGGREGATES = [
    AggregateRule(
        id="inspections.twice_a_year",
        clause="R2-2.1",
        table=T,
        title="residential customers: at least two entered inspections a calendar year",
        message="民用戶 {customer} {year} 年入戶檢查 {count} 次，每年至少 {minimum} 次（{status}）",
        message_en="residential customer {customer}: {count} entered inspections in {year}, "
        "at least {minimum} a year are required",
        needs=("customer_id", "inspected_on"),
        run=_twice_a_year,
    ),
    AggregateRule(
        id="inspections.blacklist_follow_up",
        clause="R2-1.2",
        table=T,
        companions=("purchases",),
        title="every blacklisted customer (no purchase for 3 months) is followed up by a visit",
        message="用戶 {customer} 最後購氣 {last_purchase}，逾 {months} 個月未購氣，{listed_on} 列入黑名單，"
        "之後未有安檢跟進{deadline}",
        message_en="customer {customer} last bought gas on {last_purchase}, blacklisted on {listed_on}; "
        "no follow-up visit yet{deadline_en}",
        needs=("customer_id", "inspected_on"),
        run=_blacklist_follow_up,
    ),
    AggregateRule(
        id="inspections.key_customer_visits",
        clause="R2-1.6",
        table=T,
        title="public-service and industrial customers visited at least N times per period",
        message="重點用戶 {customer} 在 {period} 只檢查 {count} 次，每期至少 {minimum} 次",
        message_en="key customer {customer}: {count} visits in {period}, at least {minimum} required",
        needs=("customer_id", "inspected_on", "customer_type"),
        run=_key_customers,
        enabled=lambda ctx: ctx.cfg("inspections", "key_customer_min_visits") > 0,
    ),
]

RULES = _row_rules() + _hazard_rules() + AGGREGATES
