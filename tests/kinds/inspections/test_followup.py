"""Follow-up across visits (R2-2.3, R2-1.4.2, R2-1.5, R2-1.3.3), both ways: the same hazard at
a customer's next visit is reported on that later visit, a hazard gone by then is not; with
``hazard_followup_days`` a customer not seen again in time is reported, one seen is not."""

from __future__ import annotations

import datetime as dt

from helpers import check, settings

H = ["用戶編號", "檢查日期", "檢查員", "膠管破損", "違章占壓", "整改意見", "檢查結果"]
D = dt.date


def visit(customer, day, hose="否", occupation="否"):
    fix = "限期整改" if "是" in (hose, occupation) else None
    return [customer, day, "甲", hose, occupation, fix, "不合格" if fix else "合格"]


def lines(checked, rule):
    f = checked.report.frame
    return f[f["rule"] == rule]


def test_same_hazard_at_the_next_visit_is_reported_on_the_later_visit():
    rows = [
        visit("C1", D(2026, 3, 1), hose="是"),
        visit("C2", D(2026, 3, 1), hose="是"),
        visit("C1", D(2026, 6, 1), hose="是"),  # still there: reported here (row 4)
        visit("C2", D(2026, 6, 1)),  # gone: nothing
        visit("C3", D(2026, 3, 1), occupation="是"),
        visit("C3", D(2026, 6, 1), hose="是"),  # another hazard: not "the same"
    ]
    checked = check({"入戶安檢記錄": [H, *rows]})
    found = lines(checked, "inspections.pipe_hazard.repeated")
    assert list(found["row"]) == [4] and list(found["clause"]) == ["R2-2.3"]
    assert (
        "2026-03-01" in found["message"].iloc[0]
        and "2026-06-01 再次檢查仍存在" in found["message"].iloc[0]
    )
    assert lines(checked, "inspections.occupation.repeated").empty


def test_visits_out_of_order_in_the_sheet_are_ordered_by_day():
    rows = [visit("C1", D(2026, 6, 1), hose="是"), visit("C1", D(2026, 3, 1), hose="是")]
    found = lines(check({"入戶安檢記錄": [H, *rows]}), "inspections.pipe_hazard.repeated")
    assert list(found["row"]) == [2]  # the June visit is the later one


def test_not_revisited_within_the_days():
    rows = [
        visit("C1", D(2026, 3, 1), hose="是"),
        visit("C1", D(2026, 3, 20)),  # seen again in 19 days: fine
        visit("C2", D(2026, 3, 1), occupation="是"),
        visit("C2", D(2026, 5, 1)),  # 61 days later: late
        visit("C3", D(2026, 11, 10), occupation="是"),  # deadline 12-10 not yet passed
    ]
    cfg = settings(inspections__hazard_followup_days=30)
    checked = check({"入戶安檢記錄": [H, *rows]}, cfg=cfg)
    late = lines(checked, "inspections.occupation.not_revisited")
    assert list(late["row"]) == [4] and list(late["clause"]) == ["R2-1.5"]
    assert "2026-05-01" in late["message"].iloc[0] and "2026-03-31" in late["message"].iloc[0]
    assert lines(checked, "inspections.pipe_hazard.not_revisited").empty
    # off by default (the regulation gives no term): not run, said so
    plain = check({"入戶安檢記錄": [H, *rows]})
    assert lines(plain, "inspections.occupation.not_revisited").empty
    assert "inspections.occupation.not_revisited" in {n.rule for n in plain.not_checked}
