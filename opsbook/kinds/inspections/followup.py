"""Follow-up across visits (R2-2.3 監督其整改, R2-1.4.2 / R2-1.5 責令改正, R2-1.3.3): a hazard
found at one visit must be gone at the customer's next visit, and, when
``inspections.hazard_followup_days`` is set, the customer re-visited within that many days.

Visits are ordered by customer and day once; each visit's next visit of the same customer is
a ``groupby().shift(-1)`` — no loop over customers.  The same hazard (the same column) at
two consecutive visits is reported on the later visit; a hazard whose customer was not seen
again in time is reported on the visit that found it (once the deadline has passed as-of).
"""

from __future__ import annotations

import pandas as pd

from ...catalog.base import ERROR, AggregateRule, Context, folded, no_rows, yes

T = "inspections"
# The hazards followed up: those of rules.HAZARDS whose clause says 監督其整改 / 責令改正
# (R2-2.3, R2-1.4.2, R2-1.5), and gas theft found again (R2-1.3.3).
FOLLOWED_CLAUSES = ("R2-1.4.2", "R2-2.3", "R2-1.5")
THEFT = ("theft", "R2-1.3.3", ("theft_found",))
# The rules' ids written out (`grep pipe_hazard.repeated` lands here): (repeated, not re-visited).
FOLLOW_UP_IDS = {
    "pipe_altered": ("inspections.pipe_altered.repeated", "inspections.pipe_altered.not_revisited"),
    "pipe_hazard": ("inspections.pipe_hazard.repeated", "inspections.pipe_hazard.not_revisited"),
    "occupation": ("inspections.occupation.repeated", "inspections.occupation.not_revisited"),
    "theft": ("inspections.theft.repeated", "inspections.theft.not_revisited"),
}


def _visits(t, keys) -> tuple[pd.DataFrame, list[str]]:
    """One row per dated visit: customer, day, worksheet row, a flag per hazard column, and
    the same of the customer's next visit (``next_`` columns)."""
    present = [k for k in keys if t.has(k)]
    v = pd.DataFrame(
        {
            "id": folded(t, "customer_id"),
            "shown": t.data["customer_id"],
            "day": t.data["inspected_on"].dt.normalize(),
        }
    )
    for k in present:
        v[k] = yes(t, k)
    v = v.dropna(subset=["id", "day"]).rename_axis("row").reset_index()
    v = v.sort_values(["id", "day", "row"], kind="stable")
    following = v.groupby("id", sort=False)[["day", "row", *present]].shift(-1)
    return v.join(following.add_prefix("next_")), present


def _names(t, v: pd.DataFrame, present, both: bool) -> pd.Series:
    names = pd.Series("", index=v.index, dtype=object)
    for k in present:
        hit = v[k] & (v["next_" + k].eq(True) if both else True)
        names[hit] = names[hit] + "、" + t.header(k)
    return names.str.lstrip("、")


def repeated(keys):
    def run(t, ctx: Context) -> pd.DataFrame:
        v, present = _visits(t, keys)
        if not present:
            return no_rows()
        same = pd.Series(False, index=v.index)
        for k in present:
            same |= v[k] & v["next_" + k].eq(True)
        bad = v[same]
        if bad.empty:
            return no_rows()
        return pd.DataFrame(
            {
                "rows": [[int(r)] for r in bad["next_row"]],
                "key": present[0] if len(present) == 1 else "customer_id",
                "customer": bad["shown"].values,
                "hazards": _names(t, v, present, both=True)[bad.index].values,
                "first": bad["day"].dt.strftime("%Y-%m-%d").values,
                "again": bad["next_day"].dt.strftime("%Y-%m-%d").values,
            }
        )

    return run


def not_revisited(keys):
    def run(t, ctx: Context) -> pd.DataFrame:
        days = ctx.cfg("inspections", "hazard_followup_days")
        v, present = _visits(t, keys)
        if not present or not days:
            return no_rows()
        found = pd.Series(False, index=v.index)
        for k in present:
            found |= v[k]
        deadline = v["day"] + pd.Timedelta(days=days)
        missed = found & (v["next_day"].isna() | (v["next_day"] > deadline))
        missed &= deadline < ctx.as_of.normalize()
        bad = v[missed]
        if bad.empty:
            return no_rows()
        seen = bad["next_day"].dt.strftime("%Y-%m-%d")
        return pd.DataFrame(
            {
                "rows": [[int(r)] for r in bad["row"]],
                "key": "customer_id",
                "customer": bad["shown"].values,
                "hazards": _names(t, v, present, both=False)[bad.index].values,
                "found": bad["day"].dt.strftime("%Y-%m-%d").values,
                "deadline": deadline[bad.index].dt.strftime("%Y-%m-%d").values,
                "next": seen.fillna("無").values,
                "next_en": seen.fillna("none").values,
                "days": days,
            }
        )

    return run


def rules(hazards) -> list:
    """The two follow-up rules of each hazard group (name, clause, columns) followed up."""
    out = []
    followed = [h for h in hazards if h[1] in FOLLOWED_CLAUSES] + [THEFT]
    for name, clause, keys in followed:
        theft = name == "theft"
        repeated_id, not_revisited_id = FOLLOW_UP_IDS[name]
        out += [
            AggregateRule(
                id=repeated_id,
                clause=clause,
                table=T,
                severity=ERROR,
                title=f"{name}: not found again at the customer's next visit",
                message=(
                    "用戶 {customer} 於 {first} 與 {again} 兩次檢查均發現盜氣：應報有關部門依法處理"
                    if theft
                    else "用戶 {customer} 於 {first} 發現{hazards}，{again} 再次檢查仍存在：須監督用戶整改"
                ),
                message_en=(
                    "customer {customer}: gas theft found at {first} and again at {again}"
                    if theft
                    else "customer {customer}: {hazards} found on {first} and still there on {again}"
                ),
                needs=("customer_id", "inspected_on"),
                needs_any=keys,
                run=repeated(keys),
            ),
            AggregateRule(
                id=not_revisited_id,
                clause=clause,
                table=T,
                title=f"{name}: the customer re-visited within the follow-up days",
                message="用戶 {customer} 於 {found} 發現{hazards}，{days} 天內（{deadline} 前）未再檢查"
                "（下次檢查：{next}）：須跟進整改",
                message_en="customer {customer}: {hazards} found on {found}, not re-visited within "
                "{days} days (by {deadline}; next visit: {next_en})",
                needs=("customer_id", "inspected_on"),
                needs_any=keys,
                run=not_revisited(keys),
                enabled=lambda ctx: ctx.cfg("inspections", "hazard_followup_days") > 0,
            ),
        ]
    return out
